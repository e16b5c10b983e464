import Engine
import Market
import Strategies

/// The backtest stage: runs jobs in concurrent batches and returns results in plan order.
///
/// Each job is a pure function of (bars, strategy, parameters, config), and results are stored by
/// job index, so the output is the same whatever the batch size or thread scheduling.
public enum BacktestStage {
    public struct Outcome: Sendable {
        public var job: BacktestJob
        public var result: BacktestResult
    }

    /// `series` maps symbol → bars; jobs whose symbol has no series are skipped (absent from the output).
    /// `onBatch` is called after each batch with (jobs done, jobs total).
    public static func run(
        jobs: [BacktestJob], series: [String: BarSeries], config: BacktestConfig, batchSize: Int,
        onBatch: @Sendable (Int, Int) -> Void = { _, _ in }
    ) async -> [Outcome] {
        let runnable = jobs.filter { series[$0.symbol] != nil }
        let caches = Dictionary(uniqueKeysWithValues: series.map { ($0.key, IndicatorCache(series: $0.value)) })
        var results = [Outcome?](repeating: nil, count: runnable.count)
        let size = max(1, batchSize)
        var start = 0
        while start < runnable.count {
            let batch = start..<min(start + size, runnable.count)
            await withTaskGroup(of: (Int, Outcome).self) { group in
                for i in batch {
                    let job = runnable[i]
                    let cache = caches[job.symbol]!
                    group.addTask {
                        (i, Outcome(job: job, result: runOne(job: job, cache: cache, config: config)))
                    }
                }
                for await (i, outcome) in group { results[i] = outcome }
            }
            start = batch.upperBound
            onBatch(start, runnable.count)
        }
        return results.map { $0! }
    }

    /// One backtest: strategy signals on the cached indicators, then the simulator.
    public static func runOne(job: BacktestJob, cache: IndicatorCache, config: BacktestConfig) -> BacktestResult {
        guard let strategy = StrategyRegistry.make(id: job.strategy, parameters: job.parameters) else {
            preconditionFailure("unknown strategy \(job.strategy) reached the backtest stage; the spec validates ids")
        }
        let signals = strategy.signals(on: cache.series, indicators: cache)
        return Backtester.run(series: cache.series, signals: signals, config: config)
    }
}
