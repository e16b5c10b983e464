import DataSources
import Engine
import Foundation
import Market
import Spec
import Strategies
import Testing

@testable import Pipeline

/// `conventions: stratopt` loads history before `period.start` so indicators are valid on it and trading
/// starts there; `backtesting_py` warms up inside the period, as the reference engine does.
@Suite struct WarmupHistoryTests {
    static let start = SessionDate(iso: "2023-01-02")!  // a Monday
    static let end = SessionDate(iso: "2023-06-30")!

    static func spec(_ conventions: PipelineSpec.ConventionsPreset, dir: String) -> PipelineSpec {
        PipelineSpec(
            name: "warmup", universe: .init(tickers: ["AAA"]),
            period: .init(start: .absolute(start), end: .absolute(end)),
            conventions: conventions,
            strategies: [
                .init(id: "sma_crossover", grid: ["fast": [.int(5)], "slow": [.int(50)]]), .init(id: "buy_and_hold"),
            ],
            report: .init(dir: dir))
    }

    func run(_ conventions: PipelineSpec.ConventionsPreset) async throws -> (RunOutcome, [String]) {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let provider = CountingProvider()
        let runner = PipelineRunner(
            environment: RunEnvironment(
                dataDirectory: root + "/data", reportsDirectory: root + "/reports",
                asOf: SessionDate(iso: "2023-07-03")!,
                runId: "w", toolVersion: "test"),
            calendar: WeekdayCalendar(), provider: provider)
        let outcome = try await runner.run(
            SpecInput(spec: Self.spec(conventions, dir: root + "/r"), path: "w.yaml", text: ""))
        return (outcome, provider.calls.withLock { $0 })
    }

    @Test func stratoptConventionsLoadHistorySoTradingStartsOnThePeriodStart() async throws {
        let (outcome, calls) = try await run(.stratopt)
        let cal = WeekdayCalendar()
        // SMA(50) is valid from its 50th bar (index 49); a crossover on the period's first bar also reads the
        // bar before it, so that one must be index 49 at least: 50 sessions before 2023-01-02.
        let historyStart = cal.tradingDay(50, sessionsBefore: Self.start)
        #expect(calls == ["AAA \(historyStart.iso)…2023-06-30"])
        // Results and charts cover the period only.
        let sym = try #require(outcome.report.symbols.first)
        #expect(sym.dates == cal.tradingDays(in: Self.start...Self.end))
        // The report keeps each symbol's best curve only; it covers the period's dates.
        #expect(sym.equity.filter { !$0.isEmpty }.count == 1)
        #expect(sym.equity.allSatisfy { $0.isEmpty || $0.count == sym.dates.count })
        // The stratopt preset decides on the period's first bar: buy & hold fills at the second bar's open,
        // so its curve leaves the initial cash on bar 1 (and holds the position to the end, marked to market).
        let holdIndex = try #require(outcome.report.rows.firstIndex { $0.strategy == "buy_and_hold" })
        let bars = try #require(outcome.series["AAA"])
        let from = try #require(bars.dates.firstIndex(of: Self.start))
        let job = BacktestJob(
            index: holdIndex, symbol: "AAA", strategy: "buy_and_hold", parameters: Parameters())
        let curve = BacktestStage.curve(
            job: job, cache: IndicatorCache(series: bars),
            config: try SpecMapping.backtestConfig(Self.spec(.stratopt, dir: "")),
            tradingStart: from)
        #expect(curve.count == sym.dates.count)
        #expect(curve[0] == 100_000)
        #expect(curve[1] != 100_000)
        #expect(outcome.plan.historyStart == historyStart)
    }

    @Test func backtestingPyConventionsWarmUpInsideThePeriod() async throws {
        let (outcome, calls) = try await run(.backtestingPy)
        #expect(calls == ["AAA 2023-01-02…2023-06-30"])
        #expect(outcome.plan.historyStart == Self.start)
        // SMA(50): first decision on bar 50, so no SMA trade can be entered before bar 51.
        let sma = try #require(outcome.report.rows.first { $0.strategy == "sma_crossover" })
        let sym = try #require(outcome.report.symbols.first)
        if let first = sma.trades.first { #expect(first.entryDate >= sym.dates[51]) }
        // Buy & hold decides on bar 1 and fills at bar 2's open (SEMANTICS.md §2).
        let hold = try #require(outcome.report.rows.first { $0.strategy == "buy_and_hold" })
        #expect(hold.trades.first?.entryDate == sym.dates[2])
    }
}
