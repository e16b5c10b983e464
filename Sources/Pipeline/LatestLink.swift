import Foundation

/// `reports/<spec>/latest`: a symbolic link to the newest run folder of a spec, for notebooks and scripts
/// (`pd.read_csv("reports/nightly/latest/results.csv")`).
///
/// Only stratopt writes it, and only as a link: a `latest` that is a real file or folder is someone else's
/// and is left alone. It is replaced atomically (a new link renamed over the old one), so a reader never
/// finds it missing or half-made.
public enum LatestLink {
    public static let name = "latest"

    /// Points `<parent of runDirectory>/latest` at `runDirectory` (relative: `latest -> <run id>`), so the
    /// reports folder can be moved or mounted elsewhere.
    public static func point(at runDirectory: String) {
        let url = URL(fileURLWithPath: runDirectory).standardizedFileURL
        let parent = url.deletingLastPathComponent().path
        let link = parent + "/" + name
        let fm = FileManager.default
        if !isLink(link) && fm.fileExists(atPath: link) { return }
        let temporary = parent + "/.\(name).\(ProcessInfo.processInfo.processIdentifier).tmp"
        try? fm.removeItem(atPath: temporary)
        guard (try? fm.createSymbolicLink(atPath: temporary, withDestinationPath: url.lastPathComponent)) != nil
        else { return }
        if rename(temporary, link) != 0 { try? fm.removeItem(atPath: temporary) }
    }

    /// After a run folder under `specDirectory` was deleted: `latest` points at the newest remaining run
    /// folder (run ids sort by start time), or is removed when none is left. Leaves a non-link alone.
    public static func repair(specDirectory: String) {
        let link = specDirectory + "/" + name
        guard isLink(link) else { return }
        let fm = FileManager.default
        if fm.fileExists(atPath: link + "/manifest.json") { return }
        let runs = ((try? fm.contentsOfDirectory(atPath: specDirectory)) ?? []).filter {
            $0 != name && !$0.hasPrefix(".") && !isLink(specDirectory + "/" + $0)
                && fm.fileExists(atPath: specDirectory + "/" + $0 + "/manifest.json")
        }
        if let newest = runs.max() {
            point(at: specDirectory + "/" + newest)
        } else {
            try? fm.removeItem(atPath: link)
        }
    }

    /// Whether `path` is a symbolic link (whatever it points at, if anything).
    public static func isLink(_ path: String) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil
    }
}
