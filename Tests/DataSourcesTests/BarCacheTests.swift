import DataSources
import Foundation
import GRDB
import Market
import Testing

@Suite struct BarCacheTests {
    func bar(_ d: String, _ c: Double) -> Bar {
        Bar(date: day(d), open: c, high: c + 1, low: c - 1, close: c, volume: 1000)
    }

    func ranges(_ r: [ClosedRange<SessionDate>]) -> [String] {
        r.map { "\($0.lowerBound.iso)…\($0.upperBound.iso)" }
    }

    @Test func createsFolderUsesWALAndRoundTripsExactly() throws {
        let dir = Paths.tempDir() + "/nested/data"
        let cache = try BarCache(dataDir: dir)
        #expect(FileManager.default.fileExists(atPath: dir + "/cache.sqlite"))
        let odd = Bar(
            date: day("2024-01-02"), open: 0.1 + 0.2, high: 1e300, low: .leastNonzeroMagnitude, close: 1 / 3,
            volume: 123_456_789)
        try cache.store(bars: [odd], covering: day("2024-01-01")...day("2024-01-02"), provider: "p", symbol: "S")
        #expect(try cache.bars(provider: "p", symbol: "S", from: day("2024-01-01"), to: day("2024-12-31")) == [odd])
        let mode = try DatabaseQueue(path: dir + "/cache.sqlite").read { db in
            try String.fetchOne(db, sql: "PRAGMA journal_mode")
        }
        #expect(mode == "wal")
    }

    @Test func missingRangesAndMerging() throws {
        let cache = try BarCache(dataDir: Paths.tempDir())
        func missing(_ a: String, _ b: String) throws -> [String] {
            ranges(try cache.missingRanges(provider: "p", symbol: "S", from: day(a), to: day(b)))
        }
        #expect(try missing("2023-01-01", "2023-03-31") == ["2023-01-01…2023-03-31"])
        try cache.store(bars: [], covering: day("2023-01-10")...day("2023-01-31"), provider: "p", symbol: "S")
        try cache.store(bars: [], covering: day("2023-03-01")...day("2023-03-05"), provider: "p", symbol: "S")
        #expect(
            try missing("2023-01-01", "2023-03-31")
                == ["2023-01-01…2023-01-09", "2023-02-01…2023-02-28", "2023-03-06…2023-03-31"])
        #expect(try missing("2023-01-12", "2023-01-20").isEmpty)
        #expect(try missing("2023-01-20", "2023-02-02") == ["2023-02-01…2023-02-02"])
        // Feb 1…28 touches Jan 31 and Mar 1 (2023 is not a leap year): all three merge into one range.
        try cache.store(bars: [], covering: day("2023-02-01")...day("2023-02-28"), provider: "p", symbol: "S")
        #expect(ranges(try cache.coveredRanges(provider: "p", symbol: "S")) == ["2023-01-10…2023-03-05"])
        // Overlapping on both sides also merges.
        try cache.store(bars: [], covering: day("2023-01-01")...day("2023-01-15"), provider: "p", symbol: "S")
        try cache.store(bars: [], covering: day("2023-03-01")...day("2023-03-10"), provider: "p", symbol: "S")
        #expect(ranges(try cache.coveredRanges(provider: "p", symbol: "S")) == ["2023-01-01…2023-03-10"])
        // 2024 is a leap year: Feb 28 and Mar 1 do not touch.
        try cache.store(bars: [], covering: day("2024-02-01")...day("2024-02-28"), provider: "p", symbol: "S")
        try cache.store(bars: [], covering: day("2024-03-01")...day("2024-03-05"), provider: "p", symbol: "S")
        #expect(try missing("2024-02-20", "2024-03-02") == ["2024-02-29…2024-02-29"])
        // Other keys are independent.
        #expect(
            ranges(try cache.missingRanges(provider: "q", symbol: "S", from: day("2023-01-05"), to: day("2023-01-06")))
                == ["2023-01-05…2023-01-06"])
    }

    @Test func listSummaries() throws {
        let cache = try BarCache(dataDir: Paths.tempDir())
        try cache.store(
            bars: [bar("2024-01-02", 10), bar("2024-01-03", 11), bar("2024-01-04", 12)],
            covering: day("2024-01-01")...day("2024-01-05"), provider: "p", symbol: "B")
        try cache.store(bars: [], covering: day("2024-01-01")...day("2024-01-01"), provider: "p", symbol: "A")
        let list = try cache.list()
        #expect(list.map(\.symbol) == ["A", "B"])
        #expect(list[0].barCount == 0 && list[0].firstBar == nil)
        #expect(list[1].barCount == 3)
        #expect(list[1].first == day("2024-01-01") && list[1].last == day("2024-01-05"))
        #expect(list[1].firstBar == day("2024-01-02") && list[1].lastBar == day("2024-01-04"))
    }

    @Test func verifyFindsCorruptionPlantedWithRawSQL() throws {
        let dir = Paths.tempDir()
        let cache = try BarCache(dataDir: dir)
        try cache.store(
            bars: [bar("2024-01-02", 10), bar("2024-01-03", 11)], covering: day("2024-01-01")...day("2024-01-05"),
            provider: "p", symbol: "S")
        #expect(try cache.verify().isEmpty)
        let raw = try DatabaseQueue(path: dir + "/cache.sqlite")
        // The schema refuses the corruption…
        #expect(throws: DatabaseError.self) {
            try raw.write { db in try db.execute(sql: "UPDATE bar SET high = 1 WHERE date = '2024-01-03'") }
        }
        // …so plant it around the CHECK constraints, as a buggy tool or disk error might.
        try raw.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE bar SET high = 1 WHERE date = '2024-01-03'")
            try db.execute(
                sql: """
                    INSERT INTO bar VALUES (
                        (SELECT id FROM series WHERE provider = 'p' AND symbol = 'S'), '2024-02-01', 10, 11, 9, 10, 5,
                        NULL)
                    """)
        }
        let problems = try cache.verify()
        #expect(problems.count == 3)
        #expect(problems[0].date == "2024-01-03")
        #expect(problems[0].message.hasPrefix("high 1.0 is below max(open 11.0, close 11.0)"))
        // The planted row has a valid bar but no checksum stratopt wrote, and lies outside the coverage.
        #expect(problems[1].date == "2024-02-01")
        #expect(problems[1].message.contains("checksum does not match"))
        #expect(problems[2].date == "2024-02-01")
        #expect(problems[2].message == "bar lies outside every covered range")
    }

    /// A row edited on disk within the CHECK constraints (a valid bar, just not the one stored) is caught
    /// on read by its checksum and never returned.
    @Test func barsReadBackAreCheckedAgainstTheirStoredChecksum() throws {
        let dir = Paths.tempDir()
        let cache = try BarCache(dataDir: dir)
        try cache.store(
            bars: [bar("2024-01-02", 10), bar("2024-01-03", 11)], covering: day("2024-01-01")...day("2024-01-05"),
            provider: "p", symbol: "S")
        #expect(try cache.bars(provider: "p", symbol: "S", from: day("2024-01-01"), to: day("2024-01-05")).count == 2)
        let raw = try DatabaseQueue(path: dir + "/cache.sqlite")
        try raw.write { db in try db.execute(sql: "UPDATE bar SET volume = 999 WHERE date = '2024-01-03'") }
        #expect(try cache.verify().map(\.date) == ["2024-01-03"])
        do {
            _ = try cache.bars(provider: "p", symbol: "S", from: day("2024-01-01"), to: day("2024-01-05"))
            Issue.record("altered bars were returned")
        } catch let e as CachedBarsAltered {
            #expect(e.dates == ["2024-01-03"])
            #expect(e.description.contains("1 cached bar(s) of S (p)"))
        }
        // Dropping the key removes the bars and the coverage, so the range is fetched again.
        try cache.drop(provider: "p", symbol: "S")
        #expect(try cache.coveredRanges(provider: "p", symbol: "S").isEmpty)
        #expect(try cache.verify().isEmpty)
    }

    /// A value that is not a number (SQLite keeps text it cannot convert, and `'x' >= 0` passes the CHECK)
    /// or a missing checksum is an altered row, reported by date, never a crash or a bar.
    @Test func aNonNumericValueOrMissingChecksumIsAnAlteredRow() throws {
        let dir = Paths.tempDir()
        let cache = try BarCache(dataDir: dir)
        try cache.store(
            bars: [bar("2024-01-02", 10), bar("2024-01-03", 11), bar("2024-01-04", 12)],
            covering: day("2024-01-01")...day("2024-01-05"), provider: "p", symbol: "S")
        let raw = try DatabaseQueue(path: dir + "/cache.sqlite")
        try raw.write { db in
            try db.execute(sql: "UPDATE bar SET volume = 'x' WHERE date = '2024-01-02'")
            try db.execute(sql: "UPDATE bar SET checksum = NULL WHERE date = '2024-01-04'")
        }
        #expect(
            try raw.read { db in
                try String.fetchOne(db, sql: "SELECT typeof(volume) FROM bar WHERE date = '2024-01-02'")
            }
                == "text")
        do {
            _ = try cache.bars(provider: "p", symbol: "S", from: day("2024-01-01"), to: day("2024-01-05"))
            Issue.record("altered bars were returned")
        } catch let e as CachedBarsAltered {
            #expect(e.dates == ["2024-01-02", "2024-01-04"])
        }
        // The one intact bar is still read on its own.
        let one = try cache.bars(provider: "p", symbol: "S", from: day("2024-01-03"), to: day("2024-01-03"))
        #expect(one.map(\.close) == [11])
    }

    @Test func failingInsertRollsBackCoverage() throws {
        let cache = try BarCache(dataDir: Paths.tempDir())
        let broken = Bar(date: day("2024-01-03"), open: 10, high: 9, low: 8, close: 10, volume: 1)
        #expect(throws: (any Error).self) {
            try cache.store(
                bars: [bar("2024-01-02", 10), broken], covering: day("2024-01-01")...day("2024-01-05"), provider: "p",
                symbol: "S")
        }
        #expect(try cache.coveredRanges(provider: "p", symbol: "S").isEmpty)
        #expect(try cache.bars(provider: "p", symbol: "S", from: day("2024-01-01"), to: day("2024-01-05")).isEmpty)
        #expect(try cache.list().isEmpty)
    }

    @Test func storeRejectsBarsOutsideTheCoveredRange() throws {
        let cache = try BarCache(dataDir: Paths.tempDir())
        #expect(throws: CacheError.self) {
            try cache.store(
                bars: [bar("2024-02-01", 10)], covering: day("2024-01-01")...day("2024-01-31"), provider: "p",
                symbol: "S")
        }
    }

    @Test func clearOneSymbolOrAll() throws {
        let cache = try BarCache(dataDir: Paths.tempDir())
        for s in ["A", "B"] {
            try cache.store(
                bars: [bar("2024-01-02", 10)], covering: day("2024-01-01")...day("2024-01-05"), provider: "p",
                symbol: s)
        }
        try cache.clear(symbol: "A")
        #expect(try cache.list().map(\.symbol) == ["B"])
        #expect(try cache.bars(provider: "p", symbol: "A", from: day("2024-01-01"), to: day("2024-01-05")).isEmpty)
        try cache.clear()
        #expect(try cache.list().isEmpty)
    }

    /// Bars of twenty symbols over ten years of weekdays, stored the way a cold universe stores them.
    func storeUniverse(_ cache: BarCache, symbols: Int = 20) throws -> Int {
        var d = day("2015-01-01")
        var dates: [SessionDate] = []
        while dates.count < 2_520 {
            if !d.isWeekend { dates.append(d) }
            d = d.adding(days: 1)
        }
        for k in 0..<symbols {
            let bars = dates.enumerated().map { i, d in
                let c = 50 + Double(k) + Double(i % 97) / 8
                return Bar(date: d, open: c, high: c + 0.5, low: c - 0.5, close: c + 0.25, volume: 1_000 + Double(i))
            }
            try cache.store(
                bars: bars, covering: dates[0]...dates[dates.count - 1], provider: "synthetic",
                symbol: "S\(k)")
        }
        return symbols * dates.count
    }

    /// A bar row names its series by a small integer instead of repeating four key texts: ten years of
    /// twenty symbols take under 85 bytes a bar on disk (the keyed-by-text layout took about 100).
    @Test func aBarRowNamesItsSeriesByIdAndStaysSmall() throws {
        let dir = Paths.tempDir()
        let cache = try BarCache(dataDir: dir)
        let rows = try storeUniverse(cache)
        let bytes = try DatabaseQueue(path: dir + "/cache.sqlite").read { db in
            (try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0) * (try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0)
        }
        #expect(bytes / rows < 85, "\(bytes) bytes for \(rows) bars")
        #expect(try cache.verify().isEmpty)
        // Dropping a key takes its series row too; the others keep theirs.
        try cache.drop(provider: "synthetic", symbol: "S3")
        let series = try DatabaseQueue(path: dir + "/cache.sqlite").read { db in
            try String.fetchAll(db, sql: "SELECT symbol FROM series ORDER BY id")
        }
        #expect(series.count == 19 && !series.contains("S3"))
    }

    /// A cache written before bars were keyed by series id is upgraded on open: every bar, its checksum, the
    /// coverage and the source-file records are kept, the old table's pages are given back, and a bar of an
    /// unknown series (planted by hand) is reported by `verify`.
    @Test func aCacheKeyedByTextIsUpgradedKeepingEveryBar() throws {
        let dir = Paths.tempDir()
        let path = dir + "/cache.sqlite"
        var before: [[Bar]] = []
        do {
            let cache = try BarCache(dataDir: dir)
            _ = try storeUniverse(cache, symbols: 8)
            for k in 0..<8 {
                before.append(
                    try cache.bars(
                        provider: "synthetic", symbol: "S\(k)", from: day("2015-01-01"), to: day("2025-12-31")))
            }
        }
        // Back to the previous layout, as the last release left it.
        let old = try DatabaseQueue(path: path)
        try old.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE bar_v3 (
                        provider TEXT NOT NULL, symbol TEXT NOT NULL, timeframe TEXT NOT NULL, adjustment TEXT NOT NULL,
                        date TEXT NOT NULL, open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL,
                        close REAL NOT NULL, volume REAL NOT NULL, checksum INTEGER,
                        PRIMARY KEY (provider, symbol, timeframe, adjustment, date)
                    ) WITHOUT ROWID;
                    INSERT INTO bar_v3 SELECT s.provider, s.symbol, s.timeframe, s.adjustment, b.date, b.open, b.high,
                        b.low, b.close, b.volume, b.checksum FROM bar b JOIN series s ON s.id = b.series;
                    DROP TABLE bar;
                    DROP TABLE series;
                    ALTER TABLE bar_v3 RENAME TO bar;
                    DELETE FROM grdb_migrations WHERE identifier = 'v4-series';
                    """)
        }
        try old.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") }
        try old.close()
        let oldSize = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        #expect(throws: CacheError.self) { try BarCache.openReadOnly(dataDir: dir) }

        let cache = try BarCache(dataDir: dir)
        for k in 0..<8 {
            let after = try cache.bars(
                provider: "synthetic", symbol: "S\(k)", from: day("2015-01-01"), to: day("2025-12-31"))
            #expect(after == before[k])
        }
        #expect(try cache.list().map(\.barCount) == Array(repeating: 2_520, count: 8))
        #expect(try cache.verify().isEmpty)
        let (pages, free) = try DatabaseQueue(path: path).read { db in
            (
                try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0,
                try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            )
        }
        #expect(free * 20 < pages, "\(free) of \(pages) pages left free")
        let newSize = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue ?? 0
        #expect(newSize * 10 < oldSize * 9, "\(oldSize) -> \(newSize) bytes")

        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO bar VALUES (999, '2024-02-01', 10, 11, 9, 10, 5, NULL)")
        }
        let problems = try cache.verify()
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("series 999") == true)
    }
}
