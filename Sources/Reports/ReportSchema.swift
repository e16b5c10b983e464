import Engine
import Market
import Scoring
import Strategies

/// The contract of the machine-readable files: their names, column lists and the schema version.
///
/// Every column list lives here and nowhere else. Adding, removing, renaming or reordering a column of
/// any file is a schema change: bump `version` and update `docs/reports.md` (a test compares the two).
public enum ReportSchema {
    /// Written as `"schema_version"` in results.json and documented for every CSV.
    public static let version = 3

    /// Columns of results.csv and best.csv (and the keys of each results.json row, in this order). Columns
    /// added after schema 2 come after `rank`, so the positions of the older ones never move.
    public static var resultColumns: [String] {
        ["symbol", "strategy", "params"] + ResultColumn.metrics.map(\.key) + ["score", "rank"]
            + ResultColumn.moreMetrics.map(\.key) + rankingColumns + outOfSampleColumns
    }
    /// With `validation:` on, the out-of-sample result on the row the latest training window chose; empty
    /// otherwise.
    public static let outOfSampleColumns = [
        "oos_total_return_pct", "oos_sharpe", "oos_max_drawdown_pct", "oos_trades", "oos_score",
    ]
    /// After the metrics: whether the row is ranked, why not, and the symbol's overfitting statistics
    /// (on its rank-1 row only).
    public static let rankingColumns = ["ranked", "excluded_reason", "dsr", "pbo"]
    /// results.csv and best.csv end with one column per parameter of the run's strategies (`p_fast`,
    /// `p_slow`, …, names sorted), after every column above, so the positions of those never move.
    public static func parameterColumn(_ name: String) -> String { "p_" + name }

    /// The `params` field as every file writes it: `-` for a strategy without parameters (buy_and_hold), so
    /// each row has a key pandas keeps (an empty field reads as NaN, which `groupby` drops).
    public static func paramsField(_ params: String) -> String { params.isEmpty ? "-" : params }
    public static func paramsField(_ params: Parameters) -> String { paramsField(params.text) }

    /// A strategy label as the execute stage names it (`sma_crossover(fast=10;slow=50)`, `buy_and_hold`) →
    /// the strategy id and the params text of results.csv.
    public static func strategyAndParams(_ label: String) -> (strategy: String, params: String) {
        guard label.hasSuffix(")"), let open = label.firstIndex(of: "(") else { return (label, "") }
        return (String(label[..<open]), String(label[label.index(after: open)..<label.index(before: label.endIndex)]))
    }

    public static let tradeColumns = [
        "symbol", "strategy", "params", "entry_date", "entry_price", "exit_date", "exit_price", "shares", "pnl",
        "return_pct",
    ]
    public static let equityColumns = ["date", "symbol", "strategy", "params", "equity", "drawdown_pct"]
    public static let orderColumns = [
        "symbol", "strategy", "side", "shares", "price", "value", "status", "broker_order_id", "client_order_id",
        "verdicts", "error", "params",
    ]
    /// Separator of several risk verdicts inside the single `verdicts` field of orders.csv.
    public static let verdictSeparator = " | "

    /// Every CSV file the renderer can produce, with its header, in the order `docs/reports.md` lists them.
    public static var csvFiles: [(name: String, columns: [String])] {
        [
            ("results.csv", resultColumns), ("best.csv", resultColumns), ("trades.csv", tradeColumns),
            ("equity.csv", equityColumns), ("orders.csv", orderColumns),
        ]
    }
}

/// One metric column of the ranking: its CSV/JSON key, its HTML heading and how to show it.
///
/// To show a new `Metrics` field everywhere (results.csv, best.csv, results.json, the HTML ranking table),
/// add ONE line to `metrics` — then bump `ReportSchema.version` and document the column.
public struct ResultColumn: Sendable {
    public enum Style: Sendable {
        /// Percent; coloured green/red by sign in HTML.
        case signedPercent
        /// Percent, no colour.
        case percent
        /// A plain ratio (Sharpe, profit factor), 2 decimals.
        case ratio
        /// An integer count.
        case count
        /// Money, 2 decimals with thousands separators.
        case money
        /// Calendar days, 1 decimal.
        case days
    }

    public let key: String
    public let title: String
    public let style: Style
    /// Tooltip in the HTML heading.
    public let help: String
    public let value: @Sendable (Metrics) -> Double?

    public init(
        _ key: String, _ title: String, _ style: Style, _ help: String, value: @escaping @Sendable (Metrics) -> Double?
    ) {
        self.key = key
        self.title = title
        self.style = style
        self.help = help
        self.value = value
    }

    /// The metric columns, in file order (between `params` and `score`).
    public static let metrics: [ResultColumn] = [
        .init("total_return_pct", "Return", .signedPercent, "Total return over the period, %") { $0.totalReturnPct },
        .init("cagr_pct", "CAGR", .signedPercent, "Compound annual growth rate, %") { $0.cagrPct },
        .init("volatility_pct", "Volatility", .percent, "Annualised volatility of daily returns, %") {
            $0.volatilityPct
        },
        .init("sharpe", "Sharpe", .ratio, "Annualised Sharpe ratio") { $0.sharpe },
        .init("max_drawdown_pct", "Max DD", .percent, "Maximum drawdown, % below the running peak") {
            $0.maxDrawdownPct
        },
        .init("win_rate_pct", "Win rate", .percent, "Winning trades / closed trades, %") { $0.winRatePct },
        .init("trades", "Trades", .count, "Closed trades") { Double($0.trades) },
        .init("profit_factor", "Profit factor", .ratio, "Sum of winning / losing trade returns") { $0.profitFactor },
        .init("exposure_pct", "Exposure", .percent, "Bars in the market / all bars, %") { $0.exposurePct },
        .init("final_equity", "Final equity", .money, "Equity at the last bar") { $0.finalEquity },
    ]

    /// Metric columns added in schema 3, in file order (after `rank`); the report shows them for each
    /// symbol's best row.
    public static let moreMetrics: [ResultColumn] = [
        .init("sortino", "Sortino", .ratio, "Annualised Sortino ratio (downside deviation)") { $0.sortino },
        .init("calmar", "Calmar", .ratio, "Annual return / max drawdown of the day-end curve") { $0.calmar },
        .init("sqn", "SQN", .ratio, "System Quality Number: √trades · mean P&L / std P&L") { $0.sqn },
        .init("expectancy_pct", "Expectancy", .signedPercent, "Mean closed-trade return, %") { $0.expectancyPct },
        .init("max_consecutive_losses", "Max losing streak", .count, "Longest run of losing trades") {
            Double($0.maxConsecutiveLosses)
        },
        .init("max_drawdown_bars", "Longest DD (bars)", .count, "Longest drawdown episode, bars") {
            $0.maxDrawdownDurationBars.map(Double.init)
        },
        .init("max_drawdown_days", "Longest DD (days)", .days, "Longest drawdown episode, calendar days") {
            $0.maxDrawdownDurationDays
        },
        .init("avg_trade_days", "Avg trade", .days, "Mean closed-trade duration, calendar days") {
            $0.avgTradeDurationDays
        },
        .init("best_trade_pct", "Best trade", .signedPercent, "Best closed-trade return, %") { $0.bestTradePct },
        .init("worst_trade_pct", "Worst trade", .signedPercent, "Worst closed-trade return, %") { $0.worstTradePct },
        .init("buy_and_hold_return_pct", "Buy & hold", .signedPercent, "Buy & hold from the warm-up bar's close, %") {
            $0.buyAndHoldReturnPct
        },
        .init("information_ratio", "Information ratio", .ratio, "Annualised mean / std of returns over buy & hold") {
            $0.informationRatio
        },
        .init("beta", "Beta", .ratio, "Beta of daily returns against buy & hold") { $0.beta },
    ]

    /// Text for CSV/JSON: integers for `.count`, otherwise the shortest round-trip number.
    func fileText(_ m: Metrics) -> String {
        let v = value(m)
        if style == .count, let v, v.isFinite, abs(v) < 1e15 { return String(Int64(v)) }
        return Format.number(v)
    }

    /// Text for the HTML table.
    func displayText(_ m: Metrics) -> String {
        let v = value(m)
        switch style {
        case .signedPercent, .percent: return Format.percent(v, 2)
        case .ratio: return Format.fixed(v, 2)
        case .count: return Format.fixed(v, 0)
        case .money: return Format.grouped(v, 2)
        case .days: return Format.fixed(v, 1)
        }
    }
}
