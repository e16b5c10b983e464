import Engine
import Foundation
import Market
import Testing

/// Information ratio, beta against buy & hold and the longest drawdown in bars, worked out by hand.
@Suite struct BenchmarkMetricsTests {
    static let dates = (0..<6).map { SessionDate(daysSinceEpoch: 20_000 + $0) }
    static let close = [10, 11, 10, 12, 12.5, 12.0]
    static let equity = [100, 100, 105, 103, 108, 107.0]

    func returns(_ x: [Double]) -> [Double] { (1..<x.count).map { x[$0] / x[$0 - 1] - 1 } }
    func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
    func sampleVariance(_ x: [Double]) -> Double {
        let m = mean(x)
        return x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)
    }
    func near(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) <= 1e-12 * max(1, abs(b)) } ?? false }

    func metrics(warmup: Int) -> Metrics {
        Metrics.compute(
            dates: Self.dates, close: Self.close, equity: Self.equity, trades: [], openPosition: nil, warmup: warmup,
            conventions: .backtestingPy)
    }

    func expected(warmup w: Int) -> (ir: Double, beta: Double) {
        let r = returns(Self.equity)
        // Buy & hold from bar w: no return up to and including bar w.
        var b = returns(Self.close)
        for i in 0..<w { b[i] = 0 }
        let d = zip(r, b).map { $0 - $1 }
        let mr = mean(r)
        let mb = mean(b)
        var cov = 0.0
        for i in r.indices { cov += (r[i] - mr) * (b[i] - mb) }
        cov /= Double(r.count - 1)
        return (mean(d) / sampleVariance(d).squareRoot() * 252.0.squareRoot(), cov / sampleVariance(b))
    }

    @Test func informationRatioAndBetaAgainstBuyAndHoldFromTheFirstBar() {
        let m = metrics(warmup: 0)
        let e = expected(warmup: 0)
        #expect(near(m.informationRatio, e.ir))
        #expect(near(m.beta, e.beta))
    }

    @Test func buyAndHoldStartsAtTheWarmupBar() {
        let m = metrics(warmup: 2)
        let e = expected(warmup: 2)
        #expect(near(m.informationRatio, e.ir))
        #expect(near(m.beta, e.beta))
        // The same basis as buyAndHoldReturnPct: 12 / 10 − 1.
        #expect(near(m.buyAndHoldReturnPct, 20))
    }

    @Test func longestDrawdownInBars() {
        // Peak 105 at bar 2, below it at bar 3, regained at bar 4 (2 bars); 108 at bar 4, below at bar 5,
        // the last bar (1 bar). Longest: 2.
        #expect(metrics(warmup: 0).maxDrawdownDurationBars == 2)
        let flat = Metrics.compute(
            dates: Self.dates, close: Self.close, equity: [Double](repeating: 100, count: 6), trades: [],
            openPosition: nil, warmup: 0, conventions: .backtestingPy)
        #expect(flat.maxDrawdownDurationBars == nil)
        // A flat curve against a moving price: beta 0, information ratio of −b.
        #expect(flat.beta == 0)
        let b = returns(Self.close)
        #expect(near(flat.informationRatio, -mean(b) / sampleVariance(b).squareRoot() * 252.0.squareRoot()))
    }
}
