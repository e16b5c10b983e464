import Engine

/// Composite-score weights (default: return 30, Sharpe 30, drawdown 20, win rate 15, activity 5).
public struct ScoreWeights: Sendable, Hashable, Codable {
    public var totalReturn: Double
    public var sharpe: Double
    public var drawdown: Double
    public var winRate: Double
    public var activity: Double

    public init(
        totalReturn: Double = 30, sharpe: Double = 30, drawdown: Double = 20, winRate: Double = 15,
        activity: Double = 5
    ) {
        self.totalReturn = totalReturn
        self.sharpe = sharpe
        self.drawdown = drawdown
        self.winRate = winRate
        self.activity = activity
    }

    public static let standard = ScoreWeights()
}

/// The composite score and its five components.
public struct ScoreBreakdown: Sendable, Hashable, Codable {
    public var returnScore: Double
    public var sharpeScore: Double
    public var drawdownScore: Double
    public var winRateScore: Double
    public var activityScore: Double
    public var total: Double { returnScore + sharpeScore + drawdownScore + winRateScore + activityScore }
}

public enum CompositeScore {
    /// The formula of `docs/metrics.md`. Each component is clamped to [0, 1] before weighting, so a
    /// negative return or Sharpe scores 0 on that component rather than pulling the total below 0,
    /// and the total stays within 0…Σweights (0–100 with the default weights).
    public static func score(_ m: Metrics, weights w: ScoreWeights = .standard) -> ScoreBreakdown {
        func unit(_ x: Double) -> Double { x.isNaN ? 0 : min(max(x, 0), 1) }
        return ScoreBreakdown(
            returnScore: unit(m.totalReturnPct / 100) * w.totalReturn,
            sharpeScore: unit((m.sharpe ?? 0) / 2) * w.sharpe,
            drawdownScore: unit(1 - m.maxDrawdownPct / 50) * w.drawdown,
            winRateScore: unit(m.winRatePct / 100) * w.winRate,
            activityScore: unit(Double(m.trades) / 10) * w.activity)
    }
}

/// One row to rank: its key fields for the tie-break, and its score.
public struct RankCandidate: Sendable, Hashable {
    public var symbol: String
    public var strategy: String
    public var params: String
    public var score: Double
    public var totalReturnPct: Double

    public init(symbol: String, strategy: String, params: String, score: Double, totalReturnPct: Double) {
        self.symbol = symbol
        self.strategy = strategy
        self.params = params
        self.score = score
        self.totalReturnPct = totalReturnPct
    }
}

public enum Ranking {
    /// Rank within each symbol, 1 = best: higher score first; ties broken by higher total return,
    /// then strategy id, then canonical params text (both ascending, byte order). Returns ranks
    /// aligned with `candidates`.
    public static func ranks(_ candidates: [RankCandidate]) -> [Int] {
        var ranks = [Int](repeating: 0, count: candidates.count)
        let bySymbol = Dictionary(grouping: candidates.indices, by: { candidates[$0].symbol })
        for (_, idx) in bySymbol {
            let sorted = idx.sorted { precedes(candidates[$0], candidates[$1]) }
            for (r, i) in sorted.enumerated() { ranks[i] = r + 1 }
        }
        return ranks
    }

    /// The documented order: score desc, total return desc, strategy asc, params asc.
    public static func precedes(_ a: RankCandidate, _ b: RankCandidate) -> Bool {
        if a.score != b.score { return a.score > b.score }
        if a.totalReturnPct != b.totalReturnPct { return a.totalReturnPct > b.totalReturnPct }
        if a.strategy != b.strategy { return a.strategy.utf8.lexicographicallyPrecedes(b.strategy.utf8) }
        return a.params.utf8.lexicographicallyPrecedes(b.params.utf8)
    }
}
