import Foundation

/// A scripted Alpaca Trading/Data API behind `LoopbackHTTPServer`: keeps orders by client_order_id
/// (422 on a duplicate, like Alpaca), serves account/positions/history/quotes from fixed bodies
/// (protocol doc §6.5–6.7), and plays injected faults once each, in order.
public final class FakeAlpaca: @unchecked Sendable {
    public enum Fault: Sendable {
        /// Answer with this status and body without processing the request.
        case status(Int, String)
        /// Process the request (create the order), then never answer.
        case processThenHold
    }

    public struct StoredOrder {
        public var id: String
        public var clientOrderId: String
        public var symbol: String
        public var qty: String
        public var side: String
    }

    private let lock = NSLock()
    private var orders: [StoredOrder] = []
    private var faults: [(method: String, path: String, fault: Fault)] = []

    public init() {}

    public var account = """
        {"id": "e6fe16f3-64a4-4921-8928-cadf02f92f98", "account_number": "PA3ABCDEF1", "status": "ACTIVE", "currency": "USD",
         "cash": "52310.45", "equity": "101220.17", "last_equity": "100874.03", "portfolio_value": "101220.17",
         "buying_power": "104620.9", "multiplier": "2", "long_market_value": "48909.72", "short_market_value": "0",
         "trading_blocked": false, "account_blocked": false, "created_at": "2023-06-12T22:47:07.99658Z"}
        """
    public var positions = """
        [{"asset_id": "b0b6dd9d-8b9b-48a9-ba46-b9d54906e415", "symbol": "AAPL", "exchange": "NASDAQ", "asset_class": "us_equity",
          "asset_marginable": true, "qty": "100", "qty_available": "100", "avg_entry_price": "180.12", "side": "long",
          "market_value": "18191", "cost_basis": "18012", "unrealized_pl": "179", "current_price": "181.91",
          "lastday_price": "184.25", "change_today": "-0.0127001356852103"}]
        """
    /// 2024-01-02 and 2024-01-03 at 05:00Z (00:00 New York).
    public var history = """
        {"timestamp": [1704171600, 1704258000], "equity": [103000.5, 102100.25], "profit_loss": [0, -900.25],
         "profit_loss_pct": [0, -0.0087], "base_value": 100000, "timeframe": "1D"}
        """
    public var quote = """
        {"symbol": "AAPL", "quote": {"t": "2024-01-04T20:59:59.981219Z", "ax": "V", "ap": 181.95, "as": 3, "bx": "V", "bp": 181.9, "bs": 2, "c": ["R"], "z": "C"}}
        """

    public func inject(_ method: String, _ path: String, _ fault: Fault) {
        lock.lock()
        faults.append((method, path, fault))
        lock.unlock()
    }

    /// POSTed (or seeded) orders per symbol.
    public func orderCount(symbol: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        return orders.filter { $0.symbol == symbol }.count
    }

    public var orderCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return orders.count
    }

    public func seedOrder(clientOrderId: String, symbol: String, qty: Int, side: String) {
        lock.lock()
        orders.append(
            StoredOrder(
                id: "ord-\(orders.count + 1)", clientOrderId: clientOrderId, symbol: symbol, qty: String(qty),
                side: side))
        lock.unlock()
    }

    public func handle(_ r: RecordedRequest) -> ScriptedReply {
        lock.lock()
        defer { lock.unlock() }
        var hold = false
        if let i = faults.firstIndex(where: { $0.method == r.method && $0.path == r.path }) {
            let f = faults.remove(at: i).fault
            switch f {
            case .status(let code, let body): return .respond(status: code, body: body)
            case .processThenHold: hold = true
            }
        }
        let reply = route(r)
        return hold ? .hold : reply
    }

    private func route(_ r: RecordedRequest) -> ScriptedReply {
        switch (r.method, r.path) {
        case ("GET", "/v2/account"): return .respond(status: 200, body: account)
        case ("GET", "/v2/positions"): return .respond(status: 200, body: positions)
        case ("GET", "/v2/account/portfolio/history"): return .respond(status: 200, body: history)
        case ("GET", let p) where p.hasPrefix("/v2/stocks/") && p.hasSuffix("/quotes/latest"):
            return .respond(status: 200, body: quote)
        case ("POST", "/v2/orders"):
            guard let obj = try? JSONSerialization.jsonObject(with: r.body) as? [String: Any],
                let cid = obj["client_order_id"] as? String, let symbol = obj["symbol"] as? String,
                let qty = obj["qty"] as? String, let side = obj["side"] as? String
            else { return .respond(status: 422, body: #"{"code": 42210000, "message": "invalid body"}"#) }
            if orders.contains(where: { $0.clientOrderId == cid }) {
                return .respond(status: 422, body: #"{"code": 40010001, "message": "client_order_id must be unique"}"#)
            }
            let o = StoredOrder(id: "ord-\(orders.count + 1)", clientOrderId: cid, symbol: symbol, qty: qty, side: side)
            orders.append(o)
            return .respond(status: 200, body: Self.json(o))
        case ("GET", "/v2/orders"):
            // Every stored order is `accepted` (placed after the close), so all of them are open.
            guard (r.query ?? "").split(separator: "&").contains("status=open") else {
                return .respond(status: 422, body: #"{"code": 42210000, "message": "this fake serves status=open"}"#)
            }
            return .respond(status: 200, body: "[" + orders.map(Self.json).joined(separator: ",") + "]")
        case ("GET", "/v2/orders:by_client_order_id"):
            let q = r.query ?? ""
            let cid = q.hasPrefix("client_order_id=") ? String(q.dropFirst("client_order_id=".count)) : ""
            guard let o = orders.first(where: { $0.clientOrderId == cid }) else {
                return .respond(status: 404, body: #"{"code": 40410000, "message": "order not found"}"#)
            }
            return .respond(status: 200, body: Self.json(o))
        default:
            return .respond(status: 404, body: #"{"message": "no route"}"#)
        }
    }

    public static func json(_ o: StoredOrder) -> String {
        """
        {"id": "\(o.id)", "client_order_id": "\(o.clientOrderId)",
         "created_at": "2024-01-04T15:01:02.942282Z", "updated_at": "2024-01-04T15:01:02.942282Z",
         "submitted_at": "2024-01-04T15:01:02.937734Z", "filled_at": null, "expired_at": null, "canceled_at": null,
         "failed_at": null, "replaced_at": null, "replaced_by": null, "replaces": null,
         "asset_id": "b0b6dd9d-8b9b-48a9-ba46-b9d54906e415", "symbol": "\(o.symbol)", "asset_class": "us_equity",
         "notional": null, "qty": "\(o.qty)", "filled_qty": "0", "filled_avg_price": null, "order_class": "",
         "order_type": "market", "type": "market", "side": "\(o.side)", "time_in_force": "day", "limit_price": null,
         "stop_price": null, "status": "accepted", "extended_hours": false, "legs": null, "trail_percent": null,
         "trail_price": null, "hwm": null}
        """
    }
}
