import Synchronization

/// Bar-cache stores a run does not wait for before it backtests.
///
/// A cold universe's bars reach the backtests straight from the provider (validated exactly as before), while
/// the cache's one SQLite writer stores them in the background: on a cold run the serial inserts used to hold
/// the whole fetch stage, with a core idle. Each store is still one transaction (bars and coverage together),
/// so a run stopped or killed before they finish leaves the cache as if those symbols were never fetched.
/// The owner calls `settle()` before it reports the run finished.
public final class DeferredCacheWrites: Sendable {
    private let pending = Mutex<[(symbol: String, task: Task<Void, any Error>)]>([])

    public init() {}

    /// Starts `store` now; its outcome is collected by `settle()`.
    func add(symbol: String, _ store: @escaping @Sendable () async throws -> Void) {
        let task = Task { try await store() }
        pending.withLock { $0.append((symbol, task)) }
    }

    /// Waits for every store started so far; one line per symbol whose bars could not be stored (they are
    /// fetched again by the next run), in the order the stores were started.
    public func settle() async -> [(symbol: String, reason: String)] {
        let started = pending.withLock { list in
            defer { list.removeAll() }
            return list
        }
        var failed: [(symbol: String, reason: String)] = []
        for (symbol, task) in started {
            do { try await task.value } catch { failed.append((symbol, "\(error)")) }
        }
        return failed
    }
}
