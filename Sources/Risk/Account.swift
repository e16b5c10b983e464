import Foundation
import Market

/// Buy or sell, spelled as the Trading API spells it.
public enum OrderSide: String, Sendable, Codable, CaseIterable, Comparable {
    case buy, sell

    public static func < (a: OrderSide, b: OrderSide) -> Bool { a.rawValue < b.rawValue }
}

/// An open position: signed whole shares (negative = short) valued at `price`.
public struct Position: Sendable, Equatable, Codable {
    public var symbol: String
    public var shares: Int
    /// The latest price the broker values the position at.
    public var price: Decimal

    public init(symbol: String, shares: Int, price: Decimal) {
        self.symbol = symbol
        self.shares = shares
        self.price = price
    }

    public var marketValue: Decimal { Decimal(shares) * price }
}

/// The account's equity at the close of one session.
public struct EquityPoint: Sendable, Equatable, Codable {
    public var date: SessionDate
    public var equity: Decimal

    public init(date: SessionDate, equity: Decimal) {
        self.date = date
        self.equity = equity
    }
}

/// What a broker reports about the account, and what risk rules measure.
public struct AccountSnapshot: Sendable, Equatable, Codable {
    public var cash: Decimal
    /// Cash plus the market value of every position.
    public var equity: Decimal
    /// Open positions (non-zero shares), sorted by symbol.
    public var positions: [Position]
    /// Equity at the previous session's close (Alpaca `last_equity`); nil when unknown.
    public var lastEquity: Decimal?
    /// Daily equity history, ascending by date (may be empty).
    public var equityHistory: [EquityPoint]
    /// Why the broker will not accept orders (account not active, trading blocked…); nil when it will.
    public var tradingBlockedReason: String?

    public init(
        cash: Decimal, equity: Decimal, positions: [Position], lastEquity: Decimal? = nil,
        equityHistory: [EquityPoint] = [], tradingBlockedReason: String? = nil
    ) {
        self.cash = cash
        self.equity = equity
        self.positions = positions.filter { $0.shares != 0 }.sorted { $0.symbol < $1.symbol }
        self.lastEquity = lastEquity
        self.equityHistory = equityHistory.sorted { $0.date < $1.date }
        self.tradingBlockedReason = tradingBlockedReason
    }

    public func position(_ symbol: String) -> Position? { positions.first { $0.symbol == symbol } }

    /// Signed shares held in `symbol` (0 when none).
    public func shares(of symbol: String) -> Int { position(symbol)?.shares ?? 0 }

    /// Number of open positions.
    public var openPositionCount: Int { positions.count }

    /// Σ |shares × price| over all positions.
    public var grossExposure: Decimal { positions.reduce(Decimal(0)) { $0 + abs($1.marketValue) } }

    /// The highest equity seen: the history's maximum, or the current equity if higher.
    public var peakEquity: Decimal { equityHistory.reduce(equity) { max($0, $1.equity) } }

    /// The snapshot after `order` fills at its reference price with no costs: cash moves by the traded
    /// value, the position by the shares, equity is unchanged. Used to let later orders of one run see
    /// earlier ones (position count, leverage).
    public func applying(_ order: PlannedOrder) -> AccountSnapshot {
        var next = self
        let signed = order.signedShares
        next.cash -= Decimal(signed) * order.price
        var rest = positions.filter { $0.symbol != order.symbol }
        let newShares = shares(of: order.symbol) + signed
        if newShares != 0 { rest.append(Position(symbol: order.symbol, shares: newShares, price: order.price)) }
        next.positions = rest.sorted { $0.symbol < $1.symbol }
        return next
    }
}
