import Foundation
import Market

/// Performance statistics of one backtest. Definitions and formulas: `docs/metrics.md`.
///
/// Percentages are in percent (12.5 = 12.5 %). Drawdowns are positive magnitudes. A statistic that
/// is undefined (Sharpe of a flat curve, profit factor without losing trades) is `nil`.
public struct Metrics: Sendable, Equatable, Codable {
    public var totalReturnPct: Double
    public var cagrPct: Double
    public var volatilityPct: Double
    public var sharpe: Double?
    public var maxDrawdownPct: Double
    public var winRatePct: Double
    public var trades: Int
    public var profitFactor: Double?
    public var exposurePct: Double
    public var finalEquity: Double

    public init(
        totalReturnPct: Double, cagrPct: Double, volatilityPct: Double, sharpe: Double?, maxDrawdownPct: Double,
        winRatePct: Double, trades: Int, profitFactor: Double?, exposurePct: Double, finalEquity: Double
    ) {
        self.totalReturnPct = totalReturnPct
        self.cagrPct = cagrPct
        self.volatilityPct = volatilityPct
        self.sharpe = sharpe
        self.maxDrawdownPct = maxDrawdownPct
        self.winRatePct = winRatePct
        self.trades = trades
        self.profitFactor = profitFactor
        self.exposurePct = exposurePct
        self.finalEquity = finalEquity
    }

    /// Computes every metric from the equity curve and the closed trades.
    public static func compute(
        dates: [SessionDate], close: [Double], equity: [Double], trades: [Trade], openPosition: OpenPosition?,
        warmup: Int, conventions: Conventions
    ) -> Metrics {
        let n = equity.count
        guard n > 0 else {
            return Metrics(
                totalReturnPct: 0, cagrPct: 0, volatilityPct: 0, sharpe: nil, maxDrawdownPct: 0, winRatePct: 0,
                trades: 0, profitFactor: nil, exposurePct: 0, finalEquity: 0)
        }
        let e0 = equity[0]
        let eN = equity[n - 1]
        let totalReturn = (eN - e0) / e0 * 100

        // CAGR over calendar time, as backtesting.py: years = calendar days / 365.25.
        var cagr = 0.0
        if n > 1 {
            let days = Double(dates[n - 1].daysSinceEpoch - dates[0].daysSinceEpoch)
            if days > 0 && eN > 0 { cagr = (pow(eN / e0, 365.25 / days) - 1) * 100 }
        }

        // Daily simple returns over all bars (empyrical: equity.pct_change()).
        var returns = [Double]()
        returns.reserveCapacity(max(0, n - 1))
        for t in 1..<max(1, n) { returns.append(equity[t] / equity[t - 1] - 1) }
        let a = conventions.annualization
        let rfPerPeriod = conventions.riskFreeRate / a
        var volatility = 0.0
        var sharpe: Double?
        if returns.count >= 2 {
            let mean = Statistics.mean(returns)
            let sd = Statistics.sampleStandardDeviation(returns)
            volatility = sd * a.squareRoot() * 100
            if sd > 0 { sharpe = (mean - rfPerPeriod) / sd * a.squareRoot() }
        }

        // Maximum drawdown on the equity curve, positive percent.
        var peak = -Double.infinity
        var maxDD = 0.0
        for v in equity {
            if v > peak { peak = v }
            let dd = 1 - v / peak
            if dd > maxDD { maxDD = dd }
        }

        let wins = trades.filter { $0.pnl > 0 }.count
        let winRate = trades.isEmpty ? 0 : Double(wins) / Double(trades.count) * 100

        // Profit factor on trade returns, as backtesting.py: Σ positive return% / |Σ negative return%|.
        var gains = 0.0
        var losses = 0.0
        for t in trades {
            if t.returnPct > 0 { gains += t.returnPct } else if t.returnPct < 0 { losses -= t.returnPct }
        }
        let profitFactor: Double? = losses > 0 ? gains / losses : nil

        // Exposure: bars from each trade's entry bar to its exit bar inclusive, over all bars.
        var inMarket = [Bool](repeating: false, count: n)
        for t in trades { for b in t.entryBar...t.exitBar { inMarket[b] = true } }
        if let p = openPosition { for b in p.entryBar..<n { inMarket[b] = true } }
        let exposure = Double(inMarket.filter { $0 }.count) / Double(n) * 100

        return Metrics(
            totalReturnPct: totalReturn, cagrPct: cagr, volatilityPct: volatility, sharpe: sharpe,
            maxDrawdownPct: maxDD * 100, winRatePct: winRate, trades: trades.count, profitFactor: profitFactor,
            exposurePct: exposure, finalEquity: eN)
    }
}

/// Summation helpers that follow numpy's left-to-right order for short arrays.
public enum Statistics {
    public static func mean(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return .nan }
        var s = 0.0
        for v in x { s += v }
        return s / Double(x.count)
    }

    /// Standard deviation with ddof = 1.
    public static func sampleStandardDeviation(_ x: [Double]) -> Double {
        guard x.count >= 2 else { return .nan }
        let m = mean(x)
        var s = 0.0
        for v in x { s += (v - m) * (v - m) }
        return (s / Double(x.count - 1)).squareRoot()
    }
}
