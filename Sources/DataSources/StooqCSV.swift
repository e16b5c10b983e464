import CLibCSV
import Foundation

/// The CSV reading Stooq needs: bytes → rows of fields. TEMPORARY libcsv binding, isolated here so the
/// shared `CSVReader` can replace it: point `StooqCSV.readRows` at it and delete `LibCSVRows`.
enum StooqCSV {
    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    /// The reader used by `StooqProvider`.
    static let readRows: @Sendable (Data) throws -> [[String]] = { try LibCSVRows.parse($0) }
}

/// Minimal libcsv wrapper (strict mode): every record as an array of strings.
enum LibCSVRows {
    private final class Sink {
        var rows: [[String]] = []
        var current: [String] = []
    }

    static func parse(_ data: Data) throws -> [[String]] {
        var parser = csv_parser()
        guard csv_init(&parser, UInt8(CSV_STRICT)) == 0 else {
            throw StooqCSV.ParseError(description: "csv_init failed")
        }
        defer { csv_free(&parser) }
        let sink = Sink()
        let context = Unmanaged.passUnretained(sink).toOpaque()
        let onField: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Void = {
            bytes, length, ctx in
            let s = Unmanaged<Sink>.fromOpaque(ctx!).takeUnretainedValue()
            if let bytes, length > 0 {
                let buffer = UnsafeRawBufferPointer(start: bytes, count: length)
                s.current.append(String(decoding: buffer, as: UTF8.self))
            } else {
                s.current.append("")
            }
        }
        let onRecord: @convention(c) (Int32, UnsafeMutableRawPointer?) -> Void = { _, ctx in
            let s = Unmanaged<Sink>.fromOpaque(ctx!).takeUnretainedValue()
            s.rows.append(s.current)
            s.current = []
        }
        let consumed = data.withUnsafeBytes { raw in
            csv_parse(&parser, raw.baseAddress, raw.count, onField, onRecord, context)
        }
        let failed = consumed != data.count
        let code = csv_error(&parser)
        csv_fini(&parser, onField, onRecord, context)
        withExtendedLifetime(sink) {}
        if failed {
            let why = csv_strerror(code).map { String(cString: $0) } ?? "parse error"
            throw StooqCSV.ParseError(description: "malformed CSV near byte \(consumed): \(why)")
        }
        return sink.rows
    }
}
