/// RFC 4180 CSV writing: fields quoted only when they contain a comma, quote, CR or LF; CRLF line ends.
public struct CSVWriter: Sendable {
    private(set) public var text = ""

    public init(header: [String]) { appendRow(header) }

    public mutating func appendRow(_ fields: [String]) {
        var first = true
        for f in fields {
            if !first { text += "," }
            first = false
            text += CSVWriter.quote(f)
        }
        text += "\r\n"
    }

    public static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else {
            return field
        }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public var bytes: [UInt8] { Array(text.utf8) }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

/// Number and date text used in every result file. Deterministic and locale-free.
public enum Format {
    /// Shortest text that parses back to the same Double (`0.1`, `695336.2177600001`); empty for nil/NaN/±inf.
    public static func number(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "" }
        if v == 0 { return "0" }
        if v.rounded() == v && abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}
