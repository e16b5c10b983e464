import Foundation
import Market

/// The result of one order, as `orders.csv` shows it.
public struct OrderOutcome: Sendable, Equatable, Codable {
    public var symbol: String
    public var strategy: String
    public var side: OrderSide
    public var shares: Int
    /// Reference price (the latest quote the order was planned at).
    public var price: Decimal
    public var status: OrderStatus
    public var brokerOrderId: String?
    public var clientOrderId: String
    public var verdicts: [RiskVerdict]
    /// Why it failed / was skipped, in words (not in the CSV).
    public var message: String?

    public init(
        symbol: String, strategy: String, side: OrderSide, shares: Int, price: Decimal, status: OrderStatus,
        brokerOrderId: String?, clientOrderId: String, verdicts: [RiskVerdict], message: String? = nil
    ) {
        self.symbol = symbol
        self.strategy = strategy
        self.side = side
        self.shares = shares
        self.price = price
        self.status = status
        self.brokerOrderId = brokerOrderId
        self.clientOrderId = clientOrderId
        self.verdicts = verdicts
        self.message = message
    }

    public var value: Decimal { Decimal(shares) * price }
}
