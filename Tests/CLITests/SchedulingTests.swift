import Foundation
import Testing

/// The systemd units in contrib/systemd, as docs/nightly.md tells to install them, pass `systemd-analyze verify`.
@Suite struct SchedulingTests {
    static let hasAnalyze = Tool.find("systemd-analyze") != nil
    static let units = CLI.repoRoot.appendingPathComponent("contrib/systemd")

    @Test(.enabled(if: hasAnalyze, "systemd-analyze is not installed (apt-get install systemd)"))
    func theNightlyUnitsVerify() async throws {
        // A root of their own: the units where docs/nightly.md installs them, the binary where ExecStart
        // looks for it (verify checks it is executable), and the system's targets they depend on.
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        let etc = root.appendingPathComponent("etc/systemd/system")
        let lib = root.appendingPathComponent("usr/lib/systemd/system")
        let bin = root.appendingPathComponent("usr/local/bin")
        for d in [etc, lib, bin] { try fm.createDirectory(at: d, withIntermediateDirectories: true) }
        try fm.copyItem(at: CLI.binary, to: bin.appendingPathComponent("stratopt"))
        for name in ["stratopt-nightly.service", "stratopt-nightly.timer"] {
            try fm.copyItem(at: Self.units.appendingPathComponent(name), to: etc.appendingPathComponent(name))
        }
        for name in try fm.contentsOfDirectory(atPath: "/usr/lib/systemd/system")
        where name.hasSuffix(".target") || name.hasSuffix(".slice") {
            // Copied as files: the system's symlinks are absolute and would point outside this root.
            let source = URL(fileURLWithPath: "/usr/lib/systemd/system/\(name)").resolvingSymlinksInPath()
            if let data = fm.contents(atPath: source.path) {
                try data.write(to: lib.appendingPathComponent(name))
            }
        }
        let r = try await Tool.run(
            "systemd-analyze",
            ["verify", "--root=\(root.path)"]
                + ["stratopt-nightly.service", "stratopt-nightly.timer"].map {
                    etc.appendingPathComponent($0).path
                })
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(!r.stderr.contains("stratopt-nightly"), "\(r.stderr)")

        // The check has teeth: a misspelt calendar is refused.
        let timer = etc.appendingPathComponent("stratopt-nightly.timer")
        let text = try String(contentsOf: timer, encoding: .utf8)
        try text.replacingOccurrences(of: "Mon..Fri", with: "Mon..Frri").write(
            to: timer, atomically: true, encoding: .utf8)
        let bad = try await Tool.run("systemd-analyze", ["verify", "--root=\(root.path)", timer.path])
        #expect(bad.status != 0)
    }

    /// docs/nightly.md shows the units of contrib/systemd verbatim, so the verified files are the documented ones.
    @Test func docsNightlyShowsTheUnitsInTheRepo() throws {
        let doc = try String(contentsOf: CLI.repoRoot.appendingPathComponent("docs/nightly.md"), encoding: .utf8)
        for name in ["stratopt-nightly.service", "stratopt-nightly.timer"] {
            let unit = try String(contentsOf: Self.units.appendingPathComponent(name), encoding: .utf8)
            #expect(doc.contains("```ini\n" + unit + "```"), "docs/nightly.md does not show contrib/systemd/\(name)")
        }
        #expect(doc.contains("mkdir -p logs"), "the cron recipe creates its log folder")
        #expect(doc.contains("EnvironmentFile="))
    }
}
