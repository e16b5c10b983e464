import Foundation
import Market
import Strategies

@testable import Engine
@testable import Reports
@testable import Scoring

/// Builds report models for tests: hand-set values, deterministic pseudo-random curves.
enum Fixture {
    static let hostile = "<script>alert(1)</script>"

    static func date(_ iso: String) -> SessionDate { SessionDate(iso: iso)! }

    /// Weekday dates from `start`, `count` of them.
    static func weekdays(from start: String, count: Int) -> [SessionDate] {
        var d = date(start)
        var out: [SessionDate] = []
        while out.count < count {
            if !d.isWeekend { out.append(d) }
            d = d.adding(days: 1)
        }
        return out
    }

    static func metrics(
        ret: Double, sharpe: Double? = 1.2, dd: Double = 10, win: Double = 50, trades: Int = 4, pf: Double? = 1.5,
        final: Double = 10_000
    ) -> Metrics {
        Metrics(
            totalReturnPct: ret, cagrPct: ret / 2, volatilityPct: 15, sharpe: sharpe, maxDrawdownPct: dd,
            winRatePct: win, trades: trades, profitFactor: pf, exposurePct: 60, finalEquity: final)
    }

    static func score(_ total: Double) -> ScoreBreakdown {
        ScoreBreakdown(returnScore: total, sharpeScore: 0, drawdownScore: 0, winRateScore: 0, activityScore: 0)
    }

    static func trade(_ entry: String, _ exit: String, entryPrice: Double, exitPrice: Double, shares: Double) -> Trade {
        let pnl = shares * (exitPrice - entryPrice)
        return Trade(
            entryBar: 0, exitBar: 1, entryDate: date(entry), exitDate: date(exit), entryPrice: entryPrice,
            exitPrice: exitPrice, shares: shares, entryCommission: 0, exitCommission: 0, pnl: pnl,
            returnPct: (exitPrice / entryPrice - 1) * 100)
    }

    static func info(name: String = "nightly", provider: String = "synthetic", synthetic: Bool = true) -> RunInfo {
        RunInfo(
            specName: name, specPath: "pipelines/\(name).yaml", provider: provider, isSynthetic: synthetic,
            periodStart: date("2020-01-01"), periodEnd: date("2021-12-31"), conventions: "backtesting.py",
            costs: "commission 0.1 % per fill, slippage 0 bps", sizing: "95 % of equity", initialCapital: 10_000,
            runId: "20261125T060000Z-abc123", toolVersion: "0.1.0",
            skippedCombinations: ["sma_crossover fast=20;slow=20: fast < slow"], startedAt: "2026-11-25T06:00:00Z")
    }

    /// A deterministic random walk (LCG), starting at `start`.
    static func walk(count: Int, start: Double, seed: UInt64, drift: Double = 0.0003, vol: Double = 0.012) -> [Double] {
        var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        var v = start
        var out: [Double] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            out.append(v)
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let u = Double(state >> 11) / Double(1 << 53)
            v *= 1 + drift + vol * (u * 2 - 1) * 1.7
        }
        return out
    }

    /// A report with `symbols` symbols; per symbol an sma_crossover 2×2 grid (fast × slow), one rsi_reversion
    /// row and buy_and_hold, plus extra sma rows up to `perSymbol` backtests. Ranks follow the scores.
    static func report(
        symbols: Int = 3, perSymbol: Int = 6, bars: Int = 300, tradesPerRow: Int = 3,
        symbolName: (Int) -> String = {
            ["AAPL", "MSFT", "SPY", "QQQ"].indices.contains($0) ? ["AAPL", "MSFT", "SPY", "QQQ"][$0] : "SYM\($0)"
        }, info: RunInfo = Fixture.info(), execution: [ExecutionRow]? = nil
    ) -> RunReport {
        let dates = weekdays(from: "2020-01-02", count: bars)
        var rows: [ResultRow] = []
        var symbolReports: [SymbolReport] = []
        for si in 0..<symbols {
            let sym = symbolName(si)
            let close = walk(count: bars, start: 100 + Double(si), seed: UInt64(si * 1000 + 1))
            var specs: [(String, String)] = [
                ("sma_crossover", "fast=10;slow=30"), ("sma_crossover", "fast=10;slow=50"),
                ("sma_crossover", "fast=20;slow=30"), ("sma_crossover", "fast=20;slow=50"),
                ("rsi_reversion", "lower=30;period=14;upper=70"), ("buy_and_hold", ""),
            ]
            var extra = 0
            while specs.count < perSymbol {
                specs.append(("sma_crossover", "fast=\(30 + extra);slow=\(100 + extra)"))
                extra += 1
            }
            specs = Array(specs.prefix(perSymbol))
            var curves: [[Double]] = []
            var scores: [Double] = []
            var first = rows.count
            for (k, (strategy, params)) in specs.enumerated() {
                let curve = walk(
                    count: bars, start: 10_000, seed: UInt64(si * 1000 + k + 7), drift: 0.0002 * Double(k % 4))
                let ret = (curve[bars - 1] / curve[0] - 1) * 100
                let sc = Double((si * 7 + k * 13) % 60) + 20 + Double(k) * 0.01
                var trades: [Trade] = []
                for t in 0..<tradesPerRow {
                    let a = (t * 2 + 1) * bars / (tradesPerRow * 2 + 2)
                    let b = a + bars / (tradesPerRow * 2 + 2)
                    trades.append(
                        trade(
                            dates[a].iso, dates[min(b, bars - 1)].iso, entryPrice: close[a],
                            exitPrice: close[min(b, bars - 1)],
                            shares: 10))
                }
                rows.append(
                    ResultRow(
                        symbol: sym, strategy: strategy, params: Parameters(canonical: params)!,
                        metrics: metrics(ret: ret, trades: trades.count, final: curve[bars - 1]), score: score(sc),
                        rank: 0,
                        trades: trades))
                curves.append(curve)
                scores.append(sc)
            }
            let order = scores.indices.sorted { scores[$0] > scores[$1] }
            for (r, k) in order.enumerated() { rows[first + k].rank = r + 1 }
            symbolReports.append(
                SymbolReport(
                    symbol: sym, dates: dates, close: close, rowIndices: Array(first..<rows.count), equity: curves))
            first = rows.count
        }
        return RunReport(
            info: info, rows: rows, symbols: symbolReports,
            issues: [
                SymbolIssue(
                    symbol: "BAD", kind: .failed, reasons: ["provider synthetic: no bars in 2020-01-01 … 2021-12-31"])
            ],
            execution: execution)
    }

    static func execution() -> [ExecutionRow] {
        [
            ExecutionRow(
                symbol: "AAPL", strategy: "sma_crossover", side: "buy", shares: 10, price: 101.5, value: 1015,
                status: .submitted, brokerOrderId: "paper-1", clientOrderId: "nightly-AAPL-1", verdicts: [], error: ""),
            ExecutionRow(
                symbol: "MSFT", strategy: "rsi_reversion", side: "buy", shares: 50, price: 300, value: 15_000,
                status: .blocked, brokerOrderId: "", clientOrderId: "nightly-MSFT-1",
                verdicts: ["MAX_POSITION_SIZE: symbol=MSFT, value_pct=18.0, limit_pct=10.0"], error: ""),
            ExecutionRow(
                symbol: "SPY", strategy: "buy_and_hold", side: "buy", shares: 1, price: 400, value: 400,
                status: .failed,
                brokerOrderId: "", clientOrderId: "nightly-SPY-1", verdicts: [],
                error: "broker paper: insufficient cash"),
        ]
    }

    static func file(_ files: [ReportFile], _ name: String) -> String {
        String(decoding: files.first { $0.name == name }!.contents, as: UTF8.self)
    }
}
