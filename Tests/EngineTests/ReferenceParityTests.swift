import Engine
import Foundation
import Market
import Strategies
import Testing

/// Every reference run in `Tests/Fixtures/reference/results/*.json` reproduced: trades, equity curve, and the
/// statistics of backtesting.py and empyrical (SEMANTICS.md §9).
@Suite struct ReferenceParityTests {
    static let files: [String] = (try? ReferenceData.resultFiles()) ?? []

    struct Run {
        var reference: [String: Any]
        var data: ReferenceData.Series
        var signals: Signals
        var simulation: Simulation
        var metrics: Metrics
    }

    static func run(_ file: String) throws -> Run {
        let ref = try ReferenceData.result(file)
        let meta = ref["meta"] as! [String: Any]
        let curve = ref["equity_curve"] as! [String: Any]
        let rows = (curve["equity"] as! [Any]).count
        let dataset = meta["dataset"] as! String
        let data = try ReferenceData.series(dataset.hasPrefix("GOOG") ? "GOOG" : dataset, rows: rows)
        let params = meta["params"] as! [String: Any]
        let strategy: any Strategy
        switch meta["strategy"] as! String {
        case "sma_cross":
            strategy = StrategyRegistry.make(
                id: "sma_crossover",
                parameters: Parameters(["fast": .int(params["n1"] as! Int), "slow": .int(params["n2"] as! Int)]))!
        case "rsi_mean_reversion":
            strategy = StrategyRegistry.make(
                id: "rsi_reversion",
                parameters: Parameters([
                    "period": .int(params["n"] as! Int), "lower": .int(params["lower"] as! Int),
                    "upper": .int(params["upper"] as! Int),
                ]))!
        case "buy_and_hold":
            strategy = StrategyRegistry.make(id: "buy_and_hold", parameters: Parameters())!
        case let other:
            throw ReferenceData.ReferenceError.json("unknown strategy \(other)")
        }
        var conventions = Conventions.backtestingPy
        conventions.annualization = Conventions.inferredAnnualization(
            daysSinceEpoch: data.times.map { Int($0 / 86_400) })
        let config = BacktestConfig(conventions: conventions)
        let signals = strategy.signals(on: data.series, indicators: IndicatorCache(series: data.series))
        let sim = Backtester.simulate(series: data.series, signals: signals, config: config)
        let metrics = Metrics.compute(
            times: data.times, close: data.series.close, equity: sim.equity, trades: sim.trades,
            openPosition: sim.openPosition, warmup: signals.warmup, conventions: conventions)
        return Run(reference: ref, data: data, signals: signals, simulation: sim, metrics: metrics)
    }

    @Test func allReferenceRunsArePresent() {
        #expect(Self.files.count == 16, "expected 16 reference runs under \(ReferenceData.root.path)")
    }

    @Test(arguments: files) func firstDecisionBarAndTrades(file: String) throws {
        let r = try Self.run(file)
        let meta = r.reference["meta"] as! [String: Any]
        #expect(r.simulation.firstDecisionBar == meta["first_next_bar"] as! Int)
        let trades = try ReferenceData.exact(file).trades
        try #require(r.simulation.trades.count == trades.count, "\(file): trade count")
        for (ours, ref) in zip(r.simulation.trades, trades) {
            #expect(ours.entryBar == ref.entry_bar)
            #expect(ours.exitBar == ref.exit_bar)
            #expect(ours.shares == ref.size)
            #expect(ours.entryPrice == ref.entry_price)
            #expect(ours.exitPrice == ref.exit_price)
            for (a, b, key) in [
                (ours.pnl, ref.pnl, "pnl"), (ours.commission, ref.commission, "commission"),
                (ours.returnPct, ref.return_pct, "return_pct"),
                (ours.entryCommission, ref.entry_commission, "entry_commission"),
                (ours.exitCommission, ref.exit_commission, "exit_commission"),
            ] {
                #expect(relativeDifference(a, b) <= 1e-9, "\(file) trade \(ours.entryBar) \(key): \(a) vs \(b)")
            }
        }
        let open = r.reference["open_trades_at_end"] as! [[String: Any]]
        #expect((r.simulation.openPosition == nil) == open.isEmpty)
        if let p = r.simulation.openPosition, let o = open.first {
            #expect(p.entryBar == o["entry_bar"] as! Int)
            #expect(p.shares == (o["size"] as! NSNumber).doubleValue)
            #expect(p.entryPrice == (o["entry_price"] as! NSNumber).doubleValue)
        }
    }

    @Test(arguments: files) func equityCurveIsBitIdentical(file: String) throws {
        let r = try Self.run(file)
        let exact = try ReferenceData.exact(file)
        let equity = exact.equity_curve.equity
        let position = exact.equity_curve.position
        try #require(r.simulation.equity.count == equity.count)
        var worst = 0.0
        var identical = true
        for i in equity.indices {
            worst = max(worst, relativeDifference(r.simulation.equity[i], equity[i]))
            if r.simulation.equity[i] != equity[i] { identical = false }
        }
        #expect(worst <= 1e-9, "\(file): max relative equity difference \(worst)")
        #expect(identical, "\(file): equity not bit-identical (max rel diff \(worst))")
        #expect(r.simulation.position == position, "\(file): positions differ")
    }

    /// backtesting.py's statistics (`stats.backtesting_py_all`).
    @Test(arguments: files) func backtestingPyStatistics(file: String) throws {
        let r = try Self.run(file)
        let stats = (r.reference["stats"] as! [String: Any])["backtesting_py_all"] as! [String: Any]
        let m = r.metrics
        let bt = m.backtestingPy
        var checked = 0
        func check(_ key: String, _ ours: Double?, sign: Double = 1) {
            guard let raw = stats[key] else { return }
            checked += 1
            guard let ref = (raw as? NSNumber)?.doubleValue else {
                #expect(ours == nil, "\(file) \(key): expected undefined, got \(String(describing: ours))")
                return
            }
            guard let ours else {
                Issue.record("\(file) \(key): undefined, expected \(ref)")
                return
            }
            let a = sign * ours
            let ok = relativeDifference(a, ref) <= 1e-9 || (abs(a) < 1e-12 && abs(ref) < 1e-12)
            #expect(ok, "\(file) \(key): \(a) vs \(ref) (rel \(relativeDifference(a, ref)))")
        }
        check("Duration", m.durationDays)
        check("Exposure Time [%]", m.exposurePct)
        check("Equity Final [$]", m.finalEquity)
        check("Equity Peak [$]", m.peakEquity)
        check("Commissions [$]", m.commissions)
        check("Return [%]", m.totalReturnPct)
        check("Buy & Hold Return [%]", m.buyAndHoldReturnPct)
        check("Return (Ann.) [%]", bt.annualReturnPct)
        check("Volatility (Ann.) [%]", bt.volatilityPct)
        check("CAGR [%]", m.cagrPct)
        check("Sharpe Ratio", bt.sharpe)
        check("Sortino Ratio", bt.sortino)
        check("Calmar Ratio", bt.calmar)
        check("Max. Drawdown [%]", m.maxDrawdownPct, sign: -1)
        check("Avg. Drawdown [%]", m.avgDrawdownPct, sign: -1)
        check("Max. Drawdown Duration", m.maxDrawdownDurationDays)
        check("Avg. Drawdown Duration", m.avgDrawdownDurationDays)
        check("# Trades", Double(m.trades))
        check("Win Rate [%]", m.trades == 0 ? nil : m.winRatePct)
        check("Best Trade [%]", m.bestTradePct)
        check("Worst Trade [%]", m.worstTradePct)
        check("Avg. Trade [%]", m.avgTradePct)
        check("Max. Trade Duration", m.maxTradeDurationDays)
        check("Avg. Trade Duration", m.avgTradeDurationDays)
        check("Profit Factor", m.profitFactor)
        check("Expectancy [%]", m.expectancyPct)
        check("SQN", m.sqn)
        check("Kelly Criterion", m.kellyCriterion)
        let ab = Metrics.alphaBeta(
            close: r.data.series.close, equity: r.simulation.equity, totalReturnPct: m.totalReturnPct,
            buyAndHoldReturnPct: m.buyAndHoldReturnPct)
        if let ab {
            check("Beta", ab.beta)
            check("Alpha [%]", ab.alphaPct)
        }
        #expect(checked >= 29)
    }

    /// empyrical-reloaded's statistics (`stats.empyrical`).
    @Test(arguments: files) func empyricalStatistics(file: String) throws {
        let r = try Self.run(file)
        let stats = (r.reference["stats"] as! [String: Any])["empyrical"] as! [String: Any]
        let m = r.metrics
        func check(_ key: String, _ ours: Double?) {
            guard let ref = (stats[key] as? NSNumber)?.doubleValue else {
                #expect(ours == nil, "\(file) \(key): expected undefined, got \(String(describing: ours))")
                return
            }
            guard let ours else {
                Issue.record("\(file) \(key): undefined, expected \(ref)")
                return
            }
            let ok = relativeDifference(ours, ref) <= 1e-9 || (abs(ours) < 1e-12 && abs(ref) < 1e-12)
            #expect(ok, "\(file) \(key): \(ours) vs \(ref) (rel \(relativeDifference(ours, ref)))")
        }
        check("sharpe_ratio", m.sharpe)
        check("sortino_ratio", m.sortino)
        check("calmar_ratio", m.calmar)
        check("annual_return", m.annualReturnPct / 100)
        check("annual_volatility", m.volatilityPct / 100)
        if !file.hasPrefix("EURUSD") {
            // Intraday: empyrical's drawdown is on day-end equity; ours is on every bar (backtesting.py's).
            check("max_drawdown", -m.maxDrawdownPct / 100)
        }
    }
}
