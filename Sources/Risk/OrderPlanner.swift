import Foundation

/// What the best strategy says a symbol should hold after the last bar.
public enum TargetDirection: String, Sendable, Codable {
    /// Hold a long position sized by the spec's `sizing`.
    case long
    /// Hold nothing.
    case flat
}

/// A symbol's target position and the strategy that chose it.
public struct PositionTarget: Sendable, Equatable, Codable {
    public var symbol: String
    /// Display name of the strategy (e.g. `sma_crossover(fast=10;slow=20)`).
    public var strategy: String
    public var direction: TargetDirection

    public init(symbol: String, strategy: String, direction: TargetDirection) {
        self.symbol = symbol
        self.strategy = strategy
        self.direction = direction
    }
}

/// One scored strategy of one symbol, as the ranking stage produced it.
public struct StrategyCandidate: Sendable, Equatable, Codable {
    public var symbol: String
    public var strategy: String
    public var score: Double
    /// True when the strategy holds a long position on the last bar.
    public var longOnLastBar: Bool

    public init(symbol: String, strategy: String, score: Double, longOnLastBar: Bool) {
        self.symbol = symbol
        self.strategy = strategy
        self.score = score
        self.longOnLastBar = longOnLastBar
    }
}

public enum TargetSelector {
    /// For each allowed symbol, the best candidate (highest score; ties → strategy name ascending) whose
    /// score is ≥ `minScore` gives the target. A symbol with no such candidate gets no target: its
    /// position, if any, is left alone. `symbols` empty = every symbol that has candidates.
    /// Result sorted by symbol.
    public static func targets(candidates: [StrategyCandidate], minScore: Double, symbols: [String]) -> [PositionTarget]
    {
        let allowed = Set(symbols)
        var best: [String: StrategyCandidate] = [:]
        for c in candidates where (allowed.isEmpty || allowed.contains(c.symbol)) && c.score >= minScore {
            if let b = best[c.symbol], b.score > c.score || (b.score == c.score && b.strategy <= c.strategy) {
                continue
            }
            best[c.symbol] = c
        }
        return best.keys.sorted().map { s in
            let c = best[s]!
            return PositionTarget(symbol: s, strategy: c.strategy, direction: c.longOnLastBar ? .long : .flat)
        }
    }
}

/// An order the planner wants: whole shares at a reference price (the latest quote).
public struct PlannedOrder: Sendable, Equatable, Codable {
    public var symbol: String
    public var strategy: String
    public var side: OrderSide
    /// Whole shares, > 0.
    public var shares: Int
    /// The reference (latest) price used for sizing and risk.
    public var price: Decimal
    /// Shares held before the order.
    public var currentShares: Int

    public init(symbol: String, strategy: String, side: OrderSide, shares: Int, price: Decimal, currentShares: Int) {
        self.symbol = symbol
        self.strategy = strategy
        self.side = side
        self.shares = shares
        self.price = price
        self.currentShares = currentShares
    }

    /// +shares for a buy, −shares for a sell.
    public var signedShares: Int { side == .buy ? shares : -shares }
    /// Shares held after the order fills.
    public var sharesAfter: Int { currentShares + signedShares }
    /// shares × price.
    public var value: Decimal { Decimal(shares) * price }
    /// True when the order shrinks the position without flipping it (a sell of part or all of a long,
    /// a buy covering part or all of a short). Risk rules never stop such an order.
    public var reducesExposure: Bool {
        let after = sharesAfter
        if currentShares > 0 { return after >= 0 && after < currentShares }
        if currentShares < 0 { return after <= 0 && after > currentShares }
        return false
    }
}

/// Why an order could not be planned.
public enum PlanningError: Error, Equatable, CustomStringConvertible {
    case missingQuote(symbol: String)
    case nonPositivePrice(symbol: String, price: Decimal)

    public var description: String {
        switch self {
        case .missingQuote(let s):
            return "no latest price for \(s): the broker returned no quote and no last close was given; "
                + "check the symbol or drop it from execute.symbols"
        case .nonPositivePrice(let s, let p):
            return "latest price for \(s) is \(p), which cannot size an order; check the quote source"
        }
    }
}

public enum OrderPlanner {
    /// Turns targets into orders: target shares − current shares.
    ///
    /// - long, no position: buy `floor(slice ÷ price)` shares, slice = equity × percent ÷ 100
    ///   (`auto`: equity ÷ number of targets). Zero shares → no order.
    /// - long, already long: no order (positions are not rebalanced, so a rerun on the same night
    ///   sends nothing even if equity moved by a commission).
    /// - long, short: buy to cover plus the sized long.
    /// - flat: sell everything (buy to cover a short); nothing held → no order.
    ///
    /// Orders come out sorted by symbol. A quote is needed only for symbols that get an order.
    ///
    /// `costs` are taken out of the slice before sizing (shares = ⌊(slice − per order) ÷ (price × (1 +
    /// fraction) + per share)⌋), so one symbol sized at 100 % of equity still fits its cash once slippage and commission
    /// are paid.
    public static func plan(
        targets: [PositionTarget], account: AccountSnapshot, quotes: [String: Decimal], sizing: ExecutionSizing,
        costs: OrderCosts = .zero
    ) throws(PlanningError) -> [PlannedOrder] {
        var orders: [PlannedOrder] = []
        let slicePercent: Decimal
        switch sizing {
        case .auto: slicePercent = targets.isEmpty ? 0 : Decimal(100) / Decimal(targets.count)
        case .percentOfEquity(let p): slicePercent = Money.exact(p)
        }
        for t in targets.sorted(by: { $0.symbol < $1.symbol }) {
            let held = account.shares(of: t.symbol)
            let wanted: Int
            switch t.direction {
            case .flat:
                wanted = 0
            case .long:
                if held > 0 { continue }
                let price = try price(t.symbol, quotes)
                let slice = account.equity * slicePercent / 100 - costs.perOrder
                wanted = max(0, Money.floorInt(slice / (price * (1 + costs.fraction) + costs.perShare)))
            }
            let delta = wanted - held
            if delta == 0 { continue }
            let price = try price(t.symbol, quotes)
            orders.append(
                PlannedOrder(
                    symbol: t.symbol, strategy: t.strategy, side: delta > 0 ? .buy : .sell, shares: abs(delta),
                    price: price, currentShares: held))
        }
        return orders
    }

    private static func price(_ symbol: String, _ quotes: [String: Decimal]) throws(PlanningError) -> Decimal {
        guard let p = quotes[symbol] else { throw .missingQuote(symbol: symbol) }
        guard p > 0 else { throw .nonPositivePrice(symbol: symbol, price: p) }
        return p
    }
}
