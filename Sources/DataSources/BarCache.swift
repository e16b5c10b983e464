import Foundation
import GRDB
import GRDBSQLite
import Market
import SQLiteFiles

/// What the cache holds for one (provider, symbol, timeframe, adjustment).
public struct CoverageSummary: Sendable, Equatable {
    public var provider: String
    public var symbol: String
    public var timeframe: String
    public var adjustment: String
    /// Covered date ranges (asked of the provider), ascending and disjoint.
    public var ranges: [ClosedRange<SessionDate>]
    /// First and last covered dates.
    public var first: SessionDate
    public var last: SessionDate
    public var barCount: Int
    public var firstBar: SessionDate?
    public var lastBar: SessionDate?
}

/// A problem `BarCache.verify()` found in stored data.
public struct CacheProblem: Sendable, Equatable, CustomStringConvertible {
    public var provider: String
    public var symbol: String
    /// The stored date text of the bad row (nil for problems not tied to one bar).
    public var date: String?
    public var message: String

    public var description: String {
        "\(symbol) (\(provider))" + (date.map { " \($0)" } ?? "") + ": \(message)"
    }
}

/// A cache file that cannot be opened or written.
public struct CacheError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "bar cache \(path): \(message)" }
}

/// Cached rows that no longer match what stratopt stored (checksum or bar rules), found while reading.
public struct CachedBarsAltered: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var provider: String
    public var symbol: String
    /// The stored date texts of the bad rows, ascending.
    public var dates: [String]

    public var description: String {
        let shown = dates.prefix(3).map { EchoedInput.clip($0, limit: 40) }.joined(separator: ", ")
        return "\(dates.count) cached bar(s) of \(symbol) (\(provider)) in \(path) were altered outside stratopt "
            + "(\(shown)\(dates.count > 3 ? ", …" : ""))"
    }
}

/// The SQLite bar cache (`<dataDir>/cache.sqlite`, WAL mode through GRDB's `DatabasePool`).
///
/// Bars are keyed by their series (one row of `series` per provider, symbol, timeframe and adjustment, named
/// by an integer id) and date; dates are stored as `YYYY-MM-DD` text.
/// A separate coverage table records which date ranges each key has been fetched for — a range is covered when
/// the provider was asked for it, so holidays and days without data inside it never cause a refetch.
/// `store` writes bars and coverage in one transaction; touching or overlapping ranges are merged.
public struct BarCache: Sendable {
    public static let fileName = "cache.sqlite"
    public static let defaultTimeframe = "1d"
    /// Bars as the provider returns them (each provider documents its own adjustment).
    public static let defaultAdjustment = "provider"

    public let path: String
    let pool: any DatabaseWriter

    /// Opens (creating the folder and file if missing) `<dataDir>/cache.sqlite`.
    public init(dataDir: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        } catch {
            throw CacheError(path: dataDir, message: "cannot create the data folder: \(error.localizedDescription)")
        }
        try self.init(path: (dataDir as NSString).appendingPathComponent(BarCache.fileName))
    }

    /// Opens (creating if missing) the SQLite file at `path`.
    public init(path: String) throws {
        self.path = path
        do {
            // Several writers may share the file: shards of one run on a shared data folder, or `stratopt
            // serve` running jobs and executes side by side. Wait for the other's transaction rather than fail.
            var configuration = Configuration()
            configuration.busyMode = .timeout(60)
            configuration.prepareDatabase { db in
                // A cache: in WAL mode NORMAL never corrupts the file, and a commit lost to a power cut is
                // only a range fetched again. FULL (the default) syncs the log on every symbol's commit.
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                // A cold universe inserts a million rows across the key's B-tree; the default 2 MB page
                // cache spills pages to the log over and over.
                try db.execute(sql: "PRAGMA cache_size = -16384")
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            let upgrading = try pool.read { db in
                try db.tableExists("bar")
                    && !(try BarCache.migrator.appliedIdentifiers(db)).contains(BarCache.seriesMigration)
            }
            try BarCache.migrator.migrate(pool)
            // The old table's pages are free after the upgrade: given back once (best effort: VACUUM needs
            // room for a copy, and a cache that keeps its free pages reuses them for new bars).
            if upgrading { try? pool.writeWithoutTransaction { db in try db.execute(sql: "VACUUM") } }
        } catch {
            throw CacheError(path: path, message: "cannot open the cache (\(error)); delete the file to rebuild it")
        }
    }

    init(path: String, readOnly: DatabaseQueue) {
        self.path = path
        self.pool = readOnly
    }

    /// `<dataDir>/cache.sqlite` for `cache list` and `cache verify`: nothing is created, migrated or
    /// written (see `ReadOnlyDatabase`), so a read-only data folder still answers. Nil when there is no
    /// cache file yet. Writes through the returned cache fail.
    public static func openReadOnly(dataDir: String) throws -> BarCache? {
        let path = (dataDir as NSString).appendingPathComponent(BarCache.fileName)
        do {
            guard let db = try ReadOnlyDatabase.open(path: path) else { return nil }
            guard try ReadOnlyDatabase.isCurrent(db, migrator) else {
                throw CacheError(
                    path: path,
                    message: "written by an older stratopt; run `stratopt fetch SPEC` once to upgrade it")
            }
            return BarCache(path: path, readOnly: db)
        } catch let e as CacheError {
            throw e
        } catch {
            throw CacheError(path: path, message: "cannot read the cache (\(error))")
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE bar (
                        provider TEXT NOT NULL,
                        symbol TEXT NOT NULL,
                        timeframe TEXT NOT NULL,
                        adjustment TEXT NOT NULL,
                        date TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
                        open REAL NOT NULL CHECK (open > 0),
                        high REAL NOT NULL CHECK (high >= open AND high >= close AND high >= low),
                        low REAL NOT NULL CHECK (low > 0 AND low <= open AND low <= close),
                        close REAL NOT NULL CHECK (close > 0),
                        volume REAL NOT NULL CHECK (volume >= 0),
                        PRIMARY KEY (provider, symbol, timeframe, adjustment, date)
                    ) WITHOUT ROWID;
                    CREATE TABLE coverage (
                        provider TEXT NOT NULL,
                        symbol TEXT NOT NULL,
                        timeframe TEXT NOT NULL,
                        adjustment TEXT NOT NULL,
                        first TEXT NOT NULL,
                        last TEXT NOT NULL,
                        CHECK (first <= last),
                        PRIMARY KEY (provider, symbol, timeframe, adjustment, first)
                    ) WITHOUT ROWID;
                    """)
        }
        // v2: the fingerprint of each key's local source file (csv provider), so an edited file is re-read.
        m.registerMigration("v2-source-file") { db in
            try db.execute(
                sql: """
                    CREATE TABLE source_file (
                        provider TEXT NOT NULL,
                        symbol TEXT NOT NULL,
                        timeframe TEXT NOT NULL,
                        adjustment TEXT NOT NULL,
                        path TEXT NOT NULL,
                        size INTEGER NOT NULL CHECK (size >= 0),
                        mtime_ns INTEGER NOT NULL,
                        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
                        PRIMARY KEY (provider, symbol, timeframe, adjustment)
                    ) WITHOUT ROWID;
                    """)
        }
        // v3: a checksum per bar row (`BarCache.checksum`), checked on every read, so a row altered outside
        // stratopt (by hand, by another tool, by a flipped byte that still passes the CHECK constraints) is
        // noticed and fetched again instead of being backtested.
        m.registerMigration("v3-bar-checksum") { db in
            try db.execute(sql: "ALTER TABLE bar ADD COLUMN checksum INTEGER")
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT provider, symbol, timeframe, adjustment, date, open, high, low, close, volume FROM bar")
            let update = try db.makeStatement(
                sql: """
                    UPDATE bar SET checksum = ?
                    WHERE provider = ? AND symbol = ? AND timeframe = ? AND adjustment = ? AND date = ?
                    """)
            for r in rows {
                let (p, s, t, a, d): (String, String, String, String, String) = (
                    r["provider"], r["symbol"], r["timeframe"], r["adjustment"], r["date"]
                )
                let sum = BarCache.checksum(
                    key: [p, s, t, a], date: d, values: [r["open"], r["high"], r["low"], r["close"], r["volume"]])
                try update.execute(arguments: [sum, p, s, t, a, d])
            }
        }
        // v4: each bar names its series by an integer id instead of repeating four key texts: a row of ten
        // years of 500 symbols took about 100 bytes, 127 MB in all; it takes about 75 (95 MB). Bars,
        // checksums (still over the key's texts) and coverage are kept.
        m.registerMigration(seriesMigration) { db in
            try db.execute(
                sql: """
                    CREATE TABLE series (
                        id INTEGER PRIMARY KEY,
                        provider TEXT NOT NULL,
                        symbol TEXT NOT NULL,
                        timeframe TEXT NOT NULL,
                        adjustment TEXT NOT NULL,
                        UNIQUE (provider, symbol, timeframe, adjustment)
                    );
                    INSERT INTO series (provider, symbol, timeframe, adjustment)
                    SELECT DISTINCT provider, symbol, timeframe, adjustment FROM bar ORDER BY 1, 2, 3, 4;
                    CREATE TABLE bar_v4 (
                        series INTEGER NOT NULL,
                        date TEXT NOT NULL CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
                        open REAL NOT NULL CHECK (open > 0),
                        high REAL NOT NULL CHECK (high >= open AND high >= close AND high >= low),
                        low REAL NOT NULL CHECK (low > 0 AND low <= open AND low <= close),
                        close REAL NOT NULL CHECK (close > 0),
                        volume REAL NOT NULL CHECK (volume >= 0),
                        checksum INTEGER,
                        PRIMARY KEY (series, date)
                    ) WITHOUT ROWID;
                    INSERT INTO bar_v4 (series, date, open, high, low, close, volume, checksum)
                    SELECT s.id, b.date, b.open, b.high, b.low, b.close, b.volume, b.checksum
                    FROM bar b JOIN series s USING (provider, symbol, timeframe, adjustment)
                    ORDER BY s.id, b.date;
                    DROP TABLE bar;
                    ALTER TABLE bar_v4 RENAME TO bar;
                    """)
        }
        return m
    }

    static let seriesMigration = "v4-series"

    /// The `series` id of a key; with `create`, a new one when the key has none yet.
    static func seriesID(_ db: Database, _ key: [String], create: Bool) throws -> Int64? {
        if let id = try Int64.fetchOne(
            db, sql: "SELECT id FROM series WHERE provider = ? AND symbol = ? AND timeframe = ? AND adjustment = ?",
            arguments: StatementArguments(key))
        {
            return id
        }
        guard create else { return nil }
        try db.execute(
            sql: "INSERT INTO series (provider, symbol, timeframe, adjustment) VALUES (?, ?, ?, ?)",
            arguments: StatementArguments(key))
        return db.lastInsertedRowID
    }

    /// The bars of the keys `match` selects (a `WHERE` on provider, symbol, timeframe and adjustment), and
    /// their `series` rows, deleted.
    static func deleteBars(_ db: Database, where match: String, arguments: StatementArguments) throws {
        try db.execute(
            sql: "DELETE FROM bar WHERE series IN (SELECT id FROM series " + match + ")", arguments: arguments)
        try db.execute(sql: "DELETE FROM series " + match, arguments: arguments)
    }

    /// FNV-1a (64 bit) over the row's key, date text and the IEEE bits of its five values: what `store`
    /// wrote. Not a defence against someone who rewrites the checksum too; it catches edits and damage.
    static func checksum(key: [String], date: String, values: [Double]) -> Int64 {
        var h = checksumState(key: key)
        fnv(&h, date.utf8)
        for v in values { fnv(&h, v) }
        return Int64(bitPattern: h)
    }

    /// FNV-1a over the key's parts, each followed by 0x1F: the prefix every bar of one key shares, so a
    /// read hashes it once rather than once per bar.
    static func checksumState(key: [String]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for part in key { fnv(&h, part.utf8) }
        return h
    }

    /// `checksum(key:date:values:)` of one bar, continuing from `checksumState(key:)` without building
    /// the date's String or an array of its values.
    static func checksum(_ b: Bar, keyState: UInt64) -> Int64 {
        var h = keyState
        fnv(&h, b.date.isoBytes)
        return values(b, &h)
    }

    /// The same checksum from the date's stored text (canonical `YYYY-MM-DD`, as every write stores it),
    /// read in place: a read of a warm universe checks a million bars.
    static func checksum(_ b: Bar, isoUTF8: UnsafeBufferPointer<UInt8>, keyState: UInt64) -> Int64 {
        var h = keyState
        fnv(&h, isoUTF8)
        return values(b, &h)
    }

    private static func values(_ b: Bar, _ h: inout UInt64) -> Int64 {
        fnv(&h, b.open)
        fnv(&h, b.high)
        fnv(&h, b.low)
        fnv(&h, b.close)
        fnv(&h, b.volume)
        return Int64(bitPattern: h)
    }

    static func checksum(_ b: Bar, key: [String]) -> Int64 { checksum(b, keyState: checksumState(key: key)) }

    /// The bytes of one part, then the 0x1F separator.
    private static func fnv(_ h: inout UInt64, _ bytes: some Sequence<UInt8>) {
        for b in bytes {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        h ^= 0x1F
        h = h &* 0x0000_0100_0000_01b3
    }

    /// The value's bit pattern, least significant byte first.
    private static func fnv(_ h: inout UInt64, _ v: Double) {
        var bits = v.bitPattern
        for _ in 0..<8 {
            h ^= UInt64(truncatingIfNeeded: bits & 0xFF)
            h = h &* 0x0000_0100_0000_01b3
            bits >>= 8
        }
    }

    // MARK: - Coverage

    /// Covered ranges for a key, ascending.
    public func coveredRanges(
        provider: String, symbol: String, timeframe: String = defaultTimeframe,
        adjustment: String = defaultAdjustment
    ) throws -> [ClosedRange<SessionDate>] {
        try pool.read { db in
            try BarCache.coverage(db, provider, symbol, timeframe, adjustment)
        }
    }

    /// The parts of `from...to` not yet covered, ascending (empty when fully covered).
    public func missingRanges(
        provider: String, symbol: String, from: SessionDate, to: SessionDate, timeframe: String = defaultTimeframe,
        adjustment: String = defaultAdjustment
    ) throws -> [ClosedRange<SessionDate>] {
        guard from <= to else { return [] }
        let covered = try coveredRanges(
            provider: provider, symbol: symbol, timeframe: timeframe, adjustment: adjustment)
        var out: [ClosedRange<SessionDate>] = []
        var cursor = from
        for r in covered where r.upperBound >= cursor {
            if r.lowerBound > to { break }
            if r.lowerBound > cursor { out.append(cursor...r.lowerBound.adding(days: -1)) }
            cursor = r.upperBound.adding(days: 1)
            if cursor > to { return out }
        }
        out.append(cursor...to)
        return out
    }

    static func coverage(
        _ db: Database, _ provider: String, _ symbol: String, _ timeframe: String, _ adjustment: String
    ) throws -> [ClosedRange<SessionDate>] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT first, last FROM coverage
                WHERE provider = ? AND symbol = ? AND timeframe = ? AND adjustment = ? ORDER BY first
                """,
            arguments: [provider, symbol, timeframe, adjustment])
        return rows.compactMap { row in
            guard let a = SessionDate(iso: row["first"] as String), let b = SessionDate(iso: row["last"] as String),
                a <= b
            else { return nil }
            return a...b
        }
    }

    // MARK: - Writing

    /// Stores `bars` and marks `covering` as fetched, in one transaction (all or nothing).
    ///
    /// Every bar must lie inside `covering`. Existing bars on the same dates are replaced. The new range is
    /// merged with covered ranges it overlaps or touches.
    public func store(
        bars: [Bar], covering: ClosedRange<SessionDate>, provider: String, symbol: String,
        timeframe: String = defaultTimeframe, adjustment: String = defaultAdjustment
    ) throws {
        try checkInside(bars, covering, provider, symbol)
        try pool.write { db in
            try BarCache.write(
                db, bars: bars, covering: covering, provider: provider, symbol: symbol, timeframe: timeframe,
                adjustment: adjustment)
        }
    }

    /// `store` from async code: the task waits for the cache's one writer without holding a thread, so
    /// other symbols are generated or parsed meanwhile (a cold universe's inserts are serial; blocking two
    /// of two cooperative threads on them left a core idle).
    public func storeAsync(
        bars: [Bar], covering: ClosedRange<SessionDate>, provider: String, symbol: String,
        timeframe: String = defaultTimeframe, adjustment: String = defaultAdjustment
    ) async throws {
        try checkInside(bars, covering, provider, symbol)
        try await pool.write { db in
            try BarCache.write(
                db, bars: bars, covering: covering, provider: provider, symbol: symbol, timeframe: timeframe,
                adjustment: adjustment)
        }
    }

    private func checkInside(
        _ bars: [Bar], _ covering: ClosedRange<SessionDate>, _ provider: String, _ symbol: String
    ) throws {
        if let outside = bars.first(where: { !covering.contains($0.date) }) {
            throw CacheError(
                path: path,
                message: "\(symbol) (\(provider)): bar \(outside.date.iso) lies outside the stored range "
                    + "\(covering.lowerBound.iso)…\(covering.upperBound.iso)")
        }
    }

    /// Coverage and bars of one `store`, inside its write transaction.
    private static func write(
        _ db: Database, bars: [Bar], covering: ClosedRange<SessionDate>, provider: String, symbol: String,
        timeframe: String, adjustment: String
    ) throws {
        // Coverage first, then bars: a failing bar insert must roll the coverage back too.
        let existing = try BarCache.coverage(db, provider, symbol, timeframe, adjustment)
        var lo = covering.lowerBound
        var hi = covering.upperBound
        var absorbed: [ClosedRange<SessionDate>] = []
        for r in existing
        where r.lowerBound.daysSinceEpoch <= hi.daysSinceEpoch + 1
            && r.upperBound.daysSinceEpoch >= lo.daysSinceEpoch - 1
        {
            absorbed.append(r)
            lo = min(lo, r.lowerBound)
            hi = max(hi, r.upperBound)
        }
        for r in absorbed {
            try db.execute(
                sql: """
                    DELETE FROM coverage
                    WHERE provider = ? AND symbol = ? AND timeframe = ? AND adjustment = ? AND first = ?
                    """,
                arguments: [provider, symbol, timeframe, adjustment, r.lowerBound.iso])
        }
        try db.execute(
            sql: """
                INSERT INTO coverage (provider, symbol, timeframe, adjustment, first, last)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [provider, symbol, timeframe, adjustment, lo.iso, hi.iso])
        guard !bars.isEmpty else { return }
        let key = [provider, symbol, timeframe, adjustment]
        guard let series = try BarCache.seriesID(db, key, create: true) else { return }
        let insert = try db.makeStatement(
            sql: """
                INSERT OR REPLACE INTO bar (series, date, open, high, low, close, volume, checksum)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
        try BarCache.insert(
            bars, statement: insert, series: series, keyState: BarCache.checksumState(key: key), db: db)
    }

    /// Inserts `bars` through the prepared `INSERT OR REPLACE INTO bar` statement, binding the series once and
    /// each bar's values straight through SQLite: a cold universe stores a million bars, and building GRDB
    /// arguments (an array of existentials) per row cost more than SQLite's own insert.
    private static func insert(
        _ bars: [Bar], statement: Statement, series: Int64, keyState: UInt64, db: Database
    ) throws {
        let stmt = statement.sqliteStatement
        // SQLite copies what is bound with SQLITE_TRANSIENT before the call returns.
        let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)
        func check(_ code: Int32) throws {
            guard code == SQLITE_OK || code == SQLITE_DONE else {
                let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
                sqlite3_reset(stmt)
                sqlite3_clear_bindings(stmt)
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: statement.sql)
            }
        }
        sqlite3_reset(stmt)
        sqlite3_clear_bindings(stmt)
        try check(sqlite3_bind_int64(stmt, 1, series))
        for b in bars {
            let iso = b.date.isoBytes
            try check(
                iso.withUnsafeBufferPointer { p in
                    p.withMemoryRebound(to: CChar.self) { c in
                        sqlite3_bind_text(stmt, 2, c.baseAddress, Int32(c.count), transient)
                    }
                })
            try check(sqlite3_bind_double(stmt, 3, b.open))
            try check(sqlite3_bind_double(stmt, 4, b.high))
            try check(sqlite3_bind_double(stmt, 5, b.low))
            try check(sqlite3_bind_double(stmt, 6, b.close))
            try check(sqlite3_bind_double(stmt, 7, b.volume))
            try check(sqlite3_bind_int64(stmt, 8, BarCache.checksum(b, keyState: keyState)))
            try check(sqlite3_step(stmt))
            sqlite3_reset(stmt)
        }
        sqlite3_clear_bindings(stmt)
    }

    /// Deletes the bars, coverage and source-file record of one key, so its range is fetched again.
    public func drop(
        provider: String, symbol: String, timeframe: String = defaultTimeframe, adjustment: String = defaultAdjustment
    ) throws {
        try pool.write { db in
            let key: StatementArguments = [provider, symbol, timeframe, adjustment]
            let match = "WHERE provider = ? AND symbol = ? AND timeframe = ? AND adjustment = ?"
            try BarCache.deleteBars(db, where: match, arguments: key)
            try db.execute(sql: "DELETE FROM coverage " + match, arguments: key)
            try db.execute(sql: "DELETE FROM source_file " + match, arguments: key)
        }
    }

    /// Deletes bars and coverage of `symbol` (every provider), or everything when nil.
    public func clear(symbol: String? = nil) throws {
        try pool.write { db in
            if let symbol {
                try BarCache.deleteBars(db, where: "WHERE symbol = ?", arguments: [symbol])
                try db.execute(sql: "DELETE FROM coverage WHERE symbol = ?", arguments: [symbol])
                try db.execute(sql: "DELETE FROM source_file WHERE symbol = ?", arguments: [symbol])
            } else {
                try db.execute(sql: "DELETE FROM bar")
                try db.execute(sql: "DELETE FROM series")
                try db.execute(sql: "DELETE FROM coverage")
                try db.execute(sql: "DELETE FROM source_file")
            }
        }
    }

    // MARK: - Reading

    /// Stored bars in `from...to`, ascending by date.
    ///
    /// Every row is re-validated as it is read (O(n), no extra query): its stored checksum must match its
    /// values and the bar must pass `BarValidator`'s per-bar rules. Rows that fail throw
    /// `CachedBarsAltered` naming their dates; the loader drops the key and fetches it again.
    public func bars(
        provider: String, symbol: String, from: SessionDate, to: SessionDate, timeframe: String = defaultTimeframe,
        adjustment: String = defaultAdjustment
    ) throws -> [Bar] {
        try pool.read { db in
            try BarCache.read(
                db, path: path, provider: provider, symbol: symbol, from: from, to: to, timeframe: timeframe,
                adjustment: adjustment)
        }
    }

    /// `bars` from async code, waiting for a reader without holding a thread.
    public func barsAsync(
        provider: String, symbol: String, from: SessionDate, to: SessionDate, timeframe: String = defaultTimeframe,
        adjustment: String = defaultAdjustment
    ) async throws -> [Bar] {
        let path = path
        return try await pool.read { db in
            try BarCache.read(
                db, path: path, provider: provider, symbol: symbol, from: from, to: to, timeframe: timeframe,
                adjustment: adjustment)
        }
    }

    private static func read(
        _ db: Database, path: String, provider: String, symbol: String, from: SessionDate, to: SessionDate,
        timeframe: String, adjustment: String
    ) throws -> [Bar] {
        let statement = try db.cachedStatement(
            sql: """
                SELECT date, open, high, low, close, volume, checksum FROM bar
                WHERE series = (
                    SELECT id FROM series WHERE provider = ? AND symbol = ? AND timeframe = ? AND adjustment = ?)
                AND date BETWEEN ? AND ?
                ORDER BY date
                """)
        try statement.setArguments([provider, symbol, timeframe, adjustment, from.iso, to.iso])
        let keyState = BarCache.checksumState(key: [provider, symbol, timeframe, adjustment])
        var out: [Bar] = []
        var altered: [String] = []
        // Stepped and read through SQLite directly: a warm universe is a million rows, and a GRDB row
        // (a String for each date, a lookup per value) per bar was most of the cost of loading it.
        let stmt = statement.sqliteStatement
        defer { sqlite3_reset(stmt) }
        func number(_ column: Int32) -> Double? {
            let type = sqlite3_column_type(stmt, column)
            guard type == SQLITE_FLOAT || type == SQLITE_INTEGER else { return nil }
            return sqlite3_column_double(stmt, column)
        }
        while true {
            let code = sqlite3_step(stmt)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else {
                throw DatabaseError(
                    resultCode: ResultCode(rawValue: code),
                    message: String(cString: sqlite3_errmsg(db.sqliteConnection)), sql: statement.sql)
            }
            // Text before its length, as SQLite documents; a NULL date reads as no bytes.
            let text = UnsafeBufferPointer(
                start: sqlite3_column_text(stmt, 0), count: Int(sqlite3_column_bytes(stmt, 0)))
            let stored: Int64? =
                sqlite3_column_type(stmt, 6) == SQLITE_INTEGER ? sqlite3_column_int64(stmt, 6) : nil
            guard let date = SessionDate(isoUTF8: text), let o = number(1), let h = number(2), let l = number(3),
                let c = number(4), let v = number(5)
            else {
                altered.append(String(decoding: text, as: UTF8.self))
                continue
            }
            let bar = Bar(date: date, open: o, high: h, low: l, close: c, volume: v)
            if stored != BarCache.checksum(bar, isoUTF8: text, keyState: keyState) || !BarValidator.isValid(bar) {
                altered.append(String(decoding: text, as: UTF8.self))
                continue
            }
            out.append(bar)
        }
        if !altered.isEmpty {
            throw CachedBarsAltered(path: path, provider: provider, symbol: symbol, dates: altered)
        }
        return out
    }

    /// One summary per cached key, sorted by provider, symbol, timeframe, adjustment.
    public func list() throws -> [CoverageSummary] {
        try pool.read { db in
            var counts: [String: (Int, String?, String?)] = [:]
            for row in try Row.fetchAll(
                db,
                sql: """
                    SELECT s.provider, s.symbol, s.timeframe, s.adjustment,
                        COUNT(*) AS n, MIN(b.date) AS a, MAX(b.date) AS b
                    FROM bar b JOIN series s ON s.id = b.series GROUP BY b.series
                    """)
            {
                let k = BarCache.keyText(row)
                let n: Int = row["n"]
                let a: String? = row["a"]
                let b: String? = row["b"]
                counts[k] = (n, a, b)
            }
            let keys = try Row.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT provider, symbol, timeframe, adjustment FROM coverage
                    ORDER BY provider, symbol, timeframe, adjustment
                    """)
            var out: [CoverageSummary] = []
            for key in keys {
                let (p, s, t, a): (String, String, String, String) = (
                    key["provider"], key["symbol"], key["timeframe"], key["adjustment"]
                )
                let ranges = try BarCache.coverage(db, p, s, t, a)
                guard let first = ranges.first?.lowerBound, let last = ranges.last?.upperBound else { continue }
                let c = counts[[p, s, t, a].joined(separator: "\u{1F}")]
                out.append(
                    CoverageSummary(
                        provider: p, symbol: s, timeframe: t, adjustment: a, ranges: ranges, first: first, last: last,
                        barCount: c?.0 ?? 0, firstBar: c?.1.flatMap { SessionDate(iso: $0) },
                        lastBar: c?.2.flatMap { SessionDate(iso: $0) }))
            }
            return out
        }
    }

    static func keyText(_ row: Row) -> String {
        let p: String = row["provider"]
        let s: String = row["symbol"]
        let t: String = row["timeframe"]
        let a: String = row["adjustment"]
        return [p, s, t, a].joined(separator: "\u{1F}")
    }

    // MARK: - Verification

    /// Re-checks every stored row (BarValidator rules, except the calendar), the coverage table and SQLite's
    /// own `quick_check`. Finds corruption even when it was written around the schema's constraints.
    public func verify() throws -> [CacheProblem] {
        try pool.read { db in
            var problems: [CacheProblem] = []
            for row in try Row.fetchAll(db, sql: "PRAGMA quick_check") {
                let text: String = row[0] ?? ""
                if text != "ok" { problems.append(CacheProblem(provider: "", symbol: "", date: nil, message: text)) }
            }
            var coverage: [String: [ClosedRange<SessionDate>]] = [:]
            for row in try Row.fetchAll(
                db,
                sql: "SELECT provider, symbol, timeframe, adjustment, first, last FROM coverage ORDER BY 1, 2, 3, 4, 5")
            {
                let (p, s, t, a): (String, String, String, String) = (
                    row["provider"], row["symbol"], row["timeframe"], row["adjustment"]
                )
                let key = [p, s, t, a].joined(separator: "\u{1F}")
                let firstText: String = row["first"]
                let lastText: String = row["last"]
                guard let f = SessionDate(iso: firstText), let l = SessionDate(iso: lastText), f <= l else {
                    problems.append(
                        CacheProblem(
                            provider: p, symbol: s, date: firstText,
                            message: "invalid coverage range \(firstText)…\(lastText)"))
                    continue
                }
                if let prev = coverage[key]?.last, prev.upperBound >= f {
                    problems.append(
                        CacheProblem(
                            provider: p, symbol: s, date: firstText, message: "coverage ranges overlap"))
                }
                coverage[key, default: []].append(f...l)
            }
            let rows = try Row.fetchCursor(
                db,
                sql: """
                    SELECT b.series, s.provider, s.symbol, s.timeframe, s.adjustment,
                        b.date, b.open, b.high, b.low, b.close, b.volume, b.checksum
                    FROM bar b LEFT JOIN series s ON s.id = b.series
                    ORDER BY s.provider, s.symbol, s.timeframe, s.adjustment, b.series, b.date
                    """)
            while let row = try rows.next() {
                let (p0, s0, t0, a0): (String?, String?, String?, String?) = (
                    row["provider"], row["symbol"], row["timeframe"], row["adjustment"]
                )
                guard let p = p0, let s = s0, let t = t0, let a = a0 else {
                    let id: Int64? = row["series"]
                    problems.append(
                        CacheProblem(
                            provider: "", symbol: "", date: row["date"],
                            message: "bar of series \(id.map(String.init) ?? "NULL"), which the series table lacks"))
                    continue
                }
                let dateText: String = row["date"] ?? ""
                func problem(_ m: String) {
                    problems.append(CacheProblem(provider: p, symbol: s, date: dateText, message: m))
                }
                guard let date = SessionDate(iso: dateText) else {
                    problem("date '\(dateText)' is not YYYY-MM-DD")
                    continue
                }
                let values: [Double?] = [row["open"], row["high"], row["low"], row["close"], row["volume"]]
                guard let o = values[0], let h = values[1], let l = values[2], let c = values[3], let v = values[4]
                else {
                    problem("a price or volume is NULL")
                    continue
                }
                let bar = Bar(date: date, open: o, high: h, low: l, close: c, volume: v)
                if let why = BarValidator.problem(with: bar) {
                    problem(why)
                } else if (row["checksum"] as Int64?) != BarCache.checksum(bar, key: [p, s, t, a]) {
                    problem("the row's checksum does not match its values: it was altered outside stratopt")
                }
                let key = [p, s, t, a].joined(separator: "\u{1F}")
                if !(coverage[key] ?? []).contains(where: { $0.contains(date) }) {
                    problem("bar lies outside every covered range")
                }
            }
            return problems
        }
    }
}
