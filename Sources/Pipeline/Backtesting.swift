import Engine
import Foundation
import Market
import RunStore
import Strategies

/// The backtest stage: runs jobs in concurrent batches and returns results in plan order.
///
/// Each job is a pure function of (bars, strategy, parameters, config), and results are stored by
/// job index, so the output is the same whatever the batch size or thread scheduling.
public enum BacktestStage {
    public struct Outcome: Sendable {
        public var job: BacktestJob
        public var result: JobResult
    }

    /// `series` maps symbol → bars; jobs whose symbol has no series are skipped (absent from the output).
    /// `onBatch` is called after each batch with (jobs done, jobs total).
    public static func run(
        jobs: [BacktestJob], series: [String: BarSeries], config: BacktestConfig, batchSize: Int,
        onBatch: @escaping @Sendable (Int, Int) -> Void = { _, _ in }
    ) async -> [Outcome] {
        let context = Context(
            config: config, batchSize: batchSize, runId: "", hooks: RunHooks(), fingerprints: [:],
            onBatch: onBatch)
        // Without a store, cache or stop request nothing can throw.
        return (try? await run(jobs: jobs, series: series, context: context))?.outcomes ?? []
    }

    /// What a batched run needs besides jobs and bars.
    struct Context: Sendable {
        var config: BacktestConfig
        var batchSize: Int
        var runId: String
        var hooks: RunHooks
        /// Bars fingerprint per symbol, for result-cache keys.
        var fingerprints: [String: String]
        /// Per symbol, the index of the period's first bar when history before it was loaded for warm-up
        /// (`conventions: stratopt`); absent = trade from the data's start.
        var tradingStart: [String: Int] = [:]
        var onBatch: @Sendable (Int, Int) -> Void = { _, _ in }
        /// Warnings (a result cache that cannot be read or written is not fatal).
        var log: @Sendable (String) -> Void = { _ in }
    }

    /// Batches are the runnable jobs (symbol has bars) in plan order, cut every `batchSize` jobs; batch `b`
    /// is either restored from its checkpoint, or looked up in the result cache, its misses simulated
    /// concurrently, stored in the cache and checkpointed (one transaction per batch).
    static func run(jobs: [BacktestJob], series: [String: BarSeries], context ctx: Context) async throws -> (
        outcomes: [Outcome], counts: BacktestCounts
    ) {
        let runnable = jobs.filter { series[$0.symbol] != nil }
        let caches = Dictionary(uniqueKeysWithValues: series.map { ($0.key, IndicatorCache(series: $0.value)) })
        var results = [JobResult?](repeating: nil, count: runnable.count)
        var counts = BacktestCounts()
        let size = max(1, ctx.batchSize)
        let total = runnable.count
        let configText = ResultCache.canonicalText(ctx.config)
        let hooks = ctx.hooks
        var start = 0
        var batchIndex = 0
        var finishedThisAttempt = 0
        while start < total {
            let batch = start..<min(start + size, total)
            if let payload = hooks.restoredBatches[batchIndex] {
                let restored = try restore(payload, batchIndex: batchIndex, jobs: Array(runnable[batch]))
                for (i, r) in zip(batch, restored) { results[i] = r }
                counts.restored += batch.count
            } else {
                // Result cache: one read for the batch.
                var keys: [Int: String] = [:]
                if let cache = hooks.resultCache, let configText {
                    for i in batch {
                        let job = runnable[i]
                        guard var fp = ctx.fingerprints[job.symbol] else { continue }
                        if let from = ctx.tradingStart[job.symbol], from > 0 { fp += "@from=\(from)" }
                        keys[i] = ResultCache.key(
                            strategy: job.strategy, params: job.parameters.description, barsFingerprint: fp,
                            config: configText, engineVersion: EngineVersion.current)
                    }
                    let found: [String: Data]
                    do { found = try cache.get(Array(keys.values)) } catch {
                        ctx.log("backtest: the result cache cannot be read (\(error.description)); computing instead")
                        found = [:]
                    }
                    for (i, key) in keys {
                        guard let data = found[key], let r = try? ResultCoding.decode(JobResult.self, from: data)
                        else { continue }
                        results[i] = r
                    }
                    let hits = keys.keys.filter { results[$0] != nil }.count
                    counts.cacheHits += hits
                    counts.cacheMisses += keys.count - hits
                }
                let missing = batch.filter { results[$0] == nil }
                let computed = await withTaskGroup(of: (Int, JobResult).self) { group in
                    for i in missing {
                        let job = runnable[i]
                        let cache = caches[job.symbol]!
                        let config = ctx.config
                        let from = ctx.tradingStart[job.symbol] ?? 0
                        group.addTask {
                            (i, JobResult(runOne(job: job, cache: cache, config: config, tradingStart: from)))
                        }
                    }
                    var out: [(Int, JobResult)] = []
                    for await pair in group { out.append(pair) }
                    return out
                }
                for (i, r) in computed { results[i] = r }
                counts.computed += computed.count
                if let cache = hooks.resultCache {
                    var entries: [(key: String, value: Data)] = []
                    for (i, r) in computed {
                        guard let key = keys[i], let data = try? ResultCoding.encode(r) else { continue }
                        entries.append((key, data))
                    }
                    if !entries.isEmpty {
                        do { try cache.put(entries) } catch {
                            ctx.log(
                                "backtest: the result cache cannot be written (\(error.description)); results not cached"
                            )
                        }
                    }
                }
                if let store = hooks.store {
                    let checkpoint = BatchCheckpoint(
                        entries: batch.map { i in
                            let j = runnable[i]
                            return .init(
                                index: j.index, symbol: j.symbol, strategy: j.strategy,
                                params: j.parameters.description, result: results[i]!)
                        })
                    let payload: Data
                    do { payload = try ResultCoding.encode(checkpoint) } catch {
                        throw RunError("cannot encode the checkpoint of batch \(batchIndex): \(error)")
                    }
                    let runId = ctx.runId
                    let idx = batchIndex
                    let progress = (done: batch.upperBound, total: total)
                    try storeCall { () throws(RunStoreError) in
                        try store.saveBatch(runId: runId, batchIndex: idx, payload: payload, progress: progress)
                    }
                }
                finishedThisAttempt += 1
            }
            start = batch.upperBound
            batchIndex += 1
            ctx.onBatch(start, total)
            hooks.progress?.update(done: start)
            if hooks.restoredBatches[batchIndex - 1] == nil {
                await hooks.afterBatch(finishedThisAttempt)
                if start < total && hooks.shouldStop() { throw RunInterrupted(done: start, total: total) }
            }
        }
        let outcomes = zip(runnable, results).map { Outcome(job: $0, result: $1!) }
        return (outcomes, counts)
    }

    /// Decodes a checkpoint and checks it holds exactly the jobs the plan puts in that batch.
    static func restore(_ payload: Data, batchIndex: Int, jobs: [BacktestJob]) throws(RunError) -> [JobResult] {
        let checkpoint: BatchCheckpoint
        do { checkpoint = try ResultCoding.decode(BatchCheckpoint.self, from: payload) } catch {
            throw RunError("the checkpoint of batch \(batchIndex) cannot be read (\(error)); use `stratopt rerun`")
        }
        let same =
            checkpoint.entries.count == jobs.count
            && zip(checkpoint.entries, jobs).allSatisfy { e, j in
                e.index == j.index && e.symbol == j.symbol && e.strategy == j.strategy
                    && e.params == j.parameters.description
            }
        guard same else {
            throw RunError(
                "the checkpoint of batch \(batchIndex) does not match the plan (different spec, bars or batch size); use `stratopt rerun` instead of resume"
            )
        }
        return checkpoint.entries.map(\.result)
    }

    /// One backtest: strategy signals on the cached indicators, then the simulator.
    /// One backtest: strategy signals on the cached indicators, then the simulator.
    ///
    /// With `tradingStart` > 0 the bars before it are warm-up history: indicators are computed over all of
    /// them, the first decision is taken on bar `tradingStart`, and the result (curve, trades, metrics)
    /// covers only `tradingStart…`, as if the data began there with indicators already valid.
    public static func runOne(job: BacktestJob, cache: IndicatorCache, config: BacktestConfig, tradingStart: Int = 0)
        -> BacktestResult
    {
        guard let strategy = StrategyRegistry.make(id: job.strategy, parameters: job.parameters) else {
            preconditionFailure("unknown strategy \(job.strategy) reached the backtest stage; the spec validates ids")
        }
        var signals = strategy.signals(on: cache.series, indicators: cache)
        let s = min(max(0, tradingStart), max(0, cache.series.count - 1))
        guard s > 0 else { return Backtester.run(series: cache.series, signals: signals, config: config) }
        signals.warmup = max(signals.warmup, s - config.conventions.firstDecisionOffset)
        let full = Backtester.run(series: cache.series, signals: signals, config: config)
        return slice(full, from: s, series: cache.series, warmup: signals.warmup, config: config)
    }

    /// The part of `r` from bar `s` on, bar indices shifted to start at 0 and metrics recomputed on it.
    static func slice(_ r: BacktestResult, from s: Int, series: BarSeries, warmup: Int, config: BacktestConfig)
        -> BacktestResult
    {
        let trades = r.trades.map { t -> Trade in
            var t = t
            t.entryBar -= s
            t.exitBar -= s
            return t
        }
        var open = r.openPosition
        open?.entryBar -= s
        let dates = Array(series.dates[s...])
        let close = Array(series.close[s...])
        let equity = Array(r.equity[s...])
        let metrics = Metrics.compute(
            dates: dates, close: close, equity: equity, trades: trades, openPosition: open,
            warmup: max(0, warmup - s), conventions: config.conventions)
        return BacktestResult(
            trades: trades, openPosition: open, equity: equity, position: Array(r.position[s...]),
            firstDecisionBar: max(0, r.firstDecisionBar - s), metrics: metrics)
    }

    private static func storeCall<T>(_ body: () throws(RunStoreError) -> T) throws(RunError) -> T {
        do { return try body() } catch { throw RunError(error.description) }
    }
}
