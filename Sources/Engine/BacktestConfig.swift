import Market

/// How orders are charged. `Conventions.commissionLegs` says which legs pay (both, for backtesting.py).
public enum CommissionModel: Sendable, Hashable, Codable {
    /// A fraction of traded value (0.001 = 0.1 %), backtesting.py's `commission`.
    case fraction(Double)
    /// `rate` per share, at least `minimum` per order (Interactive Brokers style).
    case perShare(rate: Double, minimum: Double)
    /// A fixed amount per order, whatever its size.
    case fixed(Double)

    /// Commission for a fill of `shares` at `price`.
    @inline(__always)
    public func commission(shares: Double, price: Double) -> Double {
        switch self {
        case .fraction(let f): return shares * price * f
        case .perShare(let rate, let minimum): return max(shares * rate, minimum)
        case .fixed(let amount): return amount
        }
    }

    static let zero = CommissionModel.fraction(0)
}

/// How many shares an entry buys. The engine is long-only with one position at a time, so "equity"
/// at an entry is the available cash.
public enum SizingRule: Sendable, Hashable, Codable {
    /// `pct` percent of equity, with room kept for the entry commission. 100 % reproduces
    /// backtesting.py's `buy()` exactly (SEMANTICS.md §3).
    case percentOfEquity(Double)
    /// At most `amount` of cash (capped at the cash available), entry commission included.
    case fixedCash(Double)
    /// `count` shares, capped at what the cash affords (commission included).
    case fixedShares(Double)
    /// Volatility targeting: `shares = targetPct% × equity / (ATR(atrPeriod)[t] × √annualization)`,
    /// using the ATR known at the decision bar t, capped at `maxPercent`% of equity (and at the cash).
    /// No entry while the ATR is undefined.
    case volatilityTarget(targetPct: Double, atrPeriod: Int, maxPercent: Double)

    /// The ATR window the rule needs, if any.
    public var atrPeriod: Int? {
        if case .volatilityTarget(_, let p, _) = self { return p }
        return nil
    }
}

/// Everything the simulator needs besides bars and signals.
public struct BacktestConfig: Sendable, Hashable, Codable {
    public var initialCash: Double
    public var commission: CommissionModel
    /// Adverse move per fill in basis points: buys fill at price × (1 + bps/10⁴), sells at price × (1 − bps/10⁴).
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

    /// Fractional shares instead of whole shares (stored in `conventions.fractionalShares`).
    public var fractionalShares: Bool {
        get { conventions.fractionalShares }
        set { conventions.fractionalShares = newValue }
    }
}
