import Digests
import Engine
import Foundation
import Market
import Reports
import Scoring
import Spec
import Strategies

/// The same night again, served whole.
///
/// A run's report files are a pure function of its inputs (spec, as-of date, bars, tool and engine: run ids
/// and timestamps live in manifest.json only). When a finished run had exactly the inputs of this one, its
/// files *are* this run's outputs, so they are copied, each checked on the way against the SHA-256 recorded
/// when it was written, instead of being recomputed and rendered again. Anything missing or changed (a
/// deleted run, an edited CSV) fails the check and the run computes as usual: a stale file is never served.
///
/// The entry (the source folder, its files' sizes and digests, and the ranked rows without trades, for the
/// summary and history) lives in the result store under its own key, so the result cache's size cap, LRU
/// eviction, `prune`, `cache clear` and `--no-cache` cover it like any cached result.
enum RunReuse {
    /// Files of a run folder that are not outputs: they describe one run (ids, timestamps, events).
    static let perRunFiles: Set<String> = ["manifest.json", "events.jsonl"]

    struct File: Sendable, Equatable {
        /// Relative to the run folder (`results.csv`, `symbols/AAPL.html`).
        var name: String
        var size: Int
        var sha256: String
        /// The file's identity and change times when its digest was taken (nil in entries of older versions).
        var stamp: Stamp? = nil

        /// Name, size and digest: the stamp says where the bytes were, not what they are.
        static func == (a: File, b: File) -> Bool { a.name == b.name && a.size == b.size && a.sha256 == b.sha256 }
    }

    /// Device, inode, size, and modification and status-change times in nanoseconds. Every write to a file
    /// moves its mtime and ctime, and nothing but the clock sets a ctime (`touch -d` resets the mtime and
    /// moves the ctime to now), so a file whose stamp is unchanged still holds the bytes it was hashed with:
    /// the check git's index makes, with the ctime that defeats a restored mtime. Any difference and the file
    /// is read and hashed in full.
    struct Stamp: Sendable, Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var mtimeNanoseconds: Int64
        var ctimeNanoseconds: Int64

        static func of(_ path: String) -> Stamp? {
            var st = stat()
            guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
            return Stamp(
                device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size),
                mtimeNanoseconds: Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec),
                ctimeNanoseconds: Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec))
        }
    }

    struct Entry: Sendable {
        var runId: String
        var directory: String
        var files: [File]
        var rows: [ResultRow]
    }

    /// Everything the report files depend on. Length-prefixed fields, so no two inputs share a text.
    static func key(
        input: SpecInput, asOf: SessionDate, plan: RunPlan, providerId: String, fingerprints: [String: String],
        signals: [(id: String, digest: String)], toolVersion: String
    ) -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // `batch.size` changes how many backtests are in flight, never a byte of the files.
        var value = input.spec
        value.batch = PipelineSpec.Batch()
        guard let spec = try? encoder.encode(value) else { return nil }
        var fields: [(String, String)] = [
            ("tool", toolVersion), ("engine", EngineVersion.current), ("spec", String(decoding: spec, as: UTF8.self)),
            ("spec-path", input.path), ("spec-sha256", input.sha256), ("as-of", asOf.iso),
            ("period", plan.start.iso + "/" + plan.end.iso), ("provider", providerId),
        ]
        for s in plan.symbols { fields.append(("bars " + s, fingerprints[s] ?? "-")) }
        for s in signals { fields.append(("signals " + s.id, s.digest)) }
        var text = "stratopt-run-outputs-v1\n"
        for (name, value) in fields { text += "\(name):\(value.utf8.count):\(value)\n" }
        return SHA256Hex.of(Array(text.utf8))
    }

    // MARK: - Files

    /// The output files of a run folder, relative and sorted: everything but the per-run files and hidden
    /// (temporary) ones, subfolders included. Nil when the folder cannot be listed.
    static func outputNames(in dir: String) -> [String]? {
        guard let all = try? FileManager.default.subpathsOfDirectory(atPath: dir) else { return nil }
        var out: [String] = []
        for rel in all where !perRunFiles.contains(rel) {
            if rel.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { continue }
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: dir + "/" + rel, isDirectory: &isDir), !isDir.boolValue
            else { continue }
            out.append(rel)
        }
        return out.sorted()
    }

    /// Size, SHA-256 and stamp of each named file of `dir`, hashed concurrently.
    static func digests(of names: [String], in dir: String) async throws -> [File] {
        try await withThrowingTaskGroup(of: (Int, File).self) { group in
            for (i, name) in names.enumerated() {
                group.addTask {
                    let path = dir + "/" + name
                    let before = Stamp.of(path)
                    var file = try copy(path, to: nil, name: name)
                    // Changed while being read: no stamp, so the next use hashes it again.
                    file.stamp = before != nil && Stamp.of(path) == before ? before : nil
                    return (i, file)
                }
            }
            var out = [File?](repeating: nil, count: names.count)
            for try await (i, f) in group { out[i] = f }
            return out.map { $0! }
        }
    }

    /// Copies the entry's files into `dir` (or, when `dir` is the entry's own folder, only checks them).
    /// Returns the files as they now are in `dir` (with their new stamps) when every one was there with its
    /// recorded size and digest; otherwise nil, nothing this call wrote is left behind and the caller
    /// computes the run.
    ///
    /// A file whose stamp is as recorded is copied by the kernel (a reflink where the file system has them,
    /// else `sendfile`) without being read here; any other is read, hashed and checked on the way. Copies,
    /// not links: the new run's folder is its own, so editing or deleting it never touches the earlier
    /// run's files.
    static func restore(_ entry: Entry, into dir: String) async -> [File]? {
        let source = URL(fileURLWithPath: entry.directory).standardizedFileURL.path
        let target = URL(fileURLWithPath: dir).standardizedFileURL.path
        let inPlace = source == target
        let copied: [(index: Int, file: File?)] = await withTaskGroup(of: (Int, File?).self) { group in
            for (i, f) in entry.files.enumerated() {
                group.addTask {
                    let from = source + "/" + f.name
                    let to = inPlace ? nil : target + "/" + f.name
                    var got: File?
                    if let stamp = f.stamp, Stamp.of(from) == stamp {
                        got = inPlace ? f : (try? kernelCopy(from, to: to!, file: f))
                    }
                    if got == nil, let read = try? copy(from, to: to, name: f.name, expect: f), read == f {
                        got = read
                    }
                    guard var file = got else { return (i, nil) }
                    file.stamp = Stamp.of(to ?? from)
                    return (i, file)
                }
            }
            var out: [(Int, File?)] = []
            for await r in group { out.append(r) }
            return out
        }
        if copied.allSatisfy({ $0.file != nil }) {
            return copied.sorted { $0.index < $1.index }.map { $0.file! }
        }
        if !inPlace {
            for c in copied where c.file != nil {
                try? FileManager.default.removeItem(atPath: target + "/" + entry.files[c.index].name)
            }
        }
        return nil
    }

    /// `from` copied to a temporary name beside `to` by the kernel (cloned, or `sendfile`) and renamed into
    /// place; nil (nothing left behind) when the kernel cannot copy between the two (another file system, an
    /// old kernel) or the copy is not `file.size` bytes, and the caller copies through user space.
    private static func kernelCopy(_ from: String, to: String, file: File) throws -> File? {
        let folder = (to as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let temp = ReportFolder.temporaryPath(for: to)
        let input = open(from, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { return nil }
        defer { close(input) }
        let output = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { return nil }
        var copied = 0
        var failed = false
        if cloneWhole(input, into: output, size: file.size) {
            copied = file.size
        }
        while copied < file.size {
            let n = sendfile(output, input, nil, file.size - copied)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                failed = true
                break
            }
            copied += n
        }
        // The source must end where the record says: one byte more and it is not the recorded file.
        var probe: UInt8 = 0
        if !failed && read(input, &probe, 1) != 0 { failed = true }
        if close(output) != 0 { failed = true }
        guard !failed, copied == file.size else {
            unlink(temp)
            return nil
        }
        _ = try? FileManager.default.removeItem(atPath: to)
        try FileManager.default.moveItem(atPath: temp, toPath: to)
        return file
    }

    /// On a file system with reflinks (XFS, Btrfs), makes `output` share `input`'s blocks copy-on-write
    /// (`FICLONE`): a copy in O(extents), not O(bytes), and still a copy — a later write to either file
    /// gets blocks of its own. True only when the clone holds exactly `size` bytes; then `input` is left
    /// positioned at `size`, so the caller's check that the source ends there reads the real file. False
    /// (nothing changed) where the file system or the kernel cannot clone (ext4, tmpfs, another device).
    private static func cloneWhole(_ input: Int32, into output: Int32, size: Int) -> Bool {
        #if os(Linux)
            // FICLONE = _IOW(0x94, 9, int), from <linux/fs.h> (a macro Swift does not import).
            let ficlone: UInt = 0x4004_9409
            guard ioctl(output, ficlone, input) == 0 else { return false }
            var st = stat()
            guard fstat(output, &st) == 0, st.st_size == size, lseek(input, off_t(size), SEEK_SET) == off_t(size)
            else {
                _ = ftruncate(output, 0)
                _ = lseek(input, 0, SEEK_SET)
                return false
            }
            return true
        #else
            return false
        #endif
    }

    /// Reads `path` 4 MiB at a time, hashing it and (with `to`) writing it to a temporary name beside `to`,
    /// renamed into place only when it matches `expect`. Returns what was read.
    private static func copy(_ path: String, to: String?, name: String, expect: File? = nil) throws -> File {
        guard let input = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? input.close() }
        var output: FileHandle?
        var temp = ""
        if let to {
            let folder = (to as NSString).deletingLastPathComponent
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            temp = ReportFolder.temporaryPath(for: to)
            guard FileManager.default.createFile(atPath: temp, contents: nil),
                let h = FileHandle(forWritingAtPath: temp)
            else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: temp]) }
            output = h
        }
        var hasher = SHA256Hex.Hasher()
        var size = 0
        do {
            while true {
                guard let chunk = try input.read(upToCount: 4 << 20), !chunk.isEmpty else { break }
                size += chunk.count
                // A file that grew past its recorded size is not the recorded file: stop reading it.
                if let expect, size > expect.size { break }
                chunk.withUnsafeBytes { hasher.update($0) }
                try output?.write(contentsOf: chunk)
            }
            try output?.close()
        } catch {
            try? output?.close()
            if !temp.isEmpty { try? FileManager.default.removeItem(atPath: temp) }
            throw error
        }
        let file = File(name: name, size: size, sha256: hasher.finalize())
        if let to {
            guard file == expect else {
                try? FileManager.default.removeItem(atPath: temp)
                return file
            }
            _ = try? FileManager.default.removeItem(atPath: to)
            try FileManager.default.moveItem(atPath: temp, toPath: to)
        }
        return file
    }

    // MARK: - Byte form

    /// Entries without file stamps (still read: their files are hashed on use).
    static let magicWithoutStamps: UInt64 = 0x7374_7275_6E6F_7574  // "strunout"
    static let magic: UInt64 = 0x7374_7275_6E6F_7532  // "strunou2"

    static func encode(_ e: Entry) -> [UInt8] {
        var w = ByteWriter()
        w.u64(magic)
        w.string(e.runId)
        w.string(e.directory)
        w.int(e.files.count)
        for f in e.files {
            w.string(f.name)
            w.int(f.size)
            w.string(f.sha256)
            if let t = f.stamp {
                w.byte(1)
                w.u64(t.device)
                w.u64(t.inode)
                w.int(Int(t.size))
                w.int(Int(t.mtimeNanoseconds))
                w.int(Int(t.ctimeNanoseconds))
            } else {
                w.byte(0)
            }
        }
        w.int(e.rows.count)
        for r in e.rows { write(r, to: &w) }
        return w.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(CodecError) -> Entry {
        var r = ByteReader(bytes)
        let version = try r.u64()
        guard version == magic || version == magicWithoutStamps else { throw CodecError("not a run-outputs entry") }
        let runId = try r.string()
        let directory = try r.string()
        let nFiles = try r.count(limit: 1_000_000)
        var files: [File] = []
        for _ in 0..<nFiles {
            var f = File(name: try r.string(), size: try r.int(), sha256: try r.string())
            if version == magic {
                switch try r.byte() {
                case 0: break
                case 1:
                    f.stamp = Stamp(
                        device: try r.u64(), inode: try r.u64(), size: Int64(try r.int()),
                        mtimeNanoseconds: Int64(try r.int()), ctimeNanoseconds: Int64(try r.int()))
                case let b: throw CodecError("bad presence byte \(b)")
                }
            }
            files.append(f)
        }
        let nRows = try r.count(limit: 100_000_000)
        var rows: [ResultRow] = []
        rows.reserveCapacity(nRows)
        for _ in 0..<nRows { rows.append(try readRow(&r)) }
        guard r.atEnd else { throw CodecError("trailing bytes after a run-outputs entry") }
        return Entry(runId: runId, directory: directory, files: files, rows: rows)
    }

    private static func write(_ s: ScoreBreakdown, to w: inout ByteWriter) {
        for v in [s.returnScore, s.sharpeScore, s.drawdownScore, s.winRateScore, s.activityScore] { w.double(v) }
    }

    private static func readScore(_ r: inout ByteReader) throws(CodecError) -> ScoreBreakdown {
        ScoreBreakdown(
            returnScore: try r.double(), sharpeScore: try r.double(), drawdownScore: try r.double(),
            winRateScore: try r.double(), activityScore: try r.double())
    }

    private static func optionalString(_ s: String?, to w: inout ByteWriter) {
        if let s {
            w.byte(1)
            w.string(s)
        } else {
            w.byte(0)
        }
    }

    private static func readParams(_ r: inout ByteReader) throws(CodecError) -> Parameters {
        let text = try r.string()
        guard let p = Parameters(canonical: text) else { throw CodecError("parameters \"\(text)\" are not canonical") }
        return p
    }

    private static func readOptionalString(_ r: inout ByteReader) throws(CodecError) -> String? {
        switch try r.byte() {
        case 0: return nil
        case 1: return try r.string()
        case let b: throw CodecError("bad presence byte \(b)")
        }
    }

    /// A ranked row without its trades (they are in trades.csv, which is copied).
    private static func write(_ row: ResultRow, to w: inout ByteWriter) {
        w.string(row.symbol)
        w.string(row.strategy)
        w.string(row.params.text)
        ResultCodec.write(row.metrics, to: &w)
        write(row.score, to: &w)
        w.int(row.rank)
        optionalString(row.excludedReason, to: &w)
        if let o = row.overfitting {
            w.byte(1)
            w.optionalDouble(o.dsr)
            w.optionalDouble(o.pbo)
        } else {
            w.byte(0)
        }
        if let o = row.outOfSample {
            w.byte(1)
            ResultCodec.write(o.metrics, to: &w)
            write(o.score, to: &w)
            w.int(o.folds.count)
            for f in o.folds {
                w.int(f.fold)
                w.string(f.params.text)
                for v in [f.inSampleScore, f.inSampleReturnPct, f.outOfSampleReturnPct, f.outOfSampleScore] {
                    w.double(v)
                }
                w.int(f.outOfSampleTrades)
            }
        } else {
            w.byte(0)
        }
    }

    private static func readRow(_ r: inout ByteReader) throws(CodecError) -> ResultRow {
        let symbol = try r.string()
        let strategy = try r.string()
        let params = try readParams(&r)
        let metrics = try ResultCodec.readMetrics(&r)
        let score = try readScore(&r)
        let rank = try r.int()
        let excluded = try readOptionalString(&r)
        var overfitting: OverfittingStats?
        switch try r.byte() {
        case 0: break
        case 1: overfitting = OverfittingStats(dsr: try r.optionalDouble(), pbo: try r.optionalDouble())
        case let b: throw CodecError("bad presence byte \(b)")
        }
        var oos: OutOfSample?
        switch try r.byte() {
        case 0: break
        case 1:
            let m = try ResultCodec.readMetrics(&r)
            let s = try readScore(&r)
            var folds: [FoldChoice] = []
            for _ in 0..<(try r.count(limit: 100_000)) {
                folds.append(
                    FoldChoice(
                        fold: try r.int(), params: try readParams(&r), inSampleScore: try r.double(),
                        inSampleReturnPct: try r.double(), outOfSampleReturnPct: try r.double(),
                        outOfSampleScore: try r.double(), outOfSampleTrades: try r.int()))
            }
            oos = OutOfSample(metrics: m, score: s, folds: folds)
        case let b: throw CodecError("bad presence byte \(b)")
        }
        return ResultRow(
            symbol: symbol, strategy: strategy, params: params, metrics: metrics, score: score, rank: rank, trades: [],
            excludedReason: excluded, overfitting: overfitting, outOfSample: oos)
    }
}

extension ByteReader {
    /// A non-negative count no larger than `limit` (a corrupt length never becomes a huge allocation).
    mutating func count(limit: Int) throws(CodecError) -> Int {
        let n = try int()
        guard n >= 0, n <= limit else { throw CodecError("bad count \(n)") }
        return n
    }
}
