import Strategies
import Testing

@testable import Reports

@Suite struct CSVTests {
    @Test(arguments: [
        ("plain", "plain"), ("", ""), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("line\nbreak", "\"line\nbreak\""), ("cr\rhere", "\"cr\rhere\""), ("crlf\r\nx", "\"crlf\r\nx\""),
        ("fast=10;slow=20", "fast=10;slow=20"), ("ünï", "ünï"),
    ])
    func quoting(_ field: String, _ expected: String) {
        #expect(CSVWriter.quote(field) == expected)
    }

    @Test func recordsEndWithCRLF() {
        var w = CSVWriter(header: ["a", "b"])
        w.appendRow(["1", "x,y"])
        #expect(w.text == "a,b\r\n1,\"x,y\"\r\n")
    }

    @Test func resultsCSVQuotesHostileFields() {
        var report = Fixture.report(symbols: 1, perSymbol: 6)
        report.rows[0].symbol = "A,B"
        report.rows[0].params = Parameters(["note=\"x\"\r\ny": .int(1)])
        let csv = ReportRenderer.resultsCSV(report.rows).text
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines[0] == ReportSchema.resultColumns.joined(separator: ","))
        #expect(csv.hasPrefix(lines[0] + "\r\n\"A,B\",sma_crossover,\"note=\"\"x\"\"\r\ny=1\","))
        #expect(csv.hasSuffix("\r\n"))
    }

    @Test func resultsRowFieldsInColumnOrder() {
        let m = Fixture.metrics(ret: 12.5, sharpe: nil, dd: 7.25, win: 50, trades: 4, pf: nil, final: 11_250)
        let row = ResultRow(
            symbol: "AAPL", strategy: "sma_crossover", params: Parameters(canonical: "fast=10;slow=30")!, metrics: m,
            score: Fixture.score(61.5),
            rank: 2, trades: [])
        // cagr = ret / 2 and volatility = 15, exposure = 60 by the fixture's construction; the schema-3
        // metrics are the fixture's defaults (undefined, 0 losses, 0 buy & hold), then ranked with no reason,
        // no overfitting statistics (not computed here) and empty out-of-sample columns (validation off).
        #expect(
            ReportRenderer.resultFields(row) == [
                "AAPL", "sma_crossover", "fast=10;slow=30", "12.5", "6.25", "15", "", "7.25", "50", "4", "", "60",
                "11250", "61.5", "2",
                "", "", "", "", "0", "", "", "", "", "", "0", "", "",
                "true", "", "", "",
                "", "", "", "", "",
            ])
    }

    @Test func excludedRowsAreMarkedAndTheBestCarriesItsOverfittingStatistics() {
        let m = Fixture.metrics(ret: 0, trades: 0)
        let excluded = ResultRow(
            symbol: "A", strategy: "s", params: Parameters(), metrics: m, score: Fixture.score(20), rank: 2, trades: [],
            excludedReason: "0 trades < scoring.min_trades 1")
        let best = ResultRow(
            symbol: "A", strategy: "s", params: Parameters(["p": .int(1)]), metrics: m, score: Fixture.score(30),
            rank: 1, trades: [],
            overfitting: OverfittingStats(dsr: 0.25, pbo: 0.5))
        let cols = ReportSchema.resultColumns
        func field(_ r: ResultRow, _ c: String) -> String { ReportRenderer.resultFields(r)[cols.firstIndex(of: c)!] }
        #expect(field(excluded, "ranked") == "false")
        #expect(field(excluded, "excluded_reason") == "0 trades < scoring.min_trades 1")
        #expect(field(excluded, "dsr") == "")
        #expect(field(best, "ranked") == "true")
        #expect(field(best, "dsr") == "0.25")
        #expect(field(best, "pbo") == "0.5")
    }

    @Test func bestCSVHasOneRankOneRowPerSymbol() {
        let report = Fixture.report(symbols: 3)
        let files = ReportRenderer.render(report)
        let best = Fixture.file(files, "best.csv").components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(best.count == 4)
        #expect(best[0] == Fixture.file(files, "results.csv").components(separatedBy: "\r\n")[0])
        // rank by name: the p_ parameter columns follow it.
        let rank = best[0].split(separator: ",").firstIndex(of: "rank")!
        for line in best.dropFirst() {
            #expect(line.split(separator: ",", omittingEmptySubsequences: false)[rank] == "1")
        }
    }

    @Test func equityCSVCoversEveryBacktestAndDate() {
        let report = Fixture.report(symbols: 2, perSymbol: 3, bars: 20)
        let csv = ReportRenderer.equityCSV(report).text
        let lines = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.count == 1 + 2 * 3 * 20)
        #expect(lines[0] == "date,symbol,strategy,params,equity,drawdown_pct")
        // The fixture's curves start at exactly 10000 with no drawdown.
        #expect(lines[1] == "2020-01-02,AAPL,sma_crossover,fast=10;slow=30,10000,0")
    }

    @Test func streamedEquityCSVEqualsRendered() {
        let report = Fixture.report(symbols: 3, perSymbol: 4, bars: 50)
        var streamed: [UInt8] = []
        var chunks = 0
        ReportRenderer.streamEquityCSV(report) {
            streamed += $0
            chunks += 1
        }
        #expect(streamed == ReportRenderer.equityCSV(report).bytes)
        #expect(chunks == 1 + 3 * 4)
        let without = ReportRenderer.render(report, includeEquityCSV: false).map(\.name)
        #expect(without == ReportRenderer.render(report).map(\.name).filter { $0 != "equity.csv" })
    }

    @Test func ordersCSVJoinsVerdicts() {
        var exec = Fixture.execution()
        exec[1].verdicts.append("MAX_ORDERS: count=6, limit=5")
        let csv = ReportRenderer.ordersCSV(exec).text
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines[0] == ReportSchema.orderColumns.joined(separator: ","))
        // The last column is params (`-`: these fixture labels carry none).
        #expect(lines[1] == "AAPL,sma_crossover,buy,10,101.5,1015,submitted,paper-1,nightly-AAPL-1,,,-")
        #expect(
            lines[2]
                == "MSFT,rsi_reversion,buy,50,300,15000,blocked,,nightly-MSFT-1,\"MAX_POSITION_SIZE: symbol=MSFT, value_pct=18.0, limit_pct=10.0 | MAX_ORDERS: count=6, limit=5\",,-"
        )
        #expect(lines[3].hasSuffix(",failed,,nightly-SPY-1,,broker paper: insufficient cash,-"))
    }

    @Test func ordersCSVSplitsTheStrategyLabelSoItJoinsResultsCSV() {
        var exec = Fixture.execution()
        exec[0].strategy = "sma_crossover(fast=10;slow=30)"
        let lines = ReportRenderer.ordersCSV(exec).text.components(separatedBy: "\r\n")
        #expect(lines[1].hasPrefix("AAPL,sma_crossover,buy,"))
        #expect(lines[1].hasSuffix(",fast=10;slow=30"))
    }
}
