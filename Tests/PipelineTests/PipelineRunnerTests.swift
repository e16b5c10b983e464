import DataSources
import Foundation
import Market
import Pipeline
import Spec
import Strategies
import Synchronization
import Testing

/// A deterministic in-memory market: a few overlapping cycles, so SMA and RSI strategies trade.
struct WaveProvider: BarProvider {
    var id: String { "wave" }
    var failing: Set<String> = []
    /// Symbols whose prices halve overnight half-way through (an unadjusted 2:1 split).
    var splitting: Set<String> = []
    let calendar = WeekdayCalendar()

    func bars(symbol: String, from: SessionDate, to: SessionDate) async throws -> [Bar] {
        if failing.contains(symbol) {
            throw MarketDataError(symbol: symbol, provider: id, message: "HTTP 500, retried 3 times")
        }
        let k = Double(symbol.unicodeScalars.reduce(0) { $0 + Int($1.value) } % 7 + 1)
        let days = calendar.tradingDays(in: from...to)
        return days.enumerated().map { i, d in
            let t = Double(d.daysSinceEpoch)
            let f = splitting.contains(symbol) && i >= days.count / 2 ? 0.5 : 1
            let c = (100 + 10 * sin(t / (9 + k)) + 4 * sin(t / 3.1) + 0.01 * k * (t - 19_000)) * f
            let o = c - 0.5 * sin(t / 2) * f
            return Bar(date: d, open: o, high: max(o, c) + f, low: min(o, c) - f, close: c, volume: 1_000)
        }
    }
}

@Suite struct PipelineRunnerTests {
    static func spec(batch: Int, dir: String, tickers: [String] = ["AAA", "BBB", "CCC"]) -> PipelineSpec {
        PipelineSpec(
            name: "wave", universe: .init(tickers: tickers),
            period: .init(
                start: .absolute(SessionDate(iso: "2022-01-03")!), end: .absolute(SessionDate(iso: "2023-12-29")!)),
            costs: .init(commission: .fraction(0.001), slippageBps: 2),
            strategies: [
                .init(
                    id: "sma_crossover", grid: ["fast": [.int(5), .int(10), .int(30)], "slow": [.int(20), .int(30)]]),
                .init(id: "rsi_reversion", grid: ["period": [.int(14)]]),
                .init(id: "buy_and_hold"),
            ],
            batch: .init(size: batch), report: .init(dir: dir))
    }

    static func runner(_ dir: String, provider: WaveProvider = WaveProvider()) -> PipelineRunner {
        PipelineRunner(
            environment: RunEnvironment(
                dataDirectory: dir + "/data", reportsDirectory: dir + "/reports", asOf: SessionDate(iso: "2024-01-02")!,
                runId: "test-run", toolVersion: "test"),
            calendar: WeekdayCalendar(), provider: provider)
    }

    static func tempDir() -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("stratopt-\(UUID().uuidString)").path
        try! FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    @Test func resultFilesAreIdenticalForBatchSizes1_5_64() async throws {
        let root = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var contents: [[Data]] = []
        for batch in [1, 5, 64] {
            let dir = root + "/b\(batch)"
            let outcome = try await Self.runner(root).run(
                SpecInput(spec: Self.spec(batch: batch, dir: dir), path: "t.yaml", text: ""))
            #expect(outcome.status == .succeeded)
            contents.append(
                try ["results.csv", "best.csv", "trades.csv"].map {
                    try Data(contentsOf: URL(fileURLWithPath: dir + "/" + $0))
                })
        }
        #expect(contents[0] == contents[1])
        #expect(contents[0] == contents[2])
        // 3 symbols × (5 valid SMA pairs — (30, 20) and (30, 30) break fast < slow — + RSI + buy & hold).
        let results = String(decoding: contents[0][0], as: UTF8.self)
        #expect(results.split(separator: "\r\n").count == 1 + 3 * 6)
        let trades = String(decoding: contents[0][2], as: UTF8.self)
        #expect(trades.split(separator: "\r\n").count > 10)
    }

    @Test func oneFailingSymbolMakesThePartialStatusAndTheOthersComplete() async throws {
        let root = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let outcome = try await Self.runner(root, provider: WaveProvider(failing: ["BBB"]))
            .run(SpecInput(spec: Self.spec(batch: 5, dir: root + "/r"), path: "t.yaml", text: ""))
        #expect(outcome.status == .partial)
        #expect(outcome.status.rawValue == 3)
        #expect(Set(outcome.report.rows.map(\.symbol)) == ["AAA", "CCC"])
        #expect(outcome.report.issues.map(\.symbol) == ["BBB"])
        #expect(outcome.report.issues[0].reasons[0].contains("BBB (wave): HTTP 500"))
        let manifest = try Manifest.read(from: root + "/r/manifest.json")
        #expect(manifest.symbols.map(\.status) == [.ok, .failed, .ok])
        #expect(manifest.symbols[0].barsSHA256?.count == 64)
    }

    @Test func aSymbolFailingTheDataQualityGateIsQuarantinedNotTraded() async throws {
        let root = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let outcome = try await Self.runner(root, provider: WaveProvider(splitting: ["CCC"]))
            .run(SpecInput(spec: Self.spec(batch: 5, dir: root + "/r"), path: "t.yaml", text: ""))
        #expect(outcome.status == .partial)
        #expect(Set(outcome.report.rows.map(\.symbol)) == ["AAA", "BBB"])
        #expect(outcome.report.issues.map(\.kind) == [.quarantined])
        #expect(outcome.report.issues[0].reasons[0].hasPrefix("SPLIT_LIKE_JUMP: "))
        #expect(outcome.report.issues[0].reasons[0].contains("looks like an unadjusted 2:1 split"))
        // The report shows the quarantined symbol with its reason.
        let html = try String(contentsOfFile: root + "/r/report.html", encoding: .utf8)
        #expect(html.contains("CCC"))
        #expect(html.contains("looks like an unadjusted 2:1 split"))
        #expect(html.lowercased().contains("quarantined"))
    }

    @Test func everySymbolFailingFailsTheRun() async throws {
        let root = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let runner = Self.runner(root, provider: WaveProvider(failing: ["AAA"]))
        let outcome = try await runner.run(
            SpecInput(spec: Self.spec(batch: 5, dir: root + "/r", tickers: ["AAA"]), path: "t.yaml", text: ""))
        #expect(outcome.status == .failed)
    }

    @Test func eachSymbolRanksItsOwnRowsFromOne() async throws {
        let root = Self.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let outcome = try await Self.runner(root).run(
            SpecInput(spec: Self.spec(batch: 5, dir: root + "/r"), path: "t.yaml", text: ""))
        for sym in ["AAA", "BBB", "CCC"] {
            let rows = outcome.report.rows.filter { $0.symbol == sym }
            #expect(rows.map(\.rank).sorted() == Array(1...rows.count))
            let best = rows.first { $0.rank == 1 }!
            #expect(rows.allSatisfy { $0.score.total <= best.score.total })
        }
    }
}

/// Counts provider calls, to prove the cache answers a second run.
final class CountingProvider: BarProvider, Sendable {
    let inner = WaveProvider()
    let calls = Mutex<[String]>([])
    var id: String { inner.id }

    func bars(symbol: String, from: SessionDate, to: SessionDate) async throws -> [Bar] {
        calls.withLock { $0.append("\(symbol) \(from.iso)…\(to.iso)") }
        return try await inner.bars(symbol: symbol, from: from, to: to)
    }
}

@Suite struct PipelineCacheTests {
    @Test func aSecondRunReadsTheCacheAndDoesNotCallTheProvider() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let provider = CountingProvider()
        let cache = try BarCache(dataDir: root + "/data")
        let env = RunEnvironment(
            dataDirectory: root + "/data", reportsDirectory: root + "/reports", asOf: SessionDate(iso: "2024-01-02")!,
            runId: "r", toolVersion: "test")
        let runner = PipelineRunner(environment: env, calendar: WeekdayCalendar(), provider: provider, cache: cache)
        let first = try await runner.run(
            SpecInput(spec: PipelineRunnerTests.spec(batch: 5, dir: root + "/r1"), path: "t.yaml", text: ""))
        #expect(provider.calls.withLock { $0.sorted() } == ["AAA", "BBB", "CCC"].map { "\($0) 2022-01-03…2023-12-29" })
        let second = try await runner.run(
            SpecInput(spec: PipelineRunnerTests.spec(batch: 5, dir: root + "/r2"), path: "t.yaml", text: ""))
        #expect(provider.calls.withLock { $0 }.count == 3)
        #expect(first.status == .succeeded && second.status == .succeeded)
        let a = try Data(contentsOf: URL(fileURLWithPath: root + "/r1/results.csv"))
        let b = try Data(contentsOf: URL(fileURLWithPath: root + "/r2/results.csv"))
        #expect(a == b)
    }
}

@Suite struct EquityFileTests {
    func equityLines(_ scope: PipelineSpec.EquityCurves) async throws -> [Substring] {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var spec = PipelineRunnerTests.spec(batch: 5, dir: root + "/r", tickers: ["AAA", "BBB"])
        spec.report.equity = scope
        let runner = PipelineRunnerTests.runner(root)
        let outcome = try await runner.run(SpecInput(spec: spec, path: "t.yaml", text: ""))
        #expect(outcome.status == .succeeded)
        let text = try String(contentsOfFile: root + "/r/equity.csv", encoding: .utf8)
        return text.split(separator: "\r\n")
    }

    @Test func equityCSVHoldsEachSymbolsBestCurveByDefaultAndEveryCurveOnRequest() async throws {
        // 2022-01-03 … 2023-12-29 on the weekday calendar: 520 sessions; 2 symbols × 6 backtests each.
        let best = try await equityLines(.best)
        #expect(best.count == 1 + 2 * 520)
        #expect(best[0] == "date,symbol,strategy,params,equity,drawdown_pct")
        let all = try await equityLines(.all)
        #expect(all.count == 1 + 2 * 6 * 520)
    }
}
