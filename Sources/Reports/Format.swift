/// Number text used in every report file. Deterministic and locale-free (no Foundation formatters).
public enum Format {
    /// Shortest text that parses back to the same Double (`0.1`, `695336.2177600001`), integers without a
    /// fraction (`12`), `0` for ±0; empty for nil, NaN and ±infinity. Used by every CSV and JSON number.
    public static func number(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "" }
        if v == 0 { return "0" }
        if v.rounded() == v && abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// Fixed decimals, half away from zero, `-` only when the rounded value is non-zero; `–` for nil/NaN/±inf.
    public static func fixed(_ v: Double?, _ decimals: Int) -> String {
        guard let v, v.isFinite else { return "–" }
        var out = [UInt8]()
        appendFixed(v, decimals: decimals, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `fixed` with thousands separators in the integer part: `1234567.891` → `1,234,567.89`.
    public static func grouped(_ v: Double?, _ decimals: Int) -> String {
        let s = fixed(v, decimals)
        guard s != "–" else { return s }
        var sign = ""
        var body = Substring(s)
        if body.first == "-" {
            sign = "-"
            body = body.dropFirst()
        }
        let intPart = body.prefix { $0 != "." }
        let rest = body.dropFirst(intPart.count)
        guard intPart.count > 3, intPart.allSatisfy({ $0.isASCII && $0.isNumber }) else { return s }
        var groups: [Substring] = []
        var end = intPart.endIndex
        while end > intPart.startIndex {
            let start = intPart.index(end, offsetBy: -3, limitedBy: intPart.startIndex) ?? intPart.startIndex
            groups.append(intPart[start..<end])
            end = start
        }
        return sign + groups.reversed().joined(separator: ",") + rest
    }

    /// Percent text for display: `12.34%`, `–` when undefined.
    public static func percent(_ v: Double?, _ decimals: Int = 2) -> String {
        let s = fixed(v, decimals)
        return s == "–" ? s : s + "%"
    }

    /// Appends `v` with exactly `decimals` fraction digits (0…9) as ASCII. Integer arithmetic after one
    /// rounding, so the text is the same on every machine. Falls back to `number(v)` beyond ±9e15/10^decimals.
    public static func appendFixed(_ v: Double, decimals: Int, to out: inout [UInt8]) {
        guard v.isFinite else {
            out.append(contentsOf: "–".utf8)
            return
        }
        let d = max(0, min(decimals, 9))
        var scaleInt: Int64 = 1
        for _ in 0..<d { scaleInt *= 10 }
        let scaled = (abs(v) * Double(scaleInt)).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9e15 else {
            out.append(contentsOf: number(v).utf8)
            return
        }
        let r = Int64(scaled)
        if v < 0 && r != 0 { out.append(UInt8(ascii: "-")) }
        appendInt(r / scaleInt, to: &out)
        if d > 0 {
            out.append(UInt8(ascii: "."))
            var frac = r % scaleInt
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: d)
            var i = d - 1
            while i >= 0 {
                digits[i] = UInt8(ascii: "0") + UInt8(frac % 10)
                frac /= 10
                i -= 1
            }
            out.append(contentsOf: digits)
        }
    }

    static func appendInt(_ value: Int64, to out: inout [UInt8]) {
        if value == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        var v = value
        if v < 0 {
            out.append(UInt8(ascii: "-"))
            v = -v
        }
        // Digits are written in place, last first, then reversed: no temporary array per number.
        let start = out.count
        while v > 0 {
            out.append(UInt8(ascii: "0") + UInt8(v % 10))
            v /= 10
        }
        out[start...].reverse()
    }

    /// `number(v)` appended to `out` as UTF-8; integral values skip String formatting.
    public static func appendNumber(_ v: Double?, to out: inout [UInt8]) {
        guard let v, v.isFinite else { return }
        if v.rounded() == v && abs(v) < 1e15 {
            appendInt(Int64(v), to: &out)
        } else {
            out.append(contentsOf: "\(v)".utf8)
        }
    }
}

/// Standard base64 with padding (RFC 4648 §4), for the CSP's `'sha256-…'` source.
enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let b0 = Int(bytes[i])
            let b1 = i + 1 < bytes.count ? Int(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? Int(bytes[i + 2]) : 0
            out.append(table[b0 >> 2])
            out.append(table[((b0 & 3) << 4) | (b1 >> 4)])
            out.append(i + 1 < bytes.count ? table[((b1 & 15) << 2) | (b2 >> 6)] : UInt8(ascii: "="))
            out.append(i + 2 < bytes.count ? table[b2 & 63] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
