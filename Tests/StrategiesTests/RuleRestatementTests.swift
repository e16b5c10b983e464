import Engine
import Market
import Strategies
import Testing

/// Every built-in strategy restated as a rule gives the built-in's results exactly: the same signals, the
/// same warm-up, and bit-identical backtests (trades, equity, metrics) — the built-ins are the oracle.
@Suite struct RuleRestatementTests {
    struct Restatement: Sendable, CustomTestStringConvertible {
        var id: String
        var entry: String
        var exit: String
        var grid: [(String, [ParamValue])]
        var testDescription: String { id }
    }

    static let restatements: [Restatement] = [
        Restatement(
            id: "sma_crossover", entry: "crosses_above(sma(close, fast), sma(close, slow))",
            exit: "crosses_below(sma(close, fast), sma(close, slow))",
            grid: [("fast", [.int(5), .int(10)]), ("slow", [.int(20), .int(50)])]),
        Restatement(
            id: "ema_crossover", entry: "crosses_above(ema(close, fast), ema(close, slow))",
            exit: "crosses_below(ema(close, fast), ema(close, slow))",
            grid: [("fast", [.int(5), .int(12)]), ("slow", [.int(26), .int(40)])]),
        Restatement(
            id: "rsi_reversion", entry: "rsi(close, period) < lower", exit: "rsi(close, period) > upper",
            grid: [
                ("period", [.int(5), .int(14)]), ("lower", [.int(30), .int(45)]), ("upper", [.int(55), .int(70)]),
            ]),
        Restatement(
            id: "macd_crossover",
            entry: "crosses_above(macd(close, fast, slow, signal), macd_signal(close, fast, slow, signal))",
            exit: "crosses_below(macd(close, fast, slow, signal), macd_signal(close, fast, slow, signal))",
            grid: [("fast", [.int(5), .int(12)]), ("slow", [.int(13), .int(26)]), ("signal", [.int(4), .int(9)])]),
        Restatement(
            id: "bollinger_reversion", entry: "close < bb_lower(close, period, k)", exit: "close > sma(close, period)",
            grid: [("period", [.int(10), .int(20)]), ("k", [.double(1.5), .int(2)])]),
        Restatement(
            id: "donchian_breakout", entry: "close > shift(highest(high, entry), 1)",
            exit: "close < shift(lowest(low, exit), 1)",
            grid: [("entry", [.int(5), .int(20)]), ("exit", [.int(3), .int(10)])]),
        Restatement(
            id: "momentum", entry: "roc(close, period) > threshold", exit: "roc(close, period) < exit_threshold",
            grid: [
                ("period", [.int(5), .int(20)]), ("threshold", [.int(0), .int(2)]),
                ("exit_threshold", [.int(-1), .int(0)]),
            ]),
        Restatement(id: "buy_and_hold", entry: "true", exit: "false", grid: []),
    ]

    static let configs: [BacktestConfig] = [
        BacktestConfig(),
        BacktestConfig(
            commission: .perShare(rate: 0.01, minimum: 1), slippageBps: 5, sizing: .percentOfEquity(50),
            conventions: .stratopt),
    ]

    @Test(arguments: restatements)
    func ruleMatchesBuiltIn(_ r: Restatement) async throws {
        #expect(StrategyRegistry.ids.contains(r.id))
        let names = r.grid.map(\.0)
        let program = try RuleProgram(
            RuleDefinition(id: "restated_\(r.id)", entry: r.entry, exit: r.exit), parameters: names)
        #expect(program.unused(names).isEmpty)
        let builtIns = try #require(GridRunner.strategies(id: r.id, axes: r.grid))
        #expect(!builtIns.isEmpty)
        for seed: UInt64 in [1, 7, 42] {
            let series = RandomSeries.make(count: 600, seed: seed)
            for strategy in builtIns {
                let rule = try program.compile(strategy.parameters)
                let cache = IndicatorCache(series: series)
                let expected = strategy.signals(on: series, indicators: cache)
                let actual = rule.signals(on: series, indicators: IndicatorCache(series: series))
                #expect(actual == expected, "\(r.id) \(strategy.parameters) seed \(seed)")
                for config in Self.configs {
                    let a = Backtester.run(series: series, signals: actual, config: config)
                    let b = Backtester.run(series: series, signals: expected, config: config)
                    #expect(a == b, "\(r.id) \(strategy.parameters) seed \(seed)")
                }
            }
            // Through the grid runner with one shared cache, as the pipeline runs them.
            let rules = try builtIns.map { try program.compile($0.parameters) as any Strategy }
            let cache = IndicatorCache(series: series)
            let a = await GridRunner.run(series: series, strategies: rules, config: BacktestConfig(), cache: cache)
            let b = await GridRunner.run(series: series, strategies: builtIns, config: BacktestConfig(), cache: cache)
            #expect(a == b)
        }
    }

    /// Series shorter than the windows: no value defined, warm-up at the end, as the built-ins do.
    @Test func shortSeriesGiveTheBuiltInsWarmup() throws {
        let series = RandomSeries.make(count: 12, seed: 3)
        for r in Self.restatements {
            let program = try RuleProgram(
                RuleDefinition(id: "x", entry: r.entry, exit: r.exit), parameters: r.grid.map(\.0))
            for strategy in try #require(GridRunner.strategies(id: r.id, axes: r.grid)) {
                let rule = try program.compile(strategy.parameters)
                #expect(
                    rule.signals(on: series, indicators: IndicatorCache(series: series))
                        == strategy.signals(on: series, indicators: IndicatorCache(series: series)),
                    "\(r.id) \(strategy.parameters)")
            }
        }
    }
}

/// `bars_held`, arithmetic, shift and the hold-exit truth table against values worked out by hand.
@Suite struct RuleSemanticsTests {
    /// Closes 1, 2, 3, …: every comparison's answer is known in advance.
    static func ramp(_ n: Int) -> BarSeries {
        let c = (0..<n).map { Double($0 + 1) }
        return BarSeries(
            symbol: "R", dates: (0..<n).map { SessionDate(daysSinceEpoch: 20_000 + $0) }, open: c,
            high: c.map { $0 + 0.5 },
            low: c.map { $0 - 0.5 }, close: c, volume: [Double](repeating: 100, count: n))
    }

    func signals(_ entry: String, _ exit: String, _ p: [String: ParamValue] = [:], n: Int = 30) throws -> Signals {
        let program = try RuleProgram(RuleDefinition(id: "t", entry: entry, exit: exit), parameters: p.keys.sorted())
        let s = Self.ramp(n)
        return try program.compile(Parameters(p)).signals(on: s, indicators: IndicatorCache(series: s))
    }

    @Test func arithmeticAndShiftReadOnlyEarlierBars() throws {
        // close[t] = t + 1; shift(close, 3)[t] = t − 2 (NaN before 3): close − shift(close, 3) == 3 from bar 3.
        let s = try signals("close - shift(close, 3) == 3", "false")
        #expect(s.warmup == 3)
        #expect(s.entry == (0..<30).map { $0 >= 3 })
        // 2 * close > 21 ⇔ t + 1 > 10.5 ⇔ t ≥ 10; parameters fold into constants.
        let p = try signals("2 * close > level + 1", "not (close > 0)", ["level": .int(20)])
        #expect(p.entry == (0..<30).map { $0 >= 10 })
        #expect(p.exit == [Bool](repeating: false, count: 30))
        #expect(p.warmup == 0)
    }

    @Test func warmupIsTheLongestWindowRead() throws {
        // sma(close, 10) first defined at 9; shift by 2 → 11; rsi(close, 14) at 14.
        #expect(try signals("shift(sma(close, 10), 2) > 0", "false").warmup == 11)
        #expect(try signals("close > 0", "rsi(close, n) > 50", ["n": .int(14)]).warmup == 14)
    }

    @Test func indicatorsOfDerivedSeriesStartAtTheSourcesFirstValue() throws {
        // sma(close, 5) on closes t + 1 is t − 1 from bar 4; its ema(·, 3) is seeded at bar 4 + 2 = 6 with the
        // mean of bars 4…6 (3, 4, 5 → 4) and, on a straight line, stays at t − 2: 6 − 2 = 4 ✓.
        let s = try signals("ema(sma(close, 5), 3) == close - 3", "false")
        #expect(s.warmup == 6)
        #expect(s.entry == (0..<30).map { $0 >= 6 })
    }

    @Test func barsHeldExitsAfterTheHoldingPeriod() throws {
        // Enter whenever flat; leave after max_hold bars. On a ramp with 0 commission, trades are known.
        let s = try signals("true", "bars_held >= max_hold", ["max_hold": .int(4)], n: 20)
        #expect(s.holdExit != nil)
        let config = BacktestConfig(commission: .fraction(0))
        let r = Backtester.run(series: Self.ramp(20), signals: s, config: config)
        // Decide on bar 1 (W + 1), fill bar 2; held 4 at bar 6 → exit fills bar 7; re-enter decided 7, fill 8; …
        let entries = r.trades.map(\.entryBar)
        let exits = r.trades.map(\.exitBar)
        #expect(Array(entries.prefix(3)) == [2, 8, 14])
        #expect(Array(exits.prefix(3)) == [7, 13, 19])
    }

    @Test func barsHeldCombinesWithConditions() throws {
        // Exit only once held at least 3 bars and the close is above 12 (bar 12 onwards): enter at 2, exit
        // decided at max(2 + 3, 12) = 12, filled at 13.
        let s = try signals("true", "bars_held >= 3 and close > 12", n: 16)
        let r = Backtester.run(series: Self.ramp(16), signals: s, config: BacktestConfig(commission: .fraction(0)))
        #expect(r.trades.first?.entryBar == 2)
        #expect(r.trades.first?.exitBar == 13)
        // Written the other way round (3 <= bars_held) it is the same rule.
        let t = try signals("true", "3 <= bars_held and close > 12", n: 16)
        #expect(t == s)
    }
}

/// The look-ahead guarantee for rules: rewriting every bar after t changes no entry, exit or hold-exit
/// decision on bars 0…t, for rules using every function, shift, bars_held and derived series.
@Suite struct RuleNoLookAheadTests {
    static let rules: [(String, String, [String: ParamValue])] = [
        (
            "crosses_above(ema(close, 5), sma(close, 20))",
            "crosses_below(macd(close, 5, 13, 4), macd_signal(close, 5, 13, 4))", [:]
        ),
        (
            "close > shift(highest(high, n), 1) and roc(close, n) > 0",
            "close < shift(lowest(low, n), 2) or bars_held >= 7", ["n": .int(10)]
        ),
        (
            "close < bb_lower(close, 20, k) and rsi(close, 14) < 40",
            "close > bb_upper(close, 20, k) or bars_held > 3 and atr(14) > 0", ["k": .double(1.5)]
        ),
        ("ema(rsi(close, 14), 5) < 45 and volume > 0", "shift(close > open, 2) and bars_held >= 2", [:]),
    ]

    @Test func rewritingTheFutureChangesNoPastDecision() throws {
        for (entry, exit, p) in Self.rules {
            let program = try RuleProgram(
                RuleDefinition(id: "t", entry: entry, exit: exit), parameters: p.keys.sorted())
            let rule = try program.compile(Parameters(p))
            let base = RandomSeries.make(count: 300, seed: 11)
            let s0 = rule.signals(on: base, indicators: IndicatorCache(series: base))
            for t in [40, 120, 250] {
                let other = RandomSeries.rewritingAfter(t, of: base, seed: 99)
                let s1 = rule.signals(on: other, indicators: IndicatorCache(series: other))
                #expect(Array(s1.entry[...t]) == Array(s0.entry[...t]), "\(entry) t=\(t)")
                for u in 0...t {
                    for held in 0..<10 {
                        #expect(s1.exits(at: u, held: held) == s0.exits(at: u, held: held), "\(exit) t=\(t)")
                    }
                }
                if s0.warmup <= t { #expect(s1.warmup == s0.warmup) }
            }
        }
    }
}
