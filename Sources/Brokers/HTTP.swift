import Foundation

// The HTTP exchange itself (deadline, size limit, same-host redirects, error wording) and the retry
// policy live in the HTTPTransport target, shared with the bar providers. Only the broker's waiting
// strategy is here.

/// Waits between retries. Inject a no-op in tests so no test waits on the clock.
public protocol RetrySleeper: Sendable {
    func sleep(seconds: Double) async
}

/// Sleeps with `Task.sleep` (cancellation ends the wait early).
public struct TaskSleeper: RetrySleeper {
    public init() {}
    public func sleep(seconds: Double) async {
        try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1_000_000_000))
    }
}
