import Market
import Strategies
import Synchronization
import Testing

@Suite struct StrategyLibraryTests {
    @Test func registryOrder() {
        #expect(
            StrategyRegistry.ids == [
                "sma_crossover", "ema_crossover", "rsi_reversion", "macd_crossover", "bollinger_reversion",
                "donchian_breakout", "momentum", "buy_and_hold",
            ])
    }

    @Test(arguments: StrategyRegistry.ids)
    func defaultsAreValidAndWithinBounds(id: String) throws {
        let d = try #require(StrategyRegistry.descriptor(for: id))
        let p = d.withDefaults(Parameters())
        #expect(d.violatedConstraint(p) == nil)
        for spec in d.params {
            let v = try #require(p[spec.name]).asDouble
            #expect(v >= spec.minimum && v <= spec.maximum, "\(id).\(spec.name)")
        }
        #expect(!d.warmup.isEmpty && !d.summary.isEmpty)
    }

    @Test func constraintsRejectInvertedWindows() throws {
        for id in ["sma_crossover", "ema_crossover", "macd_crossover"] {
            let d = try #require(StrategyRegistry.descriptor(for: id))
            #expect(d.violatedConstraint(d.withDefaults(Parameters(["fast": .int(30), "slow": .int(30)]))) != nil)
        }
        let rsi = try #require(StrategyRegistry.descriptor(for: "rsi_reversion"))
        #expect(rsi.violatedConstraint(rsi.withDefaults(Parameters(["lower": .int(70), "upper": .int(30)]))) != nil)
        let mom = try #require(StrategyRegistry.descriptor(for: "momentum"))
        #expect(mom.violatedConstraint(mom.withDefaults(Parameters(["threshold": .int(-1)]))) != nil)
        #expect(StrategyRegistry.make(id: "nope", parameters: Parameters()) == nil)
    }

    /// The warm-up W (first bar with every indicator defined) documented by each descriptor.
    @Test func warmups() throws {
        let s = RandomSeries.make(count: 200, seed: 7)
        func w(_ id: String, _ p: [String: ParamValue] = [:]) -> Int {
            StrategyRegistry.make(id: id, parameters: Parameters(p))!.signals(
                on: s, indicators: IndicatorCache(series: s)
            )
            .warmup
        }
        #expect(w("sma_crossover") == 19)  // slow − 1
        #expect(w("ema_crossover") == 25)
        #expect(w("rsi_reversion") == 14)  // period
        #expect(w("macd_crossover") == 33)  // slow + signal − 2
        #expect(w("bollinger_reversion") == 19)
        #expect(w("donchian_breakout") == 20)  // max(entry, exit)
        #expect(w("momentum") == 20)
        #expect(w("buy_and_hold") == 0)
    }

    @Test func signalsFollowTheirRules() throws {
        let s = RandomSeries.make(count: 300, seed: 11)
        let cache = IndicatorCache(series: s)
        let close = s.close
        // Bollinger: entry exactly where close < middle − 2σ; exit where close > middle.
        let bb = StrategyRegistry.make(id: "bollinger_reversion", parameters: Parameters())!.signals(
            on: s, indicators: cache)
        let bands = Indicators.bollinger(close, 20, k: 2)
        for t in 0..<s.count {
            #expect(bb.entry[t] == (close[t] < bands.lower[t]))
            #expect(bb.exit[t] == (close[t] > bands.middle[t]))
        }
        // Donchian: entry when the close beats the previous 20 highs.
        let dc = StrategyRegistry.make(id: "donchian_breakout", parameters: Parameters())!.signals(
            on: s, indicators: cache)
        for t in 20..<s.count {
            #expect(dc.entry[t] == (close[t] > s.high[(t - 20)..<t].max()!))
            #expect(dc.exit[t] == (close[t] < s.low[(t - 10)..<t].min()!))
        }
        // Momentum: ROC(20) > 0.
        let mo = StrategyRegistry.make(id: "momentum", parameters: Parameters())!.signals(on: s, indicators: cache)
        for t in 20..<s.count { #expect(mo.entry[t] == (close[t] / close[t - 20] > 1)) }
        #expect(bb.entry.contains(true) && dc.entry.contains(true) && mo.entry.contains(true))
    }

    @Test func cacheSharesIndicatorsAcrossAGrid() {
        let s = RandomSeries.make(count: 100, seed: 3)
        let cache = IndicatorCache(series: s)
        for fast in [5, 10] {
            for slow in [20, 30] {
                _ = StrategyRegistry.make(
                    id: "sma_crossover", parameters: Parameters(["fast": .int(fast), "slow": .int(slow)]))!
                    .signals(on: s, indicators: cache)
            }
        }
        #expect(cache.count == 4)  // SMA 5, 10, 20, 30 computed once each
        _ = cache.macd(fast: 12, slow: 26, signal: 9)
        #expect(cache.count == 6)  // EMA(26), and one entry for MACD line, signal and histogram
    }

    /// Cached indicators (which share sub-results such as the slow EMA of MACD) equal the direct ones bit for bit.
    @Test func cachedIndicatorsEqualDirectOnes() {
        let s = RandomSeries.make(count: 400, seed: 9)
        let cache = IndicatorCache(series: s)
        func same(_ a: [Double], _ b: [Double]) -> Bool { a.elementsEqual(b) { $0 == $1 || ($0.isNaN && $1.isNaN) } }
        _ = cache.ema(26)
        let m = cache.macd(fast: 12, slow: 26, signal: 9)
        let d = Indicators.macd(s.close, fast: 12, slow: 26, signal: 9)
        #expect(same(m.macd, d.macd) && same(m.signal, d.signal) && same(m.histogram, d.histogram))
        let b = cache.bollinger(20, k: 2.5)
        let e = Indicators.bollinger(s.close, 20, k: 2.5)
        #expect(same(b.upper, e.upper) && same(b.middle, e.middle) && same(b.lower, e.lower))
        let dc = cache.donchian(15)
        let de = Indicators.donchian(high: s.high, low: s.low, 15)
        #expect(same(dc.upper, de.upper) && same(dc.lower, de.lower))
    }

    final class Counter: Sendable {
        let calls = Mutex(0)
    }

    /// Concurrent jobs asking for the same indicator compute it once and all get the same array.
    @Test func concurrentRequestsComputeOnce() async {
        let s = RandomSeries.make(count: 3_000, seed: 5)
        let cache = IndicatorCache(series: s)
        let counter = Counter()
        let results = await withTaskGroup(of: [Double].self) { group in
            for _ in 0..<8 {
                group.addTask {
                    cache.values("sma(close,50)-counted") {
                        counter.calls.withLock { $0 += 1 }
                        return Indicators.sma($0.close, 50)
                    }
                }
            }
            var all: [[Double]] = []
            for await r in group { all.append(r) }
            return all
        }
        #expect(counter.calls.withLock { $0 } == 1)
        #expect(results.count == 8)
        let sma = Indicators.sma(s.close, 50)
        #expect(results.allSatisfy { $0.elementsEqual(sma) { $0 == $1 || ($0.isNaN && $1.isNaN) } })
    }
}
