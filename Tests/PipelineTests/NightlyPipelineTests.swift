import DataSources
import Engine
import Foundation
import Market
import Pipeline
import RunStore
import Spec
import Strategies
import Synchronization
import Testing

/// Checkpoints and resume, the result cache and pinned bars, on real SQLite files in a temp folder.
@Suite struct NightlyPipelineTests {
    static let files = ["results.csv", "best.csv", "trades.csv"]

    static func runner(_ root: String, runId: String, provider: any BarProvider = WaveProvider()) throws
        -> PipelineRunner
    {
        PipelineRunner(
            environment: RunEnvironment(
                dataDirectory: root + "/data", reportsDirectory: root + "/reports",
                asOf: SessionDate(iso: "2024-01-02")!, runId: runId, toolVersion: "test"),
            calendar: WeekdayCalendar(), provider: provider, cache: try BarCache(dataDir: root + "/data"))
    }

    static func input(batch: Int, dir: String, slippage: Double = 2) -> SpecInput {
        var spec = PipelineRunnerTests.spec(batch: batch, dir: dir)
        spec.costs.slippageBps = slippage
        return SpecInput(spec: spec, path: "t.yaml", text: "name: wave\n")
    }

    static func contents(_ dir: String) throws -> [Data] {
        try files.map { try Data(contentsOf: URL(fileURLWithPath: dir + "/" + $0)) }
    }

    static func newStore(_ root: String, runId: String) throws -> RunStore {
        let store = try RunStore(dataDir: root + "/data")
        try store.create(
            RunRecord(
                runId: runId, specName: "wave", specPath: "t.yaml", specSHA256: "", startedAt: "2026-11-25T02:00:00Z",
                pid: 1))
        return store
    }

    /// Hooks that checkpoint into `store` and ask to stop once the first batch is done (as SIGINT would).
    static func stopAfterOneBatch(_ store: RunStore) -> RunHooks {
        let asked = Mutex(false)
        return RunHooks(
            store: store, shouldStop: { asked.withLock { $0 } }, afterBatch: { _ in asked.withLock { $0 = true } })
    }

    @Test func aResultSurvivesItsEncodingBitForBit() throws {
        let series = BarSeries(symbol: "AAA", bars: waves("2022-01-03", "2022-12-30"))
        let job = BacktestJob(
            index: 0, symbol: "AAA", strategy: "sma_crossover",
            parameters: Parameters(["fast": .int(5), "slow": .int(20)]))
        var result = JobResult(
            BacktestStage.runOne(job: job, cache: IndicatorCache(series: series), config: BacktestConfig()))
        #expect(!result.trades.isEmpty)
        let special: [Double] = [
            0.1, -0.0, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 1.0 / 3.0,
            100_000.000_000_000_01,
        ]
        result.equity.replaceSubrange(0..<special.count, with: special)
        result.metrics.sharpe = nil
        result.metrics.cagrPct = .nan
        let data = try ResultCoding.encode(result)
        let back = try ResultCoding.decode(JobResult.self, from: data)
        #expect(back.equity.map(\.bitPattern) == result.equity.map(\.bitPattern))
        #expect(back.trades == result.trades)
        #expect(back.metrics.sharpe == nil && back.metrics.cagrPct.isNaN)
        #expect(try ResultCoding.encode(back) == data)
    }

    @Test func anInterruptedRunResumesFromItsCheckpointsToTheSameFiles() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // 3 symbols × 6 combinations = 18 backtests; batches of 4 → 5 batches.
        _ = try await Self.runner(root, runId: "ref").run(Self.input(batch: 4, dir: root + "/ref"))
        let store = try Self.newStore(root, runId: "r1")
        let runner = try Self.runner(root, runId: "r1")
        await #expect {
            _ = try await runner.run(
                Self.input(batch: 4, dir: root + "/r1"), hooks: Self.stopAfterOneBatch(store))
        } throws: { error in
            (error as? RunInterrupted).map { $0.done == 4 && $0.total == 18 } ?? false
        }
        let saved = try store.batches(runId: "r1")
        #expect(Array(saved.keys) == [0])
        let record = try #require(try store.get(runId: "r1"))
        #expect(record.stage == .backtest && record.done == 4 && record.total == 18)
        // The manifest of the interrupted run already records its bars.
        let manifest = try Manifest.read(from: root + "/r1/manifest.json")
        #expect(manifest.status == "running")
        #expect(manifest.symbols.allSatisfy { $0.barsSHA256?.count == 64 })

        let resumed = try await runner.run(
            Self.input(batch: 4, dir: root + "/r1"), hooks: RunHooks(store: store, restoredBatches: saved))
        #expect(resumed.counts.restored == 4)
        #expect(resumed.counts.computed == 14)
        #expect(try Self.contents(root + "/r1") == Self.contents(root + "/ref"))
        #expect(try store.batches(runId: "r1").count == 5)
    }

    @Test func aStopRequestedDuringTheFetchStopsBeforeAnyBacktest() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try Self.newStore(root, runId: "r1")
        await #expect {
            _ = try await Self.runner(root, runId: "r1").run(
                Self.input(batch: 4, dir: root + "/r1"), hooks: RunHooks(store: store, shouldStop: { true }))
        } throws: { error in
            (error as? RunInterrupted).map { $0.done == 0 && $0.total == 18 } ?? false
        }
        #expect(try store.batches(runId: "r1").isEmpty)
        #expect(try Manifest.read(from: root + "/r1/manifest.json").status == "running")
        #expect(!FileManager.default.fileExists(atPath: root + "/r1/results.csv"))
    }

    @Test func aCheckpointFromAnotherBatchSizeIsRefused() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try Self.newStore(root, runId: "r1")
        let runner = try Self.runner(root, runId: "r1")
        _ = try? await runner.run(
            Self.input(batch: 4, dir: root + "/r1"), hooks: Self.stopAfterOneBatch(store))
        let saved = try store.batches(runId: "r1")
        #expect(saved.count == 1)
        await #expect {
            _ = try await runner.run(Self.input(batch: 5, dir: root + "/r1"), hooks: RunHooks(restoredBatches: saved))
        } throws: { error in
            (error as? RunError)?.description.contains("does not match the plan") ?? false
        }
    }

    @Test func theResultCacheServesARepeatedRunAndMissesOnNewInputs() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cache = try ResultCache(dataDir: root + "/data")
        let hooks = RunHooks(resultCache: cache)
        let first = try await Self.runner(root, runId: "a").run(Self.input(batch: 5, dir: root + "/a"), hooks: hooks)
        #expect(first.counts.cacheMisses == 18 && first.counts.cacheHits == 0 && first.counts.computed == 18)
        let second = try await Self.runner(root, runId: "b").run(Self.input(batch: 7, dir: root + "/b"), hooks: hooks)
        #expect(second.counts.cacheHits == 18 && second.counts.cacheMisses == 0 && second.counts.computed == 0)
        #expect(try Self.contents(root + "/a") == Self.contents(root + "/b"))
        // Other costs: every key differs.
        let third = try await Self.runner(root, runId: "c").run(
            Self.input(batch: 5, dir: root + "/c", slippage: 5), hooks: hooks)
        #expect(third.counts.cacheHits == 0 && third.counts.computed == 18)
        #expect(try cache.count() == 36)
        // Without the cache nothing is looked up.
        let plain = try await Self.runner(root, runId: "d").run(
            Self.input(batch: 5, dir: root + "/d"), hooks: RunHooks())
        #expect(plain.counts.cacheHits == 0 && plain.counts.cacheMisses == 0 && plain.counts.computed == 18)
    }

    @Test func pinnedBarsReproduceARunOfflineAndRefuseMissingOrTamperedOnes() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let original = try await Self.runner(root, runId: "o", provider: WaveProvider(failing: ["BBB"]))
            .run(Self.input(batch: 5, dir: root + "/o"))
        #expect(original.status == .partial)
        let manifest = try Manifest.read(from: root + "/o/manifest.json")
        let pinned = PinnedSymbol.from(manifest)
        #expect(pinned.map(\.symbol) == ["AAA", "BBB", "CCC"])
        let variant = try #require(manifest.providerVariant)
        let offline = RecordedProvider(id: manifest.provider, cacheVariant: variant, isSynthetic: false)

        let again = try await Self.runner(root, runId: "p", provider: offline)
            .run(Self.input(batch: 3, dir: root + "/p"), hooks: RunHooks(pinnedBars: pinned))
        #expect(again.status == .partial)
        #expect(again.report.issues == original.report.issues)
        #expect(try Self.contents(root + "/p") == Self.contents(root + "/o"))

        // CCC's bars gone from the cache: an error naming CCC (the recorded provider is never asked).
        let cache = try BarCache(dataDir: root + "/data")
        try cache.clear(symbol: "CCC")
        await #expect {
            _ = try await Self.runner(root, runId: "q", provider: offline)
                .run(Self.input(batch: 5, dir: root + "/q"), hooks: RunHooks(pinnedBars: pinned))
        } throws: { error in
            let text = (error as? RunError)?.description ?? ""
            return text.hasPrefix("CCC: ") && text.contains("not in the cache")
        }

        // One AAA close changed in the cache: the fingerprint no longer matches.
        let day = SessionDate(iso: "2023-03-01")!
        let bars = try cache.bars(provider: "wave", symbol: "AAA", from: day, to: day, adjustment: variant)
        var bar = try #require(bars.first)
        bar.close += 0.01
        bar.high = max(bar.high, bar.close)
        try cache.store(bars: [bar], covering: day...day, provider: "wave", symbol: "AAA", adjustment: variant)
        await #expect {
            _ = try await Self.runner(root, runId: "t", provider: offline)
                .run(Self.input(batch: 5, dir: root + "/t"), hooks: RunHooks(pinnedBars: pinned))
        } throws: { error in
            let text = (error as? RunError)?.description ?? ""
            return text.hasPrefix("AAA: ") && text.contains("not the ones the run used")
        }
    }
}

/// Weekday bars with a few overlapping cycles, so an SMA crossover trades.
private func waves(_ from: String, _ to: String) -> [Bar] {
    WeekdayCalendar().tradingDays(in: SessionDate(iso: from)!...SessionDate(iso: to)!).map { d in
        let t = Double(d.daysSinceEpoch)
        let c = 100 + 10 * sin(t / 11) + 4 * sin(t / 3.1)
        let o = c - 0.5 * sin(t / 2)
        return Bar(date: d, open: o, high: max(o, c) + 1, low: min(o, c) - 1, close: c, volume: 1_000)
    }
}
