import Foundation
import Reports

/// Writes a rendered report into its folder, each file atomically.
public enum ReportWriter {
    /// Renders `report` (with the execute stage's rows when given) and writes every file into `dir`.
    public static func write(_ report: RunReport, execution: [ExecutionRow]? = nil, to dir: String) throws {
        var r = report
        if let execution { r.execution = execution }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for file in ReportRenderer.render(r) {
            try Data(file.contents).write(to: URL(fileURLWithPath: dir + "/" + file.name), options: .atomic)
        }
    }
}
