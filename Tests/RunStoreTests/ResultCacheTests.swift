import Engine
import Foundation
import GRDB
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
                try cache.store([(k2, [1, 2, 3])])
                #expect(try cache.count() == 2)
            }
            let cache = try ResultCache(dataDir: dir)
            #expect(cache.hits == 0 && cache.misses == 0)
            let found = try cache.lookup([k1, k2, k3])
            #expect(found == [k1: Array("result one, again".utf8), k2: [1, 2, 3]])
            #expect(cache.hits == 2 && cache.misses == 1)
            #expect(try cache.clear() == 2)
            #expect(try cache.count() == 0)
            #expect(try cache.get(k1) == nil)
            #expect(cache.hits == 2 && cache.misses == 2)
        }
    }

    /// Past the cap, the least recently used entries go first (a hit refreshes an entry), the byte count
    /// stays exact, and the file gives its pages back.
    @Test func capEvictsLeastRecentlyUsedAndReclaimsPages() async throws {
        try await withTempDir { dir in
            let cache = try ResultCache(dataDir: dir, maxBytes: 100_000)
            let keys = (0..<10).map { Self.key(params: "fast=\($0);slow=50") }
            let value = [UInt8](repeating: 7, count: 20_000)
            for k in keys.prefix(4) { try cache.store([(k, value)]) }  // 80 000 bytes: under the cap
            #expect(try cache.count() == 4)
            #expect(try cache.storedBytes() == 80_000)
            _ = try cache.lookup([keys[0]])  // keys[0] is now the most recently used
            try cache.store([(keys[4], value)])  // 100 000: at the cap, nothing evicted
            #expect(try cache.count() == 5)
            try cache.store([(keys[5], value)])  // 120 000 > cap: evict oldest down to 90 000
            let left = try cache.lookup(keys)
            #expect(Set(left.keys) == Set([keys[0], keys[4], keys[5], keys[3]]))
            #expect(try cache.storedBytes() == 80_000)
            // Replacing an entry counts its new size only.
            try cache.store([(keys[0], [1, 2, 3])])
            #expect(try cache.storedBytes() == 60_003)
            #expect(try cache.trim(toBytes: 0) == 4)
            #expect(try cache.count() == 0 && cache.storedBytes() == 0)
            let attrs = try FileManager.default.attributesOfItem(atPath: dir + "/results.sqlite")
            #expect((attrs[.size] as? Int ?? .max) < 64 * 1024, "pages given back after eviction")
        }
    }

    /// A cache written by the previous layout (v2: keyed WITHOUT ROWID) keeps its results, their recency and
    /// byte count through the upgrade to the rowid table, and gives the old table's pages back.
    @Test func aV2CacheKeepsItsResultsThroughTheUpgrade() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rc-v2-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/results.sqlite"
        let old = try DatabaseQueue(path: path)
        let values = (0..<300).map { i in
            (Self.key(params: "fast=\(i)"), [UInt8](repeating: UInt8(i % 251), count: 3000 + i))
        }
        // As v2 left it: incremental auto-vacuum on, set before the first table.
        try await old.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL") }
        try await old.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                    INSERT INTO grdb_migrations VALUES ('v1'), ('v2-lru');
                    CREATE TABLE results (
                        key TEXT PRIMARY KEY NOT NULL CHECK (length(key) = 64),
                        value BLOB NOT NULL, size INTEGER NOT NULL, used INTEGER NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX results_used ON results (used);
                    CREATE TABLE meta (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
                    """)
            for (i, (k, v)) in values.enumerated() {
                try db.execute(
                    sql: "INSERT INTO results VALUES (?, ?, ?, ?)", arguments: [k, Data(v), v.count, i])
            }
            let total = values.reduce(0) { $0 + $1.1.count }
            try db.execute(
                sql: "INSERT INTO meta VALUES ('clock', ?), ('bytes', ?)", arguments: [values.count, total])
        }
        try old.close()

        let cache = try ResultCache(path: path, maxBytes: 1 << 30)
        #expect(try cache.count() == values.count)
        #expect(try cache.storedBytes() == values.reduce(0) { $0 + $1.1.count })
        let (schema, free, pages) = try await DatabaseQueue(path: path).read { db in
            (
                try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE name = 'results'") ?? "",
                try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? -1,
                try Int.fetchOne(db, sql: "PRAGMA page_count") ?? -1
            )
        }
        #expect(schema.contains("id INTEGER PRIMARY KEY") && !schema.contains("WITHOUT ROWID"))
        // The old table's pages (about half of the file right after the copy) were given back.
        #expect(free * 10 < pages, "\(free) of \(pages) pages left free")
        // The least recently used entry is the first evicted: recency came through the copy.
        #expect(try cache.trim(toBytes: try cache.storedBytes() - 1) == 1)
        let found = try cache.lookup(values.map(\.0))
        #expect(found[values[0].0] == nil, "the oldest use was not the one evicted")
        for (k, v) in values.dropFirst() { #expect(found[k] == v) }
    }

    /// A new cache file has 16 KiB pages, so results of a few kilobytes share pages instead of leaving most
    /// of a 4 KiB one empty: 3 000 values of 2.3 kB take well under the 3 000 4 KiB pages of one value each
    /// (two do not fit one). A file made with 4 KiB pages keeps them and its values.
    @Test func aNewCacheFileHasPagesThatHoldSeveralResults() async throws {
        try await withTempDir { dir in
            let values = (0..<3_000).map { i in
                (Self.key(params: "p=\(i)"), [UInt8](repeating: UInt8(i % 251), count: 2_300 + i % 7))
            }
            let cache = try ResultCache(dataDir: dir, maxBytes: 1 << 30)
            try cache.store(values)
            cache.reclaim()
            let (pageSize, pages) = try await DatabaseQueue(path: dir + "/results.sqlite").read { db in
                (
                    try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0,
                    try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                )
            }
            #expect(pageSize == 16_384)
            // Seven 2.3 kB values fit a 16 KiB page: 3 000 need about 430 pages (7 MB) and a few for the
            // indexes and tables, against 12 MB for one value a 4 KiB page.
            #expect(pageSize * pages < 3_000 * 4_096 * 3 / 4, "\(pages) pages of \(pageSize) bytes")
        }
        try await withTempDir { dir in
            let path = dir + "/results.sqlite"
            let old = try DatabaseQueue(path: path)
            try await old.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA page_size = 4096")
                try db.execute(sql: "CREATE TABLE early (x)")
            }
            try old.close()
            let cache = try ResultCache(path: path, maxBytes: 1 << 30)
            try cache.store([(Self.key(), [1, 2, 3])])
            #expect(try cache.lookup([Self.key()])[Self.key()] == [1, 2, 3])
            let pageSize = try await DatabaseQueue(path: path).read { db in
                try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            }
            #expect(pageSize == 4_096)
        }
    }

    @Test func aZeroCapStoresNothing() async throws {
        try await withTempDir { dir in
            let cache = try ResultCache(dataDir: dir, maxBytes: 0)
            try cache.store([(Self.key(), [1, 2, 3])])
            #expect(try cache.count() == 0)
        }
    }
}
