import Digests
import Foundation
import GRDB
import Market

/// What identifies the content of one local source file (a CSV provider's `<SYMBOL>.csv`): its
/// absolute path, size in bytes, modification time (whole nanoseconds since 1970) and SHA-256.
///
/// The cache stores it next to the symbol's coverage; when any field changes the file is read again
/// and the symbol's cached bars are replaced. `sha256` is what a manifest records.
public struct SourceFileFingerprint: Sendable, Equatable, Codable {
    public var path: String
    public var size: Int64
    public var modifiedNanoseconds: Int64
    /// Lowercase hex SHA-256 of the file's bytes.
    public var sha256: String

    public init(path: String, size: Int64, modifiedNanoseconds: Int64, sha256: String) {
        self.path = path
        self.size = size
        self.modifiedNanoseconds = modifiedNanoseconds
        self.sha256 = sha256
    }

    /// Reads `path` (stat and bytes); nil when it does not exist or cannot be read.
    public static func of(path: String) -> SourceFileFingerprint? {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path),
            let data = FileManager.default.contents(atPath: path)
        else { return nil }
        let size = (attrs[.size] as? NSNumber)?.int64Value ?? Int64(data.count)
        let mtime = (attrs[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return SourceFileFingerprint(
            path: path, size: size, modifiedNanoseconds: Int64((mtime * 1_000_000_000).rounded()),
            sha256: SHA256Hex.of(data))
    }
}

/// A provider whose bars come from one local file per symbol. `MarketDataLoader` compares the file's
/// fingerprint with the one stored in the cache and re-reads a changed file.
public protocol FileBackedBarProvider: BarProvider {
    /// The symbol's source file as it is now; nil when there is none (the fetch then reports why).
    func sourceFile(symbol: String) -> SourceFileFingerprint?
}

extension BarCache {
    /// The fingerprint stored for a key's source file, or nil.
    public func sourceFile(
        provider: String, symbol: String, timeframe: String = defaultTimeframe, adjustment: String = defaultAdjustment
    ) throws -> SourceFileFingerprint? {
        try pool.read { db in
            guard
                let r = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT path, size, mtime_ns, sha256 FROM source_file
                        WHERE provider = ? AND symbol = ? AND timeframe = ? AND adjustment = ?
                        """, arguments: [provider, symbol, timeframe, adjustment])
            else { return nil }
            return SourceFileFingerprint(
                path: r["path"], size: r["size"], modifiedNanoseconds: r["mtime_ns"], sha256: r["sha256"])
        }
    }

    /// Makes the cache agree with the source file `current`: when the stored fingerprint differs (size,
    /// mtime or SHA-256) or is missing, the key's bars and coverage are deleted and `current` stored, in one
    /// transaction, so the next load reads the file again. Returns true when cached bars were dropped.
    @discardableResult
    public func reconcile(
        sourceFile current: SourceFileFingerprint, provider: String, symbol: String,
        timeframe: String = defaultTimeframe, adjustment: String = defaultAdjustment
    ) throws -> Bool {
        try pool.write { db in
            let key: StatementArguments = [provider, symbol, timeframe, adjustment]
            let stored = try Row.fetchOne(
                db,
                sql: """
                    SELECT path, size, mtime_ns, sha256 FROM source_file
                    WHERE provider = ? AND symbol = ? AND timeframe = ? AND adjustment = ?
                    """, arguments: key)
            if let stored, stored["path"] == current.path, stored["size"] == current.size,
                stored["mtime_ns"] == current.modifiedNanoseconds, stored["sha256"] == current.sha256
            {
                return false
            }
            let where_ = "WHERE provider = ? AND symbol = ? AND timeframe = ? AND adjustment = ?"
            let dropped =
                (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM coverage " + where_, arguments: key) ?? 0) > 0
            try BarCache.deleteBars(db, where: where_, arguments: key)
            try db.execute(sql: "DELETE FROM coverage " + where_, arguments: key)
            try db.execute(
                sql: """
                    INSERT OR REPLACE INTO source_file
                    (provider, symbol, timeframe, adjustment, path, size, mtime_ns, sha256)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    provider, symbol, timeframe, adjustment, current.path, current.size, current.modifiedNanoseconds,
                    current.sha256,
                ])
            return dropped
        }
    }
}
