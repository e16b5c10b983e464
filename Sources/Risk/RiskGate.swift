import Foundation

/// A typed record of one rule breach: stable code, measured value, limit, and what was done.
public struct RiskVerdict: Sendable, Equatable, Codable, CustomStringConvertible {
    /// What the action did to the order.
    public enum Resolution: Sendable, Equatable, Codable {
        case blocked
        case alerted
        /// Shares reduced from → to (to > 0).
        case reduced(from: Int, to: Int)
        /// Replaced by an order closing `shares` held shares.
        case closed(shares: Int)
        /// An account-level rule (`max_daily_loss`, `max_drawdown`, `max_leverage`) breached with
        /// `close_position`: the order is not sent; every open position is closed instead.
        case closedAll(positions: Int)
        /// `close_position` with nothing held: blocked.
        case nothingToClose
        /// `reduce_size` found no passing size: blocked.
        case reducedToZero
    }

    public var kind: RiskRuleKind
    public var symbol: String
    /// Measured value in the rule's unit (percent, count or ratio).
    public var value: Double
    public var limit: Double
    public var action: RiskAction
    public var resolution: Resolution

    public init(
        kind: RiskRuleKind, symbol: String, value: Double, limit: Double, action: RiskAction, resolution: Resolution
    ) {
        self.kind = kind
        self.symbol = symbol
        self.value = value
        self.limit = limit
        self.action = action
        self.resolution = resolution
    }

    public var code: String { kind.code }

    /// `MAX_POSITION_SIZE: symbol=TSLA, value_pct=18.0, limit_pct=10.0`.
    public var description: String {
        "\(code): symbol=\(symbol), \(kind.valueKey)=\(Self.format(value, kind)), "
            + "\(kind.limitKey)=\(Self.format(limit, kind))"
    }

    /// `description` plus the action and its effect, e.g. `… [reduce_size: 120->55]`.
    public var detail: String {
        let effect: String
        switch resolution {
        case .blocked: effect = "blocked"
        case .alerted: effect = "submitted"
        case .reduced(let a, let b): effect = "\(a) -> \(b)"
        case .closed(let n): effect = "close \(n)"
        case .closedAll(let n): effect = n == 0 ? "nothing to close, blocked" : "blocked, closing \(n) position(s)"
        case .nothingToClose: effect = "nothing to close, blocked"
        case .reducedToZero: effect = "no size passes, blocked"
        }
        return "\(description) [\(action.rawValue): \(effect)]"
    }

    /// Counts print as integers; percents and ratios with one or two decimals (`18.0`, `12.35`).
    static func format(_ v: Double, _ kind: RiskRuleKind) -> String {
        guard v.isFinite else { return v > 0 ? "inf" : "-inf" }
        if kind == .positionLimit && v == v.rounded() { return String(Int(v)) }
        var s = String(format: "%.2f", (v * 100).rounded() / 100)
        if s.hasSuffix("0") { s.removeLast() }
        return s == "-0.0" ? "0.0" : s
    }
}

/// The gate's decision for one planned order.
public struct RiskDecision: Sendable, Equatable, Codable {
    public enum Disposition: String, Sendable, Codable {
        case submit, block
    }

    /// The order as planned.
    public var requested: PlannedOrder
    /// The order to submit (reduced or replaced by a closing order); equals `requested` when blocked.
    public var order: PlannedOrder
    public var disposition: Disposition
    /// Breaches, in rule order (empty when every rule passed).
    public var verdicts: [RiskVerdict]

    public init(requested: PlannedOrder, order: PlannedOrder, disposition: Disposition, verdicts: [RiskVerdict]) {
        self.requested = requested
        self.order = order
        self.disposition = disposition
        self.verdicts = verdicts
    }

    /// True when an `alert` rule fired (submit and notify at high priority).
    public var isAlert: Bool { verdicts.contains { $0.action == .alert } }
}

/// Runs every rule over every order. Pure.
public struct RiskGate: Sendable, Equatable {
    public var rules: [RiskRule]

    public init(rules: [RiskRule]) { self.rules = rules }

    /// Evaluates `orders` sorted by (symbol, side). Each order meets the rules in list order:
    /// `block` stops it; `alert` records and goes on; `reduce_size` shrinks it to the largest passing
    /// size (later rules see the smaller order; none passes → blocked); `close_position` closes the
    /// positions the rule names and stops: for a symbol rule (`max_position_size`, `position_limit`) the
    /// order is replaced by one closing that symbol's whole position (nothing held → blocked); for an
    /// account rule (`max_daily_loss`, `max_drawdown`, `max_leverage`) the order is blocked and one
    /// closing order per open position is added, each carrying the verdict of the rule that caused it
    /// (later planned orders of a closed symbol are dropped: the closing order replaces them). After
    /// each order that will be submitted the hypothetical account is updated
    /// (`AccountSnapshot.applying`), so `position_limit` and `max_leverage` count earlier orders of the
    /// same run.
    public func evaluate(_ orders: [PlannedOrder], account: AccountSnapshot) -> [RiskDecision] {
        var acct = account
        var out: [RiskDecision] = []
        var closedSymbols = Set<String>()
        let sorted = orders.sorted { ($0.symbol, $0.side) < ($1.symbol, $1.side) }
        for requested in sorted where !closedSymbols.contains(requested.symbol) {
            var order = requested
            var verdicts: [RiskVerdict] = []
            var disposition = RiskDecision.Disposition.submit
            var closings: [RiskDecision] = []
            rules: for rule in rules {
                let m = rule.measure(order, account: acct)
                if m.passes { continue }
                func verdict(_ r: RiskVerdict.Resolution, symbol: String? = nil) -> RiskVerdict {
                    RiskVerdict(
                        kind: rule.kind, symbol: symbol ?? order.symbol, value: m.value, limit: rule.limit,
                        action: rule.action, resolution: r)
                }
                switch rule.action {
                case .block:
                    verdicts.append(verdict(.blocked))
                    disposition = .block
                    break rules
                case .alert:
                    verdicts.append(verdict(.alerted))
                case .reduceSize:
                    let n = rule.largestPassingShares(order, account: acct)
                    if n <= 0 {
                        verdicts.append(verdict(.reducedToZero))
                        disposition = .block
                        break rules
                    }
                    verdicts.append(verdict(.reduced(from: order.shares, to: n)))
                    order.shares = n
                case .closePosition where rule.kind.isAccountLevel:
                    let open = acct.positions
                    verdicts.append(verdict(.closedAll(positions: open.count)))
                    disposition = .block
                    for p in open {
                        let close = PlannedOrder(
                            symbol: p.symbol, strategy: "close_position (\(rule.kind.code))",
                            side: p.shares > 0 ? .sell : .buy, shares: abs(p.shares),
                            price: p.symbol == order.symbol ? order.price : p.price, currentShares: p.shares)
                        closings.append(
                            RiskDecision(
                                requested: close, order: close, disposition: .submit,
                                verdicts: [verdict(.closed(shares: abs(p.shares)), symbol: p.symbol)]))
                    }
                    break rules
                case .closePosition:
                    let held = acct.shares(of: order.symbol)
                    if held == 0 {
                        verdicts.append(verdict(.nothingToClose))
                        disposition = .block
                        break rules
                    }
                    verdicts.append(verdict(.closed(shares: abs(held))))
                    order = PlannedOrder(
                        symbol: order.symbol, strategy: order.strategy, side: held > 0 ? .sell : .buy,
                        shares: abs(held), price: order.price, currentShares: held)
                    break rules
                }
            }
            if disposition == .submit { acct = acct.applying(order) }
            out.append(
                RiskDecision(
                    requested: requested, order: disposition == .submit ? order : requested,
                    disposition: disposition, verdicts: verdicts))
            for c in closings {
                acct = acct.applying(c.order)
                closedSymbols.insert(c.order.symbol)
                out.append(c)
            }
        }
        return out
    }
}
