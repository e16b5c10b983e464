import Engine
import Foundation
import Market
import Strategies
import Testing

@testable import Pipeline

/// A strategy that peeks one bar ahead: it buys when tomorrow's close is higher.
struct PeekingStrategy: Strategy {
    static let descriptor = StrategyDescriptor(id: "peeking", summary: "reads tomorrow", params: [], warmup: "0")
    let parameters: Parameters
    init(parameters: Parameters) { self.parameters = parameters }
    func signals(on series: BarSeries, indicators: IndicatorCache) -> Signals {
        let n = series.count
        let up = (0..<n).map { t in t + 1 < n && series.close[t + 1] > series.close[t] }
        return Signals(warmup: 0, entry: up, exit: up.map { !$0 })
    }
}

@Suite struct LookaheadCheckTests {
    static func series() async throws -> BarSeries {
        let from = SessionDate(iso: "2022-01-03")!
        let to = SessionDate(iso: "2022-12-30")!
        return BarSeries(symbol: "AAA", bars: try await WaveProvider().bars(symbol: "AAA", from: from, to: to))
    }

    @Test func theRegisteredStrategiesDoNotReadTheFuture() async throws {
        let bars = try await Self.series()
        let strategies = StrategyRegistry.all.map { t in
            (
                label: t.descriptor.id,
                strategy: t.init(parameters: t.descriptor.withDefaults(Parameters([:]))) as any Strategy
            )
        }
        var rng = SplitMix64(state: 7)
        let r = LookaheadCheck.check(
            series: bars, strategies: strategies, config: BacktestConfig(), cuts: 8, rng: &rng)
        #expect(r.comparisons == strategies.count * 8)
        #expect(r.violations.isEmpty, "\(r.violations)")
    }

    @Test func aStrategyThatPeeksIsCaught() async throws {
        let bars = try await Self.series()
        var rng = SplitMix64(state: 7)
        let r = LookaheadCheck.check(
            series: bars, strategies: [("peeking", PeekingStrategy(parameters: Parameters([:])))],
            config: BacktestConfig(), cuts: 8, rng: &rng)
        // Cut after bar c − 1: its signal on the full bars saw bar c, on the truncated ones it sees nothing.
        #expect(r.violations.count == 1)
        #expect(r.violations.first?.contains("AAA peeking: the signal on bar") == true)
        #expect(r.violations.first?.contains("reads bars after the one it decides on") == true)
    }

    @Test func cutPointsAreSeededAndDistinct() {
        var a = SplitMix64(state: 3)
        var b = SplitMix64(state: 3)
        let x = LookaheadCheck.cuts(n: 100, count: 10, rng: &a)
        #expect(x == LookaheadCheck.cuts(n: 100, count: 10, rng: &b))
        #expect(x.count == 10 && Set(x).count == 10 && x.allSatisfy { (2..<100).contains($0) })
    }
}
