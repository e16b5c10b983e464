import Foundation
import Testing

@testable import Reports

@Suite struct ScaleTests {
    /// report.html grows linearly in the symbols, by a per-symbol amount that keeps 500 symbols × 8 backtests
    /// × 10 years of daily bars (40 trades each) under the 10 MB budget (the details are on per-symbol pages). The 500-symbol render itself is
    /// `Benchmarks/Sources/report-bench` (it dominated the suite's wall time); here the slope between 10 and
    /// 20 symbols is extrapolated to 500, which fails as soon as one symbol section outgrows its share.
    @Test func perSymbolSizeKeepsFiveHundredSymbolsUnderTenMegabytes() {
        func html(_ symbols: Int) -> String {
            HTMLReport.render(Fixture.report(symbols: symbols, perSymbol: 8, bars: 2520, tradesPerRow: 40))
        }
        let ten = html(10)
        let twenty = html(20)
        let perSymbol = Double(twenty.utf8.count - ten.utf8.count) / 10
        let projected = Double(twenty.utf8.count) + 480 * perSymbol
        #expect(perSymbol > 0)
        #expect(
            projected < 10_000_000, "500 symbols projected at \(Int(projected)) bytes (\(Int(perSymbol)) per symbol)")
        // A large run's report.html is the index: one row per symbol, the details on the symbols' pages.
        #expect(twenty.components(separatedBy: "<tr data-sym=").count == 2 * 20 + 1)
        #expect(!twenty.contains("<section class=\"sym card\""))
    }
}

/// Writes a sample report folder (used by `.ci/render-report.sh` and for looking at the page) when
/// `STRATOPT_SAMPLE_REPORT_DIR` is set; otherwise renders it in memory. Symbol 4's ticker and one issue
/// reason are markup, so the browser check can prove it shows as text.
@Suite struct SampleReportTests {
    static func sample() -> RunReport {
        var info = Fixture.info(name: "nightly-momentum")
        info.periodStart = Fixture.date("2019-01-02")
        info.periodEnd = Fixture.date("2023-12-29")
        var r = Fixture.report(
            symbols: 5, perSymbol: 8, bars: 1250, tradesPerRow: 12,
            symbolName: { ["AAPL", "MSFT", "SPY", Fixture.hostile, "NVDA"][$0] }, info: info,
            execution: Fixture.execution())
        r.issues.append(
            SymbolIssue(symbol: "XYZ", kind: .quarantined, reasons: ["gap of 12 sessions; " + Fixture.hostile]))
        return r
    }

    @Test func writesSampleWhenAsked() throws {
        let files = ReportRenderer.render(Self.sample())
        #expect(files.count == 7)
        guard let dir = ProcessInfo.processInfo.environment["STRATOPT_SAMPLE_REPORT_DIR"], !dir.isEmpty else { return }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for f in files { try Data(f.contents).write(to: URL(fileURLWithPath: dir + "/" + f.name)) }
        let index = RunIndex.render(entries: [
            RunIndexEntry(
                runId: "20261125T060000Z-abc123", startedAt: "2026-11-25T06:00:00Z", specName: "nightly-momentum",
                symbols: ["AAPL", "MSFT", "SPY", "NVDA"], bestStrategies: ["AAPL sma_crossover fast=10;slow=30"],
                status: "partial", reportPath: "report.html")
        ])
        try Data(index.utf8).write(to: URL(fileURLWithPath: dir + "/index.html"))
        #expect(FileManager.default.fileExists(atPath: dir + "/report.html"))
    }
}
