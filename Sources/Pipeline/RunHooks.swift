import Foundation
import RunStore

/// What a run does besides computing: history and checkpoints, the result cache, pinned bars, stopping
/// and progress. `PipelineRunner.run(_:)` uses `RunHooks()` (none of them).
public struct RunHooks: Sendable {
    /// The run history: stage and progress are recorded under `environment.runId`, and each finished
    /// backtest batch is checkpointed (`RunStore.saveBatch`). The record must exist already.
    public var store: RunStore?
    /// Batches already checkpointed by an earlier attempt of the same run (`RunStore.batches(runId:)`):
    /// read back instead of computed. They must come from the same plan and bars (checked).
    public var restoredBatches: [Int: Data]
    /// Backtest results from earlier runs, keyed by their inputs; nil computes everything.
    public var resultCache: ResultCache?
    /// The bars a recorded run used (from its manifest): symbols are loaded from the cache only, their
    /// fingerprints must match, and symbols that failed then fail again with the recorded reasons.
    public var pinnedBars: [PinnedSymbol]?
    /// Polled after each backtest batch; true stops the run (`RunInterrupted`) once that batch is checkpointed.
    public var shouldStop: @Sendable () -> Bool
    /// Called after each backtest batch is checkpointed, with the number of batches finished in this
    /// attempt (1, 2, …), before `shouldStop` is polled.
    public var afterBatch: @Sendable (Int) async -> Void
    /// Stage progress (bars on a terminal, lines in a log); nil reports nothing.
    public var progress: ProgressReporter?

    public init(
        store: RunStore? = nil, restoredBatches: [Int: Data] = [:], resultCache: ResultCache? = nil,
        pinnedBars: [PinnedSymbol]? = nil, shouldStop: @escaping @Sendable () -> Bool = { false },
        afterBatch: @escaping @Sendable (Int) async -> Void = { _ in }, progress: ProgressReporter? = nil
    ) {
        self.store = store
        self.restoredBatches = restoredBatches
        self.resultCache = resultCache
        self.pinnedBars = pinnedBars
        self.shouldStop = shouldStop
        self.afterBatch = afterBatch
        self.progress = progress
    }
}

/// A symbol as a recorded run saw it: the fingerprint of the bars it used, or why it had none.
public struct PinnedSymbol: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case bars(sha256: String)
        /// `kind` is `failed` or `quarantined`.
        case failed(kind: String, reasons: [String])
    }
    public var symbol: String
    public var state: State

    public init(symbol: String, state: State) {
        self.symbol = symbol
        self.state = state
    }

    /// The symbols of a manifest, in its order.
    public static func from(_ manifest: Manifest) -> [PinnedSymbol] {
        manifest.symbols.map { s in
            if let sha = s.barsSHA256, s.status == "ok" {
                return PinnedSymbol(symbol: s.symbol, state: .bars(sha256: sha))
            }
            let reasons = s.reasons ?? (s.reason.map { [$0] } ?? [])
            return PinnedSymbol(symbol: s.symbol, state: .failed(kind: s.status, reasons: reasons))
        }
    }
}

/// The run stopped after a batch because `RunHooks.shouldStop` said so (SIGINT / SIGTERM).
/// Every finished batch is checkpointed; `stratopt resume` continues from there.
public struct RunInterrupted: Error, Sendable, CustomStringConvertible {
    public var done: Int
    public var total: Int
    public var description: String {
        "interrupted after \(done) of \(total) backtests; the finished batches are saved"
    }
}

/// Where a run's backtest results came from.
public struct BacktestCounts: Sendable, Equatable, Codable {
    /// Simulated in this attempt.
    public var computed = 0
    /// Read back from this run's checkpoints (resume).
    public var restored = 0
    /// Read from the result cache.
    public var cacheHits = 0
    /// Looked up in the result cache and not found (then computed).
    public var cacheMisses = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case computed, restored
        case cacheHits = "cache_hits"
        case cacheMisses = "cache_misses"
    }
}
