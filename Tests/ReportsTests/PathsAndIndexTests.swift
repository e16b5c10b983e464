import Testing

@testable import Reports

@Suite struct ReportPathsTests {
    @Test(arguments: [
        ("nightly", "nightly"), ("", "run"), ("my spec/v2", "my_spec_v2"), ("a.b", "a.b"), ("x.", "x_"),
        ("...", "_._"), ("..", "__"), (".", "_"), (".hidden", "_hidden"), ("CON", "_CON"), ("nul.txt", "_nul.txt"),
        ("a\\b", "a_b"), ("a\u{0}b", "a_b"), ("Zürich", "Z_rich"), ("../../etc/passwd", "_._.__etc_passwd"),
    ])
    func knownNames(_ name: String, _ expected: String) {
        #expect(ReportPaths.safeFolderName(name) == expected)
    }

    @Test(arguments: [
        "../../etc/passwd", "..\\..\\windows", "/absolute/path", "a/../../b", "\u{0}\u{0}", ". .", "..",
        String(repeating: "é", count: 500), String(repeating: ".", count: 300), "<script>alert(1)</script>", "~/x",
        "a\nb\rc\td", " leading", "COM1", "lpt9.log",
    ])
    func hostileNamesStayInside(_ name: String) {
        let s = ReportPaths.safeFolderName(name)
        #expect(!s.isEmpty)
        #expect(s.utf8.count <= ReportPaths.maxFolderNameLength)
        #expect(!s.contains("/") && !s.contains("\\") && !s.contains("\u{0}") && !s.contains(".."))
        #expect(!s.hasPrefix(".") && !s.hasSuffix("."))
        #expect(
            s.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || "0123456789._-".unicodeScalars.contains($0))
            })
        #expect(
            !["CON", "PRN", "AUX", "NUL", "COM1", "LPT9"].contains(
                s.split(separator: ".").first.map { $0.uppercased() } ?? ""))
    }

    @Test(arguments: [
        ("nightly/20261125T060000Z/report.html", "nightly/20261125T060000Z/report.html"),
        ("../secret/report.html", "secret/report.html"), ("/etc/passwd", "etc/passwd"),
        ("javascript:alert(1)", "javascript%3Aalert%281%29"), ("a b/\"x\".html", "a%20b/%22x%22.html"),
    ])
    func hrefs(_ path: String, _ expected: String) {
        #expect(ReportPaths.relativeHref(path) == expected)
    }
}

@Suite struct RunIndexTests {
    static func entry(_ id: String, _ at: String, name: String = "nightly", status: String = "succeeded")
        -> RunIndexEntry
    {
        RunIndexEntry(
            runId: id, startedAt: at, specName: name, symbols: ["AAPL", "MSFT"],
            bestStrategies: ["AAPL sma_crossover fast=10;slow=30", "MSFT buy_and_hold"], status: status,
            reportPath: "\(name)/\(id)/report.html")
    }

    /// What the index remembers of a run (the listed heads and the counts) renders the same bytes as the
    /// whole lists, above and below the listed limit.
    @Test func anEntryKeptAsItsListedHeadsRendersTheSamePage() {
        for n in [0, 1, RunIndex.maxListed, RunIndex.maxListed + 1, 500] {
            let symbols = (0..<n).map { "S\($0)" }
            let e = RunIndexEntry(
                runId: "r\(n)", startedAt: "2026-11-25T06:00:00Z", specName: "nightly", symbols: symbols,
                bestStrategies: symbols.map { "\($0) rsi_reversion lower=30;period=14" }, status: "partial",
                reportPath: "nightly/r\(n)/report.html")
            let kept = e.listedOnly
            #expect(kept.symbols.count == min(n, RunIndex.maxListed) && kept.symbolCount == n && kept.bestCount == n)
            #expect(RunIndex.render(entries: [kept]) == RunIndex.render(entries: [e]))
            if n == 500 { #expect(RunIndex.render(entries: [e]).contains("… and 492 more")) }
        }
    }

    @Test func newestFirstWithLinks() {
        let html = RunIndex.render(entries: [
            Self.entry("r1", "2026-11-23T06:00:00Z"), Self.entry("r3", "2026-11-25T06:00:00Z"),
            Self.entry("r2", "2026-11-24T06:00:00Z", status: "failed"),
        ])
        let p3 = html.range(of: "href=\"nightly/r3/report.html\"")!.lowerBound
        let p2 = html.range(of: "href=\"nightly/r2/report.html\"")!.lowerBound
        let p1 = html.range(of: "href=\"nightly/r1/report.html\"")!.lowerBound
        #expect(p3 < p2 && p2 < p1)
        #expect(html.contains("MSFT buy_and_hold"))
        #expect(html.contains("<span class=\"badge failed\">failed</span>"))
        #expect(html.contains("3 run(s)"))
    }

    @Test func orderDoesNotDependOnInput() {
        let es = [
            Self.entry("b", "2026-11-25T06:00:00Z"), Self.entry("a", "2026-11-25T06:00:00Z"),
            Self.entry("c", "2026-11-01"),
        ]
        #expect(RunIndex.render(entries: es) == RunIndex.render(entries: es.reversed()))
    }

    @Test func hostileEntriesAreEscaped() {
        let h = Fixture.hostile
        var e = Self.entry(h, h, name: h, status: h)
        e.symbols = [h]
        e.bestStrategies = [h]
        e.reportPath = "javascript:alert(1)"
        let html = RunIndex.render(entries: [e])
        #expect(!html.contains(h))
        #expect(html.contains("&lt;script&gt;"))
        #expect(!html.contains("href=\"javascript:"))
    }

    @Test func bestStrategiesOfAReport() {
        let r = Fixture.report(symbols: 2)
        let best = ReportRenderer.bestRows(r)
        #expect(
            RunIndexEntry.bestStrategies(of: r)
                == best.map {
                    $0.params.isEmpty ? "\($0.symbol) \($0.strategy)" : "\($0.symbol) \($0.strategy) \($0.params)"
                })
        #expect(RunIndexEntry.bestStrategies(of: r).count == 2)
    }

    @Test func emptyIndex() {
        #expect(RunIndex.render(entries: []).contains("No runs yet."))
    }
}
