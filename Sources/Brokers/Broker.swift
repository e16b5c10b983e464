import Foundation
import Market
import Risk

/// A market order for whole shares, tagged with the caller's idempotency key.
public struct OrderRequest: Sendable, Equatable {
    public var symbol: String
    public var side: OrderSide
    public var shares: Int
    /// ≤ 48 ASCII characters; the broker refuses a second order with the same id.
    public var clientOrderId: String

    public init(symbol: String, side: OrderSide, shares: Int, clientOrderId: String) {
        self.symbol = symbol
        self.side = side
        self.shares = shares
        self.clientOrderId = clientOrderId
    }
}

/// An order as the broker knows it.
public struct BrokerOrder: Sendable, Equatable {
    public var id: String
    public var clientOrderId: String
    public var symbol: String
    public var side: OrderSide
    public var shares: Int
    /// Broker status text (`filled`, `accepted`, `new`, …).
    public var status: String
    public var filledShares: Int
    public var filledAveragePrice: Decimal?

    public init(
        id: String, clientOrderId: String, symbol: String, side: OrderSide, shares: Int, status: String,
        filledShares: Int, filledAveragePrice: Decimal?
    ) {
        self.id = id
        self.clientOrderId = clientOrderId
        self.symbol = symbol
        self.side = side
        self.shares = shares
        self.status = status
        self.filledShares = filledShares
        self.filledAveragePrice = filledAveragePrice
    }
}

/// Broker failures, typed so callers can tell a refusal from an unknown outcome.
public enum BrokerError: Error, Equatable, CustomStringConvertible {
    /// An order with this client_order_id already exists (Alpaca 422 code 40010001).
    case duplicateClientOrderId(String)
    /// The broker refused the order (Alpaca 403: buying power, shares, permissions).
    case rejected(symbol: String, message: String)
    /// The request may or may not have reached the broker (timeout, dropped connection, 5xx on a submit).
    /// Resolve by looking the order up by its client_order_id; never resubmit blindly.
    case outcomeUnknown(String)
    /// No latest price for the symbol.
    case noPrice(symbol: String)
    /// An API call failed (status, broker message).
    case http(status: Int, path: String, message: String)
    /// Could not reach the broker at all.
    case transport(String)
    /// The response was not what the API documents.
    case decoding(String)
    /// A required environment variable is missing.
    case missingCredentials(String)
    /// The ledger could not be opened or written.
    case ledger(String)
    /// The broker's configuration (endpoints from the environment) is refused.
    case configuration(String)
    /// Not sent: the last `failures` requests to `host` failed (429, 5xx or no answer), so the client's
    /// circuit breaker is open and every further request of this execute fails at once.
    case circuitOpen(host: String, failures: Int)

    public var description: String {
        switch self {
        case .duplicateClientOrderId(let id):
            return "client_order_id \(id) already exists at the broker (an earlier submit of the same order)"
        case .rejected(let s, let m): return "broker rejected the \(s) order: \(m)"
        case .outcomeUnknown(let m):
            return "order outcome unknown (\(m)); it is looked up by client_order_id, never resubmitted blindly"
        case .noPrice(let s):
            return "no latest price for \(s): give the paper broker a price for it (last close) or check the symbol"
        case .http(let status, let path, let m): return "broker API \(path) answered HTTP \(status): \(m)"
        case .transport(let m): return "cannot reach the broker: \(m)"
        case .decoding(let m): return "unexpected broker response: \(m)"
        case .missingCredentials(let name):
            return "environment variable \(name) is not set; export the Alpaca key pair (APCA_API_KEY_ID, "
                + "APCA_API_SECRET_KEY) for the chosen mode"
        case .ledger(let m): return "paper ledger: \(m)"
        case .configuration(let m): return "broker configuration refused: \(m)"
        case .circuitOpen(let host, let n):
            return "not sent: the last \(n) requests to \(host) failed (429, 5xx or no answer), so the rest of this "
                + "execute fails fast instead of waiting out the storm; run execute again later (the same "
                + "client_order_ids make sure no order is placed twice)"
        }
    }
}

/// A broker: account state, prices, and idempotent order submission. Methods throw `BrokerError`.
public protocol Broker: Sendable {
    /// Short name for logs (`paper`, `alpaca-paper`, `alpaca-live`).
    var name: String { get }
    /// Cash, equity, positions and equity history.
    func account() async throws -> AccountSnapshot
    /// The latest price of `symbol`.
    func latestPrice(symbol: String) async throws -> Decimal
    /// Submits a market day order. Throws `.duplicateClientOrderId` when the id is taken.
    func submit(_ request: OrderRequest) async throws -> BrokerOrder
    /// The order with this client_order_id, or nil when the broker has none.
    func order(clientOrderId: String) async throws -> BrokerOrder?
    /// Orders accepted but not yet (completely) filled nor closed: Alpaca `GET /v2/orders?status=open`
    /// (a market order placed after the close stays `accepted` until the next open). The planner counts
    /// their unfilled shares towards the position, so a second run of the night never buys twice.
    func openOrders() async throws -> [BrokerOrder]
}

extension BrokerOrder {
    /// Shares still to fill, signed: + for a buy, − for a sell.
    public var pendingSignedShares: Int {
        let left = max(0, shares - filledShares)
        return side == .buy ? left : -left
    }
}
