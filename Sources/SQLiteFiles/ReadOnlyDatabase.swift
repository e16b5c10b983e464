import Foundation
import GRDB

/// Opens a stratopt SQLite file for a read-only command (`history`, `status`, `show`, `cache list`,
/// `cache verify`) without writing anything into the data folder.
///
/// A read-only connection to a WAL database still creates `-wal` and `-shm` beside it when it can (and
/// fails with "attempt to write a readonly database" when the folder is read-only). So:
/// - no `-wal` file (or an empty one): the database file holds every committed transaction, and it is opened
///   `immutable=1` (SQLite then creates no file and takes no lock). A writer that starts meanwhile
///   writes into a new `-wal`, which this short-lived reader does not see: it reads the state at open.
/// - a non-empty `-wal` file (a run is writing, or one ended without closing the file): opened with
///   `readonly_shm=1`, which reads the `-wal` through the existing `-shm` without writing to it (a plain
///   read-only connection would update the `-shm`'s read marks).
/// Nothing is created or migrated; a missing file is `nil`, for the caller to report as empty.
public enum ReadOnlyDatabase {
    /// The open read-only database at `path`, or nil when there is no file.
    public static func open(path: String, configuration base: Configuration = Configuration()) throws
        -> DatabaseQueue?
    {
        let fm = FileManager.default
        guard fm.fileExists(atPath: path) else { return nil }
        var config = base
        config.readonly = true
        // An empty -wal holds nothing the file does not; only a non-empty one must be read.
        let walSize = (try? fm.attributesOfItem(atPath: path + "-wal")[.size] as? NSNumber)?.intValue ?? 0
        if walSize > 0 {
            config.busyMode = .timeout(10)
            let uri = fm.fileExists(atPath: path + "-shm") ? uri(path, "readonly_shm=1") : path
            return try DatabaseQueue(path: uri, configuration: config)
        }
        return try DatabaseQueue(path: uri(path, "immutable=1"), configuration: config)
    }

    /// `file:<absolute path, percent-encoded>?<query>` (an SQLite URI filename).
    static func uri(_ path: String, _ query: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let allowed = CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "?#%"))
        return "file:" + (absolute.addingPercentEncoding(withAllowedCharacters: allowed) ?? absolute) + "?" + query
    }

    /// Whether `db` has every migration of `migrator` applied (a read-only command cannot migrate; an
    /// older file is read by a write command first, which migrates it).
    public static func isCurrent(_ db: DatabaseQueue, _ migrator: DatabaseMigrator) throws -> Bool {
        try db.read { try migrator.hasCompletedMigrations($0) }
    }
}
