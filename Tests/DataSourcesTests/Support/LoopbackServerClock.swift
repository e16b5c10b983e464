import DataSources
import Foundation
import HTTPTransport
import Testing

/// A hand-driven `HTTPClock` for tests: time moves only when a test says so.
///
/// `.autoAdvance`: every `sleep` records its length, moves time forward and returns at once (retry tests).
/// `.manual`: `sleep` suspends until `advance(by:)` moves time past its deadline (budget tests).
final class ManualClock: HTTPClock, @unchecked Sendable {
    enum Mode { case autoAdvance, manual }

    private let lock = NSLock()
    private let mode: Mode
    private var time: Double
    private var sleeps: [Double] = []
    private var sleepers: [(deadline: Double, resume: CheckedContinuation<Void, Never>)] = []
    private var watchers: [(count: Int, resume: CheckedContinuation<Void, Never>)] = []

    init(start: Double = 1_704_402_000, mode: Mode = .autoAdvance) {
        self.time = start
        self.mode = mode
    }

    func now() -> Double { lock.withLock { time } }

    /// Every sleep requested so far, in order.
    var recordedSleeps: [Double] { lock.withLock { sleeps } }

    func sleep(seconds: Double) async throws {
        if mode == .autoAdvance {
            lock.withLock {
                sleeps.append(seconds)
                time += max(0, seconds)
            }
            return
        }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let ready: [CheckedContinuation<Void, Never>] = lock.withLock {
                sleeps.append(seconds)
                sleepers.append((time + seconds, c))
                let pending = sleepers.count
                let due = watchers.filter { $0.count <= pending }.map(\.resume)
                watchers.removeAll { $0.count <= pending }
                return due
            }
            for r in ready { r.resume() }
        }
    }

    /// Moves time forward and wakes the sleepers whose deadline has passed.
    func advance(by seconds: Double) {
        let due: [CheckedContinuation<Void, Never>] = lock.withLock {
            time += seconds
            let now = time
            let d = sleepers.filter { $0.deadline <= now }.map(\.resume)
            sleepers.removeAll { $0.deadline <= now }
            return d
        }
        for r in due { r.resume() }
    }

    /// Returns once at least `count` tasks are suspended in `sleep`.
    func waitForSleepers(_ count: Int = 1) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now: Bool = lock.withLock {
                if sleepers.count >= count { return true }
                watchers.append((count, c))
                return false
            }
            if now { c.resume() }
        }
    }
}

enum Fixture {
    static func data(_ name: String) throws -> Data {
        let root = try #require(Bundle.module.resourceURL)
        return try Data(contentsOf: root.appendingPathComponent("Fixtures/http/\(name)"))
    }

    static func text(_ name: String) throws -> String { String(decoding: try data(name), as: UTF8.self) }
}
