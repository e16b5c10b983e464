import Foundation
import Market
import Strategies

/// The output of one backtest: trades, the equity curve (one point per bar), metrics.
public struct BacktestResult: Sendable, Equatable {
    public var trades: [Trade]
    public var openPosition: OpenPosition?
    /// Equity after each bar's close; bars before the first decision carry the initial cash.
    public var equity: [Double]
    /// Shares held after each bar.
    public var position: [Double]
    /// The first bar on which the strategy decided.
    public var firstDecisionBar: Int
    public var metrics: Metrics
}

/// The bar-by-bar simulator (SEMANTICS.md §1–5): decide on bar t's close, fill at bar t+1's open.
///
/// Cash bookkeeping follows backtesting.py's float order exactly (§4), so equity curves agree with it
/// bit for bit: opening a position does not debit `shares·price` from cash; equity adds the open P&L.
public enum Backtester {
    public static func run(series: BarSeries, signals: Signals, config: BacktestConfig) -> BacktestResult {
        let n = series.count
        var equity = [Double](repeating: .nan, count: n)
        var position = [Double](repeating: 0, count: n)
        var trades: [Trade] = []
        let start = signals.warmup + config.conventions.firstDecisionOffset
        guard n > 0, start < n else {
            let flat = [Double](repeating: config.initialCash, count: n)
            return BacktestResult(
                trades: [], openPosition: nil, equity: flat, position: position, firstDecisionBar: n,
                metrics: Metrics.compute(
                    dates: series.dates, close: series.close, equity: flat, trades: [], openPosition: nil,
                    warmup: signals.warmup, conventions: config.conventions))
        }
        let open = series.open
        let close = series.close
        let slip = config.slippageBps / 10_000
        var cash = config.initialCash
        var shares = 0.0
        var entryPrice = 0.0
        var entryBar = 0
        var entryCommission = 0.0
        var pending: Int8 = 0  // 1 buy, -1 sell

        func buy(_ i: Int) {
            let price = open[i] * (1 + slip)
            let units = Sizing.units(cash: cash, price: price, rule: config.sizing, commission: config.commission)
            guard units >= 1 else { return }  // too small: cancelled, the strategy decides again next bar
            shares = units
            entryPrice = price
            entryBar = i
            entryCommission = config.commission.commission(shares: units, price: price)
            cash -= entryCommission
        }
        func sell(_ i: Int) {
            let price = open[i] * (1 - slip)
            let exitCommission = config.commission.commission(shares: shares, price: price)
            cash += shares * (price - entryPrice) - exitCommission
            let total = entryCommission + exitCommission
            trades.append(
                Trade(
                    entryBar: entryBar, exitBar: i, entryDate: series.dates[entryBar], exitDate: series.dates[i],
                    entryPrice: entryPrice, exitPrice: price, shares: shares, entryCommission: entryCommission,
                    exitCommission: exitCommission, pnl: shares * (price - entryPrice) - total,
                    returnPct: 100 * ((price / entryPrice - 1) - total / (shares * entryPrice))))
            shares = 0
            entryPrice = 0
            entryCommission = 0
        }

        for i in start..<n {
            if pending == 1 && shares == 0 {
                buy(i)
            } else if pending == -1 && shares > 0 {
                sell(i)
            }
            pending = 0
            equity[i] = cash + (close[i] * shares - shares * entryPrice)
            position[i] = shares
            if signals.entry[i] && shares == 0 {
                pending = 1
            } else if signals.exit[i] && shares > 0 {
                pending = -1
            }
        }
        var openPosition: OpenPosition?
        let last = n - 1
        if config.conventions.finalizeAtLastOpen {
            if shares > 0 { sell(last) }
            if pending == 1 && shares == 0 { buy(last) }
            equity[last] = cash + (close[last] * shares - shares * entryPrice)
            position[last] = shares
        }
        if shares > 0 {
            openPosition = OpenPosition(
                entryBar: entryBar, entryDate: series.dates[entryBar], entryPrice: entryPrice, shares: shares,
                entryCommission: entryCommission)
        }
        for i in 0..<start { equity[i] = equity[start] }
        let metrics = Metrics.compute(
            dates: series.dates, close: close, equity: equity, trades: trades, openPosition: openPosition,
            warmup: signals.warmup, conventions: config.conventions)
        return BacktestResult(
            trades: trades, openPosition: openPosition, equity: equity, position: position, firstDecisionBar: start,
            metrics: metrics)
    }
}

/// Turning a sizing rule into whole shares.
public enum Sizing {
    /// backtesting.py's `1 − 2⁻⁵²`: `buy()` without a size asks for "almost all" available margin.
    static let almostAll = 1 - 0x1p-52

    /// Whole shares for an entry at `price` with `cash` available (SEMANTICS.md §3), rounded down.
    ///
    /// `denominator = price + (f·price·rate)/f` reserves the entry commission per share; the floor is
    /// Python's float `//` so quotients within 1e-15 of an integer round the way the reference does.
    public static func units(cash: Double, price: Double, rule: SizingRule, commission: CommissionModel) -> Double {
        guard price > 0, cash > 0 else { return 0 }
        switch rule {
        case .percentOfEquity(let pct):
            let f = pct >= 100 ? almostAll : pct / 100
            let perUnitCommission: Double
            switch commission {
            case .fraction(let rate): perUnitCommission = (0.0 + f * price * rate) / f
            }
            let denom = price * (1 + 0.0) + perUnitCommission
            return max(0, pythonFloorDivide(cash * 1.0 * f, denom))
        }
    }

    /// Python's `a // b` for floats (CPython `float_floor_div`): floor of the exact quotient.
    public static func pythonFloorDivide(_ a: Double, _ b: Double) -> Double {
        let mod = fmod(a, b)
        var div = (a - mod) / b
        if mod != 0 && ((b < 0) != (mod < 0)) { div -= 1 }
        if div == 0 { return 0 * (a / b) }
        var floordiv = div.rounded(.down)
        if div - floordiv > 0.5 { floordiv += 1 }
        return floordiv
    }
}
