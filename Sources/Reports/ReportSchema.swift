import Engine
import Market
import Scoring

/// The contract of the machine-readable files: their names, column lists and the schema version.
///
/// Every column list lives here and nowhere else. Adding, removing, renaming or reordering a column of
/// any file is a schema change: bump `version` and update `docs/reports.md` (a test compares the two).
public enum ReportSchema {
    /// Written as `"schema_version"` in results.json and documented for every CSV.
    public static let version = 3

    /// Columns of results.csv and best.csv (and the keys of each results.json row, in this order).
    public static var resultColumns: [String] {
        ["symbol", "strategy", "params"] + ResultColumn.metrics.map(\.key) + ["score", "rank"]
    }
    /// results.csv and best.csv end with one column per parameter of the run's strategies (`p_fast`,
    /// `p_slow`, …, names sorted), after every column above, so the positions of those never move.
    public static func parameterColumn(_ name: String) -> String { "p_" + name }

    /// `fast=10;slow=50` → `["fast": "10", "slow": "50"]`; empty text → no parameters.
    public static func parameterValues(_ params: String) -> [String: String] {
        var out: [String: String] = [:]
        for pair in params.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { out[String(parts[0])] = String(parts[1]) }
        }
        return out
    }

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
        }
    }
}
