import Foundation
import Market
import Testing

@testable import Reports

@Suite struct FormatTests {
    @Test(arguments: [
        (0.1, "0.1"), (12.0, "12"), (-0.0, "0"), (0.0, "0"), (-3.0, "-3"), (1e-5, "1e-05"),
        (695336.2177600001, "695336.2177600001"), (-12.25, "-12.25"),
    ])
    func shortestNumber(_ v: Double, _ expected: String) {
        #expect(Format.number(v) == expected)
    }

    /// The fast path writes exactly what Swift's `description` writes, on 400 000 seeded values: prices and
    /// money with 1–9 decimals, their sums and products (which usually need 17 digits), raw random doubles
    /// across magnitudes, and the boundaries of the plain notation.
    @Test func fastDecimalsMatchSwiftsShortestText() {
        var rng = SplitMix64(state: 20_261_201)
        var mismatches: [String] = []
        var fast = 0
        func check(_ v: Double) {
            guard v.isFinite, v.rounded() != v else { return }
            var probe: [UInt8] = []
            if Format.appendShortest(v, to: &probe) { fast += 1 }
            var out: [UInt8] = []
            Format.appendNumber(v, to: &out)
            let got = String(decoding: out, as: UTF8.self)
            if got != "\(v)", mismatches.count < 5 { mismatches.append("\(v) → \(got)") }
        }
        let scales: [Double] = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]
        for i in 0..<400_000 {
            let k = Int(rng.next() % 10)
            let magnitude = Double(rng.next() % 1_000_000_000_000) / scales[Int(rng.next() % 10)]
            let price = (magnitude * scales[k]).rounded() / scales[k]
            switch i % 5 {
            case 0, 1: check(price)
            case 2: check(price * 1.0001 + 0.01)
            case 3: check(-price)
            default:
                let raw = Double(bitPattern: rng.next() >> 2 | 0x3F00_0000_0000_0000)
                check(raw)
                check(Double(bitPattern: (rng.next() % 0x4330_0000_0000_0000) | 0x3F40_0000_0000_0000))
            }
        }
        // The 4-decimal path's edges: its 1e9 bound, powers of two and their neighbours, 4 and 5 decimals.
        for v in [
            0.001, 0.0011, 0.00123456789, 999_999_999_999_999.9, 1e15 - 0.5, 4503599627370495.5, 0.1 + 0.2,
            999_999_999.9999, 999_999_999.99999, 1e9 + 0.5, 0.5, 0.25, 0.125, 0.375, 0.0625.nextUp, 0.0625.nextDown,
            123.4567, 123.45678, 0.0015, 0.0001234, 5e-4 + 1e-3, 2.675, 1.0005,
        ] {
            check(v)
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
        // The fast path carries the prices and their sums and products (cases 0…3: 320 000), not only the
        // short decimals.
        #expect(fast > 300_000)
    }

    /// `appendShortest` against `description` on 1.2 million seeded values: raw bit patterns (subnormals,
    /// huge and tiny exponents, NaN/infinity), log-uniform magnitudes 1e-4…1e16 around the fast path's bounds,
    /// money-like sums and products, integers divided by powers of ten, powers of two and their neighbours
    /// (where the gap below is half the gap above), short decimals' neighbours, and fixed cases (negative zero,
    /// 0.1 + 0.2, the range's ends). Outside 1e-3 ≤ |v| < 1e15 it must decline, inside it must almost never.
    @Test func shortestDigitsMatchDescription() {
        var rng = SplitMix64(state: 20_261_204)
        func unit() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        var mismatches: [String] = []
        var inRange = 0
        var declined = 0
        func check(_ v: Double) {
            var out: [UInt8] = []
            let taken = Format.appendShortest(v, to: &out)
            let inside = v.isFinite && abs(v) >= 1e-3 && abs(v) < 1e15
            if inside { inRange += 1 }
            if !taken {
                if inside { declined += 1 }
                #expect(out.isEmpty)
                return
            }
            let got = String(decoding: out, as: UTF8.self)
            if !inside || got != v.description, mismatches.count < 5 { mismatches.append("\(v.description) → \(got)") }
        }
        for i in 0..<200_000 {
            check(Double(bitPattern: rng.next()))
            check(pow(10, unit() * 20 - 4) * (i % 2 == 0 ? 1 : -1))
            let a = Double(rng.next() % 10_000_000) / 100
            let b = Double(rng.next() % 100_000) / 1000
            check(a * b - b / 3)
            check(Double(Int64(bitPattern: rng.next()) >> (rng.next() % 63)) / pow(10, Double(rng.next() % 19)))
            let p = Double(sign: .plus, exponent: Int(rng.next() % 60) - 10, significand: 1)
            check(p.nextUp)
            check(p.nextDown)
        }
        for k in -12...52 {
            let p = Double(sign: .plus, exponent: k, significand: 1)
            for v in [p, -p, p * 1.5, p.nextUp, p.nextDown] { check(v) }
        }
        for v in [
            0.1 + 0.2, -0.0, 0.001, 0.001.nextDown, 0.001.nextUp, 1e15.nextDown, 999_999_999_999_999.9, 0.3, 2.0 / 3,
            -8027.162000000009, 695336.2177600001, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .nan, .infinity,
        ] {
            check(v)
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
        // Declines (an end of the rounding gap or a tie on a k-decimal; mostly integers, which `appendNumber`
        // never passes) are rare: 0.2 % here.
        #expect(declined * 100 < inRange, "declined \(declined) of \(inRange)")
    }

    /// Integers as `String(v)` writes them: both ends of Int64, zero, and seeded values of every length.
    @Test func integersMatchStringFormatting() {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        var values: [Int64] = [0, 1, -1, 9, 10, -10, .max, .min, .max - 1, .min + 1]
        for _ in 0..<50_000 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let digits = Int(seed >> 59) % 20
            values.append(Int64(bitPattern: seed) >> Int64(63 - 3 * digits))
        }
        var mismatches: [String] = []
        for v in values {
            var out: [UInt8] = [UInt8(ascii: "x")]
            Format.appendInt(v, to: &out)
            if out != Array(("x" + String(v)).utf8), mismatches.count < 5 { mismatches.append(String(v)) }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test func undefinedNumbersAreEmpty() {
        #expect(Format.number(nil) == "")
        #expect(Format.number(.nan) == "")
        #expect(Format.number(.infinity) == "")
        #expect(Format.number(-.infinity) == "")
    }

    @Test(arguments: [
        (2.5, 0, "3"), (-2.5, 0, "-3"), (-0.004, 2, "0.00"), (1234.5678, 2, "1234.57"), (0.1, 3, "0.100"),
        (7.0, 0, "7"), (-0.06, 1, "-0.1"), (99.96, 1, "100.0"),
    ])
    func fixedDecimals(_ v: Double, _ d: Int, _ expected: String) {
        #expect(Format.fixed(v, d) == expected)
    }

    @Test func fixedUndefinedAndHuge() {
        #expect(Format.fixed(nil, 2) == "–")
        #expect(Format.fixed(.nan, 2) == "–")
        #expect(Format.fixed(1e300, 2) == "1e+300")
    }

    @Test(arguments: [
        (1_234_567.891, 2, "1,234,567.89"), (-1234.5, 2, "-1,234.50"), (999.0, 2, "999.00"), (1000.0, 0, "1,000"),
        (100_000.0, 0, "100,000"),
    ])
    func grouping(_ v: Double, _ d: Int, _ expected: String) {
        #expect(Format.grouped(v, d) == expected)
    }

    @Test func percentText() {
        #expect(Format.percent(12.345) == "12.35%")
        #expect(Format.percent(nil) == "–")
    }

    @Test func isoDatesInTradesCSV() {
        let t = Fixture.trade("2020-01-02", "2020-03-09", entryPrice: 10, exitPrice: 12.5, shares: 4)
        let row = ReportRenderer.tradeFields(t)
        #expect(row == ["2020-01-02", "10", "2020-03-09", "12.5", "4", "10", "25"])
    }

    @Test func equityNumbersAreTrimmedFixed() {
        func text(_ v: Double, _ d: Int) -> String {
            var out: [UInt8] = []
            ReportRenderer.appendFileNumber(v, decimals: d, to: &out)
            return String(decoding: out, as: UTF8.self)
        }
        #expect(text(10_000, 2) == "10000")
        #expect(text(10_012.504, 2) == "10012.5")
        #expect(text(0.012345, 4) == "0.0123")
        #expect(text(-0.00001, 4) == "0")
        #expect(text(.nan, 2) == "")
    }
}
