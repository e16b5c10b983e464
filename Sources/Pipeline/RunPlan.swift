import Market
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
    public var symbols: [String]
    /// Strategy × parameter combinations, in spec order then grid order; the same for every symbol.
    public var combinations: [(strategy: String, parameters: Parameters)]
    /// Grid points a constraint ruled out, e.g. `sma_crossover fast=50;slow=50: fast < slow`.
    public var skipped: [String]

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
        return RunPlan(
            start: start, end: end, symbols: spec.universe.tickers, combinations: combos.map { ($0.0, $0.1) },
            skipped: skipped)
    }
}
