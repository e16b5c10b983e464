import Foundation
import Strategies
import Testing

@testable import Reports

@Suite struct HTMLReportTests {
    static let h = Fixture.hostile
    static let escaped = "&lt;script&gt;alert(1)&lt;/script&gt;"

    /// Markup in every externally supplied string: spec name and path, provider, ticker, params, strategy,
    /// issue reasons, skipped combinations, conventions/costs, execution fields.
    static func hostileReport() -> RunReport {
        var info = Fixture.info(name: h, provider: "prov" + h)
        info.specPath = h
        info.conventions = h
        info.costs = h
        info.sizing = h
        info.runId = h
        info.toolVersion = h
        info.startedAt = h
        info.skippedCombinations = [h]
        var exec = Fixture.execution()
        exec[0].symbol = h
        exec[0].brokerOrderId = h
        exec[1].verdicts = [h]
        exec[2].error = h
        var r = Fixture.report(symbols: 2, symbolName: { $0 == 0 ? h : "B\"'&" }, info: info, execution: exec)
        for i in r.rows.indices where r.rows[i].strategy == "sma_crossover" {
            r.rows[i].params[h] = .int(7)
        }
        r.rows[4].strategy = h
        r.issues = [SymbolIssue(symbol: h, kind: .quarantined, reasons: [h, "second " + h])]
        return r
    }

    @Test func markupFromInputsAppearsOnlyEscaped() {
        let html = HTMLReport.render(Self.hostileReport())
        #expect(!html.contains(Self.h))
        #expect(!html.contains("alert(1)</"))
        #expect(html.contains(Self.escaped))
        // Our own script is the only script element.
        #expect(html.components(separatedBy: "<script").count == 2)
        // Quote characters in a ticker cannot break out of an attribute.
        #expect(html.contains("B&quot;&#39;&amp;"))
        #expect(!html.contains("B\"'&"))
    }

    @Test func svgTextAndAttributesAreEscaped() {
        let html = HTMLReport.render(Self.hostileReport())
        let svgs = html.components(separatedBy: "<svg").dropFirst().map { $0.components(separatedBy: "</svg>")[0] }
        // Per symbol: the tearsheet (equity, log equity, drawdown, rolling Sharpe and volatility, return
        // distribution) and each backtest's detail (price, equity, drawdown, per-trade P&L).
        #expect(svgs.count >= 4)
        for svg in svgs { #expect(!svg.contains("<script")) }
        // The first symbol's ticker is the hostile text: in the title element and the aria-label attribute.
        #expect(svgs[0].contains("aria-label=\"" + Self.escaped))
        #expect(svgs[0].contains("<title>" + Self.escaped))
    }

    @Test func hostileValuesAreQuotedInCSV() {
        let files = ReportRenderer.render(Self.hostileReport())
        let results = Fixture.file(files, "results.csv")
        #expect(
            results.contains(
                "\r\n<script>alert(1)</script>,sma_crossover,<script>alert(1)</script>=7;fast=10;slow=30,"))
        let orders = Fixture.file(files, "orders.csv")
        #expect(orders.contains("\r\n<script>alert(1)</script>,sma_crossover,buy,"))
        #expect(Fixture.file(files, "trades.csv").contains("\"B\"\"'&\""))
    }

    @Test func sectionsArePresent() {
        let r = Fixture.report(symbols: 3, execution: Fixture.execution())
        let html = HTMLReport.render(r)
        for needle in [
            "id=\"summary\"", "id=\"overview\"", "id=\"symbols\"", "id=\"execution\"", "synthetic data",
            "pipelines/nightly.yaml", "backtesting.py", "95 % of equity", "0.1.0", "manifest.json",
            "1 combination(s) skipped", "sma_crossover fast=20;slow=20: fast &lt; slow", "provider synthetic: no bars",
            "<tr class=\"best\">", "class=\"star\"", "<details class=\"trades\">", "Monthly returns",
            "Score grid: sma_crossover",
            "href=\"#s0\"", "id=\"s2\"", "MAX_POSITION_SIZE: symbol=MSFT, value_pct=18.0, limit_pct=10.0",
            "broker paper: insufficient cash", "paper-1", "2020-01-02",
        ] {
            #expect(html.contains(needle), "missing \(needle)")
        }
        // Details of trades are collapsed by default (no `open` attribute).
        #expect(!html.contains("<details class=\"trades\" open"))
        // No network: no external references.
        for needle in ["http://", "https://", "src=", "@import", "url("] {
            #expect(!html.contains(needle), "found \(needle)")
        }
    }

    @Test func symbolTabsWorkWithoutScript() {
        let html = HTMLReport.render(Fixture.report(symbols: 3))
        // Plain anchors to ids, and the CSS that shows the targeted symbol (the first one by default).
        for i in 0..<3 { #expect(html.contains("<a href=\"#s\(i)\">") && html.contains("id=\"s\(i)\"")) }
        #expect(html.contains(".syms .sym:target{display:block}"))
        #expect(html.contains(".syms .sym:has(.det:target){display:block}"))
        #expect(html.contains(".syms:not(:has(.sym:target,.det:target)) .sym:first-child{display:block}"))
        #expect(html.contains(".det{display:none;") && html.contains(".det:target{display:block}"))
    }

    @Test func noExecutionSectionWithoutExecution() {
        let html = HTMLReport.render(Fixture.report(symbols: 1))
        #expect(!html.contains("id=\"execution\""))
        #expect(!ReportRenderer.render(Fixture.report(symbols: 1)).contains { $0.name == "orders.csv" })
    }

    @Test func rankingRowsOnePerBacktestBestFirst() {
        let r = Fixture.report(symbols: 1, perSymbol: 6)
        let html = HTMLReport.render(r)
        let section = html.components(separatedBy: "class=\"sortable rank\"")[1].components(separatedBy: "</table>")[0]
        let rows = section.components(separatedBy: "<tr").dropFirst(2)  // header row, then body rows
        #expect(rows.count == 6)
        #expect(rows.first!.hasPrefix(" class=\"best\""))
        #expect(rows.dropFirst().allSatisfy { !$0.contains("class=\"best\"") })
    }

    @Test func heatmapMarksBestStrategyPerSymbol() {
        let r = Fixture.report(symbols: 3)
        let html = HTMLReport.render(r)
        let overview = html.components(separatedBy: "class=\"sortable heat overview\"")[1].components(
            separatedBy: "</table>")[0]
        let body = overview.components(separatedBy: "<tbody>")[1]
        let rows = body.components(separatedBy: "<tr data-sym=").dropFirst()
        #expect(rows.count == 3)
        for (i, row) in rows.enumerated() {
            #expect(row.components(separatedBy: " hb\"").count == 2, "one best cell in row \(i)")
            let best = ReportRenderer.bestRows(r)[i]
            #expect(row.contains("<td class=\"t\">\(best.strategy)</td></tr>"))
        }
    }

    @Test func gridHeatmapOnlyForTwoVaryingParameters() {
        let r = Fixture.report(symbols: 1)
        let html = HTMLReport.render(r)
        // sma_crossover varies fast and slow; rsi_reversion has a single row; buy_and_hold has no parameters.
        #expect(html.contains("Score grid: sma_crossover"))
        #expect(!html.contains("Score grid: rsi_reversion"))
        #expect(!html.contains("Score grid: buy_and_hold"))
    }

    @Test func emptyReportRenders() {
        let r = RunReport(info: Fixture.info(), rows: [], symbols: [], issues: [])
        let html = HTMLReport.render(r)
        #expect(html.contains("No symbol produced results."))
        #expect(html.hasSuffix("</html>\n"))
    }

    @Test func templateConstantsHoldNoMustacheDelimiters() {
        #expect(!HTMLTemplates.css.contains("{{"))
        #expect(!HTMLTemplates.script.contains("{{"))
        #expect(!HTMLTemplates.script.contains("</"))
    }
}
