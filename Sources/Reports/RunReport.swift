import Engine
import Market
import Scoring
import Strategies

/// Everything the report stage renders, as plain values (built by the pipeline, rendered here).
///
/// Result files must be byte-identical across reruns of the same inputs, so nothing here carries a
/// wall-clock time or run id except `RunInfo`, which only `report.html` and the manifest show.
public struct RunReport: Sendable {
    public var info: RunInfo
    /// One row per symbol × strategy × params, in plan order (symbol, then strategy entry, then grid order).
    public var rows: [ResultRow]
    /// Per symbol, in universe order: bars used and the curves of every backtest (aligned with `rows`).
    public var symbols: [SymbolReport]
    /// Symbols that produced no results, with the reason (fetch failure, quarantine, too few bars).
    public var issues: [SymbolIssue]
    /// Execute stage outcome, when it ran.
    public var execution: [ExecutionRow]?
    /// `equity.csv` holds every backtest's curve (true) or only each symbol's rank-1 curve (false).
    public var equityOfEveryBacktest: Bool = true
    /// Walk-forward or holdout validation, when the spec asks for it.
    public var validation: ValidationSummary?

    public init(
        info: RunInfo, rows: [ResultRow], symbols: [SymbolReport], issues: [SymbolIssue],
        execution: [ExecutionRow]? = nil
    ) {
        self.info = info
        self.rows = rows
        self.symbols = symbols
        self.issues = issues
        self.execution = execution
    }
}

/// Run-level facts shown in the summary.
public struct RunInfo: Sendable {
    public var specName: String
    public var specPath: String
    public var provider: String
    public var isSynthetic: Bool
    public var periodStart: SessionDate
    public var periodEnd: SessionDate
    public var conventions: String
    public var costs: String
    public var sizing: String
    public var initialCapital: Double
    /// Shown in report.html only (never in CSV/JSON result files).
    public var runId: String
    public var toolVersion: String
    /// Grid points skipped by a parameter constraint, e.g. `sma_crossover fast=50;slow=50: fast < slow`.
    public var skippedCombinations: [String]
    /// When the run started, as the manifest writes it (e.g. `2026-11-25T06:00:00Z`); shown in report.html
    /// only. Empty: not shown.
    public var startedAt: String
    /// The weights the composite score used; shown in the summary, and their sum is the top of the heatmap scale.
    public var scoreWeights: ScoreWeights
    /// Plan warnings shown in the summary (a period shorter than a strategy's warm-up).
    public var warnings: [String] = []

    public init(
        specName: String, specPath: String, provider: String, isSynthetic: Bool, periodStart: SessionDate,
        periodEnd: SessionDate, conventions: String, costs: String, sizing: String, initialCapital: Double,
        runId: String, toolVersion: String, skippedCombinations: [String], startedAt: String = "",
        scoreWeights: ScoreWeights = .standard
    ) {
        self.specName = specName
        self.specPath = specPath
        self.provider = provider
        self.isSynthetic = isSynthetic
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.conventions = conventions
        self.costs = costs
        self.sizing = sizing
        self.initialCapital = initialCapital
        self.runId = runId
        self.toolVersion = toolVersion
        self.skippedCombinations = skippedCombinations
        self.startedAt = startedAt
        self.scoreWeights = scoreWeights
    }
}

/// One backtest's outcome and its place in the symbol's ranking.
public struct ResultRow: Sendable {
    public var symbol: String
    public var strategy: String
    public var params: Parameters
    public var metrics: Metrics
    public var score: ScoreBreakdown
    /// 1 = best for the symbol.
    public var rank: Int
    public var trades: [Trade]
    /// Why `scoring.min_trades` keeps this row out of the ranking (it then ranks after every ranked row,
    /// and is never traded); nil for a ranked row.
    public var excludedReason: String?
    /// The row's symbol-level overfitting statistics, on its rank-1 row only.
    public var overfitting: OverfittingStats?
    /// With validation on: the out-of-sample result of the row's (symbol, strategy), on the row whose
    /// params the latest training window chose (the row that is ranked and traded).
    public var outOfSample: OutOfSample?

    public init(
        symbol: String, strategy: String, params: Parameters, metrics: Metrics, score: ScoreBreakdown, rank: Int,
        trades: [Trade], excludedReason: String? = nil, overfitting: OverfittingStats? = nil,
        outOfSample: OutOfSample? = nil
    ) {
        self.symbol = symbol
        self.strategy = strategy
        self.params = params
        self.metrics = metrics
        self.score = score
        self.rank = rank
        self.trades = trades
        self.excludedReason = excludedReason
        self.overfitting = overfitting
        self.outOfSample = outOfSample
    }
}

/// The stitched out-of-sample result of one (symbol, strategy) and how each fold chose its parameters.
public struct OutOfSample: Sendable, Equatable {
    public var metrics: Metrics
    public var score: ScoreBreakdown
    public var folds: [FoldChoice]
    public init(metrics: Metrics, score: ScoreBreakdown, folds: [FoldChoice]) {
        self.metrics = metrics
        self.score = score
        self.folds = folds
    }
}

/// One fold of one (symbol, strategy): the parameters chosen on its training window, their in-sample
/// figures, and their figures on the test window.
public struct FoldChoice: Sendable, Equatable {
    /// Index into `ValidationSummary.folds`.
    public var fold: Int
    public var params: Parameters
    public var inSampleScore: Double
    public var inSampleReturnPct: Double
    public var outOfSampleReturnPct: Double
    public var outOfSampleScore: Double
    public var outOfSampleTrades: Int
    public init(
        fold: Int, params: Parameters, inSampleScore: Double, inSampleReturnPct: Double, outOfSampleReturnPct: Double,
        outOfSampleScore: Double, outOfSampleTrades: Int
    ) {
        self.fold = fold
        self.params = params
        self.inSampleScore = inSampleScore
        self.inSampleReturnPct = inSampleReturnPct
        self.outOfSampleReturnPct = outOfSampleReturnPct
        self.outOfSampleScore = outOfSampleScore
        self.outOfSampleTrades = outOfSampleTrades
    }
}

/// A fold's windows, half-open in calendar dates: train `trainFrom ..< testFrom`, test `testFrom ..< testTo`.
public struct FoldWindow: Sendable, Equatable {
    public var trainFrom: SessionDate
    public var testFrom: SessionDate
    public var testTo: SessionDate
    public init(trainFrom: SessionDate, testFrom: SessionDate, testTo: SessionDate) {
        self.trainFrom = trainFrom
        self.testFrom = testFrom
        self.testTo = testTo
    }
}

/// The validation of a run: its method and its folds.
public struct ValidationSummary: Sendable, Equatable {
    /// `holdout` or `walk_forward`.
    public var method: String
    /// `train 3y, test 1y, rolling`.
    public var description: String
    public var folds: [FoldWindow]
    public init(method: String, description: String, folds: [FoldWindow]) {
        self.method = method
        self.description = description
        self.folds = folds
    }
}

/// A symbol's Deflated Sharpe Ratio (of its rank-1 row) and Probability of Backtest Overfitting (of its grid).
public struct OverfittingStats: Sendable, Equatable {
    public var dsr: Double?
    public var pbo: Double?
    public init(dsr: Double?, pbo: Double?) {
        self.dsr = dsr
        self.pbo = pbo
    }
}

/// A symbol's bars and equity curves, for charts and `equity.csv`.
public struct SymbolReport: Sendable {
    public var symbol: String
    public var dates: [SessionDate]
    public var close: [Double]
    /// Indices into `RunReport.rows` of this symbol's backtests, in plan order.
    public var rowIndices: [Int]
    /// Equity curves aligned with `rowIndices`, one point per date.
    public var equity: [[Double]]

    public init(symbol: String, dates: [SessionDate], close: [Double], rowIndices: [Int], equity: [[Double]]) {
        self.symbol = symbol
        self.dates = dates
        self.close = close
        self.rowIndices = rowIndices
        self.equity = equity
    }
}

/// Why a symbol has no results.
public struct SymbolIssue: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case failed
        case quarantined
    }
    public var symbol: String
    public var kind: Kind
    public var reasons: [String]

    public init(symbol: String, kind: Kind, reasons: [String]) {
        self.symbol = symbol
        self.kind = kind
        self.reasons = reasons
    }
}

/// One order of the execute stage, as shown in the report and `orders.csv`.
public struct ExecutionRow: Sendable {
    public var symbol: String
    public var strategy: String
    public var side: String
    public var shares: Double
    public var price: Double
    public var value: Double
    public var status: OrderStatus
    public var brokerOrderId: String
    public var clientOrderId: String
    /// Risk verdicts, e.g. `MAX_POSITION_SIZE: symbol=TSLA, value_pct=18.0, limit_pct=10.0`.
    public var verdicts: [String]
    public var error: String
    /// The broker's exact decimal text of `price` and `value` (the ledger keeps money exactly), written to
    /// orders.csv instead of the binary doubles when present.
    public var priceText: String?
    public var valueText: String?

    public init(
        symbol: String, strategy: String, side: String, shares: Double, price: Double, value: Double,
        status: OrderStatus,
        brokerOrderId: String, clientOrderId: String, verdicts: [String], error: String
    ) {
        self.symbol = symbol
        self.strategy = strategy
        self.side = side
        self.shares = shares
        self.price = price
        self.value = value
        self.status = status
        self.brokerOrderId = brokerOrderId
        self.clientOrderId = clientOrderId
        self.verdicts = verdicts
        self.error = error
    }
}

/// A rendered output file.
public struct ReportFile: Sendable {
    public var name: String
    public var contents: [UInt8]
    public init(name: String, contents: [UInt8]) {
        self.name = name
        self.contents = contents
    }
}
