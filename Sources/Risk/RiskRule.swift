import Foundation

/// The risk rules a spec can list.
public enum RiskRuleKind: String, Sendable, Codable, CaseIterable {
    /// |position value after the order| ≤ limit % of equity. Limit unit: percent (`limit_pct`).
    case maxPositionSize = "max_position_size"
    /// Loss since the last close ≤ limit % of the last close's equity. Limit unit: percent (`limit_pct`).
    case maxDailyLoss = "max_daily_loss"
    /// Equity below its peak ≤ limit % of the peak. Limit unit: percent (`limit_pct`).
    case maxDrawdown = "max_drawdown"
    /// Open positions after the order ≤ limit. Limit unit: count (`max`).
    case positionLimit = "position_limit"
    /// Gross exposure ÷ equity after the order ≤ limit. Limit unit: ratio (`max`, 1.5 = 150 %).
    case maxLeverage = "max_leverage"

    /// True for rules that measure the whole account (daily loss, drawdown, leverage): their
    /// `close_position` closes every open position, not only the order's symbol.
    public var isAccountLevel: Bool {
        switch self {
        case .maxDailyLoss, .maxDrawdown, .maxLeverage: return true
        case .maxPositionSize, .positionLimit: return false
        }
    }

    /// The stable code verdicts carry.
    public var code: String {
        switch self {
        case .maxPositionSize: return "MAX_POSITION_SIZE"
        case .maxDailyLoss: return "MAX_DAILY_LOSS"
        case .maxDrawdown: return "MAX_DRAWDOWN"
        case .positionLimit: return "POSITION_LIMIT"
        case .maxLeverage: return "MAX_LEVERAGE"
        }
    }

    /// Names of the measured value and the limit in a verdict's text.
    public var valueKey: String {
        switch self {
        case .maxPositionSize: return "value_pct"
        case .maxDailyLoss: return "loss_pct"
        case .maxDrawdown: return "drawdown_pct"
        case .positionLimit: return "positions"
        case .maxLeverage: return "leverage"
        }
    }

    public var limitKey: String {
        switch self {
        case .maxPositionSize, .maxDailyLoss, .maxDrawdown: return "limit_pct"
        case .positionLimit, .maxLeverage: return "max"
        }
    }
}

/// What happens to an order that breaks a rule.
public enum RiskAction: String, Sendable, Codable, CaseIterable {
    /// Do not submit the order.
    case block
    /// Submit it and notify at high priority.
    case alert
    /// Submit the largest whole-share size that passes (none passes → blocked).
    case reduceSize = "reduce_size"
    /// Close the positions the rule names: the symbol's whole position for a symbol rule (nothing held →
    /// blocked), every open position for an account rule (the breaching order itself is blocked).
    case closePosition = "close_position"
}

/// One `risk.rules` item.
public struct RiskRule: Sendable, Equatable, Codable {
    public var kind: RiskRuleKind
    /// The limit, in the unit `kind` documents (percent, count or ratio).
    public var limit: Double
    public var action: RiskAction

    public init(kind: RiskRuleKind, limit: Double, action: RiskAction) {
        self.kind = kind
        self.limit = limit
        self.action = action
    }
}

/// A rule's measurement of one order against one account snapshot.
public struct RiskMeasurement: Sendable, Equatable {
    /// The measured value, in the rule's unit.
    public var value: Double
    public var passes: Bool

    public init(value: Double, passes: Bool) {
        self.value = value
        self.passes = passes
    }
}

extension RiskRule {
    /// Measures `order` against `account` (the account before the order). Pure.
    ///
    /// Orders that reduce exposure (`PlannedOrder.reducesExposure`) always pass. Rules that do not
    /// depend on the order's size (daily loss, drawdown) measure the account; with no previous close
    /// (daily loss) or a non-positive reference equity they pass with value 0.
    public func measure(_ order: PlannedOrder, account: AccountSnapshot) -> RiskMeasurement {
        let limitD = Money.exact(limit)
        let equity = account.equity
        switch kind {
        case .maxPositionSize:
            let value = Decimal(abs(order.sharesAfter)) * order.price
            let pct = equity > 0 ? Money.double(value * 100 / equity) : .infinity
            return result(pct, passes: equity > 0 && value * 100 <= limitD * equity, order)
        case .maxDailyLoss:
            guard let last = account.lastEquity, last > 0 else { return RiskMeasurement(value: 0, passes: true) }
            let loss = last - equity
            return result(Money.double(loss * 100 / last), passes: loss * 100 <= limitD * last, order)
        case .maxDrawdown:
            let peak = account.peakEquity
            guard peak > 0 else { return RiskMeasurement(value: 0, passes: true) }
            let dd = peak - equity
            return result(Money.double(dd * 100 / peak), passes: dd * 100 <= limitD * peak, order)
        case .positionLimit:
            let opens = order.currentShares == 0 && order.sharesAfter != 0
            let count = account.openPositionCount + (opens ? 1 : 0)
            return result(Double(count), passes: !opens || Decimal(count) <= limitD, order)
        case .maxLeverage:
            let gross = grossAfter(order, account)
            let lev = equity > 0 ? Money.double(gross / equity) : .infinity
            return result(lev, passes: equity > 0 && gross <= limitD * equity, order)
        }
    }

    /// The largest whole number of shares (0…order.shares) for which `order` passes this rule.
    public func largestPassingShares(_ order: PlannedOrder, account: AccountSnapshot) -> Int {
        if measure(order, account: account).passes { return order.shares }
        let limitD = Money.exact(limit)
        let maxAbs: Int
        switch kind {
        case .maxDailyLoss, .maxDrawdown, .positionLimit:
            return 0  // no size passes: the breach does not depend on the order's size
        case .maxPositionSize:
            maxAbs = Money.floorInt(limitD * account.equity / 100 / order.price)
        case .maxLeverage:
            let others = account.grossExposure - abs(account.position(order.symbol)?.marketValue ?? 0)
            maxAbs = Money.floorInt((limitD * account.equity - others) / order.price)
        }
        let n = order.side == .buy ? maxAbs - order.currentShares : order.currentShares + maxAbs
        return min(order.shares, max(0, n))
    }

    private func result(_ value: Double, passes: Bool, _ order: PlannedOrder) -> RiskMeasurement {
        RiskMeasurement(value: value, passes: passes || order.reducesExposure)
    }

    private func grossAfter(_ order: PlannedOrder, _ account: AccountSnapshot) -> Decimal {
        let others = account.grossExposure - abs(account.position(order.symbol)?.marketValue ?? 0)
        return others + Decimal(abs(order.sharesAfter)) * order.price
    }
}
