import Digests
import Market
import Reports
import RunStore

enum Hashing {
    static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String { SHA256Hex.of(bytes) }

    /// Fingerprint of the bars a backtest used: SHA-256 of their canonical CSV text
    /// (`date,open,high,low,close,volume`, shortest round-trip numbers, LF line ends).
    static func fingerprint(_ series: BarSeries) -> String {
        var text = [UInt8]("date,open,high,low,close,volume\n".utf8)
        text.reserveCapacity(series.count * 64)
        let columns = [series.open, series.high, series.low, series.close, series.volume]
        for i in 0..<series.count {
            series.dates[i].appendISO(to: &text)
            for column in columns {
                text.append(UInt8(ascii: ","))
                appendNumber(column[i], to: &text)
            }
            text.append(10)
        }
        return sha256Hex(text)
    }

    private static let powersOfTen: [Double] = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]

    /// `Format.appendNumber`'s bytes (the same steps, in the same floating-point arithmetic) for integral
    /// values and values of at most nine decimals, digits written in place; anything else goes to
    /// `Format.appendNumber` itself. Fingerprinting a 500-symbol run formats 6 M numbers: reversing a slice
    /// of the output for each (what `Format` does) made it a second of CPU before the first backtest.
    static func appendNumber(_ v: Double, to out: inout [UInt8]) {
        guard v.isFinite else { return }
        let a = abs(v)
        if v.rounded() == v && a < 1e15 {
            if v < 0 { out.append(UInt8(ascii: "-")) }
            appendDigits(UInt64(a), width: 1, to: &out)
            return
        }
        if a >= 1e-3, a < 1e15 {
            let twoUlps = 2 * a.ulp
            for k in 1..<powersOfTen.count {
                let p = powersOfTen[k]
                guard twoUlps * p < 1 else { break }
                let scaled = (a * p).rounded()
                guard scaled < 9e15 else { break }
                guard scaled / p == a else { continue }
                let n = UInt64(scaled)
                let unit = UInt64(p)
                if v < 0 { out.append(UInt8(ascii: "-")) }
                appendDigits(n / unit, width: 1, to: &out)
                out.append(UInt8(ascii: "."))
                appendDigits(n % unit, width: k, to: &out)
                return
            }
        }
        Format.appendNumber(v, to: &out)
    }

    /// The decimal digits of `value`, zero-padded on the left to at least `width`.
    private static func appendDigits(_ value: UInt64, width: Int, to out: inout [UInt8]) {
        var count = 1
        var t = value
        while t >= 10 {
            t /= 10
            count += 1
        }
        count = max(count, width)
        let start = out.count
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
        out.withUnsafeMutableBufferPointer { b in
            var x = value
            var i = start + count - 1
            while x > 0 {
                b[i] = UInt8(ascii: "0") + UInt8(x % 10)
                x /= 10
                i -= 1
            }
        }
    }
}
