import Engine
import Strategies

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

    public init(
        returnScore: Double, sharpeScore: Double, drawdownScore: Double, winRateScore: Double, activityScore: Double
    ) {
        self.returnScore = returnScore
        self.sharpeScore = sharpeScore
        self.drawdownScore = drawdownScore
        self.winRateScore = winRateScore
        self.activityScore = activityScore
    }
}

/// Which return the return component of the composite score caps at +100 %.
public enum ReturnBasis: String, Sendable, Hashable, Codable, CaseIterable {
    /// Total return over the period (the default): on a long period every good strategy reaches the cap.
    case totalReturn = "total_return"
    /// Compound annual growth rate: the same cap per year, so long periods keep their spread.
    case cagr
}

/// How rows are scored and which of them may be ranked (`scoring:` in the spec).
public struct ScoringRules: Sendable, Hashable, Codable {
    public var weights: ScoreWeights
    /// Rows with fewer closed trades are listed but not ranked (`ranked` false, after every ranked row).
    public var minTrades: Int
    public var returnBasis: ReturnBasis

    public init(weights: ScoreWeights = .standard, minTrades: Int = 1, returnBasis: ReturnBasis = .totalReturn) {
        self.weights = weights
        self.minTrades = minTrades
        self.returnBasis = returnBasis
    }

    public static let standard = ScoringRules()

    /// Why `m` is not ranked, or nil when it is.
    public func exclusion(_ m: Metrics) -> String? {
        m.trades < minTrades ? "\(m.trades) trades < scoring.min_trades \(minTrades)" : nil
    }
}

public enum CompositeScore {
    /// The formula of `docs/metrics.md`. Each component is clamped to [0, 1] before weighting, so a
    /// negative return or Sharpe scores 0 on that component rather than pulling the total below 0,
    /// and the total stays within 0…Σweights (0–100 with the default weights).
    public static func score(
        _ m: Metrics, weights w: ScoreWeights = .standard, returnBasis: ReturnBasis = .totalReturn
    ) -> ScoreBreakdown {
        func unit(_ x: Double) -> Double { x.isNaN ? 0 : min(max(x, 0), 1) }
        let ret = returnBasis == .cagr ? m.cagrPct : m.totalReturnPct
        return ScoreBreakdown(
            returnScore: unit(ret / 100) * w.totalReturn,
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
    public var params: Parameters
    public var score: Double
    public var totalReturnPct: Double
    /// Closed trades: a row that traded always precedes one that did not.
    public var trades: Int
    /// False for a row `scoring.min_trades` excludes: it follows every ranked row.
    public var ranked: Bool

    public init(
        symbol: String, strategy: String, params: Parameters, score: Double, totalReturnPct: Double, trades: Int = 1,
        ranked: Bool = true
    ) {
        self.symbol = symbol
        self.strategy = strategy
        self.params = params
        self.score = score
        self.totalReturnPct = totalReturnPct
        self.trades = trades
        self.ranked = ranked
    }
}

public enum Ranking {
    /// Rank within each symbol, 1 = best: ranked rows before excluded ones, then rows with trades before
    /// rows without, then higher score; ties broken by higher total return, then strategy id, then
    /// canonical params text (both ascending, byte order). Returns ranks aligned with `candidates`.
    public static func ranks(_ candidates: [RankCandidate]) -> [Int] {
        var ranks = [Int](repeating: 0, count: candidates.count)
        let bySymbol = Dictionary(grouping: candidates.indices, by: { candidates[$0].symbol })
        for (_, idx) in bySymbol {
            let sorted = idx.sorted { precedes(candidates[$0], candidates[$1]) }
            for (r, i) in sorted.enumerated() { ranks[i] = r + 1 }
        }
        return ranks
    }

    /// The documented order: ranked first, traded first, score desc, total return desc, strategy asc,
    /// params asc. A flat curve scores its drawdown part (20 by default), so without the first two keys
    /// a combination that never traded would outrank one that lost a little.
    public static func precedes(_ a: RankCandidate, _ b: RankCandidate) -> Bool {
        if a.ranked != b.ranked { return a.ranked }
        if (a.trades > 0) != (b.trades > 0) { return a.trades > 0 }
        if a.score != b.score { return a.score > b.score }
        if a.totalReturnPct != b.totalReturnPct { return a.totalReturnPct > b.totalReturnPct }
        if a.strategy != b.strategy { return a.strategy.utf8.lexicographicallyPrecedes(b.strategy.utf8) }
        return a.params.text.utf8.lexicographicallyPrecedes(b.params.text.utf8)
    }
}
