import Foundation

/// A total time allowance shared by several requests and the waits between them (e.g. every page and
/// retry of one symbol's fetch). Real elapsed time plus the waits spent on the injected clock both count,
/// so tests with a hand-driven clock see the same rule as production.
public final class TimeBudget: @unchecked Sendable {
    public let seconds: Double
    private let start = ContinuousClock.now
    private let lock = NSLock()
    private var waited: Double = 0

    public init(seconds: Double) { self.seconds = max(0, seconds) }

    /// Seconds used so far.
    public var used: Double {
        let d = ContinuousClock.now - start
        let real = Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
        return real + lock.withLock { waited }
    }

    public var remaining: Double { max(0, seconds - used) }

    /// True when a wait of `seconds` would still end within the budget.
    public func fits(_ wait: Double) -> Bool { used + max(0, wait) <= seconds }

    /// True when a wait of `seconds` still fits (and records it); false means stop now.
    public func spend(wait: Double) -> Bool {
        guard fits(wait) else { return false }
        lock.withLock { waited += max(0, wait) }
        return true
    }
}
