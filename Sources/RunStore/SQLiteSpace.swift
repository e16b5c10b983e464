import GRDB

/// Keeps SQLite files from growing with free pages: the stores whose rows come and go every run
/// (checkpoints, the result cache) use incremental auto-vacuum and give pages back after large deletes.
enum SQLiteSpace {
    /// Converts a file made before incremental auto-vacuum (a one-time VACUUM; new files need none).
    static func enableIncrementalVacuum(_ pool: any DatabaseWriter) throws {
        let mode = try pool.read { db in try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") ?? 0 }
        guard mode != 2 else { return }
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
            try db.execute(sql: "VACUUM")
        }
    }
}
