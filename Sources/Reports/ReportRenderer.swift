import Engine
import Market
import Scoring

/// Renders a `RunReport` into its files. Pure: same report, same bytes.
public enum ReportRenderer {
    public static let resultColumns = [
        "symbol", "strategy", "params", "total_return_pct", "cagr_pct", "volatility_pct", "sharpe", "max_drawdown_pct",
        "win_rate_pct", "trades", "profit_factor", "exposure_pct", "final_equity", "score", "rank",
    ]
    public static let tradeColumns = [
        "symbol", "strategy", "params", "entry_date", "entry_price", "exit_date", "exit_price", "shares", "pnl",
        "return_pct",
    ]

    public static func render(_ report: RunReport) -> [ReportFile] {
        [
            ReportFile(name: "results.csv", contents: resultsCSV(report.rows).bytes),
            ReportFile(name: "best.csv", contents: resultsCSV(bestRows(report)).bytes),
            ReportFile(name: "trades.csv", contents: tradesCSV(report.rows).bytes),
            ReportFile(name: "report.html", contents: Array(HTMLReport.render(report).utf8)),
        ]
    }

    /// Rank-1 rows, in symbol (universe) order.
    public static func bestRows(_ report: RunReport) -> [ResultRow] {
        report.symbols.compactMap { s in s.rowIndices.map { report.rows[$0] }.first { $0.rank == 1 } }
    }

    static func resultsCSV(_ rows: [ResultRow]) -> CSVWriter {
        var w = CSVWriter(header: resultColumns)
        for r in rows {
            let m = r.metrics
            w.appendRow([
                r.symbol, r.strategy, r.params, Format.number(m.totalReturnPct), Format.number(m.cagrPct),
                Format.number(m.volatilityPct), Format.number(m.sharpe), Format.number(m.maxDrawdownPct),
                Format.number(m.winRatePct), String(m.trades), Format.number(m.profitFactor),
                Format.number(m.exposurePct), Format.number(m.finalEquity), Format.number(r.score.total),
                String(r.rank),
            ])
        }
        return w
    }

    static func tradesCSV(_ rows: [ResultRow]) -> CSVWriter {
        var w = CSVWriter(header: tradeColumns)
        for r in rows {
            for t in r.trades {
                w.appendRow([
                    r.symbol, r.strategy, r.params, t.entryDate.iso, Format.number(t.entryPrice), t.exitDate.iso,
                    Format.number(t.exitPrice), Format.number(t.shares), Format.number(t.pnl), Format.number(t.returnPct),
                ])
            }
        }
        return w
    }
}
