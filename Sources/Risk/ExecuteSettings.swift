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

    public init(
        enabled: Bool = false, broker: BrokerKind = .paper, mode: TradingMode = .paper, minScore: Double = 0,
        symbols: [String] = [], sizing: ExecutionSizing = .auto, rules: [RiskRule] = []
    ) {
        self.enabled = enabled
        self.broker = broker
        self.mode = mode
        self.minScore = minScore
        self.symbols = symbols
        self.sizing = sizing
        self.rules = rules
    }
}
