import DataSources
import Engine
import Foundation
import Market
import RunStore
import Spec
import Strategies
import Testing

@testable import Pipeline

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

    /// A context that checkpoints into `journal` and asks to stop at the first poll after a unit of work (as
    /// SIGINT would); a fixed clock makes every finished unit due for a checkpoint.
    static func stopAfterFirstUnit(_ journal: any RunJournal) -> RunContext {
        RunContext(journal: journal, clock: FixedClock(), stop: ManualStop(after: 2))
    }

    /// One SMA(5, 20) backtest of a year of waves, with trades.
    static func sampleResult() -> JobResult {
        let series = BarSeries(symbol: "AAA", bars: waves("2022-01-03", "2022-12-30"))
        let job = BacktestJob(
            index: 0, symbol: "AAA", strategy: "sma_crossover",
            parameters: Parameters(["fast": .int(5), "slow": .int(20)]))
        return JobResult(
            BacktestStage.runOne(job: job, cache: IndicatorCache(series: series), config: BacktestConfig()))
    }

    /// The compact byte form round-trips every field bit for bit, special values included, and refuses
    /// truncated or foreign bytes with an error rather than a crash.
    @Test func aResultSurvivesItsEncodingBitForBit() throws {
        var result = Self.sampleResult()
        #expect(!result.trades.isEmpty)
        result.metrics.sharpe = nil
        result.metrics.cagrPct = .nan
        result.metrics.calmar = -0.0
        result.metrics.profitFactor = .infinity
        result.trades[0].pnl = .leastNonzeroMagnitude
        result.openPosition = OpenPosition(
            entryBar: 7, entryDate: SessionDate(iso: "2022-05-02")!, entryPrice: 1.0 / 3.0, shares: 12.5,
            entryCommission: .greatestFiniteMagnitude)
        let bytes = ResultCodec.encode(result)
        let back = try ResultCodec.decode(bytes)
        #expect(back.trades == result.trades)
        #expect(back.openPosition == result.openPosition)
        #expect(back.firstDecisionBar == result.firstDecisionBar)
        #expect(back.metrics.sharpe == nil && back.metrics.cagrPct.isNaN)
        #expect(back.metrics.calmar.map { $0 == 0 && $0.sign == .minus } == true)
        var m = back.metrics
        m.cagrPct = 0
        var n = result.metrics
        n.cagrPct = 0
        #expect(m == n)
        #expect(ResultCodec.encode(back) == bytes)
        #expect(back.moments != nil && back.moments == result.moments)
        // No curve is stored: ten trades, every metric and 16 blocks of return moments (24 bytes each) fit
        // in a couple of kilobytes.
        // A trade of a ten-year daily run: a flag byte, bars and dates in at most three bytes each, seven
        // doubles at most.
        #expect(bytes.count < 400 + 24 * 16 + 17 + (1 + 4 * 3 + 7 * 8) * result.trades.count)
        for cut in [0, 1, 8, bytes.count / 2, bytes.count - 1] {
            #expect(throws: CodecError.self) { try ResultCodec.decode(bytes.prefix(cut)) }
        }
        #expect(throws: CodecError.self) { try ResultCodec.decode(bytes + [0]) }
    }

    /// A backtest's trades carry P&L and return that the engine's formula gives back from their prices,
    /// shares and commissions: neither is stored, and one that differs by a single bit is stored in full.
    @Test func aTradesPnlAndReturnAreStoredOnlyWhenTheyDifferFromTheFormula() throws {
        var result = Self.sampleResult()
        #expect(result.trades.count >= 2)
        let bytes = ResultCodec.encode(result)
        let back = try ResultCodec.decode(bytes)
        for (a, b) in zip(back.trades, result.trades) {
            #expect(a.pnl.bitPattern == b.pnl.bitPattern && a.returnPct.bitPattern == b.returnPct.bitPattern)
        }
        result.trades[1].pnl = result.trades[1].pnl.nextUp
        let nudged = ResultCodec.encode(result)
        #expect(nudged.count == bytes.count + 16)
        #expect(try ResultCodec.decode(nudged).trades[1].pnl.bitPattern == result.trades[1].pnl.bitPattern)
        result.trades[1].pnl = result.trades[1].pnl.nextDown
        result.trades[0].returnPct = -result.trades[0].returnPct
        let negated = ResultCodec.encode(result)
        #expect(negated.count == bytes.count + 16)
        #expect(try ResultCodec.decode(negated).trades == result.trades)
    }

    /// A price that is a short decimal (cents, or up to six decimals) is stored as a scaled integer of about
    /// three bytes instead of its eight IEEE bytes; any other keeps its bits. Both read back bit for bit.
    @Test func decimalPricesAreStoredAsScaledIntegersAndEveryOtherPriceKeepsItsBits() throws {
        var result = Self.sampleResult()
        result.openPosition = nil
        let template = result.trades[0]
        func withPrices(_ pairs: [(Double, Double)]) -> JobResult {
            var r = result
            r.trades = pairs.map { entry, exit in
                var t = template
                t.entryPrice = entry
                t.exitPrice = exit
                return t
            }
            return r
        }
        // 106.79 is 10679 / 10^2: the code 10679 · 8 + 2 = 85434 is a three-byte varint, as is
        // 98.41's 78730; one ulp off, neither is a decimal of at most six places and each keeps 8 bytes.
        let cents = ResultCodec.encode(withPrices([(106.79, 98.41)]))
        let nudged = ResultCodec.encode(withPrices([(106.79.nextUp, 98.41.nextDown)]))
        #expect(nudged.count == cents.count + 2 * (8 - 3))
        for bytes in [cents, nudged] {
            let back = try ResultCodec.decode(bytes)
            #expect(ResultCodec.encode(back) == bytes)
        }
        #expect(try ResultCodec.decode(cents).trades[0].entryPrice.bitPattern == (106.79).bitPattern)
        #expect(try ResultCodec.decode(nudged).trades[0].entryPrice.bitPattern == (106.79).nextUp.bitPattern)
        // Seeded quotes in cents and in four and six decimals, and values that are no short decimal (a third,
        // 0.1 + 0.2, 1e-7, a huge price, the smallest and largest doubles): every one reads back bit for bit.
        var rng = SplitMix64(state: 20_261_202)
        var pairs: [(Double, Double)] = []
        for _ in 0..<2_000 {
            let n = Double(1 + rng.next() % 100_000_000)
            pairs.append((n / 100, n / 10_000))
            pairs.append((n / 1_000_000, (n / 100).nextUp))
        }
        pairs += [
            (1.0 / 3.0, 0.1 + 0.2), (1e-7, 9.5e15), (.leastNonzeroMagnitude, .greatestFiniteMagnitude),
            (-12.5, 250), (0, 1e300),
        ]
        let mixed = withPrices(pairs)
        let back = try ResultCodec.decode(ResultCodec.encode(mixed))
        #expect(back.trades.count == pairs.count)
        for (a, b) in zip(back.trades, mixed.trades) {
            #expect(a.entryPrice.bitPattern == b.entryPrice.bitPattern)
            #expect(a.exitPrice.bitPattern == b.exitPrice.bitPattern)
        }
        // Prices of at most six decimals (codes below 2^35: five-byte varints at most) save at least three bytes
        // each against the same trades with every price one ulp away.
        let seeded = withPrices(pairs.prefix(1_000).map { ($0.0, $0.0) })
        let seededOff = withPrices(pairs.prefix(1_000).map { ($0.0.nextUp, $0.0.nextUp) })
        #expect(ResultCodec.encode(seeded).count <= ResultCodec.encode(seededOff).count - 1_000 * 2 * 3)
    }

    /// The compact trade form keeps every bit of values it does not expect: extreme bars and dates,
    /// fractional, negative-zero and huge share counts, non-zero and negative-zero commissions, NaN.
    @Test func extremeTradesSurviveTheCompactFormBitForBit() throws {
        let day = SessionDate(iso: "2024-01-02")!
        func trade(_ entryBar: Int, _ exitBar: Int, shares: Double, entryCommission: Double, exitCommission: Double)
            -> Trade
        {
            Trade(
                entryBar: entryBar, exitBar: exitBar, entryDate: SessionDate(daysSinceEpoch: entryBar / 2),
                exitDate: day, entryPrice: .nan, exitPrice: -0.0, shares: shares, entryCommission: entryCommission,
                exitCommission: exitCommission, pnl: .infinity, returnPct: -.leastNormalMagnitude)
        }
        var result = Self.sampleResult()
        result.openPosition = nil
        result.moments = nil
        result.firstDecisionBar = -3
        result.trades = [
            trade(.min, .max, shares: -0.0, entryCommission: -0.0, exitCommission: 0),
            trade(.max, .min, shares: 9_007_199_254_740_992, entryCommission: 1.25, exitCommission: .nan),
            trade(0, 1, shares: 12.5, entryCommission: 0, exitCommission: 0),
            trade(-5, 3, shares: 7, entryCommission: .greatestFiniteMagnitude, exitCommission: -1),
            trade(2519, 2519, shares: 9_007_199_254_740_991, entryCommission: 0, exitCommission: 0.01),
        ]
        let bytes = ResultCodec.encode(result)
        let back = try ResultCodec.decode(bytes)
        #expect(back.trades.count == result.trades.count)
        for (a, b) in zip(back.trades, result.trades) {
            #expect(a.entryBar == b.entryBar && a.exitBar == b.exitBar)
            #expect(a.entryDate == b.entryDate && a.exitDate == b.exitDate)
            let bits = { (t: Trade) in
                [t.entryPrice, t.exitPrice, t.shares, t.entryCommission, t.exitCommission, t.pnl, t.returnPct].map(
                    \.bitPattern)
            }
            #expect(bits(a) == bits(b))
        }
        #expect(back.firstDecisionBar == -3)
        #expect(ResultCodec.encode(back) == bytes)
        // Unknown flag bits and an over-long variable-length integer are refused. Without open position or
        // moments a result ends in two presence bytes, so one trade starts where those bytes are without it.
        var none = result
        none.trades = []
        let flagsAt = ResultCodec.encode(none).count - 2
        var one = result
        one.trades = [result.trades[2]]
        let single = ResultCodec.encode(one)
        // 12.5 shares is not a whole count; both commissions are zero: flags 2 | 4.
        #expect(single[flagsAt] == 6)
        var badFlags = single
        badFlags[flagsAt] |= 0x80
        #expect(throws: CodecError.self) { try ResultCodec.decode(badFlags) }
        // Entry bar 0 is one zero byte; eleven bytes of continuation are not a 64-bit integer.
        #expect(single[flagsAt + 1] == 0)
        let tooLong =
            Array(single[..<(flagsAt + 1)]) + [UInt8](repeating: 0xFF, count: 10) + [0x01]
            + Array(single[(flagsAt + 2)...])
        #expect(throws: CodecError.self) { try ResultCodec.decode(tooLong) }
        #expect(ResultCodec.encode(try ResultCodec.decode(single)) == single)
    }

    @Test func anInterruptedRunResumesFromItsCheckpointsToTheSameFiles() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // 3 symbols × 6 combinations = 18 backtests; batches of 4 → 5 batches.
        _ = try await Self.runner(root, runId: "ref").run(Self.input(batch: 4, dir: root + "/ref"))
        let store = try Self.newStore(root, runId: "r1")
        let runner = try Self.runner(root, runId: "r1")
        let journal = StoreJournal(store: store, runId: "r1")
        var done = 0
        await #expect {
            _ = try await runner.run(Self.input(batch: 1, dir: root + "/r1"), context: Self.stopAfterFirstUnit(journal))
        } throws: { error in
            guard let e = error as? RunInterrupted else { return false }
            done = e.done
            return e.done > 0 && e.done < 18 && e.total == 18
        }
        let saved = try store.batches(runId: "r1")
        #expect(!saved.isEmpty)
        let record = try #require(try store.get(runId: "r1"))
        #expect(record.stage == .backtest && record.done == done && record.total == 18)
        // The manifest of the interrupted run already records its bars.
        let manifest = try Manifest.read(from: root + "/r1/manifest.json")
        #expect(manifest.status == .running)
        #expect(manifest.symbols.allSatisfy { $0.barsSHA256?.count == 64 })

        // Resumed with another batch size: checkpoints are keyed by plan position, so they still apply.
        let resumed = try await runner.run(
            Self.input(batch: 5, dir: root + "/r1"), context: RunContext(journal: journal))
        #expect(resumed.counts.restored == done)
        #expect(resumed.counts.computed == 18 - done)
        #expect(try Self.contents(root + "/r1") == Self.contents(root + "/ref"))
        // A finished run leaves no checkpoint behind.
        #expect(try store.batches(runId: "r1").isEmpty)
    }

    @Test func aStopRequestedDuringTheFetchStopsBeforeAnyBacktest() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try Self.newStore(root, runId: "r1")
        await #expect {
            _ = try await Self.runner(root, runId: "r1").run(
                Self.input(batch: 4, dir: root + "/r1"),
                context: RunContext(journal: StoreJournal(store: store, runId: "r1"), stop: ManualStop(after: 1)))
        } throws: { error in
            (error as? RunInterrupted).map { $0.done == 0 && $0.total == 18 } ?? false
        }
        #expect(try store.batches(runId: "r1").isEmpty)
        #expect(try Manifest.read(from: root + "/r1/manifest.json").status == .running)
        #expect(!FileManager.default.fileExists(atPath: root + "/r1/results.csv"))
    }

    @Test func aCheckpointFromAnotherPlanIsRefused() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let journal = MemoryJournal()
        let runner = try Self.runner(root, runId: "r1")
        _ = try? await runner.run(Self.input(batch: 1, dir: root + "/r1"), context: Self.stopAfterFirstUnit(journal))
        #expect(!journal.saved.isEmpty)
        // Another grid: plan position 0 is now a different backtest.
        var other = Self.input(batch: 5, dir: root + "/r1")
        other.spec.strategies.removeFirst()
        await #expect {
            _ = try await runner.run(other, context: RunContext(journal: MemoryJournal(checkpoints: journal.saved)))
        } throws: { error in
            (error as? RunError)?.description.contains("does not match its plan") ?? false
        }
        // Foreign bytes are an error with advice, not a crash.
        await #expect {
            _ = try await runner.run(
                Self.input(batch: 5, dir: root + "/r1"),
                context: RunContext(journal: MemoryJournal(checkpoints: [Data("{\"version\":1}".utf8)])))
        } throws: { error in
            (error as? RunError)?.description.contains("another version of stratopt") ?? false
        }
    }

    /// Batch size, worker count and thread timing never change a byte: batches of 1, 5 and 64.
    @Test func resultFilesAreIdenticalAcrossBatchSizes() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var outputs: [[Data]] = []
        for batch in [1, 5, 64] {
            _ = try await Self.runner(root, runId: "b\(batch)").run(Self.input(batch: batch, dir: root + "/b\(batch)"))
            outputs.append(
                try (Self.files + ["equity.csv", "results.json"]).map {
                    try Data(contentsOf: URL(fileURLWithPath: root + "/b\(batch)/" + $0))
                })
        }
        #expect(outputs[0] == outputs[1] && outputs[1] == outputs[2])
    }

    @Test func theResultCacheServesARepeatedRunAndMissesOnNewInputs() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cache = try ResultCache(dataDir: root + "/data")
        let hooks = RunContext(results: cache)
        let first = try await Self.runner(root, runId: "a").run(Self.input(batch: 5, dir: root + "/a"), context: hooks)
        #expect(first.counts.cacheMisses == 18 && first.counts.cacheHits == 0 && first.counts.computed == 18)
        let second = try await Self.runner(root, runId: "b").run(Self.input(batch: 7, dir: root + "/b"), context: hooks)
        #expect(second.counts.cacheHits == 18 && second.counts.cacheMisses == 0 && second.counts.computed == 0)
        #expect(try Self.contents(root + "/a") == Self.contents(root + "/b"))
        // Other costs: every key differs.
        let third = try await Self.runner(root, runId: "c").run(
            Self.input(batch: 5, dir: root + "/c", slippage: 5), context: hooks)
        #expect(third.counts.cacheHits == 0 && third.counts.computed == 18)
        // 36 results and one remembered bars fingerprint per symbol (the same bars in all three runs).
        #expect(try cache.count() == 36 + third.series.count)
        // Without the cache nothing is looked up.
        let plain = try await Self.runner(root, runId: "d").run(
            Self.input(batch: 5, dir: root + "/d"), context: RunContext())
        #expect(plain.counts.cacheHits == 0 && plain.counts.cacheMisses == 0 && plain.counts.computed == 18)
    }

    /// The bars fingerprints a run records are remembered in the result cache under the digest of the bars'
    /// bits: the next run reads them back (the manifest is the same), and a value that is not a SHA-256 in
    /// hex is computed again and replaced.
    @Test func barsFingerprintsAreRememberedInTheResultCacheAndAGarbledOneIsComputedAgain() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let cache = try ResultCache(dataDir: root + "/data")
        let context = RunContext(results: cache)
        let first = try await Self.runner(root, runId: "a").run(
            Self.input(batch: 5, dir: root + "/a"), context: context)
        let recorded = try Manifest.read(from: root + "/a/manifest.json").symbols
        #expect(!recorded.isEmpty && recorded.allSatisfy { $0.barsSHA256?.count == 64 })
        let keys = first.series.values.map { Hashing.bitsDigest($0) }
        let stored = try cache.lookup(keys)
        #expect(stored.count == first.series.count)
        for (symbol, bars) in first.series {
            let value = stored[Hashing.bitsDigest(bars)]
            #expect(value.map { String(decoding: $0, as: UTF8.self) } == Hashing.fingerprint(bars), "\(symbol)")
        }
        // Garble one remembered value: the next run computes that fingerprint again and stores it anew.
        let garbled = try #require(keys.first)
        try cache.store([(key: garbled, value: Array("not a fingerprint".utf8))])
        _ = try await Self.runner(root, runId: "b").run(Self.input(batch: 5, dir: root + "/b"), context: context)
        let again = try Manifest.read(from: root + "/b/manifest.json").symbols
        #expect(again.map(\.barsSHA256) == recorded.map(\.barsSHA256))
        #expect(try cache.lookup([garbled]) == stored.filter { $0.key == garbled })
        // Other bars, another key: a fingerprint is never served for bars it was not computed from.
        let bars = try #require(first.series.values.first)
        var close = bars.close
        close[0] += 0.01
        let other = BarSeries(
            symbol: bars.symbol, dates: bars.dates, open: bars.open, high: bars.high, low: bars.low, close: close,
            volume: bars.volume)
        #expect(Hashing.bitsDigest(other) != Hashing.bitsDigest(bars))
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
            .run(Self.input(batch: 3, dir: root + "/p"), context: RunContext(pinnedBars: pinned))
        #expect(again.status == .partial)
        #expect(again.report.issues == original.report.issues)
        #expect(try Self.contents(root + "/p") == Self.contents(root + "/o"))

        // CCC's bars gone from the cache: an error naming CCC (the recorded provider is never asked).
        let cache = try BarCache(dataDir: root + "/data")
        try cache.clear(symbol: "CCC")
        await #expect {
            _ = try await Self.runner(root, runId: "q", provider: offline)
                .run(Self.input(batch: 5, dir: root + "/q"), context: RunContext(pinnedBars: pinned))
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
                .run(Self.input(batch: 5, dir: root + "/t"), context: RunContext(pinnedBars: pinned))
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
