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

    public init(
        trades: [Trade], openPosition: OpenPosition?, equity: [Double], position: [Double], firstDecisionBar: Int,
        metrics: Metrics
    ) {
        self.trades = trades
        self.openPosition = openPosition
        self.equity = equity
        self.position = position
        self.firstDecisionBar = firstDecisionBar
        self.metrics = metrics
    }
}

/// The raw outcome of the bar loop, before metrics.
public struct Simulation: Sendable, Equatable {
    public var trades: [Trade]
    public var openPosition: OpenPosition?
    public var equity: [Double]
    public var position: [Double]
    public var firstDecisionBar: Int
}

/// The bar-by-bar simulator (SEMANTICS.md §1–5): decide on bar t's close, fill at bar t+1's open.
///
/// Cash bookkeeping follows backtesting.py's float order exactly (§4), so equity curves agree with it
/// bit for bit: opening a position does not debit `shares·price` from cash; equity adds the open P&L.
/// The loop allocates nothing per bar and calls no protocol method: it walks contiguous arrays.
public enum Backtester {
    /// Simulates and computes every metric.
    public static func run(series: BarSeries, signals: Signals, config: BacktestConfig) -> BacktestResult {
        let sim = simulate(series: series, signals: signals, config: config)
        let metrics = Metrics.compute(
            dates: series.dates, close: series.close, equity: sim.equity, trades: sim.trades,
            openPosition: sim.openPosition, warmup: signals.warmup, conventions: config.conventions)
        return BacktestResult(
            trades: sim.trades, openPosition: sim.openPosition, equity: sim.equity, position: sim.position,
            firstDecisionBar: sim.firstDecisionBar, metrics: metrics)
    }

    /// The bar loop alone (trades, open position, equity and position curves).
    ///
    /// `atr` is the ATR the `.volatilityTarget` sizing rule reads; when nil and the rule needs one, it is
    /// computed from `series` (pass `IndicatorCache.atr(_:)` to share it across a grid).
    public static func simulate(
        series: BarSeries, signals: Signals, config: BacktestConfig, atr: [Double]? = nil
    ) -> Simulation {
        let n = series.count
        let conv = config.conventions
        let start = max(0, signals.warmup + conv.firstDecisionOffset)
        guard n > 0, start < n else {
            return Simulation(
                trades: [], openPosition: nil, equity: [Double](repeating: config.initialCash, count: n),
                position: [Double](repeating: 0, count: n), firstDecisionBar: n)
        }
        precondition(signals.entry.count >= n && signals.exit.count >= n, "signals must cover every bar")
        var equity = [Double](repeating: .nan, count: n)
        var position = [Double](repeating: 0, count: n)
        var trades: [Trade] = []
        let fillPrices = conv.fillPrice == .nextOpen ? series.open : series.close
        let close = series.close
        let dates = series.dates
        let atrValues: [Double] =
            if let p = config.sizing.atrPeriod {
                atr ?? Indicators.atr(high: series.high, low: series.low, close: series.close, p)
            } else { [] }
        let slip = config.slippageBps / 10_000
        let entryModel = conv.commissionLegs.onEntry ? config.commission : .zero
        let exitModel = conv.commissionLegs.onExit ? config.commission : .zero
        let sizing = config.sizing
        let fractional = conv.fractionalShares
        let annualization = conv.annualization
        let minUnits = fractional ? 0.0 : 1.0

        var cash = config.initialCash
        var shares = 0.0
        var entryPrice = 0.0
        var entryBar = 0
        var entryCommission = 0.0
        var pending: Int8 = 0  // 1 buy, -1 sell
        var decisionBar = 0

        @inline(__always) func buy(_ i: Int) {
            let price = fillPrices[i] * (1 + slip)
            let units = Sizing.units(
                cash: cash, price: price, rule: sizing, commission: entryModel, fractional: fractional,
                atr: atrValues.isEmpty ? .nan : atrValues[decisionBar], annualization: annualization)
            guard units >= minUnits && units > 0 else { return }  // too small: cancelled, decided again later
            shares = units
            entryPrice = price
            entryBar = i
            entryCommission = entryModel.commission(shares: units, price: price)
            cash -= entryCommission
        }
        @inline(__always) func sell(_ i: Int) {
            let price = fillPrices[i] * (1 - slip)
            let exitCommission = exitModel.commission(shares: shares, price: price)
            cash += shares * (price - entryPrice) - exitCommission
            let (pnl, returnPct) = Trade.outcome(
                entryPrice: entryPrice, exitPrice: price, shares: shares, entryCommission: entryCommission,
                exitCommission: exitCommission)
            trades.append(
                Trade(
                    entryBar: entryBar, exitBar: i, entryDate: dates[entryBar], exitDate: dates[i],
                    entryPrice: entryPrice, exitPrice: price, shares: shares, entryCommission: entryCommission,
                    exitCommission: exitCommission, pnl: pnl, returnPct: returnPct))
            shares = 0
            entryPrice = 0
            entryCommission = 0
        }

        // A rule reading bars_held decides exits from its precomputed truth table (nil for the built-ins).
        let hold = signals.holdExit
        signals.entry.withUnsafeBufferPointer { entry in
            signals.exit.withUnsafeBufferPointer { exit in
                close.withUnsafeBufferPointer { c in
                    equity.withUnsafeMutableBufferPointer { eq in
                        position.withUnsafeMutableBufferPointer { pos in
                            for i in start..<n {
                                if pending != 0 {
                                    if pending == 1 && shares == 0 {
                                        buy(i)
                                    } else if pending == -1 && shares > 0 {
                                        sell(i)
                                    }
                                    pending = 0
                                }
                                eq[i] = cash + (c[i] * shares - shares * entryPrice)
                                pos[i] = shares
                                if shares == 0 {
                                    if entry[i] {
                                        pending = 1
                                        decisionBar = i
                                    }
                                } else if hold == nil ? exit[i] : hold!.fires(at: i, held: i - entryBar) {
                                    pending = -1
                                }
                            }
                        }
                    }
                }
            }
        }
        let last = n - 1
        if conv.endOfData == .closeAtLastBar {
            if shares > 0 { sell(last) }
            if pending == 1 && shares == 0 { buy(last) }
            equity[last] = cash + (close[last] * shares - shares * entryPrice)
            position[last] = shares
        }
        var openPosition: OpenPosition?
        if shares > 0 {
            openPosition = OpenPosition(
                entryBar: entryBar, entryDate: dates[entryBar], entryPrice: entryPrice, shares: shares,
                entryCommission: entryCommission)
        }
        let first = equity[start]
        for i in 0..<start { equity[i] = first }
        return Simulation(
            trades: trades, openPosition: openPosition, equity: equity, position: position, firstDecisionBar: start)
    }
}
