import Engine
import Foundation
import RunStore
import Testing

@Suite struct ResultCacheTests {
    static let base = (
        strategy: "sma_crossover", params: "fast=10;slow=20", bars: String(repeating: "0f", count: 32),
        config: #"{"slippageBps":2}"#, engine: "0.1.0+abc1234"
    )

    static func key(
        strategy: String = base.strategy, params: String = base.params, bars: String = base.bars,
        config: String = base.config, engine: String = base.engine
    ) -> String {
        ResultCache.key(
            strategy: strategy, params: params, barsFingerprint: bars, config: config, engineVersion: engine)
    }

    @Test func keyIsStableAndHex() {
        let k = Self.key()
        #expect(k == Self.key())
        #expect(k.count == 64)
        #expect(k.allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test func everyInputChangesTheKey() {
        let variants = [
            Self.key(),
            Self.key(strategy: "rsi_reversion"),
            Self.key(params: "fast=10;slow=30"),
            Self.key(bars: String(repeating: "0e", count: 32)),
            Self.key(config: #"{"slippageBps":3}"#),
            Self.key(engine: "0.1.1+abc1234"),
            // Moving text across a field boundary is a different input too.
            Self.key(strategy: "sma_crossoverfast=10;slow=20", params: ""),
            Self.key(strategy: "", params: "sma_crossoverfast=10;slow=20"),
        ]
        #expect(Set(variants).count == variants.count)
    }

    @Test func configTextIsCanonical() throws {
        let a = BacktestConfig(
            initialCash: 10_000, commission: .fraction(0.001), slippageBps: 2, sizing: .percentOfEquity(100),
            conventions: .backtestingPy)
        var b = a
        #expect(ResultCache.canonicalText(a) == ResultCache.canonicalText(b))
        b.slippageBps = 3
        #expect(ResultCache.canonicalText(a) != ResultCache.canonicalText(b))
        let text = try #require(ResultCache.canonicalText(a))
        #expect(!text.contains(" ") && !text.contains("\n"))
    }

    @Test func hitsMissesAndPersistence() async throws {
        try await withTempDir { dir in
            let k1 = Self.key()
            let k2 = Self.key(params: "fast=5;slow=20")
            let k3 = Self.key(params: "fast=30;slow=50")
            do {
                let cache = try ResultCache(dataDir: dir)
                #expect(cache.path == dir + "/results.sqlite")
                #expect(try cache.get(k1) == nil)
                #expect(cache.hits == 0 && cache.misses == 1)
                try cache.put(k1, Data("result one".utf8))
                #expect(try cache.get(k1) == Data("result one".utf8))
                #expect(cache.hits == 1 && cache.misses == 1)
                try cache.put(k1, Data("result one, again".utf8))
                try cache.put([(k2, Data([1, 2, 3]))])
                #expect(try cache.count() == 2)
            }
            let cache = try ResultCache(dataDir: dir)
            #expect(cache.hits == 0 && cache.misses == 0)
            let found = try cache.get([k1, k2, k3])
            #expect(found == [k1: Data("result one, again".utf8), k2: Data([1, 2, 3])])
            #expect(cache.hits == 2 && cache.misses == 1)
            #expect(try cache.clear() == 2)
            #expect(try cache.count() == 0)
            #expect(try cache.get(k1) == nil)
            #expect(cache.hits == 2 && cache.misses == 2)
        }
    }
}
