import Engine
import Market
import Strategies
import Testing

/// Fills, commissions and sizes worked out by hand on a six-bar series.
///
/// Bars 0…5: open 10, 10, 20, 25, 30, 35; close 10, 10, 21, 26, 31, 36; high/low = close ± 1.
/// The strategy decides to buy on bar 1 (filled at bar 2's open, 20) and to sell on bar 3 (filled at
/// bar 4's open, 30). Cash 10 000.
@Suite struct CostsAndSizingTests {
    static let series: BarSeries = {
        let open = [10.0, 10, 20, 25, 30, 35]
        let close = [10.0, 10, 21, 26, 31, 36]
        return BarSeries(
            symbol: "HAND", dates: (0..<6).map { SessionDate(daysSinceEpoch: 19_000 + $0) }, open: open,
            high: close.map { $0 + 1 }, low: close.map { $0 - 1 }, close: close,
            volume: [Double](repeating: 1, count: 6))
    }()
    static let signals = Signals(
        warmup: 0, entry: [false, true, false, false, false, false], exit: [false, false, false, true, false, false])

    func run(
        _ commission: CommissionModel = .fraction(0), sizing: SizingRule = .percentOfEquity(100), slippage: Double = 0,
        conventions: Conventions = .backtestingPy, signals: Signals = signals
    ) -> Simulation {
        Backtester.simulate(
            series: Self.series, signals: signals,
            config: BacktestConfig(
                initialCash: 10_000, commission: commission, slippageBps: slippage, sizing: sizing,
                conventions: conventions))
    }

    @Test func fractionOfTradedValueOnBothLegs() throws {
        // units = floor(10 000 / (20 · 1.01)) = 495; entry commission 495·20·1 % = 99; exit 495·30·1 % = 148.5.
        let s = run(.fraction(0.01))
        let t = try #require(s.trades.first)
        #expect(s.trades.count == 1)
        #expect(t.entryBar == 2 && t.exitBar == 4 && t.shares == 495)
        #expect(t.entryPrice == 20 && t.exitPrice == 30)
        #expect(t.entryCommission == 99 && t.exitCommission == 148.5)
        #expect(t.pnl == 4950 - 247.5)
        // Entry bar: cash 9 901 + (21 − 20)·495; exit bar: cash 9 901 + 4 950 − 148.5.
        #expect(s.equity[2] == 9_901 + 495)
        #expect(s.equity[4] == 14_702.5)
        #expect(s.equity[5] == 14_702.5)
        #expect(s.equity[0] == 10_000 && s.equity[1] == 10_000)
    }

    @Test func perShareWithMinimum() throws {
        // floor(10 000 / 20.01) = 499; 499 · 0.01 = 4.99 < 5, so the 5 minimum applies on both legs.
        let t = try #require(run(.perShare(rate: 0.01, minimum: 5)).trades.first)
        #expect(t.shares == 499)
        #expect(t.entryCommission == 5 && t.exitCommission == 5)
        #expect(t.pnl == 499 * 10 - 10)
    }

    @Test func perShareAboveMinimum() throws {
        // 499 shares at 0.02 = 9.98 per leg: floor(10 000 / 20.02) = 499.
        let t = try #require(run(.perShare(rate: 0.02, minimum: 1)).trades.first)
        #expect(t.shares == 499)
        #expect(abs(t.entryCommission - 9.98) < 1e-12)
    }

    @Test func fixedPerOrder() throws {
        // floor((10 000 − 7) / 20) = 499; 7 per order.
        let t = try #require(run(.fixed(7)).trades.first)
        #expect(t.shares == 499)
        #expect(t.commission == 14 && t.pnl == 4990 - 14)
    }

    @Test func slippageMovesBothFillsAgainstUs() throws {
        // 50 bps: buy at 20 · 1.005 = 20.1 → floor(10 000 / 20.1) = 497 shares; sell at 30 · 0.995 = 29.85.
        let t = try #require(run(slippage: 50).trades.first)
        #expect(t.shares == 497)
        #expect(abs(t.entryPrice - 20.1) < 1e-12 && abs(t.exitPrice - 29.85) < 1e-12)
        #expect(abs(t.pnl - 497 * 9.75) < 1e-9)
    }

    @Test func commissionOnEntryLegOnly() throws {
        var c = Conventions.backtestingPy
        c.commissionLegs = .entryOnly
        let t = try #require(run(.fraction(0.01), conventions: c).trades.first)
        #expect(t.shares == 495 && t.entryCommission == 99 && t.exitCommission == 0)
    }

    @Test func sizingRules() throws {
        #expect(run(sizing: .fixedCash(2_000)).trades.first?.shares == 100)  // 2 000 / 20
        #expect(run(sizing: .fixedShares(42)).trades.first?.shares == 42)
        #expect(run(sizing: .fixedShares(10_000)).trades.first?.shares == 500)  // capped at 10 000 / 20
        #expect(run(sizing: .percentOfEquity(50)).trades.first?.shares == 250)
        // Too small for one share: cancelled, no trade.
        #expect(run(sizing: .fixedCash(15)).trades.isEmpty)
    }

    @Test func volatilityTarget() throws {
        // ATR(1) at decision bar 1 = TR[1] = max(11 − 9, |11 − 10|, |9 − 10|) = 2.
        // shares = 10 % · 10 000 / (2 · √252) = 31.497…, → floor(31.497 · 20 / 20) = 31.
        #expect(run(sizing: .volatilityTarget(targetPct: 10, atrPeriod: 1, maxPercent: 100)).trades.first?.shares == 31)
        // Capped at 5 % of equity: 500 / 20 = 25 shares.
        #expect(run(sizing: .volatilityTarget(targetPct: 10, atrPeriod: 1, maxPercent: 5)).trades.first?.shares == 25)
        // ATR(3) is undefined until bar 3, so the bar-1 decision is cancelled.
        #expect(run(sizing: .volatilityTarget(targetPct: 10, atrPeriod: 3, maxPercent: 100)).trades.isEmpty)
    }

    @Test func fractionalShares() throws {
        var c = Conventions.backtestingPy
        c.fractionalShares = true
        let half = try #require(run(sizing: .percentOfEquity(50), conventions: c).trades.first)
        #expect(half.shares == 250)
        let cash = try #require(run(sizing: .fixedCash(1_010), conventions: c).trades.first)
        #expect(cash.shares == 50.5)
        let all = try #require(run(.fraction(0.01), conventions: c).trades.first)
        #expect(abs(all.shares - 10_000 / 20.2) < 1e-9)
        var config = BacktestConfig()
        config.fractionalShares = true
        #expect(config.conventions.fractionalShares)
    }

    @Test func fillAtNextClose() throws {
        var c = Conventions.backtestingPy
        c.fillPrice = .nextClose
        let t = try #require(run(conventions: c).trades.first)
        // Bought at bar 2's close (21): floor(10 000 / 21) = 476; sold at bar 4's close (31).
        #expect(t.entryPrice == 21 && t.exitPrice == 31 && t.shares == 476)
    }

    @Test func endOfDataClosesAtLastOpenOrMarksToMarket() throws {
        let hold = Signals(
            warmup: 0, entry: [Bool](repeating: true, count: 6), exit: [Bool](repeating: false, count: 6))
        // backtesting.py: bought at bar 2's open (decided on bar 1), sold at the LAST bar's open, 35.
        // Without commission, "all cash" is 10 000 · (1 − 2⁻⁵²) / 20 = 499.999…, so 499 shares (§3).
        let bt = run(signals: hold)
        #expect(bt.trades.count == 1 && bt.trades[0].exitBar == 5 && bt.trades[0].exitPrice == 35)
        #expect(bt.trades[0].shares == 499)
        #expect(bt.openPosition == nil)
        #expect(bt.equity[5] == 10_000 + 499 * 15)
        // stratopt: first decision on bar 0 (fill at bar 1's open, 10), still open at the end, valued at close 36.
        let so = run(conventions: .stratopt, signals: hold)
        #expect(so.trades.isEmpty)
        let p = try #require(so.openPosition)
        #expect(p.entryBar == 1 && p.shares == 999 && p.entryPrice == 10)
        #expect(so.equity[5] == 10_000 + 999 * 26)
        #expect(so.firstDecisionBar == 0)
    }

    /// Python's float `//` floors the exact quotient: `1.0 // 0.1 == 9.0` although `1.0 / 0.1 == 10.0`.
    @Test func pythonFloorDivision() {
        #expect(Sizing.pythonFloorDivide(1, 0.1) == 9)
        #expect(Sizing.pythonFloorDivide(0.3, 0.1) == 2)
        #expect(Sizing.pythonFloorDivide(7, 2) == 3)
        #expect(Sizing.pythonFloorDivide(-7, 2) == -4)
        #expect(Sizing.pythonFloorDivide(100_000, 179.13 * 1.001) == 557)  // first GOOG SMA(10,20) trade
    }

    @Test func tinySeries() {
        for count in 0...3 {
            let s = BarSeries(
                symbol: "T", dates: (0..<count).map { SessionDate(daysSinceEpoch: 19_000 + $0) },
                open: [Double](repeating: 10, count: count), high: [Double](repeating: 11, count: count),
                low: [Double](repeating: 9, count: count), close: [Double](repeating: 10, count: count),
                volume: [Double](repeating: 1, count: count))
            let hold = Signals(
                warmup: 0, entry: [Bool](repeating: true, count: count), exit: [Bool](repeating: false, count: count))
            let r = Backtester.run(series: s, signals: hold, config: BacktestConfig())
            #expect(r.equity.count == count && r.position.count == count)
            // Bar 1 decides, bar 2 fills and (being last with 3 bars) is sold at the same open: −2 commissions.
            #expect(r.trades.count == (count == 3 ? 1 : 0))
            if count == 2 { #expect(r.openPosition?.entryBar == 1) }  // case 3: decided and filled on the last bar
        }
    }

    @Test func presets() {
        #expect(Conventions.presetNames == ["backtesting_py", "stratopt"])
        #expect(Conventions.preset(named: "backtesting_py") == .backtestingPy)
        #expect(Conventions.preset(named: "stratopt") == .stratopt)
        #expect(Conventions.preset(named: "zipline") == nil)
        #expect(BacktestConfig().conventions == .backtestingPy)
    }

    @Test func inferredAnnualization() {
        let weekdays = (0..<300).map { 19_000 + $0 }.filter { (($0 + 4) % 7) != 0 && (($0 + 4) % 7) != 6 }
        #expect(Conventions.inferredAnnualization(daysSinceEpoch: weekdays) == 252)
        #expect(Conventions.inferredAnnualization(daysSinceEpoch: Array(19_000..<19_300)) == 365)
        #expect(Conventions.inferredAnnualization(daysSinceEpoch: (0..<50).map { 19_000 + 7 * $0 }) == 52)
    }
}
