// Report scale benchmark: 500 symbols × 68 combinations over ~10 years of daily bars.
//
// Measures (1) building the model through the real engine (not timed as "render"), (2) rendering every
// report file with `ReportRenderer.render`, report.html alone and the per-symbol pages (`symbols/*.html`,
// with every backtest's curve, as the pipeline writes them), (3) the file sizes, and (4) how long headless
// Chromium takes to load report.html (`--dump-dom` minus that of an empty page, median of 3) and to
// screenshot it (skipped when `chromium` is not installed).
// It is also the scale check that used to be a unit test (too slow for the suite, which keeps a 10/20-symbol
// extrapolation in ReportsTests): it exits 1 when report.html is over the 10 MB budget or lacks a symbol's
// section.
//
//   cd Benchmarks && swift run -c release report-bench [symbols] [bars] [out-dir]
//
// Defaults: 500 symbols, 2520 bars, out-dir = a fresh folder under the temporary directory. Synthetic bars
// come from a seeded generator (Market.SplitMix64), so every run renders the same bytes.
import Engine
import Foundation
import Market
import Reports
import Scoring
import Strategies

let args = CommandLine.arguments
let symbolCount = args.count > 1 ? Int(args[1]) ?? 500 : 500
let barCount = args.count > 2 ? Int(args[2]) ?? 2520 : 2520
let outDir =
    args.count > 3
    ? args[3] : NSTemporaryDirectory() + "stratopt-report-bench-\(ProcessInfo.processInfo.processIdentifier)"

func weekdays(from start: SessionDate, count: Int) -> [SessionDate] {
    var out: [SessionDate] = []
    out.reserveCapacity(count)
    var d = start
    while out.count < count {
        if !d.isWeekend { out.append(d) }
        d = d.adding(days: 1)
    }
    return out
}

func syntheticSeries(symbol: String, dates: [SessionDate], seed: UInt64) -> BarSeries {
    var rng = SplitMix64(state: seed)
    var open: [Double] = []
    var high: [Double] = []
    var low: [Double] = []
    var close: [Double] = []
    var price = 50 + 100 * rng.nextUniform()
    let drift = 0.0003 * (rng.nextUniform() - 0.3)
    for _ in dates {
        let o = price * (1 + 0.004 * (rng.nextUniform() - 0.5))
        let c = o * (1 + drift + 0.035 * (rng.nextUniform() - 0.5))
        open.append(o)
        close.append(c)
        high.append(max(o, c) * (1 + 0.005 * rng.nextUniform()))
        low.append(min(o, c) * (1 - 0.005 * rng.nextUniform()))
        price = c
    }
    return BarSeries(
        symbol: symbol, dates: dates, open: open, high: high, low: low, close: close,
        volume: Array(repeating: 1e6, count: dates.count))
}

// 68 strategy configurations: an 8 × 8 SMA grid, RSI reversion over 3 periods, buy and hold.
let configs: [(String, Parameters)] =
    [5, 10, 15, 20, 25, 30, 40, 50].flatMap { f in
        [60, 80, 100, 120, 150, 200, 250, 300].map { s in
            ("sma_crossover", Parameters(["fast": .int(f), "slow": .int(s)]))
        }
    }
    + [7, 14, 21].map { p in
        ("rsi_reversion", Parameters(["period": .int(p), "lower": .int(30), "upper": .int(70)]))
    } + [("buy_and_hold", Parameters())]

let clock = ContinuousClock()
let dates = weekdays(from: SessionDate(iso: "2015-01-02")!, count: barCount)
let config = BacktestConfig(initialCash: 10_000, sizing: .percentOfEquity(95))

var rows: [ResultRow] = []
var symbols: [SymbolReport] = []
let modelTime = clock.measure {
    for si in 0..<symbolCount {
        let symbol = "S\(String(si, radix: 36).uppercased())"
        let series = syntheticSeries(symbol: symbol, dates: dates, seed: UInt64(si) &* 7919 &+ 17)
        let cache = IndicatorCache(series: series)
        var curves: [[Double]] = []
        let first = rows.count
        for (id, params) in configs {
            let strategy = StrategyRegistry.make(id: id, parameters: params)!
            let result = Backtester.run(
                series: series, signals: strategy.signals(on: series, indicators: cache), config: config)
            rows.append(
                ResultRow(
                    symbol: symbol, strategy: id, params: strategy.parameters, metrics: result.metrics,
                    score: CompositeScore.score(result.metrics), rank: 0, trades: result.trades))
            curves.append(result.equity)
        }
        let mine = Array(first..<rows.count)
        let ranks = Ranking.ranks(
            mine.map {
                RankCandidate(
                    symbol: rows[$0].symbol, strategy: rows[$0].strategy, params: rows[$0].params,
                    score: rows[$0].score.total, totalReturnPct: rows[$0].metrics.totalReturnPct)
            })
        for (k, i) in mine.enumerated() { rows[i].rank = ranks[k] }
        symbols.append(
            SymbolReport(symbol: symbol, dates: dates, close: series.close, rowIndices: mine, equity: curves))
    }
}

let info = RunInfo(
    specName: "report-bench", specPath: "Benchmarks/report-bench", provider: "synthetic", isSynthetic: true,
    periodStart: dates.first!, periodEnd: dates.last!, conventions: "backtesting.py",
    costs: "commission 0.1 % per fill, slippage 0 bps", sizing: "95 % of equity", initialCapital: 10_000,
    runId: "bench", toolVersion: "bench", skippedCombinations: [])
let report = RunReport(info: info, rows: rows, symbols: symbols, issues: [])
let trades = rows.reduce(0) { $0 + $1.trades.count }
print(
    "model: \(symbolCount) symbols × \(configs.count) strategies × \(barCount) bars, \(trades) trades, built in \(modelTime)"
)

var html = ""
let htmlTime = clock.measure { html = HTMLReport.render(report) }
// The per-symbol pages, as ReportWriter writes them (curves from the model, so no recomputation here).
let names = HTMLReport.symbolPageNames(report)
var pageBytes = 0
var largestPage = 0
let pagesTime = try clock.measure {
    guard !names.isEmpty else { return }
    try FileManager.default.createDirectory(atPath: outDir + "/symbols", withIntermediateDirectories: true)
    for i in report.symbols.indices {
        let page = HTMLReport.renderSymbolPage(report, symbol: i, curves: nil)
        pageBytes += page.utf8.count
        largestPage = max(largestPage, page.utf8.count)
        try Data(page.utf8).write(to: URL(fileURLWithPath: outDir + "/symbols/" + names[i]))
    }
}
var files: [ReportFile] = []
let allTime = clock.measure { files = ReportRenderer.render(report) }
print("render report.html only: \(htmlTime)")
print(
    "render \(names.count) symbol pages: \(pagesTime), \(Format.fixed(Double(pageBytes) / 1e6, 1)) MB in all, largest \(Format.fixed(Double(largestPage) / 1e6, 2)) MB"
)
print("render all files (ReportRenderer.render): \(allTime)")

try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
for f in files {
    try Data(f.contents).write(to: URL(fileURLWithPath: outDir + "/" + f.name))
    let name = f.name.padding(toLength: 14, withPad: " ", startingAt: 0)
    print("  \(name)\(f.contents.count) bytes (\(Format.fixed(Double(f.contents.count) / 1e6, 2)) MB)")
}
let htmlBytes = html.utf8.count
let withinBudget = htmlBytes < 10_000_000
print("report.html: \(htmlBytes) bytes, \(withinBudget ? "under" : "OVER") the 10 MB budget")
// Every symbol is reachable: a section in report.html (small runs) or a row linking to its page.
let sections =
    names.isEmpty
    ? html.components(separatedBy: "<section class=\"sym card\"").count - 1
    : names.filter { html.contains("href=\"symbols/\($0)\"") }.count
let allSections = sections == symbolCount
print("report.html: \(sections) symbols reachable\(allSections ? "" : ", expected \(symbolCount)")")

// Chromium: load + layout + screenshot of the first 1280×2000 pixels.
let chromium = ["/usr/bin/chromium", "/usr/local/bin/chromium"].first {
    FileManager.default.isExecutableFile(atPath: $0)
}
/// Seconds Chromium takes to load `url` and dump its DOM (load, scripts, layout).
func dumpDOM(_ chromium: String, _ url: String) throws -> Double {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: chromium)
    p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,2000", "--dump-dom", url]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    let t = try ContinuousClock().measure {
        try p.run()
        p.waitUntilExit()
    }
    return Double(t.components.seconds) + Double(t.components.attoseconds) / 1e18
}
if let chromium {
    try Data("<!DOCTYPE html><title>empty</title>".utf8).write(to: URL(fileURLWithPath: outDir + "/empty.html"))
    func median(_ url: String) throws -> Double { try (0..<3).map { _ in try dumpDOM(chromium, url) }.sorted()[1] }
    let empty = try median("file://\(outDir)/empty.html")
    let full = try median("file://\(outDir)/report.html")
    print(
        "chromium --dump-dom: report.html \(Format.fixed(full, 2)) s, empty page \(Format.fixed(empty, 2)) s → load \(Format.fixed(full - empty, 2)) s"
    )
    if let name = names.first {
        let page = try median("file://\(outDir)/symbols/\(name)")
        print(
            "chromium --dump-dom: symbols/\(name) \(Format.fixed(page, 2)) s → load \(Format.fixed(page - empty, 2)) s")
    }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: chromium)
    p.arguments = [
        "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,2000",
        "--screenshot=\(outDir)/report.png", "file://\(outDir)/report.html",
    ]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    let t = try clock.measure {
        try p.run()
        p.waitUntilExit()
    }
    print("chromium headless screenshot of report.html: \(t) (exit \(p.terminationStatus))")
} else {
    print("chromium not installed: browser render time skipped")
}
print("output: \(outDir)")
let failures = [
    withinBudget ? nil : "report.html over the 10 MB budget", allSections ? nil : "symbol sections missing",
]
.compactMap { $0 }
if !failures.isEmpty {
    print("report-bench failed: " + failures.joined(separator: "; "))
    exit(1)
}
