import Crypto
import Foundation
import Market
import Risk

/// Deterministic idempotency keys for orders.
public enum ClientOrderID {
    /// `so-` + the first 20 hex digits of SHA-256(`runId|SYMBOL|side|YYYY-MM-DD`) + `-` + `YYYYMMDD`:
    /// 32 ASCII characters (Alpaca allows 48). The same run, symbol, side and session always give the
    /// same id, so a rerun finds its earlier order instead of creating a new one.
    public static func make(runId: String, symbol: String, side: OrderSide, session: SessionDate) -> String {
        let input = "\(runId)|\(symbol)|\(side.rawValue)|\(session.iso)"
        let digest = SHA256.hash(data: Data(input.utf8))
        let hex = digest.map { b in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
        let compact = session.iso.replacingOccurrences(of: "-", with: "")
        return "so-\(hex.prefix(20))-\(compact)"
    }
}
