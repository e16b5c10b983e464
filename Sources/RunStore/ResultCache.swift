import Crypto
import Engine
import Foundation
import GRDB
import Synchronization

/// Backtest results already computed, keyed by everything that determines them: `<dataDir>/results.sqlite`.
///
/// The key is a SHA-256 over the canonical texts of the inputs (`key(strategy:params:barsFingerprint:config:engineVersion:)`);
/// the value is whatever bytes the caller serialised. A hit is only as safe as the key is complete:
/// put the engine version in it so a changed simulator never serves old results.
public final class ResultCache: Sendable {
    public let path: String
    private let pool: DatabasePool
    private let counters = Mutex((hits: 0, misses: 0))

    /// Opens (creating the folder and file if needed) `<dataDir>/results.sqlite`.
    public convenience init(dataDir: String) throws(RunStoreError) {
        try self.init(path: dataDir + "/results.sqlite")
    }

    public init(path: String) throws(RunStoreError) {
        self.path = path
        do {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            var config = Configuration()
            config.busyMode = .timeout(10)
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
            try migrator.migrate(pool)
        } catch {
            throw .database(path: path, message: "cannot open the result cache: \(error)")
        }
    }

    /// The cache key: lowercase hex SHA-256 of a canonical text of the inputs.
    ///
    /// Each argument must already be canonical: `params` as `Parameters.description` (`fast=10;slow=20`),
    /// `barsFingerprint` as the manifest's bars SHA-256, `config` as `canonicalText(_:)` of the
    /// `BacktestConfig` (costs, sizing, conventions, initial cash), `engineVersion` as the tool version.
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
        return SHA256.hash(data: Array(text.utf8)).map { b in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
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

    /// The stored bytes for `key`, counting a hit or a miss.
    public func get(_ key: String) throws(RunStoreError) -> Data? {
        let value: Data? = try read { db in
            try Data.fetchOne(db, sql: "SELECT value FROM results WHERE key = ?", arguments: [key])
        }
        counters.withLock { value == nil ? ($0.misses += 1) : ($0.hits += 1) }
        return value
    }

    /// The stored bytes for each key found (one read), counting a hit or miss per key.
    public func get(_ keys: [String]) throws(RunStoreError) -> [String: Data] {
        let found: [String: Data] = try read { db in
            var out: [String: Data] = [:]
            let stmt = try db.makeStatement(sql: "SELECT value FROM results WHERE key = ?")
            for k in keys {
                if let v = try Data.fetchOne(stmt, arguments: [k]) { out[k] = v }
            }
            return out
        }
        counters.withLock { c in
            for k in keys { found[k] == nil ? (c.misses += 1) : (c.hits += 1) }
        }
        return found
    }

    /// Stores (or replaces) one value.
    public func put(_ key: String, _ value: Data) throws(RunStoreError) {
        try put([(key, value)])
    }

    /// Stores (or replaces) many values in one transaction.
    public func put(_ entries: [(key: String, value: Data)]) throws(RunStoreError) {
        try write { db in
            let stmt = try db.makeStatement(sql: "INSERT OR REPLACE INTO results (key, value) VALUES (?, ?)")
            for e in entries { try stmt.execute(arguments: [e.key, e.value]) }
        }
    }

    /// How many results are stored.
    public func count() throws(RunStoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM results") ?? 0 }
    }

    /// Deletes every stored result; returns how many. Counters are kept.
    @discardableResult
    public func clear() throws(RunStoreError) -> Int {
        try write { db in
            try db.execute(sql: "DELETE FROM results")
            return db.changesCount
        }
    }

    /// Lookups that found a value since this cache was opened.
    public var hits: Int { counters.withLock { $0.hits } }
    /// Lookups that found nothing since this cache was opened.
    public var misses: Int { counters.withLock { $0.misses } }

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
