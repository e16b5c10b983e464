import Foundation
import Market
import Reports
import Testing

@testable import Pipeline

/// The bars fingerprint's numbers are the shortest round-trip text (integral values without a fraction), the
/// form every recorded fingerprint in a manifest was made with: `Format.appendNumber` must keep every byte.
@Suite struct HashingTests {
    /// What the fingerprint's CSV text holds for `v`: an integer below 1e15 as digits, else Swift's shortest
    /// round-trip `description`.
    static func reference(_ v: Double) -> String {
        v.rounded() == v && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
    }

    static func formatted(_ v: Double) -> String {
        var out: [UInt8] = []
        Format.appendNumber(v, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func numbersAreTheShortestRoundTripText() {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return seed >> 11
        }
        var values: [Double] = [
            0, -0.0, 1, -1, 0.1, 0.001, 0.000999, 1e-5, 22.71, 6_794_940, 999_999_999_999_999, 1e15, 1e16,
            123.456_789_012, 0.3, 2.675, 1.005, -22.65, Double.pi, 1e300, Double.leastNonzeroMagnitude,
        ]
        for _ in 0..<100_000 {
            // Prices and amounts with 0–10 decimals across magnitudes, and arbitrary doubles.
            let decimals = Int(next() % 11)
            let magnitude = pow(10, Double(next() % 9))
            let units = Double(next() % 1_000_000) / 1_000_000 * magnitude
            let scale = pow(10, Double(decimals))
            var v = (units * scale).rounded() / scale
            if next() % 5 == 0 { v = -v }
            values.append(v)
            values.append(Double(bitPattern: next() << 11 | next() % 2048))
        }
        var mismatches: [String] = []
        for v in values where v.isFinite && Self.formatted(v) != Self.reference(v) {
            mismatches.append("\(v.bitPattern): \(Self.formatted(v)) != \(Self.reference(v))")
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        #expect(Self.formatted(.nan).isEmpty && Self.formatted(.infinity).isEmpty)
    }

    @Test func theFingerprintIsTheSHA256OfTheCanonicalCSV() throws {
        let d = try #require(SessionDate(iso: "2024-01-02"))
        let series = BarSeries(
            symbol: "AAA",
            bars: [
                Bar(date: d, open: 22.71, high: 22.77, low: 22.65, close: 22.74, volume: 6_794_940),
                Bar(date: d.adding(days: 1), open: 22.78, high: 22.89, low: 0.0015, close: 1e-5, volume: 0.5),
            ])
        let csv =
            "date,open,high,low,close,volume\n2024-01-02,22.71,22.77,22.65,22.74,6794940\n"
            + "2024-01-03,22.78,22.89,0.0015,1e-05,0.5\n"
        #expect(Hashing.fingerprint(series) == Hashing.sha256Hex(Array(csv.utf8)))
    }
}
