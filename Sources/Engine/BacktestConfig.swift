import Market

/// How orders are charged. Every model applies to both legs (entry and exit).
public enum CommissionModel: Sendable, Hashable, Codable {
    /// A fraction of traded value (0.001 = 0.1 %), backtesting.py's `commission`.
    case fraction(Double)

    /// Commission for a fill of `shares` at `price`.
    @inline(__always)
    public func commission(shares: Double, price: Double) -> Double {
        switch self {
        case .fraction(let f): return shares * price * f
        }
    }
}

/// How many shares an entry buys.
public enum SizingRule: Sendable, Hashable, Codable {
    /// Percent of available cash, whole shares, with room kept for the entry commission.
    /// 100 % reproduces backtesting.py's `buy()` exactly (SEMANTICS.md §3).
    case percentOfEquity(Double)
}

/// The rules of the simulation that differ between engines. `backtestingPy` reproduces
/// the reference engine (SEMANTICS.md) bit for bit.
public struct Conventions: Sendable, Hashable, Codable {
    /// Name printed in reports.
    public var name: String
    /// Decisions start this many bars after the warm-up bar W (backtesting.py: 1).
    public var firstDecisionOffset: Int
    /// Close a position still open at the end at the last bar's open, and fill an entry decided on the
    /// last two bars there too (SEMANTICS.md §5). When false, open positions are marked to the last close.
    public var finalizeAtLastOpen: Bool
    /// Periods per year for annualised metrics.
    public var annualization: Double
    /// Annual risk-free rate, as a fraction, for Sharpe and Sortino.
    public var riskFreeRate: Double

    public init(
        name: String, firstDecisionOffset: Int, finalizeAtLastOpen: Bool, annualization: Double, riskFreeRate: Double
    ) {
        self.name = name
        self.firstDecisionOffset = firstDecisionOffset
        self.finalizeAtLastOpen = finalizeAtLastOpen
        self.annualization = annualization
        self.riskFreeRate = riskFreeRate
    }

    /// backtesting.py 0.6.6 with `finalize_trades=True`, daily data.
    public static let backtestingPy = Conventions(
        name: "backtesting_py", firstDecisionOffset: 1, finalizeAtLastOpen: true, annualization: 252, riskFreeRate: 0)
}

/// Everything the simulator needs besides bars and signals.
public struct BacktestConfig: Sendable, Hashable, Codable {
    public var initialCash: Double
    public var commission: CommissionModel
    /// Adverse move per fill in basis points: buys fill at open × (1 + bps/10⁴), sells at open × (1 − bps/10⁴).
    public var slippageBps: Double
    public var sizing: SizingRule
    public var conventions: Conventions

    public init(
        initialCash: Double = 100_000, commission: CommissionModel = .fraction(0.001), slippageBps: Double = 0,
        sizing: SizingRule = .percentOfEquity(100), conventions: Conventions = .backtestingPy
    ) {
        self.initialCash = initialCash
        self.commission = commission
        self.slippageBps = slippageBps
        self.sizing = sizing
        self.conventions = conventions
    }
}
