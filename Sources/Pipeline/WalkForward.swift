import Engine
import Foundation
import Market
import Reports
import Scoring
import Spec
import Strategies

/// Out-of-sample validation (`validation:`): per fold, each strategy's parameters are chosen on the training
/// window by the composite score, then run on the test window; the test windows' curves are stitched into
/// one out-of-sample result per (symbol, strategy).
///
/// A fold sees no bar after its test window: its training backtests run on the bars before the test window
/// and its test backtest on the bars up to the test window's end (indicator warm-up from the bars before
/// each window), so changing later bars cannot change the fold.
enum WalkForward {
    /// The folds of `v` over the period `start … end` (inclusive). Test windows are contiguous: the k-th
    /// starts `k` test lengths after the first, which starts one train length after `start` (walk-forward)
    /// or one test length before the period's end (holdout); the last is cut at the period's end. Rolling
    /// training windows end where their test window starts and are one train length long; anchored ones
    /// start at `start`.
    static func folds(_ v: PipelineSpec.Validation, start: SessionDate, end: SessionDate) -> [FoldWindow] {
        let stop = end.adding(days: 1)
        func shifted(_ l: PipelineSpec.WindowLength, _ times: Int, _ d: SessionDate) -> SessionDate {
            PipelineSpec.WindowLength(count: l.count * times, unit: l.unit).after(d)
        }
        switch v.method {
        case .none: return []
        case .holdout:
            let testFrom = shifted(v.test, -1, stop)
            guard testFrom > start, testFrom <= end else { return [] }
            return [FoldWindow(trainFrom: start, testFrom: testFrom, testTo: stop)]
        case .walkForward:
            guard let train = v.train else { return [] }
            let first = train.after(start)
            var out: [FoldWindow] = []
            var k = 0
            while k < 10_000 {
                let testFrom = shifted(v.test, k, first)
                guard testFrom <= end else { break }
                let testTo = min(shifted(v.test, k + 1, first), stop)
                let trainFrom = v.window == .anchored ? start : max(start, shifted(train, -1, testFrom))
                out.append(FoldWindow(trainFrom: trainFrom, testFrom: testFrom, testTo: testTo))
                k += 1
            }
            return out
        }
    }

    /// "train 3y, test 1y, rolling" / "test 1y".
    static func describe(_ v: PipelineSpec.Validation) -> String {
        switch v.method {
        case .none: return "none"
        case .holdout: return "holdout: test \(v.test) at the period's end, train on every bar before it"
        case .walkForward:
            return "walk_forward: train \(v.train.map(\.description) ?? "?"), test \(v.test), \(v.window.rawValue)"
        }
    }

    /// One (symbol, strategy)'s validation: the stitched result and the parameters the latest training
    /// window chose (the ones ranked and traded).
    struct Outcome: Sendable, Equatable {
        var outOfSample: OutOfSample
        var latestParams: Parameters
    }

    /// Every strategy's validation on one symbol, keyed by strategy id. `periodStart` is the index of the
    /// period's first bar (bars before it are warm-up history). A fold whose training or test window holds
    /// fewer than two of the symbol's bars is left out for it.
    static func run(
        series: BarSeries, periodStart: Int, combinations: [(strategy: String, parameters: Parameters)],
        config: BacktestConfig, rules: ScoringRules, folds: [FoldWindow]
    ) -> [String: Outcome] {
        var strategies: [String] = []
        var combosOf: [String: [Parameters]] = [:]
        for c in combinations {
            if combosOf[c.strategy] == nil { strategies.append(c.strategy) }
            combosOf[c.strategy, default: []].append(c.parameters)
        }
        func index(_ d: SessionDate) -> Int {
            var lo = 0
            var hi = series.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if series.dates[mid] < d { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
        var tests: [String: [(FoldChoice, BacktestResult)]] = [:]
        for (f, w) in folds.enumerated() {
            let trainLo = max(index(w.trainFrom), periodStart)
            let testLo = index(w.testFrom)
            let testHi = index(w.testTo)
            guard testLo - trainLo >= 2, testHi - testLo >= 2 else { continue }
            let trainCache = IndicatorCache(series: prefix(series, testLo))
            let testCache = IndicatorCache(series: prefix(series, testHi))
            for id in strategies {
                var best: (RankCandidate, Parameters, BacktestResult, ScoreBreakdown)?
                for p in combosOf[id] ?? [] {
                    let r = runWindow(id, p, cache: trainCache, config: config, from: trainLo)
                    let s = CompositeScore.score(r.metrics, weights: rules.weights, returnBasis: rules.returnBasis)
                    let c = RankCandidate(
                        symbol: series.symbol, strategy: id, params: p, score: s.total,
                        totalReturnPct: r.metrics.totalReturnPct, trades: r.metrics.trades,
                        ranked: rules.exclusion(r.metrics) == nil)
                    if best.map({ Ranking.precedes(c, $0.0) }) ?? true { best = (c, p, r, s) }
                }
                guard let (_, params, train, trainScore) = best else { continue }
                let test = runWindow(id, params, cache: testCache, config: config, from: testLo)
                let testScore = CompositeScore.score(
                    test.metrics, weights: rules.weights, returnBasis: rules.returnBasis)
                let choice = FoldChoice(
                    fold: f, params: params, inSampleScore: trainScore.total,
                    inSampleReturnPct: train.metrics.totalReturnPct, outOfSampleReturnPct: test.metrics.totalReturnPct,
                    outOfSampleScore: testScore.total, outOfSampleTrades: test.metrics.trades)
                tests[id, default: []].append((choice, test))
            }
        }
        var out: [String: Outcome] = [:]
        for id in strategies {
            guard let parts = tests[id], let last = parts.last else { continue }
            let metrics = stitch(parts.map(\.1), series: series, folds: folds, choices: parts.map(\.0), config: config)
            out[id] = Outcome(
                outOfSample: OutOfSample(
                    metrics: metrics,
                    score: CompositeScore.score(metrics, weights: rules.weights, returnBasis: rules.returnBasis),
                    folds: parts.map(\.0)),
                latestParams: last.0.params)
        }
        return out
    }

    /// The test windows' curves chained (each scaled to start where the previous one ended, its trades
    /// scaled alike) and the metrics of the chain.
    static func stitch(
        _ parts: [BacktestResult], series: BarSeries, folds: [FoldWindow], choices: [FoldChoice],
        config: BacktestConfig
    ) -> Metrics {
        var dates: [SessionDate] = []
        var close: [Double] = []
        var equity: [Double] = []
        var trades: [Trade] = []
        var factor = 1.0
        for (part, choice) in zip(parts, choices) {
            let w = folds[choice.fold]
            let lo = series.dates.firstIndex { $0 >= w.testFrom } ?? series.count
            let offset = equity.count
            dates += series.dates[lo..<lo + part.equity.count]
            close += series.close[lo..<lo + part.equity.count]
            equity += part.equity.map { $0 * factor }
            for t in part.trades {
                var t = t
                t.entryBar += offset
                t.exitBar += offset
                t.shares *= factor
                t.pnl *= factor
                t.entryCommission *= factor
                t.exitCommission *= factor
                trades.append(t)
            }
            if let e = part.equity.last, config.initialCash > 0 { factor *= e / config.initialCash }
        }
        return Metrics.compute(
            dates: dates, close: close, equity: equity, trades: trades, openPosition: nil, warmup: 0,
            conventions: config.conventions)
    }

    /// The first `n` bars.
    static func prefix(_ s: BarSeries, _ n: Int) -> BarSeries {
        BarSeries(
            symbol: s.symbol, dates: Array(s.dates[..<n]), open: Array(s.open[..<n]), high: Array(s.high[..<n]),
            low: Array(s.low[..<n]), close: Array(s.close[..<n]), volume: Array(s.volume[..<n]))
    }

    /// One backtest on the cache's bars from bar `from` on (earlier bars are warm-up only): the same result as
    /// `BacktestStage.runOne`, with metrics computed once, on the window only (a fold's prefix is years of
    /// bars; computing them on it first doubled the cost of validation).
    static func runWindow(
        _ strategy: String, _ parameters: Parameters, cache: IndicatorCache, config: BacktestConfig, from: Int
    ) -> BacktestResult {
        let s = min(max(0, from), max(0, cache.series.count - 1))
        let job = BacktestJob(index: 0, symbol: cache.series.symbol, strategy: strategy, parameters: parameters)
        guard s > 0, let made = StrategyRegistry.make(id: strategy, parameters: parameters) else {
            return BacktestStage.runOne(job: job, cache: cache, config: config, tradingStart: s)
        }
        var signals = made.signals(on: cache.series, indicators: cache)
        signals.warmup = max(signals.warmup, s - config.conventions.firstDecisionOffset)
        let sim = Backtester.simulate(
            series: cache.series, signals: signals, config: config, atr: config.sizing.atrPeriod.map { cache.atr($0) })
        let unsliced = BacktestResult(
            trades: sim.trades, openPosition: sim.openPosition, equity: sim.equity, position: sim.position,
            firstDecisionBar: sim.firstDecisionBar,
            metrics: Metrics(
                totalReturnPct: 0, cagrPct: 0, volatilityPct: 0, sharpe: nil, maxDrawdownPct: 0, winRatePct: 0,
                trades: 0, profitFactor: nil, exposurePct: 0, finalEquity: 0))
        return BacktestStage.slice(unsliced, from: s, series: cache.series, warmup: signals.warmup, config: config)
    }
}
