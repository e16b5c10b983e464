import Foundation

/// Turning a sizing rule into a number of shares at a fill price.
public enum Sizing {
    /// backtesting.py's `1 − 2⁻⁵²`: `buy()` without a size asks for "almost all" available margin.
    static let almostAll = 1 - 0x1p-52

    /// Shares for an entry at `price` (the fill price, slippage included) with `cash` available.
    ///
    /// - `atr`: the ATR at the decision bar (only `.volatilityTarget` uses it; NaN → no entry).
    /// - `fractional`: fractional shares instead of whole shares rounded down.
    /// - `annualization`: periods per year, for `.volatilityTarget`.
    /// - `commission` must be the model charged on the entry leg (`.fraction(0)` if entries are free).
    ///
    /// Whole shares use Python's float `//` so quotients within 1e-15 of an integer round the way
    /// the reference does (SEMANTICS.md §3). Returns 0 when nothing is affordable (the order is cancelled).
    public static func units(
        cash: Double, price: Double, rule: SizingRule, commission: CommissionModel, fractional: Bool = false,
        atr: Double = .nan, annualization: Double = 252
    ) -> Double {
        guard price > 0, cash > 0 else { return 0 }
        let u: Double
        switch rule {
        case .percentOfEquity(let pct):
            if pct >= 100 {
                u = affordable(budget: cash, price: price, commission: commission, fraction: almostAll, fractional)
            } else {
                u = affordable(budget: cash, price: price, commission: commission, fraction: pct / 100, fractional)
            }
        case .fixedCash(let amount):
            u = affordable(budget: min(amount, cash), price: price, commission: commission, fraction: 1, fractional)
        case .fixedShares(let count):
            let cap = affordable(budget: cash, price: price, commission: commission, fraction: 1, fractional)
            u = min(fractional ? count : count.rounded(.down), cap)
        case .volatilityTarget(let targetPct, _, let maxPercent):
            guard atr > 0 else { return 0 }  // false for NaN too
            let wanted = targetPct / 100 * cash / (atr * annualization.squareRoot())
            let budget = min(wanted * price, maxPercent / 100 * cash, cash)
            u = affordable(budget: budget, price: price, commission: commission, fraction: 1, fractional)
        }
        return u > 0 ? u : 0
    }

    /// The most shares whose cost plus entry commission fits in `budget × fraction`.
    ///
    /// For `.fraction(rate)` this is backtesting.py's expression in its float order:
    /// `(budget·1.0·f) // (price·(1+0.0) + (0.0 + f·price·rate)/f)`.
    @inline(__always)
    static func affordable(
        budget: Double, price: Double, commission: CommissionModel, fraction f: Double, _ fractional: Bool
    ) -> Double {
        switch commission {
        case .fraction(let rate):
            let perUnit = (0.0 + f * price * rate) / f
            let denom = price * (1 + 0.0) + perUnit
            let a = budget * 1.0 * f
            return fractional ? a / denom : pythonFloorDivide(a, denom)
        case .perShare(let rate, let minimum):
            let a = budget * f
            var u = fractional ? a / (price + rate) : pythonFloorDivide(a, price + rate)
            if u * rate < minimum {
                // The minimum binds: the commission is `minimum`, whatever the size.
                let v = fractional ? (a - minimum) / price : pythonFloorDivide(a - minimum, price)
                u = min(u, v)
            }
            return u
        case .fixed(let amount):
            let a = budget * f - amount
            return fractional ? a / price : pythonFloorDivide(a, price)
        }
    }

    /// Python's `a // b` for floats (CPython `float_floor_div`): floor of the exact quotient.
    public static func pythonFloorDivide(_ a: Double, _ b: Double) -> Double {
        // Fast path: a quotient well away from an integer floors the same whichever way it is computed.
        let q = a / b
        if abs(q) < 0x1p52 {
            let f = q.rounded(.down)
            let frac = q - f
            if frac > 1e-6 && frac < 1 - 1e-6 { return f }
        }
        let mod = fmod(a, b)
        var div = (a - mod) / b
        if mod != 0 && ((b < 0) != (mod < 0)) { div -= 1 }
        if div == 0 { return 0 * (a / b) }
        var floordiv = div.rounded(.down)
        if div - floordiv > 0.5 { floordiv += 1 }
        return floordiv
    }
}
