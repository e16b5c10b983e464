import Engine
import Market
import Reports
import Spec
import Strategies

/// One backtest to run: a symbol, a strategy and a concrete parameter set.
public struct BacktestJob: Sendable, Hashable {
    /// Position in plan order; results are collected and written in this order.
    public var index: Int
    public var symbol: String
    public var strategy: String
    public var parameters: Parameters

    public init(index: Int, symbol: String, strategy: String, parameters: Parameters) {
        self.index = index
        self.symbol = symbol
        self.strategy = strategy
        self.parameters = parameters
    }
}

/// The resolved, expanded work of a run: dates on the exchange calendar and the jobs in a stable order.
public struct RunPlan: Sendable {
    public var start: SessionDate
    public var end: SessionDate
    /// First session to load: `start`, or earlier when the conventions load warm-up history so every
    /// indicator is valid on `start` (`conventions: stratopt`).
    public var historyStart: SessionDate
    public var symbols: [String]
    /// Strategy × parameter combinations, in spec order then grid order; the same for every symbol.
    public var combinations: [(strategy: String, parameters: Parameters)]
    /// Grid points a constraint ruled out, e.g. `sma_crossover fast=50;slow=50: fast < slow`.
    public var skipped: [String]
    /// Advice that does not stop the run: combinations whose warm-up leaves them no decision in the period.
    public var warnings: [String] = []
    /// The validation folds (empty without `validation:`).
    public var folds: [FoldWindow] = []

    /// Jobs in plan order: symbol-major (universe order), then `combinations` order.
    public var jobs: [BacktestJob] {
        var out: [BacktestJob] = []
        out.reserveCapacity(symbols.count * combinations.count)
        for s in symbols {
            for c in combinations {
                out.append(BacktestJob(index: out.count, symbol: s, strategy: c.strategy, parameters: c.parameters))
            }
        }
        return out
    }
}

/// Why a plan cannot be made.
public struct PlanError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

public enum Planner {
    /// Resolves the period against `asOf` on `calendar` and expands every strategy grid.
    ///
    /// `start` snaps forward and `end` back to trading days; duplicates across strategy entries are
    /// kept once, at their first position.
    public static func plan(spec: PipelineSpec, asOf: SessionDate, calendar: any TradingCalendar) throws(PlanError)
        -> RunPlan
    {
        let start = calendar.tradingDay(onOrAfter: spec.period.start.resolve(asOf: asOf))
        let end = calendar.tradingDay(onOrBefore: spec.period.end.resolve(asOf: asOf))
        guard start <= end else {
            throw PlanError(
                description:
                    "period \(spec.period.start)…\(spec.period.end) resolves to \(start.iso)…\(end.iso) as of \(asOf.iso), which holds no trading day; widen the period"
            )
        }
        var combos: [(String, Parameters)] = []
        var seen = Set<String>()
        var skipped: [String] = []
        for entry in spec.strategies {
            let (kept, ruledOut) = entry.expand()
            for p in kept where seen.insert("\(entry.id) \(p)").inserted { combos.append((entry.id, p)) }
            skipped += ruledOut.map { "\(entry.id) \($0.parameters): \($0.reason)" }
        }
        var historyStart = start
        var warnings: [String] = []
        if spec.conventions == .backtestingPy {
            warnings = warmupWarnings(
                combos, sessions: calendar.tradingDays(in: start...end).count,
                firstDecisionOffset: Conventions.backtestingPy.firstDecisionOffset)
        }
        if spec.conventions == .stratopt {
            // Enough sessions before `start` for the slowest indicator of any combination, plus one so a
            // crossover can compare the first period bar with the one before it.
            // The spec's rules are visible here too when planning outside a run (`stratopt validate`).
            var catalog = StrategyCatalog.current
            if catalog.rules.isEmpty { catalog.rules = UserStrategies.rules(of: spec) }
            let warmup = StrategyCatalog.$current.withValue(catalog) {
                combos.map { warmupBars(strategy: $0.0, parameters: $0.1) }.max() ?? 0
            }
            historyStart = calendar.tradingDay(warmup + 1, sessionsBefore: start)
        }
        var folds: [FoldWindow] = []
        if let v = spec.validation, v.method != .none {
            folds = WalkForward.folds(v, start: start, end: end)
            guard !folds.isEmpty else {
                throw PlanError(
                    description:
                        "validation: the period \(start.iso) … \(end.iso) holds no \(WalkForward.describe(v)) fold (a training window and a test window after it); lengthen the period or shorten train/test"
                )
            }
        }
        return RunPlan(
            start: start, end: end, historyStart: historyStart, symbols: spec.universe.tickers,
            combinations: combos.map { ($0.0, $0.1) }, skipped: skipped, warnings: warnings, folds: folds)
    }

    /// One warning per strategy with combinations that cannot decide inside the period: with warm-up W
    /// inside the data (`conventions: backtesting_py`), the first decision is on bar W + offset, so a
    /// period of at most that many sessions leaves the combination without a single trade.
    static func warmupWarnings(
        _ combos: [(String, Parameters)], sessions: Int, firstDecisionOffset: Int
    ) -> [String] {
        var order: [String] = []
        var affected: [String: (count: Int, total: Int, worst: Int, example: String)] = [:]
        for (id, p) in combos {
            if affected[id] == nil {
                order.append(id)
                affected[id] = (0, 0, 0, "")
            }
            affected[id]!.total += 1
            let needed = warmupBars(strategy: id, parameters: p) + firstDecisionOffset + 1
            guard needed > sessions else { continue }
            affected[id]!.count += 1
            if needed > affected[id]!.worst {
                affected[id]!.worst = needed
                affected[id]!.example = p.description
            }
        }
        return order.compactMap { id in
            guard let a = affected[id], a.count > 0 else { return nil }
            let which = a.count == a.total ? "all \(a.total)" : "\(a.count) of \(a.total)"
            return "\(id): \(which) combinations need more sessions than the period's \(sessions) to decide once "
                + "(\(id) \(a.example.isEmpty ? "" : a.example + " ")needs \(a.worst)); their rows will have no "
                + "trades; lengthen the period, use shorter windows, or use conventions: stratopt, which loads "
                + "the warm-up before the period"
        }
    }

    /// Bars a strategy needs before its indicators are valid (its `Signals.warmup`), measured on a neutral
    /// series long enough for any parameter, so no strategy has to declare it separately.
    static func warmupBars(strategy id: String, parameters: Parameters) -> Int {
        guard let strategy = StrategyRegistry.make(id: id, parameters: parameters) else { return 0 }
        let longest = parameters.values.values.compactMap(\.asInt).max() ?? 0
        let n = min(max(3 * longest + 64, 256), 100_000)
        let d0 = SessionDate(year: 2000, month: 1, day: 3)!
        var bars: [Bar] = []
        bars.reserveCapacity(n)
        for i in 0..<n {
            // A gentle zig-zag: every indicator gets defined values (no flat run, no zero range).
            let c = 100 + Double(i % 7) - Double(i % 3)
            bars.append(Bar(date: d0.adding(days: i), open: c, high: c + 1, low: c - 1, close: c, volume: 1_000))
        }
        let series = BarSeries(symbol: "warmup", bars: bars)
        return strategy.signals(on: series, indicators: IndicatorCache(series: series)).warmup
    }
}
