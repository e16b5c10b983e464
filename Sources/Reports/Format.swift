/// Number text used in every report file. Deterministic and locale-free (no Foundation formatters).
public enum Format {
    /// Shortest text that parses back to the same Double (`0.1`, `695336.2177600001`), integers without a
    /// fraction (`12`), `0` for ±0; empty for nil, NaN and ±infinity. Used by every CSV and JSON number.
    public static func number(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "" }
        var out: [UInt8] = []
        appendNumber(v, to: &out)
        return String(decoding: out, as: UTF8.self)
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
            // Last digit first, then reversed in place: no temporary array per number.
            var frac = r % scaleInt
            let start = out.count
            for _ in 0..<d {
                out.append(UInt8(ascii: "0") + UInt8(frac % 10))
                frac /= 10
            }
            out[start...].reverse()
        }
    }

    static func appendInt(_ value: Int64, to out: inout [UInt8]) {
        // Digits last first into a small stack buffer, then appended in one piece: chart paths write
        // millions of these, and appending digit by digit then reversing was a tenth of a report's time.
        // The magnitude is unsigned, so Int64.min has one too.
        var v = value.magnitude
        if v < 10_000 {
            // Most numbers written are chart coordinates of one to four digits: appended one by one.
            if value < 0 { out.append(UInt8(ascii: "-")) }
            if v >= 1_000 { out.append(UInt8(ascii: "0") + UInt8(v / 1_000)) }
            if v >= 100 { out.append(UInt8(ascii: "0") + UInt8(v / 100 % 10)) }
            if v >= 10 { out.append(UInt8(ascii: "0") + UInt8(v / 10 % 10)) }
            out.append(UInt8(ascii: "0") + UInt8(v % 10))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var i = 20
            repeat {
                i -= 1
                buffer[i] = UInt8(ascii: "0") + UInt8(v % 10)
                v /= 10
            } while v > 0
            if value < 0 {
                i -= 1
                buffer[i] = UInt8(ascii: "-")
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[i..<20]))
        }
    }

    /// `number(v)` appended to `out` as UTF-8; integral values and non-integral ones in 1e-3 ≤ |v| < 1e15
    /// (prices, money, returns) skip String formatting, with the same bytes.
    public static func appendNumber(_ v: Double?, to out: inout [UInt8]) {
        guard let v, v.isFinite else { return }
        if v.rounded() == v && abs(v) < 1e15 {
            appendInt(Int64(v), to: &out)
        } else if !appendShortest(v, to: &out) {
            out.append(contentsOf: "\(v)".utf8)
        }
    }

    /// 10^0 … 10^19 (every power of ten a UInt64 holds).
    private static let powersOfTen: [UInt64] = (0...19).map { k in (0..<k).reduce(UInt64(1)) { p, _ in p * 10 } }

    /// `n / 10^decimals` in plain notation (`-` first when `negative`), at least one digit before the point.
    private static func appendDecimal(_ n: UInt64, decimals k: Int, negative: Bool, to out: inout [UInt8]) {
        var n = n
        // Digits last first into a small stack buffer, then appended in one piece.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
            var i = 32
            for _ in 0..<k {
                i -= 1
                buffer[i] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
            }
            i -= 1
            buffer[i] = UInt8(ascii: ".")
            repeat {
                i -= 1
                buffer[i] = UInt8(ascii: "0") + UInt8(n % 10)
                n /= 10
            } while n > 0
            if negative {
                i -= 1
                buffer[i] = UInt8(ascii: "-")
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[i..<32]))
        }
    }

    /// Swift's shortest round-trip text of a non-integral `v` (what `"\(v)"` prints) for 1e-3 ≤ |v| < 1e15,
    /// without building a String; false (nothing appended) when it cannot be sure, and the caller formats it
    /// the slow way.
    ///
    /// Why it is the same text: in that range `description` prints plain notation with the fewest
    /// decimals whose text parses back to `v`, and among those the one nearest the exact value of `v`. With
    /// |v| = m·2^-q exactly, the texts that parse back to `v` are the decimals strictly inside
    /// (|v| - ulp/2, |v| + ulp/2) (the lower half-gap is ulp/4 when m is a power of two). For each k the
    /// k-decimal candidates n/10^k inside that gap follow from integer arithmetic on 10^k·4m, 10^k·(4m ± 2)
    /// (scaled by 2^(q+2), 128-bit products): the fewest k with a candidate (binary search) is the fewest decimals, and the
    /// nearest candidate is `10^k·|v|` rounded. The cases where the parser's round-half-even or a tie would
    /// decide (an end of the gap or the exact midpoint is a k-decimal) give up instead. FormatTests compares
    /// it with `description` on millions of seeded values.
    static func appendShortest(_ v: Double, to out: inout [UInt8]) -> Bool {
        let a = abs(v)
        guard a >= 1e-3, a < 1e15 else { return false }
        // Up to 4 decimals below 1e9 (prices, cents), decided by one division: when `n / 10^4` rounds to
        // |v| (IEEE division rounds as the parser does), that text parses back to `v`, and no other decimal
        // of at most 4 places is within the rounding gap (under 1.2e-7 wide here, the decimals 1e-4 apart),
        // so `n` without its trailing zeros is the shortest text. Otherwise no text of at most 4 decimals
        // parses back, and the search starts at 5. A power of two (unequal gaps) and an `n / 10^4` exactly
        // at an end of the gap (a tie, `n - 10^4·|v|` computed exactly by one fused multiply-add) take the
        // search from 1 decimal, which declines what it cannot be sure of.
        var fewest = 1
        if a < 1e9 {
            let n = (a * 1e4).rounded()
            if n / 1e4 != a {
                fewest = 5
            } else if a.significandBitPattern != 0 && abs(n.addingProduct(-a, 1e4)) != 5000 * a.ulp {
                var digits = UInt64(n)
                var k = 4
                while k > 0 && digits % 10 == 0 {
                    digits /= 10
                    k -= 1
                }
                guard k > 0 else { return false }  // integral: `description` writes "5.0"
                appendDecimal(digits, decimals: k, negative: v < 0, to: &out)
                return true
            }
        }
        let bits = a.bitPattern
        let m = (bits & (1 << 52 - 1)) | (1 << 52)
        let q = 1075 - Int(bits >> 52)  // |v| = m · 2^-q; 3 ≤ q ≤ 62 in this range
        let s = q + 2
        guard s >= 2, s <= 64 else { return false }
        let center = m << 2
        let low = m == 1 << 52 ? center - 1 : center - 2
        let high = center + 2
        let half: UInt64 = 1 << (s - 1)
        let mask: UInt64 = s == 64 ? .max : (1 << s) - 1
        /// (x >> s, x mod 2^s) of the 128-bit product `x·p`; nil when the quotient needs more than 64 bits.
        func divide(_ x: UInt64, _ p: UInt64) -> (quotient: UInt64, remainder: UInt64)? {
            let (hi, lo) = x.multipliedFullWidth(by: p)
            if s == 64 { return (hi, lo) }
            guard hi >> s == 0 else { return nil }
            return ((hi << (64 - s)) | (lo >> s), lo & mask)
        }
        /// The k-decimal candidates inside the gap (empty when none); nil when an end of the gap is a k-decimal
        /// (whether it parses back would depend on the parser's tie rule) or a product overflows.
        func candidates(_ k: Int) -> ClosedRange<UInt64>?? {
            guard let lo = divide(low, powersOfTen[k]), let hi = divide(high, powersOfTen[k]) else { return nil }
            guard lo.remainder != 0, hi.remainder != 0 else { return nil }
            return lo.quotient + 1 <= hi.quotient ? .some(lo.quotient + 1...hi.quotient) : .some(nil)
        }
        // Having a k-decimal candidate is monotone in k (n/10^k is also (10n)/10^(k+1)): binary search for
        // the fewest decimals. 17 significant digits always suffice: 18 - (integer digits) decimals for
        // |v| ≥ 1, 19 below (|v| ≥ 1e-3), where 10^k·|v| < 10^19 still fits a UInt64.
        var integerDigits = 0
        let integer = UInt64(a)
        while integerDigits < 16 && integer >= powersOfTen[integerDigits] { integerDigits += 1 }
        var upper = integerDigits == 0 ? 19 : 18 - integerDigits
        // Prices and amounts mostly have a few decimals: 1, 2 and 3 are tried first, in order (the first
        // with a candidate is the fewest), and the search covers the rest.
        let probes = min(3, upper)
        if fewest <= probes {
            for k in fewest...probes {
                guard let found = candidates(k) else { return false }
                if let found { return write(k, found) }
            }
        }
        var lower = max(fewest, probes + 1)
        guard lower <= upper else { return false }
        guard case .some(.some(var range)) = candidates(upper) else { return false }
        // A value that is not a short decimal mostly needs all or nearly all of its digits: the two
        // largest counts below `upper` are tried first, then the search covers what is left.
        for _ in 0..<2 where lower < upper {
            guard let found = candidates(upper - 1) else { return false }
            guard let found else { return write(upper, range) }
            upper -= 1
            range = found
        }
        while lower < upper {
            let mid = (lower + upper) / 2
            guard let found = candidates(mid) else { return false }
            if let found {
                upper = mid
                range = found
            } else {
                lower = mid + 1
            }
        }
        return write(upper, range)
        /// The k-decimal candidate nearest to |v| (inside `range`), appended; false on a tie.
        func write(_ k: Int, _ range: ClosedRange<UInt64>) -> Bool {
            guard let x = divide(center, powersOfTen[k]), x.remainder != half else { return false }
            var n = x.remainder > half ? x.quotient + 1 : x.quotient
            n = min(max(n, range.lowerBound), range.upperBound)
            appendDecimal(n, decimals: k, negative: v < 0, to: &out)
            return true
        }
    }
}
