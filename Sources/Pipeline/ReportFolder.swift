import Foundation

/// What stratopt may do with a report folder: write into one that holds nothing but its own files, and
/// delete only the files it wrote (then the folder, once it is empty). A `report.dir` may name any path,
/// so nothing here trusts the folder to be stratopt's.
public enum ReportFolder {
    /// Every name stratopt writes into a report folder (and the temporary names it renames from).
    public static let writtenNames: Set<String> = [
        "results.csv", "best.csv", "trades.csv", "equity.csv", "results.json", "report.html", "manifest.json",
        "candidates.json", "orders.csv", "events.jsonl", ".trades.csv.partial", ".equity.csv.partial",
    ]

    /// The folder of a large run's per-symbol pages (`symbols/<name>.html`).
    public static let pagesFolder = "symbols"

    /// The temporary name a file is written under before it is renamed into place: `.<name>.partial`
    /// beside it. A run killed mid-write leaves it behind, and it is still one of stratopt's files.
    public static func temporaryPath(for path: String) -> String {
        let folder = (path as NSString).deletingLastPathComponent
        return (folder.isEmpty ? "" : folder + "/") + "." + (path as NSString).lastPathComponent + ".partial"
    }

    /// Whether `name` (relative to a run folder) is one stratopt writes: a fixed name, a page
    /// `symbols/<name>.html`, or the temporary name of either (`temporaryPath(for:)`).
    public static func isOurs(_ name: String) -> Bool {
        if writtenNames.contains(name) { return true }
        let base = (name as NSString).lastPathComponent
        if base.hasPrefix("."), base.hasSuffix(".partial"), base.count > ".x.partial".count {
            let folder = (name as NSString).deletingLastPathComponent
            let final = String(base.dropFirst().dropLast(".partial".count))
            return !final.hasPrefix(".") && isOurs(folder.isEmpty ? final : folder + "/" + final)
        }
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts[0] == pagesFolder && parts[1].count > 5 && parts[1].hasSuffix(".html")
            && !parts[1].hasPrefix(".")
    }

    /// The entries of a run folder, with the pages folder listed by its files (`symbols/AAPL.html`) rather
    /// than as one name; a `symbols` that is not a folder is listed as itself (and is not ours).
    static func entries(_ dir: String) -> [String]? {
        let fm = FileManager.default
        guard var names = try? fm.contentsOfDirectory(atPath: dir) else { return nil }
        var isDir: ObjCBool = false
        let pages = dir + "/" + pagesFolder
        if names.contains(pagesFolder), fm.fileExists(atPath: pages, isDirectory: &isDir), isDir.boolValue,
            (try? fm.destinationOfSymbolicLink(atPath: pages)) == nil
        {
            names.removeAll { $0 == pagesFolder }
            names += ((try? fm.contentsOfDirectory(atPath: pages)) ?? []).map { pagesFolder + "/" + $0 }
        }
        return names
    }

    /// Folders no run may write into or delete from, whatever `report.dir` says.
    static let systemFolders: Set<String> = [
        "/", "/bin", "/boot", "/dev", "/etc", "/home", "/lib", "/lib32", "/lib64", "/media", "/mnt", "/opt",
        "/proc", "/root", "/run", "/sbin", "/srv", "/sys", "/tmp", "/usr", "/usr/bin", "/usr/lib",
        "/usr/local", "/usr/local/bin", "/var", "/var/lib", "/var/log", "/var/tmp",
    ]

    /// Refuses a folder a run must not write into: a system folder, the home folder itself, or an existing
    /// folder holding files stratopt did not write (unless `allowForeignFiles`).
    public static func checkWritable(_ dir: String, allowForeignFiles: Bool = false, home: String? = nil)
        throws(RunError)
    {
        let path = normalised(dir)
        if systemFolders.contains(path) || (home.map(normalised) == path) {
            throw RunError(
                "report.dir \(dir) is a system or home folder; stratopt writes and later deletes report files there, so it refuses. Name a folder of its own, e.g. \(path == "/" ? "" : path)/stratopt-reports"
            )
        }
        guard !allowForeignFiles, let entries = ReportFolder.entries(dir) else { return }
        let foreign = entries.filter { !isOurs($0) }.sorted()
        guard foreign.isEmpty else {
            throw RunError(
                "report.dir \(dir) already holds files stratopt did not write (\(foreign.prefix(5).joined(separator: ", "))\(foreign.count > 5 ? ", …" : "")); name an empty or new folder, or pass --allow-existing-report-dir to write beside them"
            )
        }
    }

    /// What identifies one file's contents at a moment: inode, size and modification time (an atomic
    /// write replaces the inode; an append changes size and time).
    public struct Stamp: Sendable, Equatable {
        var inode: UInt64
        var size: UInt64
        var mtime: Double
    }

    /// The stamps of the files in `dir` that carry one of stratopt's names (empty when there is no folder).
    public static func stamps(_ dir: String) -> [String: Stamp] {
        let fm = FileManager.default
        guard let entries = ReportFolder.entries(dir) else { return [:] }
        var out: [String: Stamp] = [:]
        for name in entries where isOurs(name) {
            guard let a = try? fm.attributesOfItem(atPath: dir + "/" + name),
                a[.type] as? FileAttributeType == .typeRegular
            else { continue }
            out[name] = Stamp(
                inode: (a[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0,
                size: (a[.size] as? NSNumber)?.uint64Value ?? 0,
                mtime: (a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)
        }
        return out
    }

    /// The files of `dir` a run wrote: stratopt's names that are new since `before` or whose stamp changed.
    /// A file of the user's that merely carries one of stratopt's names (an `orders.csv` in a run without
    /// execute) is left out, so deleting the run never removes it.
    public static func written(in dir: String, since before: [String: Stamp]) -> [String] {
        stamps(dir).filter { before[$0.key] != $0.value }.keys.sorted()
    }

    /// Deletes the files stratopt writes from `dir`, then `dir` itself if nothing else is left. Returns what
    /// was removed and what was kept, for the user. `only`: the names the run recorded writing (nil for runs
    /// recorded before the list was kept: every stratopt name).
    public static func remove(_ dir: String, only: Set<String>? = nil) -> String {
        let fm = FileManager.default
        if systemFolders.contains(normalised(dir)) {
            return "kept \(dir) (a system folder; stratopt never deletes there)"
        }
        guard let entries = ReportFolder.entries(dir) else { return "could not read \(dir)" }
        var failed: [String] = []
        for name in entries where isOurs(name) && (only?.contains(name) ?? true) {
            var isDir: ObjCBool = false
            let path = dir + "/" + name
            // A folder or link under one of our names is not ours.
            guard fm.fileExists(atPath: path, isDirectory: &isDir), !isDir.boolValue,
                (try? fm.destinationOfSymbolicLink(atPath: path)) == nil
            else { continue }
            do { try fm.removeItem(atPath: path) } catch { failed.append(name) }
        }
        // The pages folder goes with its last page (stratopt made it); anything else in it keeps it.
        let pages = dir + "/" + pagesFolder
        if (try? fm.contentsOfDirectory(atPath: pages))?.isEmpty == true { try? fm.removeItem(atPath: pages) }
        let left = ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted()
        if left.isEmpty {
            try? fm.removeItem(atPath: dir)
            return "removed \(dir)"
        }
        let others = (ReportFolder.entries(dir) ?? left).filter { !isOurs($0) || !(only?.contains($0) ?? true) }
        if !failed.isEmpty { return "could not remove \(failed.joined(separator: ", ")) in \(dir)" }
        return
            "removed the report files of \(dir); kept the folder and what stratopt did not write (\(others.prefix(5).joined(separator: ", "))\(others.count > 5 ? ", …" : ""))"
    }

    static func normalised(_ dir: String) -> String {
        var p = URL(fileURLWithPath: dir).standardizedFileURL.path
        while p.count > 1 && p.hasSuffix("/") { p.removeLast() }
        return p
    }
}
