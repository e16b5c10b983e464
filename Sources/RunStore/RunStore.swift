import Foundation
import GRDB
import SQLiteFiles

/// Why a run-store operation failed; descriptions read as advice.
public enum RunStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No run has this id (or no run id starts with this prefix).
    case notFound(String)
    /// More than one run id starts with the prefix; `matches` lists up to 10 of them, newest first.
    case ambiguousPrefix(String, matches: [String])
    /// `create` was given a run id that is already in the history.
    case duplicateRunId(String)
    /// The database could not be opened, migrated, read or written.
    case database(path: String, message: String)

    public var description: String {
        switch self {
        case .notFound(let id):
            return "no run \(id) in the run history; list runs with `stratopt history`"
        case .ambiguousPrefix(let prefix, let matches):
            return
                "run id prefix \(prefix) is ambiguous: it matches \(matches.joined(separator: ", ")); type more characters"
        case .duplicateRunId(let id):
            return "run \(id) is already in the run history; run ids must be unique"
        case .database(let path, let message):
            return "\(path): \(message)"
        }
    }
}

/// The run history and resume checkpoints of one data folder: `<dataDir>/runs.sqlite`.
///
/// A `DatabasePool` (WAL), so `status`/`history` can read while a run writes. Every method is one
/// transaction. The store reads no clock: timestamps are ISO strings the caller passes in.
public struct RunStore: Sendable {
    public let path: String
    private let pool: any DatabaseWriter

    /// Opens (creating the folder and the file if needed) `<dataDir>/runs.sqlite` and migrates it.
    public init(dataDir: String) throws(RunStoreError) {
        try self.init(path: dataDir + "/runs.sqlite")
    }

    /// Opens (creating if needed) the database at `path` and migrates it.
    public init(path: String) throws(RunStoreError) {
        self.path = path
        do {
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
            var config = Configuration()
            config.busyMode = .timeout(10)
            // The history and checkpoints hold no secrets (never a key or token): deleted rows need not be
            // zeroed first. Debian's SQLite zeroes them by default (`secure_delete`), which doubled the writes
            // of deleting a large run's checkpoints (hundreds of MB).
            config.prepareDatabase { db in try db.execute(sql: "PRAGMA secure_delete = OFF") }
            pool = try DatabasePool(path: path, configuration: config)
            try Self.migrator.migrate(pool)
            // Checkpoints come and go every run: with incremental auto-vacuum their pages are given back to
            // the file system (`clearBatches`) instead of piling up as free pages.
            try SQLiteSpace.enableIncrementalVacuum(pool)
        } catch {
            throw .database(path: path, message: "cannot open the run history: \(error)")
        }
    }

    private init(path: String, readOnly: DatabaseQueue) {
        self.path = path
        self.pool = readOnly
    }

    /// `<dataDir>/runs.sqlite` for a read-only command: nothing is created, migrated or written (see
    /// `ReadOnlyDatabase`), so a read-only data folder still answers. Nil when there is no history yet.
    /// Writes through the returned store fail.
    public static func openReadOnly(dataDir: String) throws(RunStoreError) -> RunStore? {
        let path = dataDir + "/runs.sqlite"
        do {
            guard let db = try ReadOnlyDatabase.open(path: path) else { return nil }
            guard try ReadOnlyDatabase.isCurrent(db, migrator) else {
                throw RunStoreError.database(
                    path: path,
                    message:
                        "the run history was written by an older stratopt; run any write command (e.g. `stratopt run`) once to upgrade it"
                )
            }
            return RunStore(path: path, readOnly: db)
        } catch let e as RunStoreError {
            throw e
        } catch {
            throw .database(path: path, message: "cannot read the run history: \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE runs (
                        run_id TEXT PRIMARY KEY NOT NULL,
                        spec_name TEXT NOT NULL,
                        spec_path TEXT NOT NULL,
                        spec_sha256 TEXT NOT NULL,
                        status TEXT NOT NULL
                            CHECK (status IN ('running', 'succeeded', 'partial', 'failed', 'interrupted')),
                        stage TEXT NOT NULL
                            CHECK (stage IN ('plan', 'fetch', 'backtest', 'score', 'report', 'execute')),
                        done INTEGER NOT NULL DEFAULT 0 CHECK (done >= 0),
                        total INTEGER NOT NULL DEFAULT 0 CHECK (total >= 0),
                        started_at TEXT NOT NULL,
                        finished_at TEXT,
                        symbols INTEGER NOT NULL DEFAULT 0,
                        backtests INTEGER NOT NULL DEFAULT 0,
                        failed_symbols INTEGER NOT NULL DEFAULT 0,
                        exit_code INTEGER,
                        report_path TEXT,
                        pid INTEGER NOT NULL,
                        as_of TEXT,
                        options TEXT
                    );
                    CREATE INDEX runs_started ON runs (started_at DESC, run_id DESC);
                    CREATE TABLE run_batches (
                        run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
                        batch_index INTEGER NOT NULL CHECK (batch_index >= 0),
                        payload BLOB NOT NULL,
                        PRIMARY KEY (run_id, batch_index)
                    ) WITHOUT ROWID;
                    """)
        }
        // v2: the files each run wrote into its report folder (a JSON array of names), so deleting a run removes
        // exactly those.
        m.registerMigration("v2-written-files") { db in
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN written_files TEXT")
        }
        return m
    }

    // MARK: - runs

    /// Inserts a new run. Throws `duplicateRunId` if the id exists.
    public func create(_ record: RunRecord) throws(RunStoreError) {
        try write { db in
            if try Self.fetch(db, record.runId) != nil { throw RunStoreError.duplicateRunId(record.runId) }
            try db.execute(
                sql: """
                    INSERT INTO runs (run_id, spec_name, spec_path, spec_sha256, status, stage, done, total,
                        started_at, finished_at, symbols, backtests, failed_symbols, exit_code, report_path, pid, as_of, options)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.runId, record.specName, record.specPath, record.specSHA256, record.status.rawValue,
                    record.stage.rawValue, record.done, record.total, record.startedAt, record.finishedAt,
                    record.symbols, record.backtests, record.failedSymbols, record.exitCode, record.reportPath,
                    record.pid, record.asOf, record.options,
                ])
        }
    }

    /// Sets the current stage and its progress.
    public func update(runId: String, stage: RunStage, done: Int, total: Int) throws(RunStoreError) {
        try updateRow(
            runId, sql: "UPDATE runs SET stage = ?, done = ?, total = ? WHERE run_id = ?",
            arguments: [stage.rawValue, max(0, done), max(0, total), runId])
    }

    /// Sets the run's counts (symbols planned, backtests run, symbols that failed to load).
    public func setCounts(runId: String, symbols: Int, backtests: Int, failedSymbols: Int) throws(RunStoreError) {
        try updateRow(
            runId, sql: "UPDATE runs SET symbols = ?, backtests = ?, failed_symbols = ? WHERE run_id = ?",
            arguments: [symbols, backtests, failedSymbols, runId])
    }

    /// Adds `names` to the files the run wrote into its report folder (a resumed run adds to its first
    /// attempt's list). Sorted, without repeats.
    public func addWrittenFiles(runId: String, names: [String]) throws(RunStoreError) {
        try write { db in
            guard let r = try Self.fetch(db, runId) else { throw RunStoreError.notFound(runId) }
            let all = Array(Set((r.writtenFiles ?? []) + names)).sorted()
            let json = String(decoding: try JSONEncoder().encode(all), as: UTF8.self)
            try db.execute(sql: "UPDATE runs SET written_files = ? WHERE run_id = ?", arguments: [json, runId])
        }
    }

    /// Records the run's report folder.
    public func setReportPath(runId: String, path: String) throws(RunStoreError) {
        try updateRow(runId, sql: "UPDATE runs SET report_path = ? WHERE run_id = ?", arguments: [path, runId])
    }

    /// Ends a run: its final status, process exit code and end time.
    public func finish(runId: String, status: RunRecord.Status, exitCode: Int32, finishedAt: String)
        throws(RunStoreError)
    {
        try updateRow(
            runId, sql: "UPDATE runs SET status = ?, exit_code = ?, finished_at = ? WHERE run_id = ?",
            arguments: [status.rawValue, exitCode, finishedAt, runId])
    }

    /// Marks a `running` run `interrupted` (exit code 130), e.g. one whose process is gone.
    /// Returns false (and changes nothing) when the run is not `running`. Throws `notFound` for an unknown id.
    @discardableResult
    public func markInterrupted(runId: String, finishedAt: String? = nil) throws(RunStoreError) -> Bool {
        try write { db in
            guard try Self.fetch(db, runId) != nil else { throw RunStoreError.notFound(runId) }
            try db.execute(
                sql: """
                    UPDATE runs SET status = 'interrupted', exit_code = 130, finished_at = COALESCE(?, finished_at)
                    WHERE run_id = ? AND status = 'running'
                    """,
                arguments: [finishedAt, runId])
            return db.changesCount > 0
        }
    }

    /// Marks every `running` run whose process is not alive as `interrupted`; returns the ids changed.
    /// `isAlive` is usually `{ ProcessLiveness.isAlive(pid: $0) }`; the current process counts as alive.
    @discardableResult
    public func markDeadRunsInterrupted(isAlive: (Int32) -> Bool) throws(RunStoreError) -> [String] {
        let running = try list().filter { $0.status == .running }
        var changed: [String] = []
        for r in running where !isAlive(r.pid) {
            if try markInterrupted(runId: r.runId) { changed.append(r.runId) }
        }
        return changed
    }

    /// Puts a finished run back to `running` for `resume`: new pid, no end time or exit code.
    /// Its checkpoints and counts are kept.
    public func reopen(runId: String, pid: Int32) throws(RunStoreError) {
        try updateRow(
            runId,
            sql: "UPDATE runs SET status = 'running', pid = ?, finished_at = NULL, exit_code = NULL WHERE run_id = ?",
            arguments: [pid, runId])
    }

    /// The run with exactly this id, or nil.
    public func get(runId: String) throws(RunStoreError) -> RunRecord? {
        try read { db in try Self.fetch(db, runId) }
    }

    /// The run whose id is `prefix` or starts with it. An exact id always wins; otherwise the prefix
    /// must match exactly one run (`notFound` / `ambiguousPrefix` otherwise).
    public func find(prefix: String) throws(RunStoreError) -> RunRecord {
        let matches: [RunRecord] = try read { db in
            if let exact = try Self.fetch(db, prefix) { return [exact] }
            return try Row.fetchAll(
                db, sql: "SELECT * FROM runs WHERE instr(run_id, ?) = 1 ORDER BY started_at DESC, run_id DESC LIMIT 11",
                arguments: [prefix]
            ).map(Self.record)
        }
        guard !prefix.isEmpty, let first = matches.first else { throw .notFound(prefix) }
        guard matches.count == 1 else {
            throw .ambiguousPrefix(prefix, matches: matches.prefix(10).map(\.runId))
        }
        return first
    }

    /// Runs newest first (by `startedAt`, then run id), at most `limit` of them when given.
    public func list(limit: Int? = nil) throws(RunStoreError) -> [RunRecord] {
        try read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM runs ORDER BY started_at DESC, run_id DESC LIMIT ?",
                arguments: [limit.map { max(0, $0) } ?? -1]
            ).map(Self.record)
        }
    }

    /// Deletes a run and its checkpoints; returns the removed record (the caller deletes its report folder).
    @discardableResult
    public func delete(runId: String) throws(RunStoreError) -> RunRecord {
        try write { db in
            guard let r = try Self.fetch(db, runId) else { throw RunStoreError.notFound(runId) }
            try db.execute(sql: "DELETE FROM runs WHERE run_id = ?", arguments: [runId])
            return r
        }
    }

    /// Keeps the `keep` newest runs and deletes the older ones, except runs still `running`.
    /// Returns the removed records, newest first (the caller deletes their report folders).
    @discardableResult
    public func prune(keep: Int) throws(RunStoreError) -> [RunRecord] {
        try write { db in
            let all = try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY started_at DESC, run_id DESC")
                .map(Self.record)
            let doomed = all.dropFirst(max(0, keep)).filter { $0.status != .running }
            try Self.deleteAll(db, doomed)
            return Array(doomed)
        }
    }

    /// Deletes runs that started more than `age` seconds before `now`, except runs still `running` and
    /// runs whose `startedAt` is not an ISO 8601 date-time. Returns the removed records, newest first.
    @discardableResult
    public func prune(olderThan age: TimeInterval, now: Date) throws(RunStoreError) -> [RunRecord] {
        let cutoff = now.addingTimeInterval(-age)
        return try write { db in
            let all = try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY started_at DESC, run_id DESC")
                .map(Self.record)
            let doomed = all.filter { r in
                guard r.status != .running, let started = ISOTime.parse(r.startedAt) else { return false }
                return started < cutoff
            }
            try Self.deleteAll(db, doomed)
            return doomed
        }
    }

    // MARK: - checkpoints

    /// Stores one finished batch's serialised results (replacing an earlier copy), in its own transaction.
    /// With `progress`, the run's stage becomes `backtest` with that done/total in the same transaction,
    /// so the history never shows progress the checkpoints do not hold.
    public func saveBatch(runId: String, batchIndex: Int, payload: Data, progress: (done: Int, total: Int)? = nil)
        throws(RunStoreError)
    {
        try write { db in
            guard try Self.fetch(db, runId) != nil else { throw RunStoreError.notFound(runId) }
            try db.execute(
                sql: "INSERT OR REPLACE INTO run_batches (run_id, batch_index, payload) VALUES (?, ?, ?)",
                arguments: [runId, batchIndex, payload])
            if let progress {
                try db.execute(
                    sql: "UPDATE runs SET stage = 'backtest', done = ?, total = ? WHERE run_id = ?",
                    arguments: [max(0, progress.done), max(0, progress.total), runId])
            }
        }
    }

    /// Every stored batch of a run, by batch index (empty when none).
    public func batches(runId: String) throws(RunStoreError) -> [Int: Data] {
        try read { db in
            var out: [Int: Data] = [:]
            let rows = try Row.fetchCursor(
                db, sql: "SELECT batch_index, payload FROM run_batches WHERE run_id = ?", arguments: [runId])
            while let row = try rows.next() { out[row["batch_index"]] = row["payload"] }
            return out
        }
    }

    /// Drops a run's checkpoints (once its results are written) and gives their pages back to the file
    /// system, so a finished run leaves no dead pages behind. Returns how many were removed.
    @discardableResult
    public func clearBatches(runId: String) throws(RunStoreError) -> Int {
        let n = try write { db in
            try db.execute(sql: "DELETE FROM run_batches WHERE run_id = ?", arguments: [runId])
            return db.changesCount
        }
        reclaim()
        return n
    }

    /// The index the next checkpoint of a run gets (one more than the largest stored, 0 when none).
    public func nextBatchIndex(runId: String) throws(RunStoreError) -> Int {
        try read { db in
            try Int.fetchOne(
                db, sql: "SELECT COALESCE(MAX(batch_index) + 1, 0) FROM run_batches WHERE run_id = ?",
                arguments: [runId]) ?? 0
        }
    }

    /// Returns free pages to the file system (best effort: a busy or read-only file keeps them until next time).
    ///
    /// When most of the file is free (a large run's checkpoints were just deleted), the little that is left is
    /// rewritten (`VACUUM`): `incremental_vacuum` writes about every freed page to the WAL once more, seconds for
    /// a 500-symbol run's 200 MB, where rewriting the live pages takes a fraction of one.
    public func reclaim() {
        try? pool.writeWithoutTransaction { db in
            let free = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            guard free > 0 else { return }
            if free * 2 >= pages, (try? db.execute(sql: "VACUUM")) != nil {
                // The file shrinks when the WAL is copied back; now rather than when the last connection closes.
                try? db.execute(sql: "PRAGMA wal_checkpoint(PASSIVE)")
                return
            }
            try db.execute(sql: "PRAGMA incremental_vacuum")
        }
    }

    // MARK: - helpers

    private func updateRow(_ runId: String, sql: String, arguments: StatementArguments) throws(RunStoreError) {
        try write { db in
            try db.execute(sql: sql, arguments: arguments)
            if db.changesCount == 0 { throw RunStoreError.notFound(runId) }
        }
    }

    private func write<T>(_ body: (Database) throws -> T) throws(RunStoreError) -> T {
        do { return try pool.write(body) } catch let e as RunStoreError { throw e } catch {
            throw .database(path: path, message: "\(error)")
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws(RunStoreError) -> T {
        do { return try pool.read(body) } catch let e as RunStoreError { throw e } catch {
            throw .database(path: path, message: "\(error)")
        }
    }

    private static func deleteAll(_ db: Database, _ records: some Sequence<RunRecord>) throws {
        for r in records { try db.execute(sql: "DELETE FROM runs WHERE run_id = ?", arguments: [r.runId]) }
    }

    private static func fetch(_ db: Database, _ runId: String) throws -> RunRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE run_id = ?", arguments: [runId]).map(record)
    }

    private static func record(_ row: Row) -> RunRecord {
        var r = RunRecord(
            runId: row["run_id"], specName: row["spec_name"], specPath: row["spec_path"],
            specSHA256: row["spec_sha256"], startedAt: row["started_at"], pid: row["pid"],
            status: RunRecord.Status(rawValue: row["status"]) ?? .failed,
            stage: RunStage(rawValue: row["stage"]) ?? .plan, done: row["done"], total: row["total"],
            finishedAt: row["finished_at"], symbols: row["symbols"], backtests: row["backtests"],
            failedSymbols: row["failed_symbols"], exitCode: row["exit_code"], reportPath: row["report_path"],
            asOf: row["as_of"], options: row["options"])
        if let text: String = row["written_files"] {
            r.writtenFiles = try? JSONDecoder().decode([String].self, from: Data(text.utf8))
        }
        return r
    }
}

/// ISO 8601 date-times as the store's callers write them (`2026-11-25T02:00:04Z`, optional fraction or offset).
enum ISOTime {
    static func parse(_ text: String) -> Date? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        if let d = f.date(from: text) { return d }
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text)
    }
}
