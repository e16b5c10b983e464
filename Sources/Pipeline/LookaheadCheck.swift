import Engine
import Foundation
import Market
import Reports
import Scoring
import Spec
import Strategies

/// What `stratopt check` found: how many truncations were compared and every decision that changed.
public struct LookaheadReport: Sendable {
    /// (symbol, combination, cut) triples compared, plus one per (symbol, fold) with validation.
    public var comparisons: Int
    public var symbols: Int
    /// One line of advice per (symbol, combination) or (symbol, fold) whose past changed; empty = passed.
    public var violations: [String]
}

/// The look-ahead check: a decision on bar t may use bars 0…t only, so running a strategy on the bars
/// truncated after a cut point c must leave every signal before c, and every position before c − 1 (the
/// last bar of a truncated run closes positions), exactly as on the full bars. Cut points are drawn with
/// the seeded `SplitMix64`, so a check is reproducible.
public enum LookaheadCheck {
    /// Cut points for a series of `n` bars: `count` distinct indices in 2 ..< n, ascending.
    static func cuts(n: Int, count: Int, rng: inout SplitMix64) -> [Int] {
        guard n > 3 else { return [] }
        var out = Set<Int>()
        var tries = 0
        while out.count < min(count, n - 2) && tries < 100 * max(1, count) {
            out.insert(2 + Int(rng.next() % UInt64(n - 2)))
            tries += 1
        }
        return out.sorted()
    }

    /// Every strategy on `series` and on its truncations; the first difference per strategy, as advice.
    public static func check(
        series: BarSeries, strategies: [(label: String, strategy: any Strategy)], config: BacktestConfig,
        cuts count: Int, rng: inout SplitMix64
    ) -> (comparisons: Int, violations: [String]) {
        let cuts = cuts(n: series.count, count: count, rng: &rng)
        let full = IndicatorCache(series: series)
        let truncated = cuts.map { IndicatorCache(series: WalkForward.prefix(series, $0)) }
        var comparisons = 0
        var violations: [String] = []
        for (label, strategy) in strategies {
            let signals = strategy.signals(on: series, indicators: full)
            let sim = Backtester.simulate(series: series, signals: signals, config: config)
            for (k, c) in cuts.enumerated() {
                comparisons += 1
                let cache = truncated[k]
                let s = strategy.signals(on: cache.series, indicators: cache)
                let cutDate = series.dates[c - 1].iso
                func report(_ t: Int, _ what: String) {
                    violations.append(
                        "\(series.symbol) \(label): \(what) on bar \(t) (\(series.dates[t].iso)) changes when the bars after \(cutDate) are removed: the strategy reads bars after the one it decides on"
                    )
                }
                if let t = (0..<c).first(where: { s.entry[$0] != signals.entry[$0] || s.exit[$0] != signals.exit[$0] })
                {
                    report(t, "the signal")
                    break
                }
                let warm = signals.warmup + config.conventions.firstDecisionOffset
                if warm < c - 1 && s.warmup != signals.warmup {
                    report(min(s.warmup, signals.warmup), "the warm-up")
                    break
                }
                let part = Backtester.simulate(series: cache.series, signals: s, config: config)
                if let t = (0..<max(0, c - 1)).first(where: { part.position[$0] != sim.position[$0] }) {
                    report(t, "the position")
                    break
                }
            }
        }
        return (comparisons, violations)
    }

    /// With validation: each fold's choices and figures on the bars up to its test window's end must equal
    /// those of the full run.
    static func checkFolds(
        series: BarSeries, periodStart: Int, combinations: [(strategy: String, parameters: Parameters)],
        config: BacktestConfig, rules: ScoringRules, folds: [FoldWindow]
    ) -> (comparisons: Int, violations: [String]) {
        let full = WalkForward.run(
            series: series, periodStart: periodStart, combinations: combinations, config: config, rules: rules,
            folds: folds)
        var comparisons = 0
        var violations: [String] = []
        for (f, w) in folds.enumerated() {
            let end = series.dates.firstIndex { $0 >= w.testTo } ?? series.count
            guard end < series.count else { continue }
            comparisons += 1
            let cut = WalkForward.run(
                series: WalkForward.prefix(series, end), periodStart: periodStart, combinations: combinations,
                config: config, rules: rules, folds: Array(folds.prefix(f + 1)))
            for (id, o) in full.sorted(by: { $0.key < $1.key }) {
                let mine = o.outOfSample.folds.filter { $0.fold <= f }
                if cut[id]?.outOfSample.folds ?? [] != mine {
                    violations.append(
                        "\(series.symbol) \(id): validation fold \(f + 1) (test \(w.testFrom.iso) … \(w.testTo.adding(days: -1).iso)) changes when the bars after it are removed"
                    )
                }
            }
        }
        return (comparisons, violations)
    }
}

extension PipelineRunner {
    /// `stratopt check`: the spec's strategies (and validation folds) on every symbol's bars and on their
    /// truncations at `cuts` seeded cut points per symbol.
    public func checkLookahead(_ input: SpecInput, cuts: Int, seed: UInt64) async throws(RunError) -> LookaheadReport {
        let spec = input.spec
        let plan: RunPlan
        do { plan = try Planner.plan(spec: spec, asOf: environment.asOf, calendar: calendar) } catch {
            throw RunError("\(input.path): \(error.description)")
        }
        let config = try SpecMapping.backtestConfig(spec)
        let series: [String: BarSeries]
        if let source = barSource {
            series = try await source.load(plan).series
        } else {
            series = await loadAndCheck(plan: plan).0
        }
        var strategies: [(label: String, strategy: any Strategy)] = []
        for c in plan.combinations {
            if let s = StrategyRegistry.make(id: c.strategy, parameters: c.parameters) {
                strategies.append(("\(c.strategy) \(c.parameters)", s))
            }
        }
        var report = LookaheadReport(comparisons: 0, symbols: 0, violations: [])
        for (k, sym) in plan.symbols.enumerated() {
            guard let bars = series[sym] else { continue }
            report.symbols += 1
            var rng = SplitMix64(state: seed &+ UInt64(k))
            let r = LookaheadCheck.check(series: bars, strategies: strategies, config: config, cuts: cuts, rng: &rng)
            report.comparisons += r.comparisons
            report.violations += r.violations
            if !plan.folds.isEmpty {
                let start = bars.dates.firstIndex { $0 >= plan.start } ?? 0
                let f = LookaheadCheck.checkFolds(
                    series: bars, periodStart: start, combinations: plan.combinations, config: config,
                    rules: SpecMapping.scoringRules(spec), folds: plan.folds)
                report.comparisons += f.comparisons
                report.violations += f.violations
            }
        }
        return report
    }
}
