import Market

/// A round trip. Prices are fill prices (slippage included); bars are fill bars.
public struct Trade: Sendable, Equatable, Codable {
    public var entryBar: Int
    public var exitBar: Int
    public var entryDate: SessionDate
    public var exitDate: SessionDate
    public var entryPrice: Double
    public var exitPrice: Double
    public var shares: Double
    public var entryCommission: Double
    public var exitCommission: Double
    /// `shares·(exit − entry) − commissions`.
    public var pnl: Double
    /// Percent, net of both commissions: `100·[(exit/entry − 1) − commissions/(shares·entry)]`.
    public var returnPct: Double

    public var commission: Double { entryCommission + exitCommission }

    /// A closed trade's P&L and return (%) from its prices, shares and commissions, in the engine's order of
    /// operations: the one home of the formula, used by `Backtester` at each exit and by the result codec
    /// (which stores the two only when they differ from this in any bit).
    @inlinable
    public static func outcome(
        entryPrice: Double, exitPrice: Double, shares: Double, entryCommission: Double, exitCommission: Double
    ) -> (pnl: Double, returnPct: Double) {
        let total = entryCommission + exitCommission
        return (
            shares * (exitPrice - entryPrice) - total,
            100 * ((exitPrice / entryPrice - 1) - total / (shares * entryPrice))
        )
    }

    public init(
        entryBar: Int, exitBar: Int, entryDate: SessionDate, exitDate: SessionDate, entryPrice: Double,
        exitPrice: Double, shares: Double, entryCommission: Double, exitCommission: Double, pnl: Double,
        returnPct: Double
    ) {
        self.entryBar = entryBar
        self.exitBar = exitBar
        self.entryDate = entryDate
        self.exitDate = exitDate
        self.entryPrice = entryPrice
        self.exitPrice = exitPrice
        self.shares = shares
        self.entryCommission = entryCommission
        self.exitCommission = exitCommission
        self.pnl = pnl
        self.returnPct = returnPct
    }
}

/// A position left open at the end of the data (SEMANTICS.md §5 case 3, or when not finalizing).
public struct OpenPosition: Sendable, Equatable, Codable {
    public var entryBar: Int
    public var entryDate: SessionDate
    public var entryPrice: Double
    public var shares: Double
    public var entryCommission: Double

    public init(entryBar: Int, entryDate: SessionDate, entryPrice: Double, shares: Double, entryCommission: Double) {
        self.entryBar = entryBar
        self.entryDate = entryDate
        self.entryPrice = entryPrice
        self.shares = shares
        self.entryCommission = entryCommission
    }
}
