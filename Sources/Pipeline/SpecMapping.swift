import DataQuality
import Engine
import Market
import Reports
import Scoring
import Spec

/// Turns the resolved spec into the values each stage takes. The one place spec vocabulary meets
/// engine vocabulary.
enum SpecMapping {
    static func backtestConfig(_ spec: PipelineSpec) throws(RunError) -> BacktestConfig {
        let commission: CommissionModel
        switch spec.costs.commission {
        case .fraction(let f): commission = .fraction(f)
        case .perShare(let rate, let minimum): commission = .perShare(rate: rate, minimum: minimum)
        case .fixed(let amount): commission = .fixed(amount)
        }
        let sizing: SizingRule
        switch spec.sizing.rule {
        case .percentOfEquity(let p): sizing = .percentOfEquity(p)
        case .fixedCash(let c): sizing = .fixedCash(c)
        case .fixedShares(let n): sizing = .fixedShares(n)
        case .volatilityTarget(let t, let p, let m):
            sizing = .volatilityTarget(targetPct: t, atrPeriod: p, maxPercent: m)
        }
        guard var conventions = Conventions.preset(named: spec.conventions.rawValue) else {
            throw RunError("conventions: unknown preset \"\(spec.conventions.rawValue)\"")
        }
        // Sessions per year of the spec's calendar: 252 (nyse, weekdays) or 365 (24x7).
        conventions.annualization = spec.data.calendar.periodsPerYear
        var config = BacktestConfig(
            initialCash: spec.capital.initial, commission: commission, slippageBps: spec.costs.slippageBps,
            sizing: sizing, conventions: conventions)
        config.fractionalShares = spec.sizing.fractionalShares
        return config
    }

    static func weights(_ spec: PipelineSpec) -> ScoreWeights {
        let w = spec.scoring.weights
        return ScoreWeights(
            totalReturn: w.totalReturn, sharpe: w.sharpe, drawdown: w.drawdown, winRate: w.winRate,
            activity: w.activity)
    }

    static func scoringRules(_ spec: PipelineSpec) -> ScoringRules {
        ScoringRules(
            weights: weights(spec), minTrades: spec.scoring.minTrades,
            returnBasis: spec.scoring.returnBasis == .cagr ? .cagr : .totalReturn)
    }

    static func qualityThresholds(_ spec: PipelineSpec) -> QualityThresholds {
        let q = spec.data.quality
        let d = QualityThresholds.standard
        return QualityThresholds(
            maxGapSessions: q.maxGapDays ?? d.maxGapSessions, maxStaleSessions: q.maxStaleDays ?? d.maxStaleSessions,
            maxJumpPct: q.maxJumpPct ?? d.maxJumpPct, maxZeroVolumeRun: q.maxZeroVolumeRun ?? d.maxZeroVolumeRun)
    }

    static func describeCosts(_ spec: PipelineSpec) -> String {
        let c: String
        switch spec.costs.commission {
        case .fraction(let f): c = "commission \(Format.number(f * 100)) % of traded value per fill"
        case .perShare(let rate, let minimum):
            c = "commission \(Format.number(rate)) per share, minimum \(Format.number(minimum)) per order"
        case .fixed(let amount): c = "commission \(Format.number(amount)) per order"
        }
        return c + ", slippage \(Format.number(spec.costs.slippageBps)) bps"
    }

    static func describeSizing(_ spec: PipelineSpec) -> String {
        let r: String
        switch spec.sizing.rule {
        case .percentOfEquity(let p): r = "\(Format.number(p)) % of equity"
        case .fixedCash(let c): r = "\(Format.number(c)) cash per entry"
        case .fixedShares(let n): r = "\(Format.number(n)) shares per entry"
        case .volatilityTarget(let t, let p, let m):
            r = "volatility target \(Format.number(t)) % (ATR \(p)), at most \(Format.number(m)) % of equity"
        }
        return r + (spec.sizing.fractionalShares ? ", fractional shares" : ", whole shares")
    }
}
