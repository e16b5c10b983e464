import Foundation
import RunStore

/// Deleting a run's report folder, shared by `stratopt delete`, `stratopt prune` and `stratopt serve` so a
/// run is removed the same way whoever asks.
public enum RunDeletion {
    /// Removes a run's report folder if it is that run's (its manifest names the run, or the folder is
    /// named after it); a folder shared through `report.dir` by a later run is kept. Returns what happened.
    public static func removeReportFolder(_ record: RunRecord) -> String? {
        guard let dir = record.reportPath, FileManager.default.fileExists(atPath: dir) else { return nil }
        let manifestRun = (try? Manifest.read(from: dir + "/manifest.json"))?.runId
        let owned =
            manifestRun == record.runId || (manifestRun == nil && (dir as NSString).lastPathComponent == record.runId)
        guard owned else { return "kept \(dir) (it now holds run \(manifestRun ?? "?")'s report)" }
        // Only the files stratopt wrote go, then the folder if nothing else is left: a report.dir may be any
        // folder, and what else it holds is not stratopt's to delete.
        let outcome = ReportFolder.remove(dir, only: record.writtenFiles.map(Set.init))
        LatestLink.repair(specDirectory: (dir as NSString).deletingLastPathComponent)
        // Keep <reports>/index.html in step, for the run's own reports folder only (never an index.html that
        // merely happens to sit two levels above a custom report.dir).
        if let root = RecordedOptions.parse(record.options)?.reportsDir,
            FileManager.default.fileExists(atPath: root + "/index.html")
        {
            try? RunIndexWriter.rebuild(reportsDirectory: root)
        }
        return outcome
    }
}
