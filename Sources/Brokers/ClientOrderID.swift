import Digests
import Foundation
import Market
import Risk

/// Deterministic idempotency keys for orders.
public enum ClientOrderID {
    /// `so-` + the first 20 hex digits of SHA-256(`key|SYMBOL|side|YYYY-MM-DD`) + `-` + `YYYYMMDD`:
    /// 32 ASCII characters (Alpaca allows 48). `key` is the spec's name (`ExecutionPlan.orderKey`), not
    /// the run id: every run of the same spec on the same session (a retry, a hand-started rerun, a
    /// second cron job) derives the same id for the same symbol and side, so the broker refuses a
    /// second copy and the run finds the first order instead of creating a new one.
    public static func make(key: String, symbol: String, side: OrderSide, session: SessionDate) -> String {
        let input = "\(key)|\(symbol)|\(side.rawValue)|\(session.iso)"
        let hex = SHA256Hex.of(input.utf8)
        let compact = session.iso.replacingOccurrences(of: "-", with: "")
        return "so-\(hex.prefix(20))-\(compact)"
    }

    /// Kept for callers that key on a run id (the earlier scheme); prefer `make(key:…)` with the spec name.
    public static func make(runId: String, symbol: String, side: OrderSide, session: SessionDate) -> String {
        make(key: runId, symbol: symbol, side: side, session: session)
    }
}
