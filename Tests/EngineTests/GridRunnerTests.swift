import Engine
import Market
import Strategies
import Testing

@Suite struct GridRunnerTests {
    static func smaGrid() -> [any Strategy] {
        GridRunner.strategies(
            id: "sma_crossover",
            axes: [
                ("fast", stride(from: 5, through: 50, by: 5).map { ParamValue.int($0) }),
                ("slow", stride(from: 20, through: 200, by: 10).map { ParamValue.int($0) }),
            ])!
    }

    @Test func gridHas174ValidCombinations() {
        let grid = Self.smaGrid()
        #expect(grid.count == 174)
        #expect(grid.allSatisfy { $0.parameters.int("fast") < $0.parameters.int("slow") })
        #expect(grid.first?.parameters.description == "fast=5;slow=20")
        #expect(GridRunner.strategies(id: "nope", axes: []) == nil)
    }

    /// peers-bench.md section B: over this grid on GOOG, backtesting.py's best final equity is
    /// (10, 20) → 695 336.21776.
    @Test func googGridMatchesTheReferenceOptimum() async throws {
        let goog = try ReferenceData.series("GOOG").series
        let grid = Self.smaGrid()
        let results = await GridRunner.run(series: goog, strategies: grid, config: BacktestConfig(), keepCurves: false)
        #expect(results.count == 174)
        let best = try #require(
            results.indices.max { results[$0].metrics.finalEquity < results[$1].metrics.finalEquity })
        #expect(grid[best].parameters.description == "fast=10;slow=20")
        #expect(results[best].metrics.finalEquity == 695_336.21776)
        #expect(results.allSatisfy { $0.equity.isEmpty })
    }

    @Test func parallelResultsAreInInputOrderAndIdenticalToSerial() async throws {
        var g = SplitMix64(state: 42)
        let close = (0..<600).reduce(into: [Double]()) { a, _ in
            a.append((a.last ?? 100) * (1 + Double.random(in: -0.02...0.02, using: &g)))
        }
        let series = BarSeries(
            symbol: "RND", dates: (0..<600).map { SessionDate(daysSinceEpoch: 16_000 + $0) },
            open: [100] + close.dropLast(), high: close.map { $0 * 1.01 }, low: close.map { $0 * 0.99 },
            close: close, volume: [Double](repeating: 1, count: 600))
        var jobs: [any Strategy] = []
        for id in StrategyRegistry.ids {
            jobs.append(StrategyRegistry.make(id: id, parameters: Parameters())!)
        }
        jobs += Self.smaGrid().prefix(30)
        let config = BacktestConfig(commission: .perShare(rate: 0.005, minimum: 1), slippageBps: 3)
        let serial = GridRunner.runSerial(series: series, strategies: jobs, config: config)
        for workers in [1, 2, 3, 8] {
            let parallel = await GridRunner.run(
                series: series, strategies: jobs, config: config, maxConcurrency: workers)
            #expect(parallel == serial, "maxConcurrency \(workers)")
        }
        for (job, result) in zip(jobs, serial) {
            let alone = Backtester.run(
                series: series, signals: job.signals(on: series, indicators: IndicatorCache(series: series)),
                config: config)
            #expect(alone == result, "\(type(of: job).descriptor.id) \(job.parameters)")
        }
    }
}
