import DataSources
import Foundation
import Market
import Reports
import RunStore

/// The ports one run uses (each has an in-memory twin in `Ports.swift`), plus what the run was asked to
/// do besides computing: reproduce recorded bars, run the execute stage.
public struct RunContext: Sendable {
    /// Stage, progress and checkpoints; nil keeps no history (tests, benchmarks).
    public var journal: (any RunJournal)?
    /// Results of earlier runs; nil computes every backtest.
    public var results: (any ResultStore)?
    public var clock: any RunClock
    public var progress: any ProgressSink
    public var stop: any StopSignal
    /// The bars a recorded run used (from its manifest): symbols are loaded from the cache only, their
    /// fingerprints must match, and symbols that failed then fail again with the recorded reasons.
    public var pinnedBars: [PinnedSymbol]?
    /// The execute stage, when this run includes it.
    public var execute: ExecuteStep?
    /// Write into a `report.dir` that already holds files stratopt did not write (`--allow-existing-report-dir`).
    public var allowExistingReportDir = false
    /// Bars fingerprint per symbol that the loaded bars must have (`run --bars FILE`: the exported file's);
    /// a symbol whose bars differ, or that has bars but no entry, stops the run.
    public var expectedBars: [String: String]?

    public init(
        journal: (any RunJournal)? = nil, results: (any ResultStore)? = nil, clock: any RunClock = SystemClock(),
        progress: any ProgressSink = SilentProgress(), stop: any StopSignal = NeverStop(),
        pinnedBars: [PinnedSymbol]? = nil, execute: ExecuteStep? = nil
    ) {
        self.journal = journal
        self.results = results
        self.clock = clock
        self.progress = progress
        self.stop = stop
        self.pinnedBars = pinnedBars
        self.execute = execute
    }
}

/// How the execute stage of a run is to be done.
public struct ExecuteStep: Sendable, Codable, Equatable {
    /// Only these symbols (`--symbol`), within the spec's `execute.symbols`; empty = all of those.
    public var onlySymbols: [String]
    public var confirmLive: Bool
    public var dryRun: Bool

    public init(onlySymbols: [String] = [], confirmLive: Bool = false, dryRun: Bool = false) {
        self.onlySymbols = onlySymbols
        self.confirmLive = confirmLive
        self.dryRun = dryRun
    }

    enum CodingKeys: String, CodingKey {
        case onlySymbols = "only_symbols"
        case confirmLive = "confirm_live"
        case dryRun = "dry_run"
    }
}

/// A symbol as a recorded run saw it: the fingerprint of the bars it used, or why it had none.
public struct PinnedSymbol: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case bars(sha256: String)
        case failed(kind: SymbolIssue.Kind, reasons: [String])
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
            if let sha = s.barsSHA256, s.status == .ok {
                return PinnedSymbol(symbol: s.symbol, state: .bars(sha256: sha))
            }
            let reasons = s.reasons ?? (s.reason.map { [$0] } ?? [])
            return PinnedSymbol(
                symbol: s.symbol,
                state: .failed(kind: s.status == .quarantined ? .quarantined : .failed, reasons: reasons))
        }
    }
}

/// The run stopped because its stop signal was raised (SIGINT / SIGTERM). Every finished backtest is
/// checkpointed; `stratopt resume` continues from there.
///
/// In the execute stage the stop comes between orders: `done` orders were considered, `total` planned,
/// and the ones not sent are sent by `resume` (the orders already at the broker are found by their
/// client_order_id and not sent again).
public struct RunInterrupted: Error, Sendable, CustomStringConvertible {
    public var done: Int
    public var total: Int
    /// The stage that was stopped: `.backtest` or `.execute`.
    public var stage: RunStage = .backtest

    public init(done: Int, total: Int, stage: RunStage = .backtest) {
        self.done = done
        self.total = total
        self.stage = stage
    }

    public var description: String {
        if stage == .execute {
            return "interrupted in the execute stage after \(done) of \(total) orders; the \(total - done) not sent "
                + "are sent on resume, and the orders already at the broker are not sent again"
        }
        return "interrupted after \(done) of \(total) backtests; the finished ones are saved"
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
    /// The run whose verified files this run's are, when every input was the same (all `cacheHits` then).
    public var reusedRun: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case computed, restored
        case cacheHits = "cache_hits"
        case cacheMisses = "cache_misses"
        case reusedRun = "reused_run"
    }
}

/// Where a run's bars come from: the provider through the cache and the quality gate in production, a
/// map of series in tests.
public protocol BarSource: Sendable {
    /// The bars of `plan`'s symbols (from `plan.historyStart` to `plan.end`) that passed the gate, and why
    /// the others have none.
    func load(_ plan: RunPlan) async throws(RunError) -> (series: [String: BarSeries], issues: [SymbolIssue])
}

/// Bars held in memory: each symbol's series cut to the plan's dates; a symbol absent from the map fails.
public struct MemoryBarSource: BarSource {
    public var series: [String: BarSeries]
    public init(_ series: [String: BarSeries]) { self.series = series }

    public func load(_ plan: RunPlan) async throws(RunError) -> (series: [String: BarSeries], issues: [SymbolIssue]) {
        var out: [String: BarSeries] = [:]
        var issues: [SymbolIssue] = []
        for sym in plan.symbols {
            guard let s = series[sym] else {
                issues.append(SymbolIssue(symbol: sym, kind: .failed, reasons: ["no bars for \(sym)"]))
                continue
            }
            let idx = s.dates.indices.filter { s.dates[$0] >= plan.historyStart && s.dates[$0] <= plan.end }
            guard idx.count >= 2 else {
                issues.append(SymbolIssue(symbol: sym, kind: .failed, reasons: ["only \(idx.count) bar(s)"]))
                continue
            }
            out[sym] = BarSeries(
                symbol: sym, dates: idx.map { s.dates[$0] }, open: idx.map { s.open[$0] }, high: idx.map { s.high[$0] },
                low: idx.map { s.low[$0] }, close: idx.map { s.close[$0] }, volume: idx.map { s.volume[$0] })
        }
        return (out, issues)
    }
}
