// Helpers shared by the engine benchmark (stratopt-bench) and the end-to-end benchmark (e2e-bench), so
// both measure the engine on the same synthetic bars and the same grid and their figures compare as ratios.
import Engine
import Foundation
import Market
import Strategies

/// Box–Muller normals from Market's seeded SplitMix64, so every run benchmarks the same universe.
extension SplitMix64 {
    public mutating func normal(_ mean: Double, _ sd: Double) -> Double {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let u2 = Double.random(in: 0..<1, using: &self)
        return mean + sd * (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }
}

public func syntheticUniverse(symbols: Int, bars: Int, seed: UInt64) -> [BarSeries] {
    var g = SplitMix64(state: seed)
    var days: [SessionDate] = []
    var d = SessionDate(year: 2010, month: 1, day: 4)!
    while days.count < bars {
        if !d.isWeekend { days.append(d) }
        d = d.adding(days: 1)
    }
    return (0..<symbols).map { k in
        var o = [Double](), h = [Double](), l = [Double](), c = [Double]()
        var logPrice = log(50.0)
        var prev = 50.0
        for _ in 0..<bars {
            logPrice += g.normal(0.0003, 0.02)
            let close = exp(logPrice)
            let open = prev * exp(g.normal(0, 0.005))
            o.append(open)
            c.append(close)
            h.append(max(open, close) * exp(abs(g.normal(0, 0.006))))
            l.append(min(open, close) * exp(-abs(g.normal(0, 0.006))))
            prev = close
        }
        return BarSeries(
            symbol: "SYN\(k)", dates: days, open: o, high: h, low: l, close: c,
            volume: [Double](repeating: 1e6, count: bars))
    }
}

public func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}

/// Median and fastest wall time of `repeats` runs after one warm-up. On a shared, loaded machine the
/// fastest run is the better estimate of what the code costs; the median shows the noise.
@MainActor public func measure(repeats: Int, _ body: () async -> Void) async -> (median: Double, best: Double) {
    await body()
    var times: [Double] = []
    let clock = ContinuousClock()
    for _ in 0..<repeats {
        let t0 = clock.now
        await body()
        times.append(seconds(clock.now - t0))
    }
    times.sort()
    return (times[times.count / 2], times[0])
}

public func grid(_ id: String, _ a: String, _ av: [ParamValue], _ b: String, _ bv: [ParamValue]) -> [any Strategy] {
    GridRunner.strategies(id: id, axes: [(a, av), (b, bv)]) ?? []
}
public func ints(_ v: [Int]) -> [ParamValue] { v.map { .int($0) } }
public func doubles(_ v: [Double]) -> [ParamValue] { v.map { .double($0) } }

/// The reference grid of docs/performance.md section B: fast 5…50/5 × slow 20…200/10, 174 combinations
/// once the fast ≥ slow pairs are dropped.
public func smaGrid174() -> [any Strategy] {
    grid(
        "sma_crossover", "fast", ints(Array(stride(from: 5, through: 50, by: 5))), "slow",
        ints(Array(stride(from: 20, through: 200, by: 10))))
}

/// The engine's throughput on one series: `GridRunner.run` of the 174-combination SMA grid, indicators
/// included (a fresh cache each repetition), as bar-steps/s for the median and the fastest repetition.
@MainActor public func engineGridRate(
    series: BarSeries, repeats: Int, config: BacktestConfig = BacktestConfig()
) async -> (median: Double, best: Double, backtests: Int) {
    let pairs = smaGrid174()
    let t = await measure(repeats: repeats) {
        _ = await GridRunner.run(series: series, strategies: pairs, config: config, keepCurves: false)
    }
    let work = Double(pairs.count * series.count)
    return (work / t.median, work / t.best, pairs.count)
}
