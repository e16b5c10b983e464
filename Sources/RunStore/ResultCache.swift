import Digests
import Engine
import Foundation
import GRDB
import Synchronization

/// Backtest results already computed, keyed by everything that determines them: `<dataDir>/results.sqlite`.
///
/// The key is a SHA-256 over the canonical texts of the inputs (`key(strategy:params:barsFingerprint:config:engineVersion:)`);
/// the value is whatever bytes the caller serialised (the pipeline stores compact results: metrics and
/// trades, never curves). A hit is only as safe as the key is complete: put the engine version in it so a
/// changed simulator never serves old results.
///
/// Bounded: when the stored values pass `maxBytes`, the least recently used entries are evicted (a use is
/// a hit or a store; recency is a counter the cache keeps, not a clock) and their pages given back to the
/// file system (incremental auto-vacuum).
public final class ResultCache: Sendable {
    public let path: String
    /// The cap on the stored values' bytes; 0 disables caching of new results.
    public let maxBytes: Int
    private let pool: DatabasePool
    private let counters = Mutex((hits: 0, misses: 0))

    /// The default cap: 512 MiB, room for about 350 000 results of a 10-year grid.
    public static let defaultMaxBytes = 512 * 1024 * 1024

    /// Opens (creating the folder and file if needed) `<dataDir>/results.sqlite`.
    public convenience init(dataDir: String, maxBytes: Int = ResultCache.defaultMaxBytes) throws(RunStoreError) {
        try self.init(path: dataDir + "/results.sqlite", maxBytes: maxBytes)
    }

    public init(path: String, maxBytes: Int = ResultCache.defaultMaxBytes) throws(RunStoreError) {
        self.path = path
        self.maxBytes = max(0, maxBytes)
        do {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            var config = Configuration()
            config.busyMode = .timeout(10)
            config.prepareDatabase { db in
                // A new file gets 16 KiB pages (an existing one keeps its size: WAL fixes it at creation). A
                // value is a result of about 2.3 kB: 4 KiB pages held one or two with the rest unused, and
                // a 500-symbol grid's 77 MB of values took 101 MB; 16 KiB pages take 89 MB.
                try db.execute(sql: "PRAGMA page_size = 16384")
                // A cache: in WAL mode NORMAL never corrupts the file, and a commit lost to a power cut is
                // only results computed again.
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            pool = try DatabasePool(path: path, configuration: config)
            var migrator = DatabaseMigrator()
            migrator.registerMigration("v1") { db in
                try db.execute(
                    sql: """
                        CREATE TABLE results (
                            key TEXT PRIMARY KEY NOT NULL CHECK (length(key) = 64),
                            value BLOB NOT NULL
                        ) WITHOUT ROWID
                        """)
            }
            // v2: compact values, byte sizes and recency for the LRU cap. Earlier values (JSON with full
            // curves) are keyed under an older engine version and can never be hit again: dropped.
            migrator.registerMigration("v2-lru") { db in
                try db.execute(
                    sql: """
                        DROP TABLE results;
                        CREATE TABLE results (
                            key TEXT PRIMARY KEY NOT NULL CHECK (length(key) = 64),
                            value BLOB NOT NULL,
                            size INTEGER NOT NULL,
                            used INTEGER NOT NULL
                        ) WITHOUT ROWID;
                        CREATE INDEX results_used ON results (used);
                        CREATE TABLE meta (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
                        INSERT INTO meta (name, value) VALUES ('clock', 0), ('bytes', 0);
                        """)
            }
            // v3: a rowid table with the key in a unique index. Keyed by the 64-hex key itself (WITHOUT
            // ROWID), each insert landed at a random place in the B-tree and a value over about 1 KB spilled
            // into overflow pages: a 500-symbol grid's 33 000 results took 171 MB and 8 s of the one writer.
            // Appended by rowid they take 133 MB and 3 s. Stored results are kept, oldest use first.
            migrator.registerMigration("v3-rowid") { db in
                try db.execute(
                    sql: """
                        CREATE TABLE results_v3 (
                            id INTEGER PRIMARY KEY,
                            key TEXT NOT NULL UNIQUE CHECK (length(key) = 64),
                            value BLOB NOT NULL,
                            size INTEGER NOT NULL,
                            used INTEGER NOT NULL
                        );
                        INSERT INTO results_v3 (key, value, size, used)
                            SELECT key, value, size, used FROM results ORDER BY used, key;
                        DROP TABLE results;
                        ALTER TABLE results_v3 RENAME TO results;
                        CREATE INDEX results_used ON results (used);
                        """)
            }
            let upgrading = try pool.read { db in try !migrator.hasCompletedMigrations(db) }
            try migrator.migrate(pool)
            try SQLiteSpace.enableIncrementalVacuum(pool)
            // A migration that rebuilt the table leaves the old one's pages free: give them back.
            if upgrading { try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA incremental_vacuum") } }
        } catch {
            throw .database(path: path, message: "cannot open the result cache: \(error)")
        }
    }

    /// The cache key: lowercase hex SHA-256 of a canonical text of the inputs.
    ///
    /// Each argument must already be canonical: `params` as `Parameters.description` (`fast=10;slow=20`),
    /// `barsFingerprint` as the manifest's bars SHA-256, `config` as `canonicalText(_:)` of the
    /// `BacktestConfig` (costs, sizing, conventions, initial cash), `engineVersion` as the engine version.
    /// Fields are length-prefixed, so no two different inputs share a text.
    public static func key(
        strategy: String, params: String, barsFingerprint: String, config: String, engineVersion: String
    ) -> String {
        var text = "stratopt-result-cache-v1\n"
        for (name, value) in [
            ("strategy", strategy), ("params", params), ("bars", barsFingerprint), ("config", config),
            ("engine", engineVersion),
        ] {
            text += "\(name):\(value.utf8.count):\(value)\n"
        }
        return SHA256Hex.of(Array(text.utf8))
    }

    /// A canonical text of a backtest configuration (costs, sizing, conventions, initial cash): JSON with
    /// sorted keys and no whitespace. Nil when it holds a non-finite number, which cannot be encoded —
    /// do not cache such a run.
    public static func canonicalText(_ config: BacktestConfig) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(config) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The stored bytes for each key found, counting a hit or miss per key; hits become the most recently used.
    public func lookup(_ keys: [String]) throws(RunStoreError) -> [String: [UInt8]] {
        guard !keys.isEmpty else { return [:] }
        let found: [String: [UInt8]] = try write { db in
            var out: [String: [UInt8]] = [:]
            let select = try db.makeStatement(sql: "SELECT value FROM results WHERE key = ?")
            for k in keys {
                if let v = try Data.fetchOne(select, arguments: [k]) { out[k] = [UInt8](v) }
            }
            if !out.isEmpty {
                // Hits become the most recently used, 500 keys a statement (tens of thousands per run).
                let clock = try Self.tick(db)
                let hits = out.keys.sorted()
                var i = 0
                while i < hits.count {
                    let chunk = Array(hits[i..<min(i + 500, hits.count)])
                    let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                    try db.execute(
                        sql: "UPDATE results SET used = ? WHERE key IN (\(marks))",
                        arguments: StatementArguments([clock] + chunk.map { $0 as any DatabaseValueConvertible }))
                    i += 500
                }
            }
            return out
        }
        counters.withLock { c in
            for k in keys { found[k] == nil ? (c.misses += 1) : (c.hits += 1) }
        }
        return found
    }

    /// The stored bytes for `key`, counting a hit or a miss.
    public func get(_ key: String) throws(RunStoreError) -> Data? {
        try lookup([key])[key].map { Data($0) }
    }

    /// Stores (or replaces) one value.
    public func put(_ key: String, _ value: Data) throws(RunStoreError) {
        try store([(key, [UInt8](value))])
    }

    /// Stores (or replaces) many values in one transaction, then evicts the least recently used entries
    /// while the stored bytes exceed `maxBytes`.
    public func store(_ entries: [(key: String, value: [UInt8])]) throws(RunStoreError) {
        guard !entries.isEmpty, maxBytes > 0 else { return }
        let evicted = try write { db -> Int in
            let clock = try Self.tick(db)
            let old = try db.makeStatement(sql: "SELECT size FROM results WHERE key = ?")
            let insert = try db.makeStatement(
                sql: "INSERT OR REPLACE INTO results (key, value, size, used) VALUES (?, ?, ?, ?)")
            var delta = 0
            for e in entries {
                delta -= try Int.fetchOne(old, arguments: [e.key]) ?? 0
                try insert.execute(arguments: [e.key, Data(e.value), e.value.count, clock])
                delta += e.value.count
            }
            var bytes = try Self.addBytes(db, delta)
            var evicted = 0
            if bytes > maxBytes {
                // Oldest first, down to 90 % of the cap so a full cache does not evict on every store.
                let target = maxBytes / 10 * 9
                let rows = try Row.fetchCursor(db, sql: "SELECT key, size FROM results ORDER BY used, key")
                var doomed: [String] = []
                while bytes > target, let row = try rows.next() {
                    doomed.append(row["key"])
                    bytes -= row["size"] as Int
                }
                let delete = try db.makeStatement(sql: "DELETE FROM results WHERE key = ?")
                for k in doomed { try delete.execute(arguments: [k]) }
                _ = try Self.addBytes(db, -(try Self.bytes(db) - bytes))
                evicted = doomed.count
            }
            return evicted
        }
        if evicted > 0 { reclaim() }
    }

    /// How many results are stored.
    public func count() throws(RunStoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM results") ?? 0 }
    }

    /// The stored values' bytes (what `maxBytes` caps).
    public func storedBytes() throws(RunStoreError) -> Int {
        try read { db in try Self.bytes(db) }
    }

    /// Deletes every stored result and gives the pages back; returns how many. Counters are kept.
    @discardableResult
    public func clear() throws(RunStoreError) -> Int {
        let n = try write { db in
            try db.execute(sql: "DELETE FROM results")
            let n = db.changesCount
            try db.execute(sql: "UPDATE meta SET value = 0 WHERE name = 'bytes'")
            return n
        }
        reclaim()
        return n
    }

    /// Evicts least recently used entries until the stored bytes are at most `bytes` (`stratopt prune`).
    @discardableResult
    public func trim(toBytes limit: Int) throws(RunStoreError) -> Int {
        let n = try write { db -> Int in
            var bytes = try Self.bytes(db)
            guard bytes > limit else { return 0 }
            let rows = try Row.fetchCursor(db, sql: "SELECT key, size FROM results ORDER BY used, key")
            var doomed: [String] = []
            while bytes > max(0, limit), let row = try rows.next() {
                doomed.append(row["key"])
                bytes -= row["size"] as Int
            }
            let delete = try db.makeStatement(sql: "DELETE FROM results WHERE key = ?")
            for k in doomed { try delete.execute(arguments: [k]) }
            try db.execute(sql: "UPDATE meta SET value = ? WHERE name = 'bytes'", arguments: [bytes])
            return doomed.count
        }
        if n > 0 { reclaim() }
        return n
    }

    /// Lookups that found a value since this cache was opened.
    public var hits: Int { counters.withLock { $0.hits } }
    /// Lookups that found nothing since this cache was opened.
    public var misses: Int { counters.withLock { $0.misses } }

    /// Returns free pages to the file system (best effort).
    public func reclaim() {
        try? pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA incremental_vacuum") }
    }

    private static func tick(_ db: Database) throws -> Int {
        try db.execute(sql: "UPDATE meta SET value = value + 1 WHERE name = 'clock'")
        return try Int.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'clock'") ?? 0
    }

    private static func bytes(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT value FROM meta WHERE name = 'bytes'") ?? 0
    }

    private static func addBytes(_ db: Database, _ delta: Int) throws -> Int {
        try db.execute(sql: "UPDATE meta SET value = max(0, value + ?) WHERE name = 'bytes'", arguments: [delta])
        return try bytes(db)
    }

    private func write<T>(_ body: (Database) throws -> T) throws(RunStoreError) -> T {
        do { return try pool.write(body) } catch {
            throw .database(path: path, message: "\(error)")
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(RunStoreError) -> T {
        do { return try pool.read(body) } catch {
            throw .database(path: path, message: "\(error)")
        }
    }
}
