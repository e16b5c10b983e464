import Engine
import Market
import Strategies
import Testing

/// A six-bar series small enough to work out on paper: every number below is derived in the comments.
@Suite struct HandWorkedBacktestTests {
    // bar:      0     1     2     3     4     5
    // open:    10    10    12    13    15    16
    // close:   10    11    12    14    15    17
    static let series: BarSeries = {
        let opens = [10.0, 10, 12, 13, 15, 16]
        let closes = [10.0, 11, 12, 14, 15, 17]
        let d0 = SessionDate(iso: "2024-01-01")!
        return BarSeries(
            symbol: "HAND",
            bars: (0..<6).map { i in
                Bar(
                    date: d0.adding(days: i), open: opens[i], high: max(opens[i], closes[i]) + 1,
                    low: min(opens[i], closes[i]) - 1, close: closes[i], volume: 100)
            })
    }()

    /// Buy decided on bar 1's close, sell decided on bar 3's close.
    static let signals = Signals(
        warmup: 0, entry: [false, true, false, false, false, false], exit: [false, false, false, true, false, false])

    @Test func fillsAtTheNextOpenWithCommissionOnBothLegs() throws {
        let config = BacktestConfig(initialCash: 1_000, commission: .fraction(0.01), slippageBps: 0)
        let r = Backtester.run(series: Self.series, signals: Self.signals, config: config)
        let t = try #require(r.trades.first)
        #expect(r.trades.count == 1)
        // Filled at bar 2's open 12: shares = floor(1000 / (12 · 1.01)) = floor(82.51) = 82.
        #expect(t.entryBar == 2 && t.entryPrice == 12 && t.shares == 82)
        // Entry commission 82 · 12 · 1 % = 9.84; exit at bar 4's open 15, commission 82 · 15 · 1 % = 12.30.
        #expect(abs(t.entryCommission - 9.84) < 1e-9)
        #expect(t.exitBar == 4 && t.exitPrice == 15)
        #expect(abs(t.exitCommission - 12.30) < 1e-9)
        // P&L 82 · 3 − 22.14 = 223.86; return 100 · (15/12 − 1 − 22.14 / 984) = 22.75 %.
        #expect(abs(t.pnl - 223.86) < 1e-9)
        #expect(abs(t.returnPct - 22.75) < 1e-9)
        // Equity: 1000 until the fill; bar 2 = 1000 − 9.84; bar 3 marks 82 · (14 − 12) = 164 on top;
        // bars 4–5 hold the cash 1000 − 9.84 + 246 − 12.30 = 1223.86.
        let expected = [1_000, 1_000, 990.16, 1_154.16, 1_223.86, 1_223.86]
        for (a, b) in zip(r.equity, expected) { #expect(abs(a - b) < 1e-9) }
        #expect(abs(r.metrics.finalEquity - 1_223.86) < 1e-9)
        #expect(abs(r.metrics.totalReturnPct - 22.386) < 1e-9)
        #expect(r.metrics.trades == 1 && r.metrics.winRatePct == 100)
        // In the market from the entry bar 2 to the exit bar 4: 3 of 6 bars.
        #expect(r.metrics.exposurePct == 50)
    }

    @Test func slippageMovesBothFillsAgainstTheTrader() throws {
        let config = BacktestConfig(initialCash: 1_000, commission: .fraction(0.01), slippageBps: 100)
        let r = Backtester.run(series: Self.series, signals: Self.signals, config: config)
        let t = try #require(r.trades.first)
        // Buy at 12 · 1.01 = 12.12: shares = floor(1000 / (12.12 · 1.01)) = floor(81.69) = 81.
        #expect(abs(t.entryPrice - 12.12) < 1e-12)
        #expect(t.shares == 81)
        // Sell at 15 · 0.99 = 14.85.
        #expect(abs(t.exitPrice - 14.85) < 1e-12)
        // P&L 81 · (14.85 − 12.12) − 81 · (12.12 + 14.85) · 1 % = 221.13 − 21.8457 = 199.2843.
        #expect(abs(t.pnl - 199.2843) < 1e-9)
        #expect(abs(r.metrics.finalEquity - 1_199.2843) < 1e-9)
    }

    @Test func aPositionOpenAtTheEndIsClosedAtTheLastOpen() throws {
        let entryOnly = Signals(
            warmup: 0, entry: [false, true, false, false, false, false], exit: [Bool](repeating: false, count: 6))
        let r = Backtester.run(
            series: Self.series, signals: entryOnly,
            config: BacktestConfig(initialCash: 1_000, commission: .fraction(0.01)))
        let t = try #require(r.trades.first)
        // Bought 82 at 12, closed at bar 5's open 16 (not its close 17): 82 · 4 − 9.84 − 13.12 = 305.04.
        #expect(t.exitBar == 5 && t.exitPrice == 16)
        #expect(abs(t.pnl - 305.04) < 1e-9)
        #expect(abs(r.equity[5] - 1_305.04) < 1e-9)
        #expect(r.openPosition == nil)
    }

    @Test func tooLittleCashForOneShareCancelsTheOrder() {
        let r = Backtester.run(
            series: Self.series, signals: Self.signals,
            config: BacktestConfig(initialCash: 10, commission: .fraction(0.01)))
        // floor(10 / 12.12) = 0 shares: no trade, equity stays at the cash.
        #expect(r.trades.isEmpty)
        #expect(r.equity.allSatisfy { $0 == 10 })
    }
}
