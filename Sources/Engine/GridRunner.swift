import Foundation
import Market
import Strategies

/// Runs many parameter sets on one series: indicators computed once per (series, window) through a
/// shared `IndicatorCache`, backtests spread over cores with structured concurrency.
///
/// Results come back in input order and are byte-identical whatever the parallelism: every job is a
/// pure function of (series, strategy, config), and a cached indicator array is the same bytes whichever
/// job computed it.
public enum GridRunner {
    /// One backtest per strategy, in parallel (`maxConcurrency` jobs at a time, default: active cores).
    ///
    /// - `cache`: pass one to share indicators with other grids on the same series (it must wrap `series`).
    /// - `keepCurves`: when false, `equity` and `position` of the results are emptied (metrics and trades
    ///   are kept) to save memory on large grids.
    public static func run(
        series: BarSeries, strategies: [any Strategy], config: BacktestConfig, cache: IndicatorCache? = nil,
        maxConcurrency: Int = ProcessInfo.processInfo.activeProcessorCount, keepCurves: Bool = true
    ) async -> [BacktestResult] {
        let cache = cache ?? IndicatorCache(series: series)
        let timeline = MetricsTimeline(dates: series.dates, close: series.close)
        let n = strategies.count
        let workers = max(1, min(maxConcurrency, n))
        if workers == 1 {
            return runChunk(
                series: series, strategies: strategies, config: config, cache: cache, timeline: timeline,
                keepCurves: keepCurves)
        }
        // Contiguous chunks, one task each: job order inside a chunk is the input order.
        let bounds = (0...workers).map { $0 * n / workers }
        return await withTaskGroup(of: (Int, [BacktestResult]).self) { group in
            for w in 0..<workers {
                let slice = Array(strategies[bounds[w]..<bounds[w + 1]])
                group.addTask {
                    (
                        w,
                        runChunk(
                            series: series, strategies: slice, config: config, cache: cache, timeline: timeline,
                            keepCurves: keepCurves)
                    )
                }
            }
            var chunks = [[BacktestResult]](repeating: [], count: workers)
            for await (w, results) in group { chunks[w] = results }
            return chunks.flatMap { $0 }
        }
    }

    /// The same grid on the calling thread.
    public static func runSerial(
        series: BarSeries, strategies: [any Strategy], config: BacktestConfig, cache: IndicatorCache? = nil,
        keepCurves: Bool = true
    ) -> [BacktestResult] {
        runChunk(
            series: series, strategies: strategies, config: config, cache: cache ?? IndicatorCache(series: series),
            timeline: MetricsTimeline(dates: series.dates, close: series.close), keepCurves: keepCurves)
    }

    /// The grid on the calling thread with a timeline prepared once per series: the pipeline's path, which
    /// fans symbols out itself and shares one `IndicatorCache` and `MetricsTimeline` per symbol.
    public static func runChunk(
        series: BarSeries, strategies: [any Strategy], config: BacktestConfig, cache: IndicatorCache,
        timeline: MetricsTimeline, keepCurves: Bool
    ) -> [BacktestResult] {
        let atr = config.sizing.atrPeriod.map { cache.atr($0) }
        var out: [BacktestResult] = []
        out.reserveCapacity(strategies.count)
        for s in strategies {
            let signals = s.signals(on: series, indicators: cache)
            let sim = Backtester.simulate(series: series, signals: signals, config: config, atr: atr)
            let metrics = Metrics.compute(
                timeline: timeline, close: series.close, equity: sim.equity, trades: sim.trades,
                openPosition: sim.openPosition, warmup: signals.warmup, conventions: config.conventions)
            out.append(
                BacktestResult(
                    trades: sim.trades, openPosition: sim.openPosition, equity: keepCurves ? sim.equity : [],
                    position: keepCurves ? sim.position : [], firstDecisionBar: sim.firstDecisionBar,
                    metrics: metrics))
        }
        return out
    }

    /// Every point of a parameter grid for strategy `id` that satisfies its constraints, defaults filled,
    /// in row-major order of `axes` (the first axis varies slowest). Nil for an unknown id.
    public static func strategies(id: String, axes: [(name: String, values: [ParamValue])]) -> [any Strategy]? {
        guard StrategyRegistry.descriptor(for: id) != nil else { return nil }
        return ParameterGrid.expand(id: id, axes: axes).combinations.compactMap {
            StrategyRegistry.make(id: id, parameters: $0)
        }
    }
}
