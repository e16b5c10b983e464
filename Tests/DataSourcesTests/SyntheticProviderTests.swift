import DataSources
import Foundation
import Market
import Testing

@Suite struct SyntheticProviderTests {
    let cal = NYSECalendar()

    @Test func fnv1aPublishedVectors() {
        #expect(SyntheticProvider.fnv1a64("") == 0xcbf2_9ce4_8422_2325)
        #expect(SyntheticProvider.fnv1a64("a") == 0xaf63_dc4c_8601_ec8c)
        #expect(SyntheticProvider.fnv1a64("foobar") == 0x8594_4171_f739_67e8)
    }

    @Test func deterministicExpMatchesKnownValues() {
        // Correctly rounded values of e^x; allow one ulp.
        let cases: [(Double, Double)] = [
            (0, 1), (1, 2.718281828459045), (-1, 0.36787944117144233), (10, 22026.465794806718),
            (0.5, 1.6487212707001282), (-20, 2.061153622438558e-09),
        ]
        for (x, e) in cases {
            let got = DeterministicMath.exp(x)
            #expect(abs(got - e) <= e.ulp, "exp(\(x)) = \(got), want \(e)")
        }
    }

    @Test func sameBarsTwiceAndIndependentOfRange() async throws {
        let p = SyntheticProvider(seed: 42, calendar: cal)
        let a = try await p.bars(symbol: "AAPL", from: day("2020-01-01"), to: day("2020-12-31"))
        let b = try await SyntheticProvider(seed: 42, calendar: cal).bars(
            symbol: "AAPL", from: day("2020-01-01"), to: day("2020-12-31"))
        #expect(a == b)
        #expect(a.count == 253)
        // A sub-range and a wider range contain exactly the same bars for the shared dates.
        let narrow = try await p.bars(symbol: "AAPL", from: day("2020-06-01"), to: day("2020-06-30"))
        let wide = try await p.bars(symbol: "AAPL", from: day("2019-01-01"), to: day("2021-12-31"))
        #expect(narrow == a.filter { $0.date >= day("2020-06-01") && $0.date <= day("2020-06-30") })
        #expect(a == wide.filter { $0.date.year == 2020 })
        // Other symbols and seeds differ.
        let other = try await p.bars(symbol: "MSFT", from: day("2020-01-01"), to: day("2020-12-31"))
        let otherSeed = try await SyntheticProvider(seed: 43, calendar: cal).bars(
            symbol: "AAPL", from: day("2020-01-01"), to: day("2020-12-31"))
        #expect(other != a)
        #expect(otherSeed != a)
    }

    @Test func ohlcInvariantsAndTradingDaysOnly() {
        let p = SyntheticProvider(seed: 1, calendar: cal)
        let range = day("2015-01-01")...day("2024-12-31")
        let expectedDays = cal.tradingDays(in: range)
        for i in 0..<25 {
            let bars = p.generate(symbol: "SYM\(i)", from: range.lowerBound, to: range.upperBound)
            #expect(bars.map(\.date) == expectedDays)
            let (accepted, rejected) = BarValidator(calendar: cal).validate(bars)
            #expect(rejected.isEmpty, "SYM\(i): \(rejected.prefix(2))")
            #expect(accepted.count == bars.count)
            #expect(bars.allSatisfy { $0.volume == $0.volume.rounded(.down) && $0.volume > 0 })
        }
    }

    @Test func nothingBeforeOrigin() {
        let p = SyntheticProvider(seed: 1, calendar: cal)
        #expect(p.generate(symbol: "X", from: day("1980-01-01"), to: day("1989-12-31")).isEmpty)
        #expect(
            p.generate(symbol: "X", from: day("1980-01-01"), to: day("1990-01-05")).first?.date == day("1990-01-02"))
    }

    @Test func profileRangesAndRealisedVolatility() {
        let p = SyntheticProvider(seed: 9, calendar: cal)
        var checked = 0
        for s in ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF"] {
            let prof = p.profile(symbol: s)
            #expect((-0.05..<0.25).contains(prof.drift))
            #expect((0.15..<0.60).contains(prof.volatility))
            #expect((10..<200.01).contains(prof.startPrice))
            let bars = p.generate(symbol: s, from: day("1990-01-01"), to: day("2025-12-31"))
            guard let minClose = bars.map(\.close).min(), minClose > 5 else { continue }
            // Sample standard deviation of daily log returns × √252 ≈ σ (standard error ≈ 0.8 %).
            var r: [Double] = []
            for i in 1..<bars.count { r.append(log(bars[i].close / bars[i - 1].close)) }
            let mean = r.reduce(0, +) / Double(r.count)
            let variance = r.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(r.count - 1)
            let annual = (variance * 252).squareRoot()
            #expect(abs(annual / prof.volatility - 1) < 0.06, "\(s): realised \(annual) vs σ \(prof.volatility)")
            checked += 1
        }
        #expect(checked >= 3)
    }
}
