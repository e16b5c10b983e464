import Market

/// Limits of the data-quality gate. A symbol breaking any of them is quarantined, not traded on.
public struct QualityThresholds: Sendable, Hashable, Codable {
    /// Most consecutive trading sessions that may be missing inside the data.
    public var maxGapSessions: Int
    /// Most trading sessions the last bar may lag the period's end.
    public var maxStaleSessions: Int
    /// Largest open-to-previous-close move, in percent, before it is taken for an unadjusted split.
    public var maxJumpPct: Double
    /// Most consecutive bars with zero volume.
    public var maxZeroVolumeRun: Int

    public init(maxGapSessions: Int = 5, maxStaleSessions: Int = 3, maxJumpPct: Double = 40, maxZeroVolumeRun: Int = 5)
    {
        self.maxGapSessions = maxGapSessions
        self.maxStaleSessions = maxStaleSessions
        self.maxJumpPct = maxJumpPct
        self.maxZeroVolumeRun = maxZeroVolumeRun
    }

    public static let standard = QualityThresholds()
}

/// One problem found in a symbol's bars.
public struct QualityFinding: Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        case gap = "GAP"
        case stale = "STALE"
        case splitLikeJump = "SPLIT_LIKE_JUMP"
        case zeroVolumeRun = "ZERO_VOLUME_RUN"
        case noBars = "NO_BARS"
    }
    public var code: Code
    public var message: String
    public var description: String { "\(code.rawValue): \(message)" }
}

/// The verdict for one symbol.
public struct QualityReport: Sendable, Hashable {
    public var symbol: String
    public var findings: [QualityFinding]
    public var passed: Bool { findings.isEmpty }
}

/// The data-quality gate between fetch and backtest. Pure: bars, calendar and thresholds in, verdict out.
public enum DataQualityGate {
    /// Common split ratios: a jump close to one of them (within 3 %) is named as a likely split.
    static let splitRatios: [(Double, String)] = [
        (2, "2:1"), (3, "3:1"), (4, "4:1"), (5, "5:1"), (10, "10:1"), (1.5, "3:2"), (20, "20:1"),
        (0.5, "1:2"), (1.0 / 3, "1:3"), (0.25, "1:4"), (0.2, "1:5"), (0.1, "1:10"),
    ]

    /// Checks `series` as loaded for the period `start…end` (both trading days).
    public static func check(
        _ series: BarSeries, start: SessionDate, end: SessionDate, calendar: any TradingCalendar,
        thresholds t: QualityThresholds = .standard
    ) -> QualityReport {
        var findings: [QualityFinding] = []
        guard let first = series.dates.first, let last = series.dates.last else {
            return QualityReport(
                symbol: series.symbol,
                findings: [QualityFinding(code: .noBars, message: "no bars in \(start.iso) … \(end.iso)")])
        }

        // Gaps: sessions of the calendar between the first and last bar that have no bar. Bars are in date
        // order (as every loader returns them), so one walk beside the sessions finds them; a Set of a
        // universe's million dates was most of the gate's cost.
        let dates = series.dates
        let ascending = zip(dates, dates.dropFirst()).allSatisfy { $0 < $1 }
        let have = ascending ? [] : Set(dates)
        var next = 0
        func hasBar(_ d: SessionDate) -> Bool {
            guard ascending else { return have.contains(d) }
            while next < dates.count && dates[next] < d { next += 1 }
            return next < dates.count && dates[next] == d
        }
        var run = 0
        var runStart: SessionDate?
        var worst: (Int, SessionDate, SessionDate)?
        var missing = 0
        for d in calendar.tradingDays(in: first...last) {
            if hasBar(d) {
                if run > 0, run > (worst?.0 ?? 0), let s = runStart { worst = (run, s, d) }
                run = 0
                runStart = nil
            } else {
                missing += 1
                if run == 0 { runStart = d }
                run += 1
            }
        }
        if let (n, s, before) = worst, n > t.maxGapSessions {
            findings.append(
                QualityFinding(
                    code: .gap,
                    message:
                        "\(n) consecutive sessions missing from \(s.iso) (next bar \(before.iso)); \(missing) missing in all; limit \(t.maxGapSessions)"
                ))
        }

        // Stale: the last bar lags the period's end by more than the limit.
        if last < end {
            let lag = calendar.tradingDays(in: last.adding(days: 1)...end).count
            if lag > t.maxStaleSessions {
                findings.append(
                    QualityFinding(
                        code: .stale,
                        message:
                            "last bar \(last.iso) is \(lag) sessions before the period end \(end.iso); limit \(t.maxStaleSessions)"
                    ))
            }
        }

        // Split-like jumps: an overnight move beyond the limit.
        for i in 1..<series.count {
            let prev = series.close[i - 1]
            let ratio = series.open[i] / prev
            let movePct = (ratio - 1) * 100
            guard abs(movePct) > t.maxJumpPct else { continue }
            var what = "an unadjusted split or a bad print"
            if let (_, name) = splitRatios.first(where: { abs(1 / ratio / $0.0 - 1) < 0.03 }) {
                what = "an unadjusted \(name) split"
            }
            findings.append(
                QualityFinding(
                    code: .splitLikeJump,
                    message:
                        "open \(series.open[i]) on \(series.dates[i].iso) is \(signed(movePct)) % from the previous close \(prev); looks like \(what); limit ±\(t.maxJumpPct) %"
                ))
        }

        // Zero-volume runs.
        var zeros = 0
        var zeroStart = 0
        var longest = (0, 0)
        for i in 0..<series.count {
            if series.volume[i] == 0 {
                if zeros == 0 { zeroStart = i }
                zeros += 1
                if zeros > longest.0 { longest = (zeros, zeroStart) }
            } else {
                zeros = 0
            }
        }
        if longest.0 > t.maxZeroVolumeRun {
            findings.append(
                QualityFinding(
                    code: .zeroVolumeRun,
                    message:
                        "\(longest.0) consecutive bars with zero volume from \(series.dates[longest.1].iso); limit \(t.maxZeroVolumeRun)"
                ))
        }
        return QualityReport(symbol: series.symbol, findings: findings)
    }

    static func signed(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return (r > 0 ? "+" : "") + String(r)
    }
}
