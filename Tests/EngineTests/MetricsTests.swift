import Engine
import Foundation
import Market
import Testing

/// Metrics on tiny curves and trade lists, worked out by hand from the formulas in docs/metrics.md.
@Suite struct MetricsTests {
    static let dates = (0..<5).map { SessionDate(daysSinceEpoch: 20_000 + $0) }

    func trade(_ bar: Int, pnl: Double, ret: Double) -> Trade {
        Trade(
            entryBar: bar, exitBar: bar + 1, entryDate: Self.dates[bar], exitDate: Self.dates[bar + 1],
            entryPrice: 100, exitPrice: 100, shares: 1, entryCommission: 0.5, exitCommission: 0.5, pnl: pnl,
            returnPct: ret)
    }

    @Test func returnsRiskAndDrawdownsWithARiskFreeRate() throws {
        // Returns +10 %, −10 %, 0 (a flat day), +10 %.
        let equity = [100, 110, 99, 99, 108.9]
        var c = Conventions.backtestingPy
        c.riskFreeRate = 0.252  // 0.1 % per period
        let m = Metrics.compute(
            dates: Self.dates, close: [1, 1, 1, 1, 2], equity: equity, trades: [], openPosition: nil, warmup: 0,
            conventions: c)
        let r = [0.1, -0.1, 0, 0.1]
        let mean = 0.025
        let squares: [Double] = [0.075 * 0.075, 0.125 * 0.125, 0.025 * 0.025, 0.075 * 0.075]
        let sd = (squares.reduce(0, +) / 3).squareRoot()
        func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) <= 1e-12 * max(1, abs(b)) } ?? false }
        #expect(close(m.sharpe, (mean - 0.001) / sd * 252.0.squareRoot()))
        // Downside of r − 0.001: −0.101 and −0.001 (the flat day counts).
        let down: Double = 0.101 * 0.101 + 0.001 * 0.001
        let downside = (down / 4).squareRoot() * 252.0.squareRoot()
        #expect(close(m.sortino, (mean - 0.001) * 252 / downside))
        #expect(close(m.volatilityPct, sd * 252.0.squareRoot() * 100))
        #expect(close(m.totalReturnPct, 8.9))
        #expect(close(m.maxDrawdownPct, 10))
        // One episode from bar 1 (peak 110) to the last bar, 3 days, deepest 10 %.
        #expect(close(m.avgDrawdownPct, 10))
        #expect(m.maxDrawdownDurationDays == 3 && m.avgDrawdownDurationDays == 3)
        let annual = pow(1.089, 252.0 / 4) - 1
        #expect(close(m.annualReturnPct, annual * 100))
        #expect(close(m.calmar, annual / 0.1))
        #expect(m.peakEquity == 110 && m.finalEquity == 108.9)
        #expect(close(m.buyAndHoldReturnPct, 100))
        #expect(close(m.excessReturnPct, 8.9 - 100))
        #expect(r.count == 4)
    }

    @Test func tradeStatistics() throws {
        let trades = [
            trade(0, pnl: 100, ret: 10), trade(1, pnl: -50, ret: -5), trade(2, pnl: 0, ret: 0),
            trade(3, pnl: 200, ret: 20),
        ]
        let m = Metrics.compute(
            dates: Self.dates, close: [1, 1, 1, 1, 1], equity: [100, 100, 100, 100, 100], trades: trades,
            openPosition: nil, warmup: 0, conventions: .backtestingPy)
        func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) <= 1e-12 * max(1, abs(b)) } ?? false }
        #expect(m.trades == 4)
        #expect(m.winRatePct == 50)  // a zero-pnl trade is a loss
        #expect(m.bestTradePct == 20 && m.worstTradePct == -5)
        #expect(close(m.expectancyPct, 6.25))
        #expect(close(m.profitFactor, 30.0 / 5))
        let growth: Double = 1.1 * 0.95 * 1.0 * 1.2
        #expect(close(m.avgTradePct, (pow(growth, 0.25) - 1) * 100))
        #expect(m.maxConsecutiveLosses == 2)
        let deviations: [Double] = [37.5, -112.5, -62.5, 137.5]
        let sd = (deviations.map { $0 * $0 }.reduce(0, +) / 3).squareRoot()
        #expect(close(m.sqn, 2 * 62.5 / sd))
        #expect(close(m.kellyCriterion, 0.5 - 0.5 / (150.0 / 50)))
        #expect(m.commissions == 4)
        #expect(m.exposurePct == 100)  // bars 0–1, 1–2, 2–3, 3–4 cover all five
        #expect(m.maxTradeDurationDays == 1 && m.avgTradeDurationDays == 1)
        // A flat curve: no volatility, undefined ratios.
        #expect(m.sharpe == nil && m.sortino == nil && m.calmar == nil && m.volatilityPct == 0)
        #expect(m.backtestingPy.sharpe == nil)
    }

    @Test func noTrades() {
        let m = Metrics.compute(
            dates: Self.dates, close: [1, 2, 3, 4, 5], equity: [100, 100, 100, 100, 100], trades: [],
            openPosition: nil, warmup: 2, conventions: .backtestingPy)
        #expect(m.trades == 0 && m.winRatePct == 0 && m.profitFactor == nil && m.sqn == nil)
        #expect(m.bestTradePct == nil && m.avgTradePct == nil && m.kellyCriterion == nil)
        #expect(m.avgDrawdownPct == nil && m.maxDrawdownPct == 0)
        let expected: Double = (5.0 - 3) / 3 * 100  // from the close of the warm-up bar 2
        #expect(m.buyAndHoldReturnPct == expected)
    }
}
