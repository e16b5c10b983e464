import Engine
import Foundation
import Market
import RunStore
import Strategies
import Synchronization

/// The backtest stage: every runnable job's compact result, in plan order.
///
/// Per symbol, the whole grid of every strategy goes through one `IndicatorCache` and one metrics timeline
/// (`GridRunner.runChunk`, the engine benchmark's path); symbols fan out over a bounded task group. Each job
/// is a pure function of (bars, strategy, parameters, config) and results are stored by plan position, so
/// the output is the same whatever the batch size, the number of workers or the thread timing.
public enum BacktestStage {
    public struct Outcome: Sendable {
        public var job: BacktestJob
        public var result: JobResult
    }

    /// What the stage needs besides jobs and bars.
    struct Context: Sendable {
        var config: BacktestConfig
        /// `batch.size`: how many backtests are in flight together (the workers are at most this many and at
        /// most the active cores).
        var batchSize: Int
        /// Bars fingerprint per symbol, for result-cache keys.
        var fingerprints: [String: String] = [:]
        /// Per symbol, the index of the period's first bar when history before it was loaded for warm-up
        /// (`conventions: stratopt`); absent = trade from the data's start.
        var tradingStart: [String: Int] = [:]
        var journal: (any RunJournal)?
        var results: (any ResultStore)?
        var clock: any RunClock = SystemClock()
        var progress: any ProgressSink = SilentProgress()
        var stop: any StopSignal = NeverStop()
        /// Checkpoints (and result-cache writes) are gathered and written at most this often.
        var checkpointInterval: UInt64 = 250_000_000
        /// Warnings (a result cache that cannot be read or written is not fatal).
        var log: @Sendable (String) -> Void = { _ in }
    }

    /// The jobs without a journal, cache or stop request (tests, benchmarks).
    public static func run(
        jobs: [BacktestJob], series: [String: BarSeries], config: BacktestConfig, batchSize: Int
    ) async -> [Outcome] {
        let ctx = Context(config: config, batchSize: batchSize)
        return (try? await run(jobs: jobs, series: series, context: ctx))?.outcomes ?? []
    }

    /// A symbol's job positions that one worker runs in one go.
    private struct Unit: Sendable {
        var symbol: String
        var positions: [Int]
    }

    /// Per-symbol state shared by the units of a symbol, dropped once its last unit is done.
    private final class SymbolStates: Sendable {
        let map = Mutex<[String: SymbolState]>([:])
    }

    /// The shared per-symbol state of the units of one symbol.
    private final class SymbolState: Sendable {
        let cache: IndicatorCache
        let timeline: MetricsTimeline
        init(series: BarSeries) {
            cache = IndicatorCache(series: series)
            timeline = MetricsTimeline(dates: series.dates, close: series.close)
        }
    }

    static func run(jobs: [BacktestJob], series: [String: BarSeries], context ctx: Context) async throws -> (
        outcomes: [Outcome], counts: BacktestCounts
    ) {
        let runnable = jobs.filter { series[$0.symbol] != nil }
        let total = runnable.count
        var position: [Int: Int] = [:]
        position.reserveCapacity(total)
        for (p, j) in runnable.enumerated() { position[j.index] = p }
        var results = [JobResult?](repeating: nil, count: total)
        var counts = BacktestCounts()

        // 1. Checkpoints of earlier attempts of this run.
        if let journal = ctx.journal {
            for payload in try journal.checkpoints() {
                for e in try CheckpointCodec.decode(payload) {
                    guard let p = position[e.index], runnable[p].symbol == e.symbol,
                        runnable[p].strategy == e.strategy, runnable[p].parameters.description == e.params
                    else {
                        throw RunError(
                            "a checkpoint of this run does not match its plan (backtest \(e.index): \(e.symbol) \(e.strategy) \(e.params)); use `stratopt rerun` instead of resume"
                        )
                    }
                    if results[p] == nil { counts.restored += 1 }
                    results[p] = e.result
                }
            }
        }

        // 2. The result cache: one read for every job not restored.
        var keys: [Int: String] = [:]
        if let store = ctx.results, let configText = ResultCache.canonicalText(ctx.config) {
            for p in 0..<total where results[p] == nil {
                let job = runnable[p]
                guard var fp = ctx.fingerprints[job.symbol] else { continue }
                if let from = ctx.tradingStart[job.symbol], from > 0 { fp += "@from=\(from)" }
                keys[p] = ResultCache.key(
                    strategy: StrategyRegistry.identity(of: job.strategy), params: job.parameters.description,
                    barsFingerprint: fp,
                    config: configText, engineVersion: EngineVersion.current)
            }
            var found: [String: [UInt8]] = [:]
            do { found = try store.get(Array(keys.values)) } catch {
                ctx.log("backtest: the result cache cannot be read (\(error.description)); computing instead")
            }
            // Decoding tens of thousands of results is CPU work: spread it over the cores, in slices whose
            // outcome is placed by plan position (the order of completion does not matter).
            let hits = keys.sorted { $0.key < $1.key }.compactMap { p, key in found[key].map { (p, $0) } }
            let sliceCount = max(1, min(ProcessInfo.processInfo.activeProcessorCount, hits.count / 256))
            let decoded = await withTaskGroup(of: [(Int, JobResult)].self) { group in
                for slice in 0..<sliceCount {
                    let part = hits[(hits.count * slice / sliceCount)..<(hits.count * (slice + 1) / sliceCount)]
                    group.addTask { part.compactMap { p, bytes in (try? ResultCodec.decode(bytes)).map { (p, $0) } } }
                }
                var all: [(Int, JobResult)] = []
                for await part in group { all += part }
                return all
            }
            for (p, r) in decoded {
                results[p] = r
                counts.cacheHits += 1
            }
            counts.cacheMisses = keys.count - counts.cacheHits
        }

        // 3. Compute the rest: units of up to `batch.size` of one symbol's missing jobs (the unit of progress
        // and of checkpointing), taken in plan order by at most `workers` tasks.
        let workers = max(1, min(ctx.batchSize, ProcessInfo.processInfo.activeProcessorCount))
        let unitSize = max(1, ctx.batchSize)
        var units: [Unit] = []
        var unitsLeft: [String: Int] = [:]
        var p = 0
        while p < total {
            guard results[p] == nil else {
                p += 1
                continue
            }
            let s = runnable[p].symbol
            var chunk: [Int] = []
            while p < total, chunk.count < unitSize, runnable[p].symbol == s {
                if results[p] == nil { chunk.append(p) }
                p += 1
            }
            units.append(Unit(symbol: s, positions: chunk))
            unitsLeft[s, default: 0] += 1
        }

        let states = SymbolStates()
        let config = ctx.config
        let tradingStart = ctx.tradingStart
        let done0 = total - units.reduce(0) { $0 + $1.positions.count }
        var done = done0
        var pending: [CheckpointWriter.Entry] = []
        var lastFlush = ctx.clock.monotonicNanoseconds()
        var stopped = false
        // Encoding and writing checkpoints (and result-cache entries) is the writer's: the collector only hands
        // units out and gathers them, so a worker that finishes gets its next unit at once.
        let writer = CheckpointWriter(journal: ctx.journal, results: ctx.results, total: total, log: ctx.log)

        func flush() throws(RunError) {
            guard !pending.isEmpty else { return }
            try writer.submit(pending, done: done)
            pending.removeAll(keepingCapacity: true)
            lastFlush = ctx.clock.monotonicNanoseconds()
        }

        ctx.progress.update(done: done)
        do {
            try await withThrowingTaskGroup(of: (Unit, [(Int, JobResult)]).self) { group in
                var next = 0
                while next < min(workers, units.count) {
                    let unit = units[next]
                    next += 1
                    group.addTask {
                        (
                            unit,
                            compute(
                                unit, series: series, runnable: runnable, states: states, config: config,
                                tradingStart: tradingStart)
                        )
                    }
                }
                while let (unit, computed) = try await group.next() {
                    // The next unit first: the worker's core is idle until it has one.
                    if !stopped && ctx.stop.isStopRequested { stopped = true }
                    if !stopped && next < units.count {
                        let unit = units[next]
                        next += 1
                        group.addTask {
                            (
                                unit,
                                compute(
                                    unit, series: series, runnable: runnable, states: states, config: config,
                                    tradingStart: tradingStart)
                            )
                        }
                    }
                    for (p, r) in computed {
                        results[p] = r
                        pending.append(.init(job: runnable[p], result: r, cacheKey: keys[p]))
                    }
                    counts.computed += computed.count
                    done += computed.count
                    unitsLeft[unit.symbol, default: 1] -= 1
                    if unitsLeft[unit.symbol] == 0 {
                        _ = states.map.withLock { $0.removeValue(forKey: unit.symbol) }
                    }
                    ctx.progress.update(done: done)
                    if ctx.clock.monotonicNanoseconds() &- lastFlush >= ctx.checkpointInterval { try flush() }
                }
            }
            try flush()
        } catch {
            // Nothing of this stage may still be writing once it has returned.
            _ = try? await writer.finish()
            throw error
        }
        try await writer.finish()
        if stopped && done < total { throw RunInterrupted(done: done, total: total) }
        let outcomes = zip(runnable, results).map { Outcome(job: $0, result: $1!) }
        return (outcomes, counts)
    }

    /// One unit: the symbol's grid through its shared indicators and timeline.
    private static func compute(
        _ unit: Unit, series: [String: BarSeries], runnable: [BacktestJob], states: SymbolStates,
        config: BacktestConfig, tradingStart: [String: Int]
    ) -> [(Int, JobResult)] {
        guard let bars = series[unit.symbol] else { return [] }
        let state = states.map.withLock { d in
            if let s = d[unit.symbol] { return s }
            let s = SymbolState(series: bars)
            d[unit.symbol] = s
            return s
        }
        let from = tradingStart[unit.symbol] ?? 0
        if from > 0 {
            return unit.positions.map { p in
                (p, JobResult(runOne(job: runnable[p], cache: state.cache, config: config, tradingStart: from)))
            }
        }
        let strategies = unit.positions.map { p -> any Strategy in
            let job = runnable[p]
            guard let s = StrategyRegistry.make(id: job.strategy, parameters: job.parameters) else {
                preconditionFailure(
                    "unknown strategy \(job.strategy) reached the backtest stage; the spec validates ids")
            }
            return s
        }
        let out = GridRunner.runChunk(
            series: bars, strategies: strategies, config: config, cache: state.cache, timeline: state.timeline,
            keepCurves: true)
        return zip(unit.positions, out).map { ($0, JobResult($1)) }
    }

    /// The equity curve of one backtest (recomputed: results keep no curves), one point per period bar.
    public static func curve(job: BacktestJob, cache: IndicatorCache, config: BacktestConfig, tradingStart: Int = 0)
        -> [Double]
    {
        runOne(job: job, cache: cache, config: config, tradingStart: tradingStart).equity
    }

    /// The equity curves of one symbol's `jobs` (recomputed for the report's details): signals and the
    /// simulator only, through one indicator cache (with a warm-up history, each through `curve`). The
    /// same curves as the backtest stage's, bit for bit: the same signals, the same simulator.
    public static func curves(jobs: [BacktestJob], cache: IndicatorCache, config: BacktestConfig, tradingStart: Int = 0)
        -> [[Double]]
    {
        guard tradingStart <= 0 else {
            return jobs.map { curve(job: $0, cache: cache, config: config, tradingStart: tradingStart) }
        }
        let atr = config.sizing.atrPeriod.map { cache.atr($0) }
        return jobs.map { job in
            guard let strategy = StrategyRegistry.make(id: job.strategy, parameters: job.parameters) else {
                preconditionFailure("unknown strategy \(job.strategy) reached the report stage; the spec validates ids")
            }
            let signals = strategy.signals(on: cache.series, indicators: cache)
            return Backtester.simulate(series: cache.series, signals: signals, config: config, atr: atr).equity
        }
    }

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
}

/// Writes a run's checkpoints and result-cache entries off the backtest stage's collector, on a thread of its
/// own (not one of the cores' worker threads, which stay on backtests; a write waits on the disk).
///
/// Bounded: at most one write is in progress and one batch is gathering behind it (entries are references to
/// results the stage holds anyway); a batch submitted while a write runs joins the gathering one, so there are
/// never more writes than submissions (the stage submits at most every `checkpointInterval`). The first
/// checkpoint that cannot be saved fails the stage: the next `submit` or `finish` throws it. A result cache
/// that cannot be written is only logged, as it costs a later run nothing but time.
final class CheckpointWriter: Sendable {
    struct Entry: Sendable {
        var job: BacktestJob
        var result: JobResult
        /// The result-cache key; nil when the result is not to be cached.
        var cacheKey: String?
    }

    private struct State {
        var gathering: [Entry] = []
        var done = 0
        var writing = false
        var failure: RunError?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let journal: (any RunJournal)?
    private let results: (any ResultStore)?
    private let total: Int
    private let log: @Sendable (String) -> Void
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "stratopt.checkpoints")

    init(
        journal: (any RunJournal)?, results: (any ResultStore)?, total: Int, log: @escaping @Sendable (String) -> Void
    ) {
        self.journal = journal
        self.results = results
        self.total = total
        self.log = log
    }

    /// Queues `entries` (with the progress `done` they bring) for writing; throws the failure of an earlier
    /// checkpoint.
    func submit(_ entries: [Entry], done: Int) throws(RunError) {
        let start = try state.withLock { s throws(RunError) -> Bool in
            if let f = s.failure { throw f }
            s.gathering += entries
            s.done = done
            if s.writing { return false }
            s.writing = true
            return true
        }
        if start { queue.async { self.drain() } }
    }

    /// Waits until everything submitted is written; throws the failure of a checkpoint.
    func finish() async throws(RunError) {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { s -> Bool in
                if !s.writing { return true }
                s.waiters.append(c)
                return false
            }
            if idle { c.resume() }
        }
        if let f = state.withLock({ $0.failure }) { throw f }
    }

    private enum Step {
        case write([Entry], done: Int)
        case idle([CheckedContinuation<Void, Never>])
    }

    /// Writes gathered batches until none is left (on `queue`). Finding none and leaving the writing state is
    /// one step under the lock, so a batch submitted meanwhile is never stranded.
    private func drain() {
        while true {
            let step = state.withLock { s -> Step in
                if s.failure == nil, !s.gathering.isEmpty {
                    defer { s.gathering = [] }
                    return .write(s.gathering, done: s.done)
                }
                s.gathering = []
                s.writing = false
                defer { s.waiters = [] }
                return .idle(s.waiters)
            }
            switch step {
            case .write(let entries, let done):
                do { try write(entries, done: done) } catch {
                    state.withLock { s in if s.failure == nil { s.failure = error } }
                }
            case .idle(let waiters):
                for w in waiters { w.resume() }
                return
            }
        }
    }

    private func write(_ entries: [Entry], done: Int) throws(RunError) {
        // Each result is encoded once: the same bytes go into the cache and the checkpoint.
        let encoded = entries.map { ResultCodec.encode($0.result) }
        if let store = results {
            let put = zip(entries, encoded).compactMap { e, bytes in e.cacheKey.map { (key: $0, value: bytes) } }
            if !put.isEmpty {
                do { try store.put(put) } catch {
                    log("backtest: the result cache cannot be written (\(error.description)); results not cached")
                }
            }
        }
        if let journal {
            let payload = CheckpointCodec.encode(zip(entries, encoded).map { ($0.job, $1) })
            try journal.saveCheckpoint(Data(payload), done: done, total: total)
        }
    }
}

/// The byte form of a checkpoint: finished backtests with the identity of each job (plan index, symbol,
/// strategy, params), so a resumed run can check every entry belongs to its plan.
enum CheckpointCodec {
    static let magic: [UInt8] = Array("stratopt-checkpoint-6\n".utf8)

    static func encode(_ entries: [(BacktestJob, JobResult)]) -> [UInt8] {
        encode(entries.map { ($0, ResultCodec.encode($1)) })
    }

    /// The same bytes from results already in `ResultCodec`'s form.
    static func encode(_ entries: [(BacktestJob, [UInt8])]) -> [UInt8] {
        var w = ByteWriter()
        w.bytes.reserveCapacity(magic.count + 8 + entries.reduce(0) { $0 + 64 + $1.1.count })
        w.append(magic)
        w.int(entries.count)
        for (job, result) in entries {
            w.int(job.index)
            w.string(job.symbol)
            w.string(job.strategy)
            w.string(job.parameters.description)
            w.append(result)
        }
        return w.bytes
    }

    struct Entry {
        var index: Int
        var symbol: String
        var strategy: String
        var params: String
        var result: JobResult
    }

    static func decode(_ payload: Data) throws(RunError) -> [Entry] {
        let bytes = [UInt8](payload)
        guard bytes.starts(with: magic) else {
            throw RunError(
                "a checkpoint of this run was written by another version of stratopt; use `stratopt rerun` instead of resume"
            )
        }
        do throws(CodecError) {
            var r = ByteReader(bytes)
            _ = try r.take(magic.count)
            let n = try r.int()
            guard n >= 0, n <= r.remaining else { throw CodecError("entry count \(n) out of range") }
            var out: [Entry] = []
            out.reserveCapacity(n)
            for _ in 0..<n {
                out.append(
                    Entry(
                        index: try r.int(), symbol: try r.string(), strategy: try r.string(), params: try r.string(),
                        result: try ResultCodec.read(from: &r)))
            }
            guard r.atEnd else { throw CodecError("trailing bytes") }
            return out
        } catch {
            throw RunError("a checkpoint of this run cannot be read (\(error.description)); use `stratopt rerun`")
        }
    }
}
