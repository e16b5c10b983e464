/// A minimal JSON emitter with a fixed key order (the caller's), numbers as JSON numbers and `null` for
/// undefined values. Strings escape `"`, `\`, control characters and also `<`, `>`, `&`, U+2028, U+2029 as
/// `\uXXXX`, so the text is safe to embed in HTML as well. Output is pure ASCII.
struct JSONWriter {
    var bytes: [UInt8] = []

    mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }

    mutating func string(_ s: String) { JSONWriter.appendString(s, to: &bytes) }

    /// `s` as a JSON string literal appended to `out`. Text of printable ASCII without `"`, `\`, `<`, `>`, `&`
    /// (symbols, strategy ids, params: nearly every string of a report) is copied in one piece.
    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(34)
        let u = s.utf8
        if u.allSatisfy({
            $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C && $0 != 0x3C && $0 != 0x3E && $0 != 0x26
        }) {
            out.append(contentsOf: u)
            out.append(34)
            return
        }
        for c in s.unicodeScalars {
            switch c.value {
            case 0x22: out.append(contentsOf: "\\\"".utf8)
            case 0x5C: out.append(contentsOf: "\\\\".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0x00..<0x20, 0x3C, 0x3E, 0x26, 0x7F..<0x10000: hex(UInt16(c.value), to: &out)
            case 0x10000...:
                // UTF-16 surrogate pair, so the output stays ASCII.
                let v = c.value - 0x10000
                hex(UInt16(0xD800 + (v >> 10)), to: &out)
                hex(UInt16(0xDC00 + (v & 0x3FF)), to: &out)
            default: out.append(UInt8(c.value))
            }
        }
        out.append(34)
    }

    private static func hex(_ v: UInt16, to out: inout [UInt8]) {
        let digits = Array("0123456789abcdef".utf8)
        out.append(contentsOf: "\\u".utf8)
        for shift in stride(from: 12, through: 0, by: -4) { out.append(digits[Int((v >> UInt16(shift)) & 0xF)]) }
    }

    /// A JSON number, or `null` for nil, NaN and ±infinity.
    mutating func number(_ v: Double?) {
        guard let v, v.isFinite else { return raw("null") }
        Format.appendNumber(v, to: &bytes)
    }

    mutating func int(_ v: Int) { raw(String(v)) }

    /// `"key":` (keys are ASCII identifiers chosen by this module).
    mutating func key(_ k: String) {
        string(k)
        bytes.append(UInt8(ascii: ":"))
    }
}
