import Engine

/// Markup under construction as UTF-8 bytes: the report's large, repetitive parts (ranking rows, backtest
/// details, chart paths) are written here directly instead of through the template engine, which spent most
/// of a 500-symbol report's time resolving names per cell.
///
/// `raw` appends markup this module wrote; every string that can come from outside (a symbol, a strategy
/// id, params, a reason, a label) goes through `text`, which escapes exactly as `HTMLReport.escape`
/// (the one escaping rule of the report: `& < > " '` and NUL).
struct HTMLBytes {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    /// Markup written by this module (never outside text).
    mutating func raw(_ s: String) {
        var s = s
        s.withUTF8 { bytes.append(contentsOf: $0) }
    }

    /// Outside text, escaped for element content and quoted attribute values.
    mutating func text(_ s: String) {
        var s = s
        s.withUTF8 { HTMLBytes.appendEscaped($0, to: &bytes) }
    }

    mutating func int(_ v: Int) { Format.appendInt(Int64(v), to: &bytes) }

    /// A table cell's opening tag (with `class` when given) and its escaped text; the row's markup closes it.
    mutating func cell(_ text: String, cls: String? = nil) {
        if let cls {
            raw("<td class=\"")
            self.text(cls)
            raw("\">")
        } else {
            raw("<td>")
        }
        self.text(text)
    }

    mutating func fixed(_ v: Double, _ decimals: Int) { Format.appendFixed(v, decimals: decimals, to: &bytes) }

    /// `Format.grouped(v, decimals)`, without building a String.
    mutating func grouped(_ v: Double, _ decimals: Int) {
        guard v.isFinite else {
            raw("–")
            return
        }
        let start = bytes.count
        Format.appendFixed(v, decimals: decimals, to: &bytes)
        let digits = bytes[start] == UInt8(ascii: "-") ? start + 1 : start
        var end = digits
        while end < bytes.count, bytes[end] != UInt8(ascii: ".") {
            // Only plain digits are grouped (a huge value's fallback text is left as it is).
            guard bytes[end] >= UInt8(ascii: "0") && bytes[end] <= UInt8(ascii: "9") else { return }
            end += 1
        }
        let count = end - digits
        guard count > 3 else { return }
        // Commas inserted in place, moving bytes right from the end: no temporary arrays.
        let commas = (count - 1) / 3
        var src = bytes.count - 1
        bytes.append(contentsOf: repeatElement(0, count: commas))
        var dst = bytes.count - 1
        while src >= end {
            bytes[dst] = bytes[src]
            src -= 1
            dst -= 1
        }
        var run = 0
        while src >= digits {
            bytes[dst] = bytes[src]
            src -= 1
            dst -= 1
            run += 1
            if run % 3 == 0 && src >= digits {
                bytes[dst] = UInt8(ascii: ",")
                dst -= 1
            }
        }
    }

    /// `column.displayText(m)`, without building a String (the text is digits, signs and `%`: no escaping).
    mutating func display(_ column: ResultColumn, _ m: Metrics) {
        guard let v = column.value(m), v.isFinite else { return raw("–") }
        switch column.style {
        case .signedPercent, .percent:
            fixed(v, 2)
            bytes.append(UInt8(ascii: "%"))
        case .ratio: fixed(v, 2)
        case .count: fixed(v, 0)
        case .money: grouped(v, 2)
        case .days: fixed(v, 1)
        }
    }

    mutating func append(_ other: HTMLBytes) { bytes.append(contentsOf: other.bytes) }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    /// The escaping rule. Byte-wise is exact for UTF-8: no byte of a multi-byte sequence is ASCII.
    static func appendEscaped(_ s: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        var start = 0
        for i in 0..<s.count {
            let replacement: StaticString
            switch s[i] {
            case UInt8(ascii: "&"): replacement = "&amp;"
            case UInt8(ascii: "<"): replacement = "&lt;"
            case UInt8(ascii: ">"): replacement = "&gt;"
            case UInt8(ascii: "\""): replacement = "&quot;"
            case UInt8(ascii: "'"): replacement = "&#39;"
            case 0: replacement = "\u{FFFD}"
            default: continue
            }
            if i > start { out.append(contentsOf: UnsafeBufferPointer(rebasing: s[start..<i])) }
            replacement.withUTF8Buffer { out.append(contentsOf: $0) }
            start = i + 1
        }
        if s.count > start { out.append(contentsOf: UnsafeBufferPointer(rebasing: s[start..<s.count])) }
    }
}
