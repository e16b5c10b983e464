import CLibCSV
import Foundation

/// One CSV record with the 1-based number of the physical line it starts on.
public struct CSVRecord: Sendable, Equatable {
    public var line: Int
    public var fields: [String]

    public init(line: Int, fields: [String]) {
        self.line = line
        self.fields = fields
    }
}

/// A malformed or unreadable CSV file. `description` names the file and line.
public struct CSVError: Error, Sendable, Equatable, CustomStringConvertible {
    public var source: String
    public var line: Int?
    public var message: String

    public init(source: String, line: Int?, message: String) {
        self.source = source
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(source):\(line): \(message)" }
        return "\(source): \(message)"
    }
}

/// RFC 4180 CSV reading through libcsv (strict mode).
///
/// - Quoted fields may contain commas, doubled quotes and newlines.
/// - Spaces around unquoted fields are kept as they are (libcsv would trim them by default; callers decide).
/// - A UTF-8 byte-order mark at the start is skipped; LF and CRLF line ends are both accepted; blank lines are skipped.
/// - Malformed quoting (`a,"b"x`, an unterminated quote at the end) is an error naming the line.
public enum CSVReader {
    /// Reads and parses the file at `path`; errors name the path.
    public static func read(path: String) throws(CSVError) -> [CSVRecord] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CSVError(source: path, line: nil, message: "cannot read the file (missing or not readable)")
        }
        return try parse(Array(data), source: path)
    }

    /// Parses CSV bytes; `source` names the input in errors.
    public static func parse(_ bytes: [UInt8], source: String = "<csv>") throws(CSVError) -> [CSVRecord] {
        var p = csv_parser()
        guard csv_init(&p, UInt8(CSV_STRICT | CSV_STRICT_FINI)) == 0 else {
            throw CSVError(source: source, line: nil, message: "libcsv could not initialise a parser")
        }
        defer { csv_free(&p) }
        csv_set_space_func(&p) { _ in 0 }  // keep surrounding spaces: nothing is "space"

        let box = Collector()
        let ctx = Unmanaged.passUnretained(box).toOpaque()
        let onField: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Void = {
            ptr, len, ctx in
            let c = Unmanaged<Collector>.fromOpaque(ctx!).takeUnretainedValue()
            let text: String
            if let ptr, len > 0 {
                text = String(decoding: UnsafeRawBufferPointer(start: ptr, count: len), as: UTF8.self)
            } else {
                text = ""
            }
            c.fields.append(text)
        }
        let onRecord: @convention(c) (Int32, UnsafeMutableRawPointer?) -> Void = { _, ctx in
            let c = Unmanaged<Collector>.fromOpaque(ctx!).takeUnretainedValue()
            c.records.append(CSVRecord(line: c.startLine, fields: c.fields))
            c.fields = []
            c.endedRecord = true
        }

        var start = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { start = 3 }
        // Feed one physical line at a time so records can be given line numbers.
        try withExtendedLifetime(box) { () throws(CSVError) in
            try bytes.withUnsafeBufferPointer { (buf: UnsafeBufferPointer<UInt8>) throws(CSVError) in
                var lineStart = start
                var line = 1
                while lineStart < buf.count {
                    var end = lineStart
                    while end < buf.count && buf[end] != 0x0A { end += 1 }
                    if end < buf.count { end += 1 }  // include the LF
                    if box.atBoundary { box.startLine = line }
                    box.endedRecord = false
                    let n = end - lineStart
                    let used = csv_parse(&p, buf.baseAddress! + lineStart, n, onField, onRecord, ctx)
                    if used != n {
                        let why = String(cString: csv_strerror(csv_error(&p)))
                        throw CSVError(
                            source: source, line: line,
                            message: "malformed CSV near column \(used + 1) (\(why)); quote a field entirely, "
                                + "doubling any quote inside it")
                    }
                    let blank = buf[lineStart..<end].allSatisfy { $0 == 0x0A || $0 == 0x0D }
                    box.atBoundary = box.endedRecord || (box.atBoundary && blank)
                    lineStart = end
                    line += 1
                }
                if csv_fini(&p, onField, onRecord, ctx) != 0 {
                    throw CSVError(
                        source: source, line: box.startLine,
                        message: "unterminated quoted field (a quote opened here is never closed)")
                }
            }
        }
        return box.records
    }
}

private final class Collector {
    var records: [CSVRecord] = []
    var fields: [String] = []
    /// Line where the record being parsed started.
    var startLine = 1
    /// True between records (the next non-blank line starts a new one).
    var atBoundary = true
    var endedRecord = false
}
