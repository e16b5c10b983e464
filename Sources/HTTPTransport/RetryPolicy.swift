import Foundation
import Synchronization

/// How often and how patiently a request is retried (429, 5xx, timeouts and connection errors only).
///
/// One policy for every HTTP caller (bar providers, the broker client, webhooks), so the backoff rule is
/// written once.
public struct RetryPolicy: Sendable, Equatable {
    /// Total attempts including the first (1 = never retry).
    public var maxAttempts: Int
    /// Backoff before the first retry, in seconds; doubles on each further retry.
    public var baseDelay: Double
    /// Upper bound of one backoff, in seconds.
    public var maxDelay: Double
    /// Upper bound of one wait asked for by the server (`Retry-After`, `X-RateLimit-Reset`), in seconds.
    public var maxRateLimitWait: Double

    public init(maxAttempts: Int = 4, baseDelay: Double = 0.5, maxDelay: Double = 30, maxRateLimitWait: Double = 60) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = max(0, baseDelay)
        self.maxDelay = max(0, maxDelay)
        self.maxRateLimitWait = max(0, maxRateLimitWait)
    }

    /// Never retry.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The un-jittered backoff after failed attempt `n` (1-based): `min(maxDelay, baseDelay·2^(n−1))`.
    public func delay(afterAttempt n: Int) -> Double {
        let exponent = Double(min(max(n - 1, 0), 30))
        return min(maxDelay, baseDelay * pow(2, exponent))
    }

    /// `delay(afterAttempt:)` jittered to `d·(0.5 + 0.5·unit)` with `unit` in `[0, 1)`.
    public func backoff(afterAttempt attempt: Int, unit: Double) -> Double {
        delay(afterAttempt: attempt) * (0.5 + 0.5 * min(max(unit, 0), 1))
    }
}

/// Stops asking a provider that keeps refusing: after `threshold` consecutive 429/5xx answers (or
/// transport failures) every further request fails at once, so a rate-limit storm costs seconds, not hours.
/// A 2xx closes it again. Not thread-safe on its own: keep it inside an actor.
public struct CircuitBreaker: Sendable, Equatable {
    public let threshold: Int
    public private(set) var consecutiveFailures = 0

    /// `threshold` ≤ 0 disables the breaker.
    public init(threshold: Int) { self.threshold = threshold }

    public var isOpen: Bool { threshold > 0 && consecutiveFailures >= threshold }

    public mutating func recordFailure() { consecutiveFailures += 1 }
    public mutating func recordSuccess() { consecutiveFailures = 0 }
}

/// A `CircuitBreaker` that several tasks share (a broker client is a class used from any task).
public final class SharedCircuitBreaker: Sendable {
    private let state: Mutex<CircuitBreaker>

    /// `threshold` ≤ 0 disables it.
    public init(threshold: Int) { state = Mutex(CircuitBreaker(threshold: threshold)) }

    public var isOpen: Bool { state.withLock { $0.isOpen } }
    public var consecutiveFailures: Int { state.withLock { $0.consecutiveFailures } }
    public func recordFailure() { state.withLock { $0.recordFailure() } }
    public func recordSuccess() { state.withLock { $0.recordSuccess() } }
}
