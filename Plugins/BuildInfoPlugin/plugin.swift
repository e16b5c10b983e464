import Foundation
import PackagePlugin

/// Stamps the git commit the tool was built from into the `BuildInfo` module, so every manifest
/// names the exact code that produced it. Rewrites the file only when the commit changes.
@main
struct BuildInfoPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let outDir = context.pluginWorkDirectoryURL.appending(path: "generated")
        let outFile = outDir.appending(path: "BuildCommit.swift")
        let script = """
            c=$(git -C "$1" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
            if [ "$c" != unknown ] && [ -n "$(git -C "$1" status --porcelain --untracked-files=no 2>/dev/null | head -c1)" ]; then c="$c-dirty"; fi
            mkdir -p "$(dirname "$2")"
            line="public let buildCommit = \\"$c\\""
            [ "$(cat "$2" 2>/dev/null)" = "$line" ] || printf '%s\\n' "$line" > "$2"
            """
        return [
            .prebuildCommand(
                displayName: "Stamping the git commit into BuildInfo",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: ["-c", script, "sh", context.package.directoryURL.path, outFile.path],
                outputFilesDirectory: outDir)
        ]
    }
}
