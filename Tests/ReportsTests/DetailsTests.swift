import Digests
import Foundation
import Testing

@testable import Reports

/// Backtest details, per-symbol pages, the script's CSP hash and the usability markup of report.html.
@Suite struct DetailsTests {
    /// The text between `<section … id="ID"` and the next section of that class.
    static func element(_ html: String, id: String) -> String? {
        guard let r = html.range(of: "id=\"\(id)\"") else { return nil }
        let rest = html[r.upperBound...]
        let end = rest.range(of: "<section class=\"det card\"")?.lowerBound ?? rest.endIndex
        return String(rest[..<end])
    }

    @Test func everyRankingRowLinksToItsDetailByResultsCSVLine() throws {
        let r = Fixture.report(symbols: 2, perSymbol: 6, tradesPerRow: 3)
        #expect(HTMLReport.detailsInline(r))
        let html = HTMLReport.render(r)
        let csvLines = Fixture.file(ReportRenderer.render(r), "results.csv").components(separatedBy: "\r\n")
        for (i, row) in r.rows.enumerated() {
            let n = i + 1
            // results.csv line n + 1 (after the header) is this row.
            #expect(csvLines[n].hasPrefix("\(row.symbol),\(row.strategy),"))
            #expect(html.contains("<a href=\"#bt-\(n)\">\(n)</a>"), "row \(n) has no link")
            let detail = try #require(Self.element(html, id: "bt-\(n)"), "no detail bt-\(n)")
            #expect(detail.contains("results.csv row \(n) · rank \(row.rank)"))
            // The price chart with one entry and one exit marker path, equity vs buy & hold, drawdown, P&L.
            #expect(detail.contains("class=\"px\""))
            #expect(detail.contains("<path class=\"me\" d=\"M") && detail.contains("<path class=\"mx\" d=\"M"))
            #expect(detail.components(separatedBy: "h0").count - 1 >= 2 * row.trades.count)
            #expect(
                detail.contains("class=\"s1\"") && detail.contains("class=\"s2\"") && detail.contains("class=\"dd\""))
            #expect(detail.contains("class=\"plp\"") || detail.contains("class=\"pln\""))
            // Every metric, by its heading.
            for c in ResultColumn.metrics + ResultColumn.moreMetrics {
                #expect(detail.contains("<dt>\(HTMLReport.escape(c.title))</dt>"))
            }
            #expect(detail.contains("<h4>Trades (\(row.trades.count))</h4>"))
        }
    }

    @Test func detailsWithoutACurveStillShowPriceAndTrades() throws {
        var r = Fixture.report(symbols: 1, perSymbol: 6)
        r.symbols[0].equity = r.symbols[0].equity.enumerated().map { k, c in
            r.rows[r.symbols[0].rowIndices[k]].rank == 1 ? c : []
        }
        let html = HTMLReport.render(r)
        let worst = try #require(r.rows.firstIndex { $0.rank == 6 })
        let detail = try #require(Self.element(html, id: "bt-\(worst + 1)"))
        #expect(detail.contains("class=\"px\"") && detail.contains("No equity curve recorded for this backtest."))
        // Curves given by the caller are drawn.
        let all = r.symbols[0].rowIndices.indices.map { _ in Fixture.walk(count: 300, start: 1e4, seed: 9) }
        let withCurves = HTMLReport.render(r, curves: { _ in all })
        #expect(!(Self.element(withCurves, id: "bt-\(worst + 1)") ?? "").contains("No equity curve"))
    }

    @Test func largeRunsMoveDetailsToOnePagePerSymbol() throws {
        let r = Fixture.report(symbols: 12, perSymbol: 8, bars: 400)
        #expect(!HTMLReport.detailsInline(r))
        let index = HTMLReport.render(r)
        let names = HTMLReport.symbolPageNames(r)
        #expect(!index.contains("class=\"det card\""))
        for (i, s) in r.symbols.enumerated() {
            #expect(index.contains("<a href=\"symbols/\(names[i])\">\(s.symbol)</a>"))
            let best = try #require(s.rowIndices.first { r.rows[$0].rank == 1 })
            #expect(index.contains("href=\"symbols/\(names[i])#bt-\(best + 1)\""))
        }
        let page = HTMLReport.renderSymbolPage(r, symbol: 3, curves: nil)
        for i in r.symbols[3].rowIndices {
            #expect(page.contains("<a href=\"#bt-\(i + 1)\">"))
            #expect(Self.element(page, id: "bt-\(i + 1)")?.contains("class=\"px\"") == true)
        }
        #expect(page.contains("<a href=\"../report.html\">"))
        #expect(page.contains(HTMLTemplates.csp))
        #expect(!page.contains("id=\"bt-\(r.symbols[4].rowIndices[0] + 1)\""))
    }

    @Test func symbolPageNamesAreSafeAndDistinct() {
        let symbols = ["AAPL", "aapl", "A/B", "A_B", "..", "", "BRK.B", "ÄX", "<script>", "a/b"]
        var r = Fixture.report(symbols: symbols.count, perSymbol: 1, symbolName: { symbols[$0] })
        r.rows = r.rows.map {
            var x = $0; x.rank = 1; return x
        }
        let names = HTMLReport.symbolPageNames(r)
        #expect(names.count == symbols.count)
        #expect(Set(names.map { $0.lowercased() }).count == names.count)
        for n in names {
            #expect(n.hasSuffix(".html"))
            #expect(n.dropLast(5).allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        }
        // A plain ticker keeps its name; one that had to change carries its hash.
        #expect(names[6].hasPrefix("BRK_B-") && names[2].hasPrefix("A_B-") && names[3].hasPrefix("A_B"))
        #expect(names[0] != "AAPL.html" && names[1] != "aapl.html")  // equal ignoring case: both hashed
    }

    @Test func scriptIsAllowedByItsHashAndNothingElse() throws {
        let html = HTMLReport.render(Fixture.report(symbols: 1))
        let body = try #require(
            html.components(separatedBy: "<script>").last?.components(separatedBy: "</script>").first)
        let hash = Data(SHA256Hex.digest(Array(body.utf8))).base64EncodedString()
        #expect(html.contains("script-src 'sha256-\(hash)'"))
        #expect(html.contains("default-src 'none'"))
        #expect(!html.contains("unsafe-eval") && !html.contains("script-src 'unsafe-inline'"))
        // RFC 6234 test vector "abc", as the CSP writes a hash.
        #expect(
            Data(SHA256Hex.digest(Array("abc".utf8))).base64EncodedString()
                == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")
    }

    @Test func scoreGridsAreColouredByTheirOwnRange() throws {
        var r = Fixture.report(symbols: 1, perSymbol: 4)
        for (i, s) in [6.9, 8.0, 10.0, 11.5].enumerated() { r.rows[i].score = Fixture.score(s) }
        let html = HTMLReport.render(r)
        let grid = try #require(html.components(separatedBy: "class=\"sortable heat grid\"").dropFirst().first)
        #expect(grid.contains("class=\"h0\" title=\"fast=10 slow=30: 6.9\""))
        #expect(grid.contains("class=\"h9 hb\" title=\"fast=20 slow=50: 11.5\""))
        #expect(grid.contains("Colour relative to this grid&#39;s own range: palest 6.9, darkest 11.5."))
    }

    @Test func usabilityMarkup() {
        let html = HTMLReport.render(Fixture.report(symbols: 3))
        // Search boxes appear only with the script (hidden without it); filterable elements carry the symbol.
        #expect(html.contains("<input type=\"search\" class=\"search\""))
        #expect(html.contains(" hidden>"))
        #expect(html.contains("<tr data-sym=\"AAPL\">") && html.contains("data-sym=\"MSFT\">MSFT</a>"))
        // Every table sits in a scroll container; the page uses the window's width; headers stick.
        #expect(
            html.components(separatedBy: "<table").count - 1 == html.components(separatedBy: "<div class=\"scroll")
                .count - 1)
        #expect(!html.contains("max-width:1240px"))
        #expect(html.contains(".tall thead th{position:sticky;top:0"))
        // Print: all columns (no scroll clipping), one page per symbol, landscape.
        #expect(html.contains("@page{size:A4 landscape"))
        #expect(html.contains(".sym{break-before:page}"))
        #expect(html.contains(".scroll,.tall{overflow:visible!important"))
        // Charts carry their geometry for the hover read-out and zoom; dates once per symbol.
        #expect(html.contains("data-g=\"") && html.contains("data-dd=\"2020-01-02:1311113"))
        // The log-scale toggle works without script (CSS :has on a checkbox).
        #expect(html.contains("class=\"logt\"") && html.contains(".tsh:has(.logt:checked) .log{display:block}"))
        for heading in ["Yearly returns vs buy &amp; hold", "Worst 5 drawdowns", "Distribution of bar returns"] {
            #expect(html.contains(heading))
        }
        #expect(html.contains("rolling 6-month Sharpe ratio") && html.contains("rolling 6-month volatility"))
    }

    @Test func dateDataEncodesStepsInDays() {
        let d = ["2021-01-01", "2021-01-04", "2021-01-05", "2021-03-01"].map { Fixture.date($0) }
        #expect(HTMLReport.dateData(d) == "2021-01-01:31(1j)")
    }
}

@Suite struct EveryDetailTests {
    /// A grid far larger than the 60 inline details: every row of its symbol page links to its detail, and
    /// each detail's price chart draws the one shared close line and its own trade markers.
    @Test func everyRowOfALargeGridHasADetail() {
        let r = Fixture.report(symbols: 1, perSymbol: 90, bars: 200, tradesPerRow: 1)
        let page = HTMLReport.renderSymbolPage(r, symbol: 0, curves: nil)
        #expect(page.components(separatedBy: "<section class=\"det card\"").count - 1 == 90)
        #expect(page.components(separatedBy: "id=\"pp-s0\"").count - 1 == 1)
        for i in r.rows.indices {
            #expect(page.contains("<a href=\"#bt-\(i + 1)\">"), "row \(i + 1)")
            let detail = DetailsTests.element(page, id: "bt-\(i + 1)") ?? ""
            #expect(detail.contains("<use class=\"px\" href=\"#pp-s0\""), "row \(i + 1)")
            #expect(detail.contains("class=\"me\"") && detail.contains("class=\"mx\""), "row \(i + 1)")
        }
    }
}

@Suite struct LargeGridTests {
    /// A grid larger than `maxDetailsPerSymbol`: the ranking lists the best that many by rank, each with its
    /// detail and link, and says how many results.csv has; the rest are neither listed nor detailed.
    @Test func aLargerGridListsItsBestRowsEachWithADetail() {
        let cap = HTMLReport.maxDetailsPerSymbol
        let r = Fixture.report(symbols: 1, perSymbol: cap + 30, bars: 120, tradesPerRow: 1)
        let page = HTMLReport.renderSymbolPage(r, symbol: 0, curves: nil)
        #expect(page.components(separatedBy: "<section class=\"det card\"").count - 1 == cap)
        #expect(page.contains("The best \(cap) of \(cap + 30) backtests by rank are listed"))
        for (i, row) in r.rows.enumerated() {
            let listed = row.rank <= cap
            #expect(page.contains("<a href=\"#bt-\(i + 1)\">") == listed, "row \(i + 1) rank \(row.rank)")
            #expect(page.contains("id=\"bt-\(i + 1)\"") == listed, "row \(i + 1) rank \(row.rank)")
        }
    }
}
