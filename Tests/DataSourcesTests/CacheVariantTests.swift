import DataSources
import Foundation
import Market
import Testing

@Suite struct CacheVariantTests {
    @Test func barsOfDifferentSyntheticSeedsNeverMixInTheCache() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("variant-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cache = try BarCache(dataDir: dir)
        let cal = NYSECalendar()
        let from = SessionDate(iso: "2024-01-02")!
        let to = SessionDate(iso: "2024-03-28")!
        let seed1 = SyntheticProvider(seed: 1, calendar: cal)
        let seed2 = SyntheticProvider(seed: 2, calendar: cal)
        let a = await MarketDataLoader(provider: seed1, calendar: cal, cache: cache).load(
            symbol: "AAPL", from: from, to: to)
        let b = await MarketDataLoader(provider: seed2, calendar: cal, cache: cache).load(
            symbol: "AAPL", from: from, to: to)
        // Each load returns its own seed's bars, not the other's cached ones.
        #expect(try a.get().bars == seed1.generate(symbol: "AAPL", from: from, to: to))
        #expect(try b.get().bars == seed2.generate(symbol: "AAPL", from: from, to: to))
        #expect(try a.get().close != b.get().close)
    }
}
