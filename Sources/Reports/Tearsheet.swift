import Market

/// The series and tables of a symbol's winner tearsheet, computed from its equity curve only (pure).
///
/// Formulas follow docs/metrics.md: returns are bar-to-bar (`r[i] = E[i]/E[i−1] − 1`), the Sharpe ratio is
/// `mean(r) / std(r, ddof 1) · √A` (risk-free rate 0) and volatility `std(r, ddof 1) · √A · 100`.
public enum Tearsheet {
    /// Bar-to-bar returns (n − 1 of them); a return from a non-positive or non-finite value is NaN.
    public static func returns(_ equity: [Double]) -> [Double] {
        guard equity.count >= 2 else { return [] }
        return (1..<equity.count).map { i in
            let a = equity[i - 1]
            let b = equity[i]
            return a > 0 && a.isFinite && b.isFinite ? b / a - 1 : .nan
        }
    }

    /// Rolling annualised Sharpe ratio and volatility (%) over the last `window` returns, one value per bar
    /// of `equity` (nil until `window` returns exist, and for a Sharpe ratio whose std is 0).
    public static func rolling(_ equity: [Double], window: Int, annualization a: Double) -> (
        sharpe: [Double?], volatilityPct: [Double?]
    ) {
        let r = returns(equity)
        var sharpe = [Double?](repeating: nil, count: equity.count)
        var vol = [Double?](repeating: nil, count: equity.count)
        guard window >= 2, r.count >= window else { return (sharpe, vol) }
        r.withUnsafeBufferPointer { r in
            // Non-finite returns in the current window, kept as it slides (the sums themselves are added
            // afresh in order for each window, so every value is what the plain two passes give).
            var nonFinite = 0
            for i in 0..<(window - 1) where !r[i].isFinite { nonFinite += 1 }
            for end in (window - 1)..<r.count {
                if !r[end].isFinite { nonFinite += 1 }
                if end >= window, !r[end - window].isFinite { nonFinite -= 1 }
                guard nonFinite == 0 else { continue }
                let start = end - window + 1
                var sum = 0.0
                for i in start...end { sum += r[i] }
                let mean = sum / Double(window)
                var squares = 0.0
                for i in start...end { squares += (r[i] - mean) * (r[i] - mean) }
                let sd = (squares / Double(window - 1)).squareRoot()
                vol[end + 1] = sd * a.squareRoot() * 100
                sharpe[end + 1] = sd > 0 ? mean / sd * a.squareRoot() : nil
            }
        }
        return (sharpe, vol)
    }

    /// One drawdown episode: from the last bar at a peak to the bar that regains it.
    public struct Drawdown: Sendable, Equatable {
        /// Index of the peak bar (the episode's last bar at the running maximum).
        public var start: Int
        /// Index of the lowest bar of the episode.
        public var trough: Int
        /// Index of the first bar at or above the peak again; nil when the curve never recovered.
        public var recovery: Int?
        /// `(1 − trough / peak) · 100`.
        public var depthPct: Double
        /// Bars from the peak to the recovery (to the last bar when not recovered).
        public var lengthBars: Int
    }

    /// Every drawdown episode, deepest first (ties: the earlier one), at most `count`.
    public static func worstDrawdowns(_ equity: [Double], count: Int = 5) -> [Drawdown] {
        var out: [Drawdown] = []
        var peak = 0
        var i = 1
        while i < equity.count {
            if equity[i] >= equity[peak] {
                peak = i
                i += 1
                continue
            }
            // Below the peak: walk to the recovery (or the end).
            var trough = i
            var j = i
            while j < equity.count && equity[j] < equity[peak] {
                if equity[j] < equity[trough] { trough = j }
                j += 1
            }
            let recovered = j < equity.count
            let depth = equity[peak] > 0 ? (1 - equity[trough] / equity[peak]) * 100 : 0
            out.append(
                Drawdown(
                    start: peak, trough: trough, recovery: recovered ? j : nil, depthPct: depth,
                    lengthBars: (recovered ? j : equity.count - 1) - peak))
            peak = recovered ? j : peak
            i = j + 1
        }
        let sorted = out.enumerated().sorted { a, b in
            a.element.depthPct != b.element.depthPct ? a.element.depthPct > b.element.depthPct : a.offset < b.offset
        }
        return sorted.prefix(max(0, count)).map(\.element)
    }

    /// Calendar-year returns in percent, from `ReportAnalytics.monthlyReturns` (the first year measured from
    /// the first value).
    public static func yearlyReturns(dates: [SessionDate], equity: [Double]) -> [(year: Int, pct: Double?)] {
        ReportAnalytics.monthlyReturns(dates: dates, equity: equity).map { ($0.year, $0.yearTotal) }
    }

    /// A histogram of the finite values: `bins` equal-width bins from the smallest to the largest value
    /// (the largest falls in the last bin). Empty without finite values; one bin when all are equal.
    public struct Histogram: Sendable, Equatable {
        public var lo: Double
        public var width: Double
        public var counts: [Int]
    }

    public static func histogram(_ values: [Double], bins: Int) -> Histogram {
        let v = values.filter { $0.isFinite }
        guard let lo = v.min(), let hi = v.max(), bins >= 1 else { return Histogram(lo: 0, width: 0, counts: []) }
        guard hi > lo else { return Histogram(lo: lo, width: 0, counts: [v.count]) }
        let width = (hi - lo) / Double(bins)
        var counts = [Int](repeating: 0, count: bins)
        for x in v { counts[min(bins - 1, Int((x - lo) / width))] += 1 }
        return Histogram(lo: lo, width: width, counts: counts)
    }
}
