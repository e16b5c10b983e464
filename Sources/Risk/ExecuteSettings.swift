import Foundation

/// Which broker executes orders.
public enum BrokerKind: String, Sendable, Codable, CaseIterable {
    /// The embedded paper broker (SQLite ledger).
    case paper
    /// Alpaca's Trading API v2.
    case alpaca
}

/// Paper or live endpoint.
public enum TradingMode: String, Sendable, Codable, CaseIterable {
    case paper, live
}

/// How many shares a long target holds.
public enum ExecutionSizing: Sendable, Equatable, Codable {
    /// Equity split equally across the run's targets: equity ÷ number of targets per symbol.
    case auto
    /// This percent of equity per symbol (10 = 10 %).
    case percentOfEquity(Double)
}

/// The resolved `execute:` section of a pipeline spec (the Spec stage maps YAML onto it).
public struct ExecuteSettings: Sendable, Equatable, Codable {
    public var enabled: Bool
    public var broker: BrokerKind
    public var mode: TradingMode
    /// A symbol trades only when its best strategy's composite score is at least this.
    public var minScore: Double
    /// Symbols allowed to trade; empty = every symbol of the universe.
    public var symbols: [String]
    public var sizing: ExecutionSizing
    /// Risk rules, evaluated in this order for every order.
    public var rules: [RiskRule]
    /// What a buy costs beyond shares × quote, so a sized order fits the cash it is sized from.
    public var costs: OrderCosts = .zero

    public init(
        enabled: Bool = false, broker: BrokerKind = .paper, mode: TradingMode = .paper, minScore: Double = 0,
        symbols: [String] = [], sizing: ExecutionSizing = .auto, rules: [RiskRule] = [], costs: OrderCosts = .zero
    ) {
        self.costs = costs
        self.enabled = enabled
        self.broker = broker
        self.mode = mode
        self.minScore = minScore
        self.symbols = symbols
        self.sizing = sizing
        self.rules = rules
    }
}

/// The costs of one buy order beyond shares × quote: a fraction of its value (slippage, a proportional
/// commission), an amount per share (a per-share commission) and an amount per order (a fixed commission,
/// a per-share commission's minimum). Sizing with all three is conservative: it never exceeds the cash.
public struct OrderCosts: Sendable, Equatable, Codable {
    public var fraction: Decimal
    public var perShare: Decimal
    public var perOrder: Decimal
    public init(fraction: Decimal = 0, perShare: Decimal = 0, perOrder: Decimal = 0) {
        self.fraction = fraction
        self.perShare = perShare
        self.perOrder = perOrder
    }
    public static let zero = OrderCosts()
}
