import Foundation
import Market

/// backtesting.py's geometric ("compounded") annualisation of the day returns (SEMANTICS.md §6).
public struct GeometricRatios: Sendable, Equatable, Codable {
    /// `((1+g)^A − 1) × 100`, g the geometric mean day return.
    public var annualReturnPct: Double
    /// `sqrt((var(r) + (1+g)²)^A − (1+g)^(2A)) × 100`.
    public var volatilityPct: Double
    /// Annual return % / volatility % (nil when the volatility is 0).
    public var sharpe: Double?
    /// `((1+g)^A − 1) / (sqrt(mean(min(r,0)²)) × sqrt(A))`.
    public var sortino: Double?
    /// `((1+g)^A − 1) / max drawdown`.
    public var calmar: Double?

    public init(annualReturnPct: Double, volatilityPct: Double, sharpe: Double?, sortino: Double?, calmar: Double?) {
        self.annualReturnPct = annualReturnPct
        self.volatilityPct = volatilityPct
        self.sharpe = sharpe
        self.sortino = sortino
        self.calmar = calmar
    }

    public static let zero = GeometricRatios(
        annualReturnPct: 0, volatilityPct: 0, sharpe: nil, sortino: nil, calmar: nil)
}

/// Performance statistics of one backtest. Definitions and formulas: `docs/metrics.md`.
///
/// Percentages are in percent (12.5 = 12.5 %). Drawdowns are positive magnitudes. A statistic that
/// is undefined (Sharpe of a flat curve, profit factor without losing trades) is `nil`.
/// Ratios (`sharpe`, `sortino`, `calmar`, `volatilityPct`, `annualReturnPct`) follow empyrical;
/// backtesting.py's geometric variants are in `backtestingPy`.
public struct Metrics: Sendable, Equatable, Codable {
    /// `(E_end − E_0) / E_0 × 100`.
    public var totalReturnPct: Double
    /// `((E_end/E_0)^(1/years) − 1) × 100`, years = calendar days / 365.25.
    public var cagrPct: Double
    /// empyrical `annual_volatility`: sample std of day returns × √A × 100.
    public var volatilityPct: Double
    /// empyrical `sharpe_ratio`: mean / sample std of day returns (minus rf per period) × √A.
    public var sharpe: Double?
    /// Largest peak-to-trough fall of the equity curve over all bars, positive percent.
    public var maxDrawdownPct: Double
    /// Share of closed trades with pnl > 0 (0 without trades).
    public var winRatePct: Double
    /// Closed trades.
    public var trades: Int
    /// Σ positive trade return % / |Σ negative trade return %| (backtesting.py; nil without losers).
    public var profitFactor: Double?
    /// Bars from each closed trade's entry bar to its exit bar inclusive, over all bars × 100. A position
    /// left open counts from its entry bar to the end under `EndOfData.markToMarket` only (backtesting.py
    /// leaves the position of SEMANTICS.md §5 case 3 out).
    public var exposurePct: Double
    public var finalEquity: Double

    /// empyrical `annual_return`: `(Π(1+r))^(A/len(r)) − 1`, × 100.
    public var annualReturnPct: Double
    /// empyrical `sortino_ratio`: `mean(r)·A / (sqrt(mean(min(r,0)²))·√A)`.
    public var sortino: Double?
    /// empyrical `calmar_ratio`: annual return / |max drawdown of the day-return wealth curve|.
    public var calmar: Double?
    /// Mean over drawdown episodes of the episode's deepest drawdown, positive percent (backtesting.py).
    public var avgDrawdownPct: Double?
    /// Longest / mean drawdown episode, calendar days, rounded up to the bar resolution.
    public var maxDrawdownDurationDays: Double?
    public var avgDrawdownDurationDays: Double?
    /// Best / worst closed-trade return, percent.
    public var bestTradePct: Double?
    public var worstTradePct: Double?
    /// Geometric mean trade return `exp(mean(log(1+ret))) − 1`, × 100 (backtesting.py's Avg. Trade).
    public var avgTradePct: Double?
    /// Arithmetic mean trade return, percent.
    public var expectancyPct: Double?
    /// System Quality Number: `√trades · mean(pnl) / std(pnl, ddof 1)`.
    public var sqn: Double?
    /// Kelly criterion: `win − (1 − win) / (mean winning pnl / |mean losing pnl|)`.
    public var kellyCriterion: Double?
    /// Longest run of consecutive closed trades with pnl ≤ 0.
    public var maxConsecutiveLosses: Int
    /// Longest / mean closed-trade duration, calendar days, rounded up to the bar resolution.
    public var maxTradeDurationDays: Double?
    public var avgTradeDurationDays: Double?
    /// Buy & hold return of the same symbol over the same period: `(C_end − C_W) / C_W × 100`,
    /// W the warm-up bar (backtesting.py's "Buy & Hold Return").
    public var buyAndHoldReturnPct: Double
    /// `totalReturnPct − buyAndHoldReturnPct`.
    public var excessReturnPct: Double
    public var peakEquity: Double
    /// Σ commissions of closed trades (entry + exit).
    public var commissions: Double
    /// Calendar days from the first to the last bar.
    public var durationDays: Double
    /// backtesting.py's geometric annual return, volatility, Sharpe, Sortino, Calmar.
    public var backtestingPy: GeometricRatios
    /// Longest drawdown episode in bars (from its last bar at the peak to the bar that regains it, or to
    /// the last bar); nil without a drawdown.
    public var maxDrawdownDurationBars: Int?
    /// Against the symbol's buy & hold day returns `b` (0 before the warm-up bar, then close to close):
    /// `mean(r − b) / std(r − b, ddof 1) · √A`; nil when the difference is constant.
    public var informationRatio: Double?
    /// `cov(r, b) / var(b)` on the same day returns; nil when buy & hold is flat.
    public var beta: Double?

    public init(
        totalReturnPct: Double, cagrPct: Double, volatilityPct: Double, sharpe: Double?, maxDrawdownPct: Double,
        winRatePct: Double, trades: Int, profitFactor: Double?, exposurePct: Double, finalEquity: Double,
        annualReturnPct: Double = 0, sortino: Double? = nil, calmar: Double? = nil, avgDrawdownPct: Double? = nil,
        maxDrawdownDurationDays: Double? = nil, avgDrawdownDurationDays: Double? = nil, bestTradePct: Double? = nil,
        worstTradePct: Double? = nil, avgTradePct: Double? = nil, expectancyPct: Double? = nil, sqn: Double? = nil,
        kellyCriterion: Double? = nil, maxConsecutiveLosses: Int = 0, maxTradeDurationDays: Double? = nil,
        avgTradeDurationDays: Double? = nil, buyAndHoldReturnPct: Double = 0, excessReturnPct: Double = 0,
        peakEquity: Double = 0, commissions: Double = 0, durationDays: Double = 0,
        backtestingPy: GeometricRatios = .zero, maxDrawdownDurationBars: Int? = nil, informationRatio: Double? = nil,
        beta: Double? = nil
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
        self.annualReturnPct = annualReturnPct
        self.sortino = sortino
        self.calmar = calmar
        self.avgDrawdownPct = avgDrawdownPct
        self.maxDrawdownDurationDays = maxDrawdownDurationDays
        self.avgDrawdownDurationDays = avgDrawdownDurationDays
        self.bestTradePct = bestTradePct
        self.worstTradePct = worstTradePct
        self.avgTradePct = avgTradePct
        self.expectancyPct = expectancyPct
        self.sqn = sqn
        self.kellyCriterion = kellyCriterion
        self.maxConsecutiveLosses = maxConsecutiveLosses
        self.maxTradeDurationDays = maxTradeDurationDays
        self.avgTradeDurationDays = avgTradeDurationDays
        self.buyAndHoldReturnPct = buyAndHoldReturnPct
        self.excessReturnPct = excessReturnPct
        self.peakEquity = peakEquity
        self.commissions = commissions
        self.durationDays = durationDays
        self.backtestingPy = backtestingPy
        self.maxDrawdownDurationBars = maxDrawdownDurationBars
        self.informationRatio = informationRatio
        self.beta = beta
    }

    /// Computes every metric for daily (or coarser) bars keyed by session date.
    public static func compute(
        dates: [SessionDate], close: [Double], equity: [Double], trades: [Trade], openPosition: OpenPosition?,
        warmup: Int, conventions: Conventions
    ) -> Metrics {
        compute(
            timeline: MetricsTimeline(dates: dates), close: close, equity: equity, trades: trades,
            openPosition: openPosition, warmup: warmup, conventions: conventions)
    }

    /// Computes every metric; `times` are the bars' timestamps in seconds since the epoch (naive, any
    /// resolution: intraday bars are grouped into calendar days for the day returns).
    public static func compute(
        times: [Int64], close: [Double], equity: [Double], trades: [Trade], openPosition: OpenPosition?,
        warmup: Int, conventions: Conventions
    ) -> Metrics {
        compute(
            timeline: MetricsTimeline(times: times), close: close, equity: equity, trades: trades,
            openPosition: openPosition, warmup: warmup, conventions: conventions)
    }

    /// Computes every metric with a timeline prepared once per series (grids share it).
    public static func compute(
        timeline: MetricsTimeline, close: [Double], equity: [Double], trades: [Trade], openPosition: OpenPosition?,
        warmup: Int, conventions: Conventions
    ) -> Metrics {
        let times = timeline.times
        let n = equity.count
        guard n > 0, times.count == n else {
            return Metrics(
                totalReturnPct: 0, cagrPct: 0, volatilityPct: 0, sharpe: nil, maxDrawdownPct: 0, winRatePct: 0,
                trades: 0, profitFactor: nil, exposurePct: 0, finalEquity: equity.last ?? 0)
        }
        let a = conventions.annualization
        let rf = conventions.riskFreeRate
        let e0 = equity[0]
        let eN = equity[n - 1]
        let totalReturn = (eN - e0) / e0 * 100
        let durationSeconds = times[n - 1] - times[0]
        let durationDays = Double(durationSeconds) / 86_400
        let years = durationDays / 365.25
        var cagr = 0.0
        if years > 0 { cagr = eN > 0 ? (pow(eN / e0, 1 / years) - 1) * 100 : -100 }
        let resolution = timeline.resolution

        // Drawdowns over all bars, and backtesting.py's episodes: the bars with dd == 0 (E at its running
        // peak) plus the last bar; a gap of more than one bar between two of them is an episode. Within an
        // episode the peak is constant, so its deepest drawdown is at its lowest equity: one division per
        // new low instead of one per bar (division is monotonic, so the result is the same bits).
        var peak = -Double.infinity
        var maxDD = 0.0
        var episodes = 0
        var sumEpisodePeak = 0.0
        var maxEpisode: Int64 = 0
        var maxEpisodeBars = 0
        var sumEpisode: Int64 = 0
        var prevZero = -1
        var low = Double.infinity  // lowest equity since the last peak
        // Daily or coarser bars: the day returns are the bar returns, accumulated in the same pass.
        let daily = timeline.dayEnds == nil
        var acc = ReturnAccumulator(rfp: rf / a)
        // The buy & hold benchmark holds from the warm-up bar W: its returns are 0 up to W.
        let w = min(max(0, warmup), n - 1)
        let benchmarked = close.count == n
        // The close's bar returns, prepared once per series when the timeline carries them.
        let closeReturns = benchmarked ? (timeline.closeReturns(n) ?? BarReturns(close)) : BarReturns([])
        var crossSum = 0.0  // Σ r·b over the day returns (daily bars; intraday below)
        equity.withUnsafeBufferPointer { e in
            times.withUnsafeBufferPointer { tm in
                closeReturns.returns.withUnsafeBufferPointer { c in
                    let zeroReturnsCount = acc.rfp != 0
                    for t in 0..<n {
                        let v = e[t]
                        if t > 0 {
                            let prev = e[t - 1]
                            if v == prev && t != n - 1 {
                                // A flat bar (no position, or no price change): return 0, drawdown state unchanged
                                // except that a run at the peak moves its last zero-drawdown bar forward.
                                if daily && zeroReturnsCount { acc.add(0) }
                                if prevZero == t - 1 { prevZero = t }
                                continue
                            }
                            if daily {
                                let r = v / prev - 1
                                acc.add(r)
                                if benchmarked && t > w { crossSum += r * c[t] }
                            }
                        }
                        if v >= peak {
                            // dd == 0 (or a new peak)
                            if prevZero >= 0 && t > prevZero + 1 {
                                let dd = 1 - low / peak
                                episodes += 1
                                sumEpisodePeak += dd
                                let d = tm[t] - tm[prevZero]
                                maxEpisode = max(maxEpisode, d)
                                maxEpisodeBars = max(maxEpisodeBars, t - prevZero)
                                sumEpisode += d
                            }
                            peak = v
                            prevZero = t
                            low = Double.infinity
                        } else {
                            if v < low {
                                low = v
                                let dd = 1 - v / peak
                                if dd > maxDD { maxDD = dd }
                            }
                            if t == n - 1 && prevZero >= 0 && t > prevZero + 1 {
                                episodes += 1
                                sumEpisodePeak += 1 - low / peak
                                let d = tm[t] - tm[prevZero]
                                maxEpisode = max(maxEpisode, d)
                                maxEpisodeBars = max(maxEpisodeBars, t - prevZero)
                                sumEpisode += d
                            }
                        }
                    }
                }
            }
        }

        // Day returns: the last equity of each calendar day (identity for daily or coarser bars).
        let dayEquity: [Double]
        var dayMaxDD = maxDD
        if let ends = timeline.dayEnds {
            dayEquity = ends.map { equity[$0] }
            var p = -Double.infinity
            dayMaxDD = 0
            for v in dayEquity {
                if v > p { p = v }
                let dd = 1 - v / p
                if dd > dayMaxDD { dayMaxDD = dd }
            }
        } else {
            dayEquity = equity
        }
        let m = dayEquity.count - 1
        var volatility = 0.0
        var sharpe: Double?
        var sortino: Double?
        var calmar: Double?
        var annualReturn = 0.0
        var bt = GeometricRatios.zero
        var informationRatio: Double?
        var beta: Double?
        if m >= 1 {
            let rfp = rf / a
            if !daily {
                dayEquity.withUnsafeBufferPointer { d in
                    for t in 1...m { acc.add(d[t] / d[t - 1] - 1) }
                }
            }
            let sum = acc.sum
            let sumSq = acc.sumSq
            let downside = acc.downside
            let btDownside = acc.btDownside
            let product = acc.product
            let nonPositive = acc.nonPositive
            let mean = sum / Double(m)
            // One pass: Σ(r − mean)² = Σr² − mean·Σr (returns are small, so no harmful cancellation).
            let ss = max(0, sumSq - mean * sum)
            let meanAdj = rfp == 0 ? mean : mean - rfp
            let variance = m >= 2 ? ss / Double(m - 1) : Double.nan
            let sd = variance.squareRoot()  // the std of r − rfp is the std of r
            if variance.isFinite { volatility = sd * a.squareRoot() * 100 }
            if sd > 0 { sharpe = meanAdj / sd * a.squareRoot() }
            let downsideRisk = (downside / Double(m)).squareRoot() * a.squareRoot()
            if downsideRisk > 0 { sortino = meanAdj * a / downsideRisk }
            annualReturn = pow(product, a / Double(m)) - 1
            if dayMaxDD > 0 { calmar = annualReturn / dayMaxDD }

            // backtesting.py: g = exp(mean(log(1+r))) − 1; Σlog(1+r) = log Π(1+r).
            let g = nonPositive ? 0 : exp(log(product) / Double(m)) - 1
            let annual = pow(1 + g, a) - 1
            var btVol = 0.0
            if variance.isFinite {
                let v = pow(variance + (1 + g) * (1 + g), a) - pow(1 + g, 2 * a)
                btVol = v > 0 ? v.squareRoot() * 100 : 0
            }
            let btSortinoDen = (btDownside / Double(m)).squareRoot() * a.squareRoot()
            bt = GeometricRatios(
                annualReturnPct: annual * 100, volatilityPct: btVol,
                sharpe: btVol != 0 ? (annual * 100 - rf * 100) / btVol : nil,
                sortino: btSortinoDen > 0 ? (annual - rf) / btSortinoDen : nil,
                calmar: maxDD > 0 ? annual / maxDD : nil)

            if benchmarked {
                let bench = BenchmarkSums.of(
                    close: close, returns: closeReturns, from: w, dayEnds: timeline.dayEnds,
                    dayEquity: daily ? nil : dayEquity)
                if !daily { crossSum = bench.cross }
                let mm = Double(m)
                if m >= 2 {
                    let covariance = crossSum - sum * bench.sum / mm
                    let benchVariance = bench.sumSq - bench.sum * bench.sum / mm
                    if benchVariance > 0 { beta = covariance / benchVariance }
                    let diffSum = sum - bench.sum
                    let diffSumSq = sumSq - 2 * crossSum + bench.sumSq
                    let diffVariance = (diffSumSq - diffSum * diffSum / mm) / (mm - 1)
                    if diffVariance > 0 {
                        informationRatio = diffSum / mm / diffVariance.squareRoot() * a.squareRoot()
                    }
                }
            }
        }

        // Trades.
        let k = trades.count
        var wins = 0
        var gains = 0.0
        var losses = 0.0
        var best = -Double.infinity
        var worst = Double.infinity
        var sumRet = 0.0
        var sumLog = 0.0
        var geometricValid = true
        var sumPnl = 0.0
        var winPnl = 0.0
        var lossPnl = 0.0
        var lossCount = 0
        var run = 0
        var maxRun = 0
        var commissions = 0.0
        var maxDur: Int64 = 0
        var sumDur: Int64 = 0
        for t in trades {
            let ret = t.returnPct / 100
            if t.pnl > 0 {
                wins += 1
                winPnl += t.pnl
                run = 0
            } else {
                run += 1
                maxRun = max(maxRun, run)
            }
            if t.pnl < 0 {
                lossPnl += t.pnl
                lossCount += 1
            }
            if t.returnPct > 0 { gains += t.returnPct } else if t.returnPct < 0 { losses -= t.returnPct }
            best = max(best, t.returnPct)
            worst = min(worst, t.returnPct)
            sumRet += ret
            if 1 + ret <= 0 { geometricValid = false } else { sumLog += log(1 + ret) }
            sumPnl += t.pnl
            commissions += t.commission
            let d = times[t.exitBar] - times[t.entryBar]
            maxDur = max(maxDur, d)
            sumDur += d
        }
        var sqn: Double?
        if k >= 2 {
            let meanPnl = sumPnl / Double(k)
            var s = 0.0
            for t in trades { s += (t.pnl - meanPnl) * (t.pnl - meanPnl) }
            let sd = (s / Double(k - 1)).squareRoot()
            if sd > 0 { sqn = Double(k).squareRoot() * meanPnl / sd }
        }
        let winRate = k == 0 ? 0 : Double(wins) / Double(k)
        var kelly: Double?
        if wins > 0 && lossCount > 0 {
            let avgWin = winPnl / Double(wins)
            let avgLoss = -lossPnl / Double(lossCount)
            kelly = winRate - (1 - winRate) / (avgWin / avgLoss)
        }

        // Exposure.
        var covered = 0
        var lastCovered = -1
        for t in trades {
            let lo = max(t.entryBar, lastCovered + 1)
            if t.exitBar >= lo { covered += t.exitBar - lo + 1 }
            lastCovered = max(lastCovered, t.exitBar)
        }
        if let p = openPosition, conventions.endOfData == .markToMarket {
            let lo = max(p.entryBar, lastCovered + 1)
            if n - 1 >= lo { covered += n - lo }
        }

        let buyAndHold = (close.isEmpty || close[w] == 0) ? 0 : (close[close.count - 1] - close[w]) / close[w] * 100

        func days(_ s: Int64) -> Double { Double(s) / 86_400 }
        func ceilTo(_ s: Int64, _ unit: Int64) -> Int64 { (s + unit - 1) / unit * unit }
        func ceilMean(_ total: Int64, _ count: Int) -> Double {
            let mean = Double(total) / Double(count)
            return days(Int64((mean / Double(resolution)).rounded(.up)) * resolution)
        }

        return Metrics(
            totalReturnPct: totalReturn, cagrPct: cagr, volatilityPct: volatility, sharpe: sharpe,
            maxDrawdownPct: maxDD * 100, winRatePct: winRate * 100, trades: k,
            profitFactor: losses > 0 ? gains / losses : nil, exposurePct: Double(covered) / Double(n) * 100,
            finalEquity: eN, annualReturnPct: annualReturn * 100, sortino: sortino, calmar: calmar,
            avgDrawdownPct: episodes > 0 ? sumEpisodePeak / Double(episodes) * 100 : nil,
            maxDrawdownDurationDays: episodes > 0 ? days(ceilTo(maxEpisode, resolution)) : nil,
            avgDrawdownDurationDays: episodes > 0 ? ceilMean(sumEpisode, episodes) : nil,
            bestTradePct: k > 0 ? best : nil, worstTradePct: k > 0 ? worst : nil,
            avgTradePct: k > 0 ? (geometricValid ? (exp(sumLog / Double(k)) - 1) * 100 : 0) : nil,
            expectancyPct: k > 0 ? sumRet / Double(k) * 100 : nil, sqn: sqn, kellyCriterion: kelly,
            maxConsecutiveLosses: maxRun, maxTradeDurationDays: k > 0 ? days(ceilTo(maxDur, resolution)) : nil,
            avgTradeDurationDays: k > 0 ? ceilMean(sumDur, k) : nil, buyAndHoldReturnPct: buyAndHold,
            excessReturnPct: totalReturn - buyAndHold, peakEquity: peak, commissions: commissions,
            durationDays: durationDays, backtestingPy: bt,
            maxDrawdownDurationBars: episodes > 0 ? maxEpisodeBars : nil, informationRatio: informationRatio,
            beta: beta)
    }

}

extension Metrics {
    /// backtesting.py's Beta and Alpha [%], computed on demand (one `log` per bar, so not part of the
    /// per-backtest metrics): `beta = cov(log E-returns, log C-returns) / var(log C-returns)` over all bars
    /// (ddof 1 in both), `alpha = return% − 100·rf − beta·(buy&hold% − 100·rf)`. Nil with fewer than
    /// three bars or a constant price.
    public static func alphaBeta(
        close: [Double], equity: [Double], totalReturnPct: Double, buyAndHoldReturnPct: Double,
        riskFreeRate: Double = 0
    ) -> (alphaPct: Double, beta: Double)? {
        let n = min(close.count, equity.count)
        guard n >= 3 else { return nil }
        var x = [Double](repeating: 0, count: n - 1)
        var y = [Double](repeating: 0, count: n - 1)
        for t in 1..<n {
            x[t - 1] = log(equity[t] / equity[t - 1])
            y[t - 1] = log(close[t] / close[t - 1])
        }
        let mx = x.reduce(0, +) / Double(n - 1)
        let my = y.reduce(0, +) / Double(n - 1)
        var cxy = 0.0
        var cyy = 0.0
        for i in x.indices {
            cxy += (x[i] - mx) * (y[i] - my)
            cyy += (y[i] - my) * (y[i] - my)
        }
        guard cyy > 0 else { return nil }
        let beta = cxy / cyy
        return (totalReturnPct - riskFreeRate * 100 - beta * (buyAndHoldReturnPct - riskFreeRate * 100), beta)
    }
}

/// Σb, Σb² of the buy & hold day returns `b` (0 through the day of bar `w`, then close to close), and
/// for intraday bars also Σ r·b with the strategy's day-end equity returns.
struct BenchmarkSums {
    var sum = 0.0
    var sumSq = 0.0
    var cross = 0.0

    static func of(
        close: [Double], returns: BarReturns, from w: Int, dayEnds: [Int]?, dayEquity: [Double]?
    ) -> BenchmarkSums {
        var s = BenchmarkSums()
        if let ends = dayEnds, let eq = dayEquity {
            for i in 1..<ends.count where ends[i - 1] >= w && close[ends[i - 1]] > 0 {
                let b = close[ends[i]] / close[ends[i - 1]] - 1
                s.sum += b
                s.sumSq += b * b
                s.cross += (eq[i] / eq[i - 1] - 1) * b
            }
            return s
        }
        // Σ over bars w+1 … n−1 from the prefix sums: O(1) per backtest instead of a division per bar.
        let n = returns.returns.count
        if w + 1 < n {
            s.sum = returns.prefix[n - 1] - returns.prefix[w]
            s.sumSq = returns.prefixSq[n - 1] - returns.prefixSq[w]
        }
        return s
    }
}

/// A close series' bar returns `b[t] = C[t]/C[t−1] − 1` (0 for t = 0 or a non-positive previous close) and
/// their running sums `prefix[t] = Σ b[1…t]`, `prefixSq[t] = Σ b²[1…t]`: computed once per series, shared
/// by every backtest's information ratio and beta.
public struct BarReturns: Sendable, Equatable {
    public let returns: [Double]
    let prefix: [Double]
    let prefixSq: [Double]

    public init(_ close: [Double]) {
        var r = [Double](repeating: 0, count: close.count)
        var p = [Double](repeating: 0, count: close.count)
        var q = [Double](repeating: 0, count: close.count)
        var s1 = 0.0
        var s2 = 0.0
        for t in close.indices.dropFirst() {
            if close[t - 1] > 0 { r[t] = close[t] / close[t - 1] - 1 }
            s1 += r[t]
            s2 += r[t] * r[t]
            p[t] = s1
            q[t] = s2
        }
        returns = r
        prefix = p
        prefixSq = q
    }
}

/// Running sums of the day returns.
struct ReturnAccumulator {
    let rfp: Double
    var sum = 0.0
    var sumSq = 0.0
    var downside = 0.0
    var btDownside = 0.0
    var product = 1.0
    var nonPositive = false

    init(rfp: Double) { self.rfp = rfp }

    @inline(__always) mutating func add(_ r: Double) {
        sum += r
        sumSq += r * r
        let adj = r - rfp
        if adj < 0 { downside += adj * adj }
        if r < 0 { btDownside += r * r }
        product *= (1 + r)
        if 1 + r <= 0 { nonPositive = true }
    }
}

/// The time axis of a series, prepared once and shared by every backtest on it: timestamps, the last
/// bar of each calendar day (nil when there is one bar per day), and the resolution durations round to.
public struct MetricsTimeline: Sendable, Equatable {
    public let times: [Int64]
    let dayEnds: [Int]?
    /// The largest of day, hour, minute, second dividing the median spacing of the last 100 bars
    /// (backtesting.py rounds durations up to it).
    public let resolution: Int64
    /// The series' close returns, when the timeline was made with its closes (`init(dates:close:)`).
    let bars: BarReturns?

    /// The close returns for a series of `n` bars, if prepared.
    func closeReturns(_ n: Int) -> BarReturns? { bars.flatMap { $0.returns.count == n ? $0 : nil } }

    /// `times` in seconds since the epoch, ascending.
    public init(times: [Int64], close: [Double]? = nil) {
        self.times = times
        bars = close.map(BarReturns.init)
        var ends: [Int] = []
        var grouped = false
        for t in times.indices {
            if t + 1 < times.count && Self.day(times[t + 1]) == Self.day(times[t]) {
                grouped = true
                continue
            }
            ends.append(t)
        }
        dayEnds = grouped ? ends : nil
        var res: Int64 = 86_400
        if times.count >= 2 {
            let tail = times.suffix(100)
            let gaps = zip(tail.dropFirst(), tail).map { $0 - $1 }.sorted()
            let c = gaps.count
            let median = c % 2 == 1 ? gaps[c / 2] : (gaps[c / 2 - 1] + gaps[c / 2]) / 2
            res = 1
            for unit: Int64 in [60, 3_600, 86_400] where median % unit == 0 { res = unit }
        }
        resolution = res
    }

    /// Session dates (midnight timestamps).
    public init(dates: [SessionDate]) { self.init(times: dates.map { Int64($0.daysSinceEpoch) * 86_400 }) }

    /// Session dates and the series' closes (prepared once for the information ratio and beta of every
    /// backtest on it; `compute` must then be given the same closes).
    public init(dates: [SessionDate], close: [Double]) {
        self.init(times: dates.map { Int64($0.daysSinceEpoch) * 86_400 }, close: close)
    }

    static func day(_ t: Int64) -> Int64 {
        let q = t / 86_400
        return (t % 86_400 != 0 && t < 0) ? q - 1 : q
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
