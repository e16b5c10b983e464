import Foundation
import Reports

/// Writes a rendered report into its folder.
public enum ReportWriter {
    /// Renders `report` (with the execute stage's rows when given) and writes every file into `dir`.
    ///
    /// `equity.csv` (one line per bar of every backtest: hundreds of MB for a 500-symbol grid) is streamed
    /// to disk one backtest at a time instead of being built in memory; each file is written to a
    /// temporary name and renamed, so a reader never sees half a file.
    public static func write(_ report: RunReport, execution: [ExecutionRow]? = nil, to dir: String) throws {
        var r = report
        if let execution { r.execution = execution }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for file in ReportRenderer.render(r, includeEquityCSV: false) {
            try Data(file.contents).write(to: URL(fileURLWithPath: dir + "/" + file.name), options: .atomic)
        }
        let final = dir + "/equity.csv"
        let temp = dir + "/.equity.csv.partial"
        guard FileManager.default.createFile(atPath: temp, contents: nil),
            let handle = FileHandle(forWritingAtPath: temp)
        else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temp])
        }
        do {
            var buffer: [UInt8] = []
            buffer.reserveCapacity(1 << 20)
            try ReportRenderer.streamEquityCSV(r) { chunk in
                buffer += chunk
                if buffer.count >= 1 << 20 {
                    try handle.write(contentsOf: buffer)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try handle.write(contentsOf: buffer)
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temp)
            throw error
        }
        _ = try? FileManager.default.removeItem(atPath: final)
        try FileManager.default.moveItem(atPath: temp, toPath: final)
    }
}
