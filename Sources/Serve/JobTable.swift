import Foundation
import GRDB

/// A job of `stratopt serve`: who submitted it, where its spec is and whether a worker took it. The run
/// itself (stage, progress, status, report folder) is the `runs` row of the same id, written by the run
/// chain exactly as for `stratopt run`; this row only adds what HTTP needs on top.
public struct JobRow: Sendable, Equatable {
    public enum State: String, Sendable, Codable {
        /// Waiting for a worker; no run record yet.
        case queued
        /// A worker took it: its run is in the run history (running, or ended).
        case started
        /// Cancelled while it ran (`DELETE`): it is not resumed after a restart.
        case cancelled
    }

    public var seq: Int64
    public var jobId: String
    public var user: String
    public var state: State
    public var specPath: String
    public var submittedAt: String
}

/// The `serve_jobs` table in `<dataDir>/runs.sqlite`, next to the run history it refers to. It is created
/// by the server (`CREATE TABLE IF NOT EXISTS`), outside the run store's migrations, so a CLI that does not
/// know it reads and writes the run history as before.
public struct JobTable: Sendable {
    private let pool: DatabasePool

    public init(dataDir: String) throws(ServeSetupError) {
        let path = dataDir + "/runs.sqlite"
        do {
            var config = Configuration()
            config.busyMode = .timeout(10)
            pool = try DatabasePool(path: path, configuration: config)
            try pool.write { db in
                try db.execute(
                    sql: """
                        CREATE TABLE IF NOT EXISTS serve_jobs (
                            seq INTEGER PRIMARY KEY AUTOINCREMENT,
                            job_id TEXT NOT NULL UNIQUE,
                            user TEXT NOT NULL,
                            state TEXT NOT NULL CHECK (state IN ('queued', 'started', 'cancelled')),
                            spec_path TEXT NOT NULL,
                            submitted_at TEXT NOT NULL
                        );
                        CREATE INDEX IF NOT EXISTS serve_jobs_user ON serve_jobs (user, seq DESC);
                        """)
            }
        } catch {
            throw ServeSetupError("\(path): cannot open the job table: \(error)")
        }
    }

    /// Adds a queued job, unless `user` already has `limit` queued jobs: returns false then.
    public func enqueue(jobId: String, user: String, specPath: String, submittedAt: String, limit: Int) throws -> Bool {
        try pool.write { db in
            let queued =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM serve_jobs WHERE user = ? AND state = 'queued'", arguments: [user])
                ?? 0
            guard queued < limit else { return false }
            try db.execute(
                sql:
                    "INSERT INTO serve_jobs (job_id, user, state, spec_path, submitted_at) VALUES (?, ?, 'queued', ?, ?)",
                arguments: [jobId, user, specPath, submittedAt])
            return true
        }
    }

    /// Takes the oldest queued job for a worker (state `started`), or nil when none waits.
    public func claimNext() throws -> JobRow? {
        try pool.write { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT * FROM serve_jobs WHERE state = 'queued' ORDER BY seq LIMIT 1")
            else { return nil }
            var job = Self.job(row)
            try db.execute(sql: "UPDATE serve_jobs SET state = 'started' WHERE seq = ?", arguments: [job.seq])
            job.state = .started
            return job
        }
    }

    public func setState(_ jobId: String, _ state: JobRow.State) throws {
        try pool.write { db in
            try db.execute(sql: "UPDATE serve_jobs SET state = ? WHERE job_id = ?", arguments: [state.rawValue, jobId])
        }
    }

    public func get(_ jobId: String) throws -> JobRow? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM serve_jobs WHERE job_id = ?", arguments: [jobId]).map(Self.job)
        }
    }

    /// Jobs in a state, oldest first.
    public func all(in state: JobRow.State) throws -> [JobRow] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM serve_jobs WHERE state = ? ORDER BY seq", arguments: [state.rawValue]
            )
            .map(Self.job)
        }
    }

    /// Every job not queued, oldest first (for pruning).
    public func allStarted() throws -> [JobRow] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM serve_jobs WHERE state != 'queued' ORDER BY seq").map(Self.job)
        }
    }

    /// A user's jobs, newest first: `limit` of them after skipping `offset`; and how many there are.
    public func page(user: String, offset: Int, limit: Int) throws -> (jobs: [JobRow], total: Int) {
        try pool.read { db in
            let total =
                try Int.fetchOne(db, sql: "SELECT count(*) FROM serve_jobs WHERE user = ?", arguments: [user]) ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM serve_jobs WHERE user = ? ORDER BY seq DESC LIMIT ? OFFSET ?",
                arguments: [user, limit, offset]
            ).map(Self.job)
            return (rows, total)
        }
    }

    /// Every job id the table holds.
    public func allIds() throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "SELECT job_id FROM serve_jobs") }
    }

    /// The 1-based place of a queued job in the queue.
    public func position(of job: JobRow) throws -> Int {
        try pool.read { db in
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM serve_jobs WHERE state = 'queued' AND seq <= ?", arguments: [job.seq])
                ?? 0
        }
    }

    public func remove(_ jobId: String) throws {
        try pool.write { db in try db.execute(sql: "DELETE FROM serve_jobs WHERE job_id = ?", arguments: [jobId]) }
    }

    private static func job(_ row: Row) -> JobRow {
        JobRow(
            seq: row["seq"], jobId: row["job_id"], user: row["user"],
            state: JobRow.State(rawValue: row["state"]) ?? .cancelled, specPath: row["spec_path"],
            submittedAt: row["submitted_at"])
    }
}
