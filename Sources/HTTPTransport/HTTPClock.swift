import Foundation

/// Wall-clock time and waiting, injectable so tests control both (no real sleeping in tests).
public protocol HTTPClock: Sendable {
    /// Seconds since 1970-01-01T00:00:00Z (rate-limit reset headers are Unix epochs).
    func now() -> Double
    func sleep(seconds: Double) async throws
}

/// The real clock: `Date()` and `Task.sleep`.
public struct SystemHTTPClock: HTTPClock {
    public init() {}
    public func now() -> Double { Date().timeIntervalSince1970 }
    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(min(seconds, 86_400) * 1_000_000_000))
    }
}
