import Engine
import Market
import Strategies
import Testing

/// Property: rewriting every bar after day t never changes a signal, a fill, the equity or the position
/// on days 0…t — for every strategy, several parameter sets, seeds, cut points and conventions.
@Suite struct NoLookAheadTests {
    static let parameterSets: [String: [[String: ParamValue]]] = [
        "sma_crossover": [["fast": .int(5), "slow": .int(20)], ["fast": .int(3), "slow": .int(8)]],
        "ema_crossover": [["fast": .int(5), "slow": .int(20)], ["fast": .int(12), "slow": .int(26)]],
        "rsi_reversion": [
            ["period": .int(14), "lower": .int(30), "upper": .int(70)],
            ["period": .int(5), "lower": .int(45), "upper": .int(55)],
        ],
        "macd_crossover": [
            ["fast": .int(12), "slow": .int(26), "signal": .int(9)],
            ["fast": .int(5), "slow": .int(13), "signal": .int(4)],
        ],
        "bollinger_reversion": [["period": .int(20), "k": .int(2)], ["period": .int(10), "k": .double(1.5)]],
        "donchian_breakout": [["entry": .int(20), "exit": .int(10)], ["entry": .int(5), "exit": .int(3)]],
        "momentum": [
            ["period": .int(20), "threshold": .int(0), "exit_threshold": .int(0)],
            ["period": .int(5), "threshold": .int(2), "exit_threshold": .int(-1)],
        ],
        "buy_and_hold": [[:]],
    ]

    struct Fill: Equatable {
        var bar: Int
        var buy: Bool
        var price: Double
        var shares: Double
    }

    static func fills(_ s: Simulation, upTo t: Int) -> [Fill] {
        var out: [Fill] = []
        for tr in s.trades {
            out.append(Fill(bar: tr.entryBar, buy: true, price: tr.entryPrice, shares: tr.shares))
            out.append(Fill(bar: tr.exitBar, buy: false, price: tr.exitPrice, shares: tr.shares))
        }
        if let p = s.openPosition {
            out.append(Fill(bar: p.entryBar, buy: true, price: p.entryPrice, shares: p.shares))
        }
        return out.filter { $0.bar <= t }
    }

    @Test func everyStrategyIsCovered() {
        #expect(Set(Self.parameterSets.keys) == Set(StrategyRegistry.ids))
    }

    @Test(arguments: StrategyRegistry.ids)
    func changingTheFutureNeverChangesThePast(id: String) throws {
        let configs = [
            BacktestConfig(),
            BacktestConfig(conventions: .stratopt),
            BacktestConfig(
                commission: .perShare(rate: 0.01, minimum: 1), slippageBps: 5,
                sizing: .volatilityTarget(targetPct: 15, atrPeriod: 14, maxPercent: 80)),
        ]
        var compared = 0
        for params in Self.parameterSets[id] ?? [] {
            let strategy = try #require(StrategyRegistry.make(id: id, parameters: Parameters(params)))
            for seed: UInt64 in [1, 2, 3] {
                let base = RandomSeries.make(count: 260, seed: seed)
                let baseSignals = strategy.signals(on: base, indicators: IndicatorCache(series: base))
                for t in [30, 90, 170, 250] {
                    let other = RandomSeries.rewritingAfter(t, of: base, seed: seed &* 1000 &+ UInt64(t))
                    #expect(other.close[t + 1] != base.close[t + 1])
                    let s = strategy.signals(on: other, indicators: IndicatorCache(series: other))
                    #expect(
                        Array(s.entry[...t]) == Array(baseSignals.entry[...t]), "\(id) \(params) seed \(seed) t \(t)")
                    #expect(Array(s.exit[...t]) == Array(baseSignals.exit[...t]), "\(id) \(params) seed \(seed) t \(t)")
                    if baseSignals.warmup <= t { #expect(s.warmup == baseSignals.warmup) }
                    for config in configs {
                        let a = Backtester.simulate(series: base, signals: baseSignals, config: config)
                        let b = Backtester.simulate(series: other, signals: s, config: config)
                        #expect(Self.fills(a, upTo: t) == Self.fills(b, upTo: t), "\(id) fills seed \(seed) t \(t)")
                        #expect(Array(a.equity[...t]) == Array(b.equity[...t]), "\(id) equity seed \(seed) t \(t)")
                        #expect(
                            Array(a.position[...t]) == Array(b.position[...t]), "\(id) position seed \(seed) t \(t)")
                        compared += 1
                    }
                }
            }
        }
        #expect(compared >= 36)
    }
}
