import Engine
import Foundation
import Market
import Reports
import Scoring
import Spec
import Strategies
import Testing

@testable import Pipeline

/// Walk-forward and holdout validation: fold windows, no look-ahead, stitching, and the run's files.
@Suite struct WalkForwardTests {
    static func d(_ s: String) -> SessionDate { SessionDate(iso: s)! }
    static let combinations: [(strategy: String, parameters: Parameters)] =
        [5, 10].flatMap { f in
            [20, 40].map { s in ("sma_crossover", Parameters(["fast": .int(f), "slow": .int(s)])) }
        } + [("rsi_reversion", Parameters(["period": .int(14)]))]

    static func bars(_ from: String, _ to: String, symbol: String = "AAA") async throws -> BarSeries {
        BarSeries(symbol: symbol, bars: try await WaveProvider().bars(symbol: symbol, from: d(from), to: d(to)))
    }

    @Test func rollingAnchoredAndHoldoutWindows() {
        let y1 = PipelineSpec.WindowLength(count: 1, unit: .years)
        let m6 = PipelineSpec.WindowLength(count: 6, unit: .months)
        let rolling = WalkForward.folds(
            .init(method: .walkForward, train: y1, test: m6), start: Self.d("2020-01-01"), end: Self.d("2022-12-31"))
        // Tests start one year in and follow each other every six months; the last ends with the period.
        #expect(rolling.map(\.testFrom.iso) == ["2021-01-01", "2021-07-01", "2022-01-01", "2022-07-01"])
        #expect(rolling.map(\.testTo.iso) == ["2021-07-01", "2022-01-01", "2022-07-01", "2023-01-01"])
        #expect(rolling.map(\.trainFrom.iso) == ["2020-01-01", "2020-07-01", "2021-01-01", "2021-07-01"])
        let anchored = WalkForward.folds(
            .init(method: .walkForward, train: y1, test: m6, window: .anchored), start: Self.d("2020-01-01"),
            end: Self.d("2022-12-31"))
        #expect(anchored.map(\.trainFrom.iso) == ["2020-01-01", "2020-01-01", "2020-01-01", "2020-01-01"])
        #expect(anchored.map(\.testFrom) == rolling.map(\.testFrom))
        let holdout = WalkForward.folds(
            .init(method: .holdout, test: m6), start: Self.d("2020-01-01"), end: Self.d("2022-12-31"))
        #expect(
            holdout == [
                FoldWindow(
                    trainFrom: Self.d("2020-01-01"), testFrom: Self.d("2022-07-01"), testTo: Self.d("2023-01-01"))
            ])
        // A period shorter than one training window holds no fold.
        #expect(
            WalkForward.folds(
                .init(method: .walkForward, train: y1, test: m6), start: Self.d("2020-01-01"), end: Self.d("2020-12-31")
            ).isEmpty)
    }

    @Test func aFoldIsUnchangedWhenBarsAfterItsTestWindowChange() async throws {
        let original = try await Self.bars("2020-01-01", "2022-12-31")
        let folds = WalkForward.folds(
            .init(
                method: .walkForward, train: .init(count: 1, unit: .years), test: .init(count: 6, unit: .months)),
            start: Self.d("2020-01-01"), end: Self.d("2022-12-31"))
        // Bars from the third test window on are replaced by a falling market.
        let cut = try #require(original.dates.firstIndex { $0 >= folds[2].testFrom })
        var bars = original.bars
        for i in cut..<bars.count {
            let f = 1 - 0.002 * Double(i - cut + 1)
            bars[i] = Bar(
                date: bars[i].date, open: bars[i].open * f, high: bars[i].high * f, low: bars[i].low * f,
                close: bars[i].close * f, volume: bars[i].volume)
        }
        let altered = BarSeries(symbol: "AAA", bars: bars)
        let config = BacktestConfig(commission: .fraction(0.001))
        func run(_ s: BarSeries) -> [String: WalkForward.Outcome] {
            WalkForward.run(
                series: s, periodStart: 0, combinations: Self.combinations, config: config, rules: .standard,
                folds: folds)
        }
        let a = run(original)
        let b = run(altered)
        #expect(a.keys.sorted() == ["rsi_reversion", "sma_crossover"])
        for id in a.keys {
            let fa = try #require(a[id]).outOfSample.folds
            let fb = try #require(b[id]).outOfSample.folds
            #expect(fa.count == 4 && fb.count == 4)
            // Folds 1 and 2 end before the cut: identical choices and figures, bit for bit.
            #expect(Array(fa.prefix(2)) == Array(fb.prefix(2)))
        }
        // The alteration is real: some later fold's figures differ.
        #expect(a.keys.contains { a[$0]!.outOfSample.folds.suffix(2) != b[$0]!.outOfSample.folds.suffix(2) })
    }

    @Test func theStitchedReturnCompoundsTheTestWindows() async throws {
        let series = try await Self.bars("2020-01-01", "2022-12-31")
        let folds = WalkForward.folds(
            .init(
                method: .walkForward, train: .init(count: 1, unit: .years), test: .init(count: 6, unit: .months)),
            start: Self.d("2020-01-01"), end: Self.d("2022-12-31"))
        let out = WalkForward.run(
            series: series, periodStart: 0, combinations: Self.combinations,
            config: BacktestConfig(commission: .fraction(0.001)), rules: .standard, folds: folds)
        for (_, o) in out {
            // Each test window starts from the initial cash; chaining them multiplies their growth factors.
            let expected = (o.outOfSample.folds.reduce(1.0) { $0 * (1 + $1.outOfSampleReturnPct / 100) } - 1) * 100
            #expect(abs(o.outOfSample.metrics.totalReturnPct - expected) < 1e-9 * max(1, abs(expected)))
            #expect(o.outOfSample.metrics.trades == o.outOfSample.folds.reduce(0) { $0 + $1.outOfSampleTrades })
            #expect(o.latestParams == o.outOfSample.folds.last?.params)
        }
    }

    static func validatedSpec(batch: Int, dir: String) -> PipelineSpec {
        var s = PipelineRunnerTests.spec(batch: batch, dir: dir)
        s.period = .init(start: .absolute(d("2020-01-01")), end: .absolute(d("2023-12-29")))
        s.validation = .init(
            method: .walkForward, train: .init(count: 1, unit: .years), test: .init(count: 1, unit: .years))
        return s
    }

    @Test func aValidatedRunRanksByTheOutOfSampleScoreIdenticallyForEveryBatchSize() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        var files: [[Data]] = []
        for batch in [1, 7] {
            let dir = root + "/b\(batch)"
            let outcome = try await PipelineRunnerTests.runner(root).run(
                SpecInput(spec: Self.validatedSpec(batch: batch, dir: dir), path: "t.yaml", text: ""))
            #expect(outcome.status == .succeeded)
            files.append(
                try ["results.csv", "best.csv", "results.json"].map {
                    try Data(contentsOf: URL(fileURLWithPath: dir + "/" + $0))
                })
            // Three folds (tests 2021, 2022, 2023); one ranked row per (symbol, strategy), the latest choice.
            let report = outcome.report
            #expect(report.validation?.folds.count == 3)
            for sym in ["AAA", "BBB", "CCC"] {
                let rows = report.rows.filter { $0.symbol == sym }
                let ranked = rows.filter { $0.excludedReason == nil }
                #expect(ranked.count <= 3)
                #expect(rows.filter { $0.outOfSample != nil }.count == 3)
                for r in rows where r.outOfSample != nil {
                    #expect(r.outOfSample?.folds.last?.params == r.params)
                }
                // Rank 1 has the best out-of-sample score of the ranked rows.
                let best = try #require(rows.first { $0.rank == 1 })
                let top = ranked.map { $0.outOfSample!.score.total }.max()
                #expect(best.outOfSample?.score.total == top)
                for r in rows where r.outOfSample == nil { #expect(r.rank > ranked.count) }
            }
            // The execute stage's candidates are the out-of-sample winners, with the latest window's params
            // and their out-of-sample score (the one execute.min_score gates).
            let candidates = try ExecuteStage.readCandidates(from: dir)
            #expect(candidates.count == 3)
            for c in candidates {
                let best = try #require(report.rows.first { $0.symbol == c.symbol && $0.rank == 1 })
                #expect(c.strategy == best.strategy && c.params == best.params)
                #expect(c.score == best.outOfSample?.score.total)
            }
        }
        #expect(files[0] == files[1])
        let json = try JSONSerialization.jsonObject(with: files[0][2]) as? [String: Any]
        let v = try #require(json?["validation"] as? [String: Any])
        #expect(v["method"] as? String == "walk_forward")
        #expect((v["folds"] as? [[String: Any]])?.first?["test_start"] as? String == "2021-01-01")
        #expect((v["selections"] as? [Any])?.count == 9)
        // results.csv: oos_* filled on exactly the rows the latest training window chose.
        let text = String(decoding: files[0][0], as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let header = lines[0].components(separatedBy: ",")
        let oos = try #require(header.firstIndex(of: "oos_score"))
        #expect(lines.dropFirst().filter { !$0.components(separatedBy: ",")[oos].isEmpty }.count == 9)
    }

    @Test func withoutValidationTheOutOfSampleColumnsAreEmptyAndJSONSaysNull() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/r"
        _ = try await PipelineRunnerTests.runner(root).run(
            SpecInput(spec: PipelineRunnerTests.spec(batch: 2, dir: dir), path: "t.yaml", text: ""))
        let text = try String(contentsOfFile: dir + "/results.csv", encoding: .utf8)
        let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let header = lines[0].components(separatedBy: ",")
        let oos = ReportSchema.outOfSampleColumns.compactMap { header.firstIndex(of: $0) }
        #expect(oos.count == 5)
        #expect(
            lines.dropFirst().allSatisfy { line in oos.allSatisfy { line.components(separatedBy: ",")[$0].isEmpty } })
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/results.json")))
        #expect((json as? [String: Any])?["validation"] is NSNull)
    }
}

@Suite struct WalkForwardWindowTests {
    /// The window run computes its metrics once, on the window; it must equal the stage's `runOne`.
    @Test func aWindowRunEqualsTheStagesRunOne() async throws {
        let series = try await WalkForwardTests.bars("2021-01-04", "2022-12-30")
        let cache = IndicatorCache(series: series)
        let config = BacktestConfig(commission: .fraction(0.001), slippageBps: 2)
        for (id, p) in WalkForwardTests.combinations {
            let job = BacktestJob(index: 0, symbol: "AAA", strategy: id, parameters: p)
            for from in [0, 1, 130, 400] {
                let a = WalkForward.runWindow(id, p, cache: cache, config: config, from: from)
                let b = BacktestStage.runOne(job: job, cache: cache, config: config, tradingStart: from)
                #expect(a == b)
            }
        }
    }
}
