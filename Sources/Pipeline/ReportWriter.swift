import Foundation
import Reports

/// Writes a run's report files into its folder; each file goes to a temporary name and is renamed, so a
/// reader never sees half a file.
public enum ReportWriter {
    /// results.csv, best.csv, trades.csv, results.json and equity.csv.
    ///
    /// equity.csv is streamed to disk one backtest at a time. By default it holds each symbol's best curve
    /// (from `report.symbols`); `curves` gives every backtest's curves of a symbol when `report: {equity: all}`
    /// asks for them, computed one symbol at a time so memory stays at one symbol's grid.
    ///
    /// The files are independent: they are rendered concurrently, all but best.csv (one row a symbol)
    /// streamed to disk about 1 MiB at a time, so memory holds no whole file.
    public static func writeResults(
        _ report: RunReport, to dir: String, curves: (@Sendable (SymbolReport) -> [[Double]])? = nil
    ) async throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try await withThrowingTaskGroup(of: Void.self) { group in
            let streamed: Set = ["trades.csv", "results.csv", "results.json"]
            for name in ReportRenderer.resultFileNames where !streamed.contains(name) {
                group.addTask {
                    let file = ReportRenderer.renderResultFile(name, report)
                    try Data(file.contents).write(to: URL(fileURLWithPath: dir + "/" + file.name), options: .atomic)
                }
            }
            group.addTask {
                try stream(to: dir + "/trades.csv") { write in try ReportRenderer.streamTradesCSV(report.rows, write) }
            }
            group.addTask {
                try stream(to: dir + "/results.csv") { write in
                    try ReportRenderer.streamResultsCSV(
                        report.rows, parameters: ReportRenderer.parameterNames(report), write)
                }
            }
            group.addTask {
                try stream(to: dir + "/results.json") { write in
                    try ReportRenderer.streamResultsJSON(report.rows, validation: report.validation, write)
                }
            }
            group.addTask {
                try stream(to: dir + "/equity.csv") { write in
                    try ReportRenderer.streamEquityCSV(report, curves: curves, write)
                }
            }
            try await group.waitForAll()
        }
    }

    /// report.html (with the execution section when `report.execution` is set) and, for a run too large
    /// for one file (`HTMLReport.detailsInline` false), one page per symbol in `symbols/`
    /// (`HTMLReport.symbolPageNames`), rendered concurrently. `curves` gives a symbol's equity curves for the
    /// backtest details (every backtest; without it only those in `SymbolReport.equity`). Only the files
    /// named here are written; nothing in `symbols/` is deleted.
    public static func writeHTML(
        _ report: RunReport, to dir: String, curves: (@Sendable (SymbolReport) -> [[Double]])? = nil
    ) async throws {
        let inline = HTMLReport.detailsInline(report)
        let page: String
        if inline, let curves {
            page = HTMLReport.render(report, curves: { curves($0) })
        } else {
            page = HTMLReport.render(report)
        }
        try Data(page.utf8).write(
            to: URL(fileURLWithPath: dir + "/report.html"), options: .atomic)
        guard !inline, !report.symbols.isEmpty else { return }
        let folder = dir + "/symbols"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let names = HTMLReport.symbolPageNames(report)
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, report.symbols.count))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for w in 0..<workers {
                group.addTask {
                    // Symbols w, w + workers, …: one symbol's curves in memory per worker.
                    for i in stride(from: w, to: report.symbols.count, by: workers) {
                        // Its pieces straight into the file: no page-sized copy of the page.
                        try writeFile(at: folder + "/" + names[i]) { file in
                            try HTMLReport.writeSymbolPage(
                                report, symbol: i, curves: curves?(report.symbols[i]), file.write)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    /// Every file, as one call (tests and tools that have a whole `RunReport` in hand).
    public static func write(_ report: RunReport, execution: [ExecutionRow]? = nil, to dir: String) async throws {
        var r = report
        if let execution { r.execution = execution }
        try await writeResults(r, to: dir)
        if let rows = r.execution {
            try Data(ReportRenderer.ordersCSV(rows).bytes).write(
                to: URL(fileURLWithPath: dir + "/orders.csv"), options: .atomic)
        }
        try await writeHTML(r, to: dir)
    }

    /// Writes through a 1 MiB buffer into `path` via a temporary file.
    static func stream(to path: String, _ body: (_ write: ([UInt8]) throws -> Void) throws -> Void) throws {
        try writeFile(at: path) { file in
            var buffer: [UInt8] = []
            buffer.reserveCapacity(ReportRenderer.chunkBytes)
            try body { chunk in
                // A chunk of a MiB or more goes to the file as it is, not through the buffer.
                if buffer.isEmpty && chunk.count >= ReportRenderer.chunkBytes {
                    return try chunk.withUnsafeBufferPointer(file.write)
                }
                buffer += chunk
                if buffer.count >= ReportRenderer.chunkBytes {
                    try buffer.withUnsafeBufferPointer(file.write)
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try buffer.withUnsafeBufferPointer(file.write)
        }
    }

    /// An open temporary file that takes bytes as they come, unbuffered.
    struct PartialFile {
        let handle: FileHandle

        func write(_ piece: UnsafeBufferPointer<UInt8>) throws {
            guard !piece.isEmpty else { return }
            try handle.write(contentsOf: UnsafeRawBufferPointer(piece))
        }
    }

    /// Writes what `body` hands to the file, in order, into `path` via a temporary file renamed over it at
    /// the end, so a reader never sees half a file; on an error the temporary file is removed and `path` is
    /// left as it was.
    static func writeFile(at path: String, _ body: (PartialFile) throws -> Void) throws {
        let temp = ReportFolder.temporaryPath(for: path)
        guard FileManager.default.createFile(atPath: temp, contents: nil),
            let handle = FileHandle(forWritingAtPath: temp)
        else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temp])
        }
        do {
            try body(PartialFile(handle: handle))
            try handle.close()
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: temp)
            throw error
        }
        _ = try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.moveItem(atPath: temp, toPath: path)
    }
}
