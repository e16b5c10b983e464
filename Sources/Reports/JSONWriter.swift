/// A minimal JSON emitter with a fixed key order (the caller's), numbers as JSON numbers and `null` for
/// undefined values. Strings escape `"`, `\`, control characters and also `<`, `>`, `&`, U+2028, U+2029 as
/// `\uXXXX`, so the text is safe to embed in HTML as well. Output is pure ASCII.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []

    mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }

    mutating func string(_ s: String) {
        bytes.append(34)
        for c in s.unicodeScalars {
            switch c.value {
            case 0x22: raw("\\\"")
            case 0x5C: raw("\\\\")
            case 0x0A: raw("\\n")
            case 0x0D: raw("\\r")
            case 0x09: raw("\\t")
            case 0x00..<0x20, 0x3C, 0x3E, 0x26, 0x7F..<0x10000: hex(UInt16(c.value))
            case 0x10000...:
                // UTF-16 surrogate pair, so the output stays ASCII.
                let v = c.value - 0x10000
                hex(UInt16(0xD800 + (v >> 10)))
                hex(UInt16(0xDC00 + (v & 0x3FF)))
            default: bytes.append(UInt8(c.value))
            }
        }
        bytes.append(34)
    }

    private mutating func hex(_ v: UInt16) {
        let digits = Array("0123456789abcdef".utf8)
        raw("\\u")
        for shift in stride(from: 12, through: 0, by: -4) { bytes.append(digits[Int((v >> UInt16(shift)) & 0xF)]) }
    }

    /// A JSON number, or `null` for nil, NaN and ±infinity.
    mutating func number(_ v: Double?) {
        let s = Format.number(v)
        raw(s.isEmpty ? "null" : s)
    }

    mutating func int(_ v: Int) { raw(String(v)) }

    /// `"key":` (keys are ASCII identifiers chosen by this module).
    mutating func key(_ k: String) {
        string(k)
        bytes.append(UInt8(ascii: ":"))
    }
}
