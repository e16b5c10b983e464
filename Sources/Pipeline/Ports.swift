import Foundation
import RunStore
import Synchronization

// The run chain's ports: what a run needs from the outside world, each a small protocol with its
// production implementation and an in-memory twin for tests. The chain itself reads no clock, file
// system or signal except through these.

/// The run history: which stage a run is in, and the checkpoints of its finished backtests.
public protocol RunJournal: Sendable {
    /// Records the run's stage and progress (`stratopt status`).
    func record(stage: RunStage, done: Int, total: Int) throws(RunError)
    /// Checkpoints saved by earlier attempts of this run, in the order they were saved.
    func checkpoints() throws(RunError) -> [Data]
    /// Saves one checkpoint (a batch of finished backtests) together with the progress it brings.
    func saveCheckpoint(_ payload: Data, done: Int, total: Int) throws(RunError)
    /// Drops this run's checkpoints once its results are written, and gives their pages back.
    func clearCheckpoints() throws(RunError)
}

/// Backtest results from earlier runs, keyed by everything that determines them.
public protocol ResultStore: Sendable {
    func get(_ keys: [String]) throws(RunError) -> [String: [UInt8]]
    func put(_ entries: [(key: String, value: [UInt8])]) throws(RunError)
}

/// Wall-clock time (the manifest's start and end only) and a monotonic clock (checkpoint pacing only);
/// neither ever reaches a result file.
public protocol RunClock: Sendable {
    func now() -> Date
    /// Nanoseconds on a monotonic clock.
    func monotonicNanoseconds() -> UInt64
}

/// Stage progress for a person or a log.
public protocol ProgressSink: Sendable {
    func start(_ stage: RunStage, total: Int, done: Int)
    func update(done: Int)
    func finish(detail: String?)
    /// A diagnostic line (warnings, what the run is doing).
    func message(_ text: String)
}

/// A request to stop after the current unit of work (SIGINT / SIGTERM).
public protocol StopSignal: Sendable {
    var isStopRequested: Bool { get }
}

// MARK: - Production implementations

/// The run journal in `runs.sqlite`.
public struct StoreJournal: RunJournal {
    public let store: RunStore
    public let runId: String

    public init(store: RunStore, runId: String) {
        self.store = store
        self.runId = runId
    }

    public func record(stage: RunStage, done: Int, total: Int) throws(RunError) {
        do { try store.update(runId: runId, stage: stage, done: done, total: total) } catch {
            throw RunError(error.description)
        }
    }

    public func checkpoints() throws(RunError) -> [Data] {
        do { return try store.batches(runId: runId).sorted { $0.key < $1.key }.map(\.value) } catch {
            throw RunError(error.description)
        }
    }

    public func saveCheckpoint(_ payload: Data, done: Int, total: Int) throws(RunError) {
        do {
            let next = try store.nextBatchIndex(runId: runId)
            try store.saveBatch(runId: runId, batchIndex: next, payload: payload, progress: (done, total))
        } catch { throw RunError(error.description) }
    }

    public func clearCheckpoints() throws(RunError) {
        do { _ = try store.clearBatches(runId: runId) } catch { throw RunError(error.description) }
    }
}

extension ResultCache: ResultStore {
    public func get(_ keys: [String]) throws(RunError) -> [String: [UInt8]] {
        do { return try lookup(keys) } catch { throw RunError(error.description) }
    }

    public func put(_ entries: [(key: String, value: [UInt8])]) throws(RunError) {
        do { try store(entries) } catch { throw RunError(error.description) }
    }
}

/// The system's clocks.
public struct SystemClock: RunClock {
    public init() {}
    public func now() -> Date { Date() }
    public func monotonicNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
}

extension ProgressReporter: ProgressSink {}

extension InterruptFlag: StopSignal {
    public var isStopRequested: Bool { isSet }
}

// MARK: - In-memory twins

/// A journal held in memory.
public final class MemoryJournal: RunJournal {
    private let state = Mutex<(stages: [RunStage], checkpoints: [Data], done: Int)>(([], [], 0))

    public init(checkpoints: [Data] = []) { state.withLock { $0.checkpoints = checkpoints } }

    public func record(stage: RunStage, done: Int, total: Int) throws(RunError) {
        state.withLock {
            if $0.stages.last != stage { $0.stages.append(stage) }
            $0.done = done
        }
    }
    public func checkpoints() throws(RunError) -> [Data] { state.withLock { $0.checkpoints } }
    public func saveCheckpoint(_ payload: Data, done: Int, total: Int) throws(RunError) {
        state.withLock {
            $0.checkpoints.append(payload)
            $0.done = done
        }
    }
    public func clearCheckpoints() throws(RunError) { state.withLock { $0.checkpoints = [] } }

    /// The stages recorded, in order.
    public var stages: [RunStage] { state.withLock { $0.stages } }
    /// The checkpoints currently held.
    public var saved: [Data] { state.withLock { $0.checkpoints } }
}

/// A result store held in memory.
public final class MemoryResultStore: ResultStore {
    private let values = Mutex<[String: [UInt8]]>([:])
    public init() {}
    public func get(_ keys: [String]) throws(RunError) -> [String: [UInt8]] {
        values.withLock { v in
            var out: [String: [UInt8]] = [:]
            for k in keys { if let x = v[k] { out[k] = x } }
            return out
        }
    }
    public func put(_ entries: [(key: String, value: [UInt8])]) throws(RunError) {
        values.withLock { v in for e in entries { v[e.key] = e.value } }
    }
    public var count: Int { values.withLock { $0.count } }
}

/// A clock that always says the same time, and whose monotonic clock advances a step per reading.
public final class FixedClock: RunClock {
    private let date: Date
    private let ticks = Mutex<UInt64>(0)
    private let step: UInt64

    /// `step`: nanoseconds the monotonic clock advances per reading (1 s by default, so pacing never holds
    /// back a checkpoint in tests).
    public init(_ date: Date = Date(timeIntervalSince1970: 1_790_000_000), step: UInt64 = 1_000_000_000) {
        self.date = date
        self.step = step
    }
    public func now() -> Date { date }
    public func monotonicNanoseconds() -> UInt64 {
        ticks.withLock {
            $0 += step
            return $0
        }
    }
}

/// Progress recorded in memory.
public final class RecordingProgress: ProgressSink {
    private let lines = Mutex<[String]>([])
    public init() {}
    public func start(_ stage: RunStage, total: Int, done: Int) {
        lines.withLock { $0.append("start \(stage.rawValue) \(done)/\(total)") }
    }
    public func update(done: Int) { lines.withLock { $0.append("update \(done)") } }
    public func finish(detail: String?) { lines.withLock { $0.append("finish \(detail ?? "")") } }
    public func message(_ text: String) { lines.withLock { $0.append(text) } }
    public var recorded: [String] { lines.withLock { $0 } }
}

/// Progress nobody sees.
public struct SilentProgress: ProgressSink {
    public init() {}
    public func start(_ stage: RunStage, total: Int, done: Int) {}
    public func update(done: Int) {}
    public func finish(detail: String?) {}
    public func message(_ text: String) {}
}

/// A stop request a test flips by hand, or after `after` polls.
public final class ManualStop: StopSignal {
    private let state = Mutex<(set: Bool, polls: Int, after: Int?)>((false, 0, nil))
    /// `after`: report a stop request from the `after`-th poll on (nil: only when `stop()` is called).
    public init(after: Int? = nil) { state.withLock { $0.after = after } }
    public func stop() { state.withLock { $0.set = true } }
    public var isStopRequested: Bool {
        state.withLock {
            $0.polls += 1
            if let a = $0.after, $0.polls >= a { $0.set = true }
            return $0.set
        }
    }
}

/// Never asks to stop.
public struct NeverStop: StopSignal {
    public init() {}
    public var isStopRequested: Bool { false }
}
