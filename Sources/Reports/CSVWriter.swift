/// RFC 4180 CSV writing: a field is quoted only when it contains a comma, a double quote, CR or LF (quotes
/// inside are doubled); every record, the last included, ends with CRLF. Builds UTF-8 bytes directly.
public struct CSVWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(header: [String]) { appendRow(header) }

    public mutating func appendRow(_ fields: [String]) {
        var first = true
        for f in fields {
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            CSVWriter.appendField(f, to: &bytes)
        }
        bytes.append(13)
        bytes.append(10)
    }

    /// Lets `body` append bytes that already form CSV text (quoted fields, separators, CRLF).
    mutating func append(_ body: (inout [UInt8]) -> Void) { body(&bytes) }

    /// Drops everything written so far (the header included).
    mutating func reset() { bytes.removeAll() }

    /// Reserves room for `n` more bytes (large files such as equity.csv).
    public mutating func reserve(_ n: Int) { bytes.reserveCapacity(bytes.count + n) }

    /// Appends bytes that already form CSV-safe text (pre-quoted fields, numbers, separators, CRLF).
    /// Used for the long equity.csv without building a String per field.
    mutating func appendRaw(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }

    public static func quote(_ field: String) -> String {
        var out = [UInt8]()
        appendField(field, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendField(_ field: String, to out: inout [UInt8]) {
        let u = field.utf8
        guard u.contains(where: { $0 == 44 || $0 == 34 || $0 == 13 || $0 == 10 }) else {
            out.append(contentsOf: u)
            return
        }
        out.append(34)
        for b in u {
            if b == 34 { out.append(34) }
            out.append(b)
        }
        out.append(34)
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
