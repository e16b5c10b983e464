/// What happened to one order of an execute run.
public enum OrderStatus: String, Sendable, Codable, CaseIterable {
    /// Sent to the broker by this call (or found there after an ambiguous submit).
    case submitted
    /// Stopped by a risk rule; never sent.
    case blocked
    /// The broker refused it, or the outcome stayed unknown; see `message`.
    case failed
    /// Already at the broker before this call (same client_order_id, e.g. a rerun); nothing sent.
    case skipped
}
