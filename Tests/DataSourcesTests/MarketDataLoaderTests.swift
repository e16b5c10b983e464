import DataSources
import Market
import Testing

@Suite struct MarketDataLoaderTests {
    let cal = NYSECalendar()

    func calls(_ p: CountingProvider) -> [String] { p.calls.map(\.description).sorted() }

    @Test func secondLoadMakesNoCallsAndWideningAsksOnlyForTheMissingPart() async throws {
        let cache = try BarCache(dataDir: Paths.tempDir())
        let provider = CountingProvider(calendar: cal)
        let loader = MarketDataLoader(provider: provider, calendar: cal, cache: cache)
        let first = await loader.load(symbols: ["AAA", "BBB"], from: day("2024-01-01"), to: day("2024-03-31"))
        // Jan 1 is a holiday, Mar 29 Good Friday, Mar 30–31 a weekend: the request is trimmed to trading days.
        #expect(calls(provider) == ["AAA 2024-01-02…2024-03-28", "BBB 2024-01-02…2024-03-28"])
        let series = try first[0].result.get()
        #expect(series.dates == cal.tradingDays(in: day("2024-01-01")...day("2024-03-31")))
        #expect(series.bars == provider.inner.generate(symbol: "AAA", from: day("2024-01-01"), to: day("2024-03-31")))

        provider.reset()
        let second = await loader.load(symbols: ["AAA", "BBB"], from: day("2024-01-01"), to: day("2024-03-31"))
        #expect(provider.calls.isEmpty)
        #expect(try second[0].result.get() == series)
        #expect(try second[1].result.get() == first[1].result.get())

        provider.reset()
        let wide = await loader.load(symbols: ["AAA"], from: day("2023-12-01"), to: day("2024-04-30"))
        // Missing: 2023-12-01…2023-12-31 (last session Fri Dec 29) and 2024-04-01…2024-04-30.
        #expect(calls(provider) == ["AAA 2023-12-01…2023-12-29", "AAA 2024-04-01…2024-04-30"])
        #expect(
            try wide[0].result.get().bars
                == provider.inner.generate(symbol: "AAA", from: day("2023-12-01"), to: day("2024-04-30")))
        #expect(
            try cache.coveredRanges(provider: "counting", symbol: "AAA").map { "\($0.lowerBound)…\($0.upperBound)" }
                == ["2023-12-01…2024-04-30"])

        provider.reset()
        _ = await loader.load(symbols: ["AAA"], from: day("2023-12-15"), to: day("2024-04-15"))
        #expect(provider.calls.isEmpty)
    }

    @Test func rangeWithoutTradingDaysIsNeverAsked() async throws {
        let cache = try BarCache(dataDir: Paths.tempDir())
        let provider = CountingProvider(calendar: cal)
        let loader = MarketDataLoader(provider: provider, calendar: cal, cache: cache)
        // Good Friday + weekend.
        let r = await loader.load(symbols: ["AAA"], from: day("2024-03-29"), to: day("2024-03-31"))
        #expect(provider.calls.isEmpty)
        guard case .failure(let e) = r[0].result else {
            Issue.record("expected failure")
            return
        }
        #expect(e.kind == .notFound)
        #expect(e.description == "AAA (counting): no bars between 2024-03-29 and 2024-03-31")
        // …but it is now covered, so extending to Monday asks only for Monday.
        _ = await loader.load(symbols: ["AAA"], from: day("2024-03-29"), to: day("2024-04-01"))
        #expect(calls(provider) == ["AAA 2024-04-01…2024-04-01"])
    }

    @Test func offlineNeverCallsTheProviderAndNamesMissingRanges() async throws {
        let cache = try BarCache(dataDir: Paths.tempDir())
        let provider = CountingProvider(calendar: cal)
        let offline = MarketDataLoader(provider: provider, calendar: cal, cache: cache, offline: true)
        let r = await offline.load(symbols: ["AAA"], from: day("2024-01-01"), to: day("2024-01-31"))
        #expect(provider.calls.isEmpty)
        guard case .failure(let e) = r[0].result else {
            Issue.record("expected failure")
            return
        }
        #expect(e.kind == .notCached)
        #expect(e.message.contains("2024-01-02…2024-01-31"))

        _ = await MarketDataLoader(provider: provider, calendar: cal, cache: cache).load(
            symbols: ["AAA"], from: day("2024-01-01"), to: day("2024-01-15"))
        provider.reset()
        let partial = await offline.load(symbols: ["AAA"], from: day("2024-01-01"), to: day("2024-01-31"))
        guard case .failure(let e2) = partial[0].result else {
            Issue.record("expected failure")
            return
        }
        #expect(e2.message.contains("2024-01-16…2024-01-31"))
        let ok = await offline.load(symbols: ["AAA"], from: day("2024-01-03"), to: day("2024-01-12"))
        #expect(try ok[0].result.get().count == 8)
        #expect(provider.calls.isEmpty)
    }

    @Test func failuresAreIsolatedAndOrderIsKept() async throws {
        let cache = try BarCache(dataDir: Paths.tempDir())
        let provider = CountingProvider(calendar: cal, failing: ["BAD"], corrupt: ["UGLY"])
        let loader = MarketDataLoader(provider: provider, calendar: cal, cache: cache, concurrency: 3)
        let symbols = ["S1", "BAD", "S2", "S3", "UGLY", "S4", "S5", "S6", "S7", "S8"]
        let out = await loader.load(symbols: symbols, from: day("2024-06-01"), to: day("2024-06-30"))
        #expect(out.map(\.symbol) == symbols)
        for s in out where s.symbol.hasPrefix("S") {
            #expect(try s.result.get().count == 19)  // June 2024: 20 weekdays − Juneteenth
        }
        guard case .failure(let bad) = out[1].result, case .failure(let ugly) = out[4].result else {
            Issue.record("expected failures")
            return
        }
        #expect(bad.description == "BAD (counting): unknown ticker")
        #expect(ugly.kind == .invalidData)
        #expect(ugly.message.hasPrefix("1 invalid bar(s) from the provider: 2024-06-04: high"))
        // Nothing was cached for the corrupt answer: the whole range is still missing.
        #expect(
            try cache.missingRanges(
                provider: "counting", symbol: "UGLY", from: day("2024-06-01"), to: day("2024-06-30")
            )
            .count == 1)
    }

    @Test func withoutCacheCallsTheProviderEveryTime() async throws {
        let provider = CountingProvider(calendar: cal)
        let loader = MarketDataLoader(provider: provider, calendar: cal)
        let a = await loader.load(symbols: ["AAA"], from: day("2024-07-01"), to: day("2024-07-07"))
        let b = await loader.load(symbols: ["AAA"], from: day("2024-07-01"), to: day("2024-07-07"))
        #expect(provider.calls.map(\.description) == ["AAA 2024-07-01…2024-07-05", "AAA 2024-07-01…2024-07-05"])
        #expect(try a[0].result.get() == b[0].result.get())
        #expect(try a[0].result.get().dates.map(\.iso) == ["2024-07-01", "2024-07-02", "2024-07-03", "2024-07-05"])
    }

    @Test func csvProviderThroughTheCache() async throws {
        let cache = try BarCache(dataDir: Paths.tempDir())
        let loader = MarketDataLoader(
            provider: CSVFolderProvider(folder: Paths.reference + "/data"), calendar: cal, cache: cache)
        let r = await loader.load(symbols: ["GOOG", "NOPE"], from: day("2004-01-01"), to: day("2013-12-31"))
        let goog = try r[0].result.get()
        #expect(goog.count == 2148)
        #expect(goog.open[0] == 100 && goog.close[0] == 100.34)
        guard case .failure(let e) = r[1].result else {
            Issue.record("expected failure")
            return
        }
        #expect(e.kind == .notFound)
        #expect(try cache.verify().isEmpty)
    }

    @Test func unsettledSessionsAreNeitherFetchedNorCovered() async throws {
        let cache = try BarCache(dataDir: Paths.tempDir())
        let provider = CountingProvider(calendar: cal)
        let loader = MarketDataLoader(
            provider: provider, calendar: cal, cache: cache, settledThrough: day("2024-01-10"))
        let r = await loader.load(symbols: ["AAA"], from: day("2024-01-01"), to: day("2024-01-31"))
        #expect(calls(provider) == ["AAA 2024-01-02…2024-01-10"])
        #expect(try r[0].result.get().dates.last == day("2024-01-10"))
        #expect(
            try cache.missingRanges(provider: "counting", symbol: "AAA", from: day("2024-01-01"), to: day("2024-01-31"))
                .map { "\($0.lowerBound)…\($0.upperBound)" } == ["2024-01-11…2024-01-31"])
    }

    @Test func repeatedSymbolLoadedConcurrentlyStaysConsistent() async throws {
        let cache = try BarCache(dataDir: Paths.tempDir())
        let provider = CountingProvider(calendar: cal)
        let loader = MarketDataLoader(provider: provider, calendar: cal, cache: cache, concurrency: 4)
        let out = await loader.load(
            symbols: ["AAA", "AAA", "AAA", "AAA"], from: day("2024-01-01"), to: day("2024-02-29"))
        let first = try out[0].result.get()
        for s in out { #expect(try s.result.get() == first) }
        #expect(try cache.verify().isEmpty)
        #expect(
            try cache.coveredRanges(provider: "counting", symbol: "AAA").map { "\($0.lowerBound)…\($0.upperBound)" }
                == ["2024-01-01…2024-02-29"])
    }
}
