import Foundation
import GRDB
import Market
import SQLiteFiles

/// One symbol of a bars file: how many bars were exported and their fingerprint (`Hashing.fingerprint`).
public struct BarsFileSymbol: Sendable, Equatable {
    public var symbol: String
    public var bars: Int
    public var sha256: String

    public init(symbol: String, bars: Int, sha256: String) {
        self.symbol = symbol
        self.bars = bars
        self.sha256 = sha256
    }
}

/// What a bars file holds besides its bars: the provider key they are stored under, the range and as-of
/// date they were exported for, and each symbol's bar count and fingerprint.
public struct BarsFileInfo: Sendable, Equatable {
    public var provider: String
    public var variant: String
    public var from: SessionDate
    public var to: SessionDate
    public var asOf: SessionDate
    public var symbols: [BarsFileSymbol]

    public init(
        provider: String, variant: String, from: SessionDate, to: SessionDate, asOf: SessionDate,
        symbols: [BarsFileSymbol]
    ) {
        self.provider = provider
        self.variant = variant
        self.from = from
        self.to = to
        self.asOf = asOf
        self.symbols = symbols
    }
}

/// A bars file (`stratopt cache export SPEC FILE`): a bar cache in one SQLite file (the schema of
/// `cache.sqlite`, so the loader reads it offline like any cache) plus the tables `export_meta` and
/// `export_symbol` saying what was exported. Workers open it read-only, so any number of processes on a
/// shared volume read it at once and none ever calls the provider.
public enum BarsFile {
    /// Records what `cache` (a freshly created bars file) holds.
    public static func writeInfo(_ info: BarsFileInfo, into cache: BarCache) throws {
        try cache.pool.write { db in
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS export_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS export_symbol (
                        position INTEGER PRIMARY KEY, symbol TEXT NOT NULL UNIQUE, bars INTEGER NOT NULL,
                        sha256 TEXT NOT NULL)
                    """)
            try db.execute(sql: "DELETE FROM export_meta")
            try db.execute(sql: "DELETE FROM export_symbol")
            let meta = [
                ("format", "stratopt-bars-2"), ("provider", info.provider), ("variant", info.variant),
                ("from", info.from.iso), ("to", info.to.iso), ("as_of", info.asOf.iso),
            ]
            for (k, v) in meta {
                try db.execute(sql: "INSERT INTO export_meta (key, value) VALUES (?, ?)", arguments: [k, v])
            }
            for (i, s) in info.symbols.enumerated() {
                try db.execute(
                    sql: "INSERT INTO export_symbol (position, symbol, bars, sha256) VALUES (?, ?, ?, ?)",
                    arguments: [i, s.symbol, s.bars, s.sha256])
            }
        }
    }

    /// Opens a bars file read-only (nothing is created or written) and reads what it holds.
    public static func open(path: String) throws -> (cache: BarCache, info: BarsFileInfo) {
        let db: DatabaseQueue
        do {
            guard let opened = try ReadOnlyDatabase.open(path: path) else {
                throw CacheError(path: path, message: "no such file; write it with `stratopt cache export SPEC FILE`")
            }
            db = opened
        } catch let e as CacheError {
            throw e
        } catch {
            throw CacheError(path: path, message: "cannot read the bars file (\(error))")
        }
        let info: BarsFileInfo
        do {
            info = try db.read { db -> BarsFileInfo in
                guard try db.tableExists("export_meta"), try db.tableExists("export_symbol"), try db.tableExists("bar")
                else {
                    throw CacheError(
                        path: path,
                        message: "not a bars file (no export tables); write one with `stratopt cache export`")
                }
                var meta: [String: String] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT key, value FROM export_meta") {
                    meta[row["key"] as String] = row["value"] as String
                }
                guard meta["format"] == "stratopt-bars-2", let provider = meta["provider"],
                    let variant = meta["variant"], let from = meta["from"].flatMap({ SessionDate(iso: $0) }),
                    let to = meta["to"].flatMap({ SessionDate(iso: $0) }),
                    let asOf = meta["as_of"].flatMap({ SessionDate(iso: $0) })
                else {
                    throw CacheError(
                        path: path, message: "its export_meta table is incomplete or of another stratopt version")
                }
                let symbols = try Row.fetchAll(
                    db, sql: "SELECT symbol, bars, sha256 FROM export_symbol ORDER BY position"
                ).map { BarsFileSymbol(symbol: $0["symbol"], bars: $0["bars"], sha256: $0["sha256"]) }
                return BarsFileInfo(
                    provider: provider, variant: variant, from: from, to: to, asOf: asOf, symbols: symbols)
            }
        } catch let e as CacheError {
            throw e
        } catch {
            throw CacheError(path: path, message: "cannot read the bars file (\(error))")
        }
        return (BarCache(path: path, readOnly: db), info)
    }

    /// Copies every cached key and covered range of `source` into `target` (`stratopt cache import`);
    /// returns how many bars were copied.
    public static func copy(from source: BarCache, into target: BarCache) throws -> Int {
        var copied = 0
        for key in try source.list() {
            for range in key.ranges {
                let bars = try source.bars(
                    provider: key.provider, symbol: key.symbol, from: range.lowerBound, to: range.upperBound,
                    timeframe: key.timeframe, adjustment: key.adjustment)
                try target.store(
                    bars: bars, covering: range, provider: key.provider, symbol: key.symbol, timeframe: key.timeframe,
                    adjustment: key.adjustment)
                copied += bars.count
            }
        }
        return copied
    }
}
