import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether a process exists, by `kill(pid, 0)`.
public enum ProcessLiveness {
    /// False only when the kernel says there is no such process (`ESRCH`); a process owned by
    /// another user (`EPERM`) counts as alive. Pids ≤ 0 are never alive.
    public static func isAlive(pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        if kill(pid, 0) == 0 { return true }
        return errno != ESRCH
    }
}

/// Who holds (or last held) a data folder's lock, as written in `<dataDir>/stratopt.lock`.
public struct LockHolder: Sendable, Hashable, CustomStringConvertible {
    public var runId: String
    public var pid: Int32

    public init(runId: String, pid: Int32) {
        self.runId = runId
        self.pid = pid
    }

    public var description: String { "run \(runId) (pid \(pid))" }

    /// The lock file's text: `run_id=<id>` and `pid=<pid>` lines.
    var text: String { "run_id=\(runId)\npid=\(pid)\n" }

    /// Parses the lock file's text; nil when it is empty or unreadable.
    static func parse(_ text: String) -> LockHolder? {
        var runId: String?
        var pid: Int32?
        for line in text.split(whereSeparator: \.isNewline) {
            if line.hasPrefix("run_id=") { runId = String(line.dropFirst(7)) }
            if line.hasPrefix("pid=") { pid = Int32(line.dropFirst(4)) }
        }
        guard let runId, let pid else { return nil }
        return LockHolder(runId: runId, pid: pid)
    }
}

/// Why the data-folder lock was not taken.
public enum RunLockError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another process holds the lock; `holder` is nil when it has not written its name yet.
    case busy(dataDir: String, holder: LockHolder?)
    /// `wait: true` gave up after the timeout.
    case timedOut(dataDir: String, holder: LockHolder?, seconds: Double)
    /// The lock file could not be opened or locked.
    case io(path: String, message: String)

    public var description: String {
        switch self {
        case .busy(let dir, let holder):
            return
                "data folder \(Self.folder(dir)) is in use by \(holder?.description ?? "another stratopt process"); wait for it, pass --wait, or use another --data-dir"
        case .timedOut(let dir, let holder, let seconds):
            return
                "data folder \(Self.folder(dir)) is still in use by \(holder?.description ?? "another stratopt process") after waiting \(Self.seconds(seconds)) s; try again later or use another --data-dir"
        case .io(let path, let message):
            return "\(path): cannot lock the data folder: \(message)"
        }
    }

    static func folder(_ dir: String) -> String { dir.hasSuffix("/") ? dir : dir + "/" }

    static func seconds(_ s: Double) -> String {
        s == s.rounded() ? String(Int(s)) : String(format: "%.1f", s)
    }
}

/// An exclusive lock on a data folder, so two runs never use its stores at once.
///
/// `flock(2)` on the persistent file `<dataDir>/stratopt.lock`: the kernel drops the lock when the
/// holding process exits, however it dies, so a lock left by a crashed or killed run is free again and
/// two processes cannot both "take over" a stale lock. The file is never deleted (deleting it would let
/// two processes lock two different files); its text (`run_id=…`, `pid=…`) only names the holder in
/// messages. The lock is per open file, so it also excludes a second `acquire` in the same process.
public final class RunLock: Sendable {
    public let path: String
    public let holder: LockHolder
    /// The holder named in the lock file when this lock was taken, if the file still named one: a run
    /// that ended without releasing (crashed or killed). Log it ("took over the lock of … , no longer running").
    public let staleHolder: LockHolder?
    private let fd: Mutex<Int32>

    private init(path: String, holder: LockHolder, staleHolder: LockHolder?, fd: Int32) {
        self.path = path
        self.holder = holder
        self.staleHolder = staleHolder
        self.fd = Mutex(fd)
    }

    /// The lock file of a data folder.
    public static func lockPath(dataDir: String) -> String { dataDir + "/stratopt.lock" }

    /// Takes the lock of `dataDir` (created if missing) for `runId`/`pid`.
    ///
    /// When another process holds it: with `wait: false` throws `RunLockError.busy` at once; with
    /// `wait: true` retries every `pollInterval` seconds until it is free, or throws `timedOut` after
    /// `timeout` seconds (nil: wait as long as it takes). `onWait` is called once, with the holder,
    /// when waiting begins (the CLI prints "waiting for run … (pid …)").
    public static func acquire(
        dataDir: String, runId: String, pid: Int32, wait: Bool = false, timeout: Double? = nil,
        pollInterval: Double = 0.1, onWait: (LockHolder?) -> Void = { _ in }
    ) throws(RunLockError) -> RunLock {
        let path = lockPath(dataDir: dataDir)
        do {
            try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        } catch {
            throw .io(path: path, message: "cannot create the data folder: \(error.localizedDescription)")
        }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io(path: path, message: Self.errnoText()) }
        let holder = LockHolder(runId: runId, pid: pid)
        let clock = ContinuousClock()
        let start = clock.now
        var waiting = false
        while true {
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { break }
            let err = errno
            if err == EINTR { continue }
            guard err == EWOULDBLOCK || err == EAGAIN else {
                close(fd)
                throw .io(path: path, message: Self.errnoText(err))
            }
            // The text can name a dead process only in the moment between another process taking the
            // lock and writing its name over that of a holder that died; it is not the holder then.
            let current = LockHolder.parse(Self.readText(fd)).flatMap {
                ProcessLiveness.isAlive(pid: $0.pid) ? $0 : nil
            }
            guard wait else {
                close(fd)
                throw .busy(dataDir: dataDir, holder: current)
            }
            if !waiting {
                waiting = true
                onWait(current)
            }
            let elapsed = clock.now - start
            let elapsedSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            if let timeout, elapsedSeconds >= timeout {
                close(fd)
                throw .timedOut(dataDir: dataDir, holder: current, seconds: timeout)
            }
            usleep(useconds_t(max(0.001, min(pollInterval, 1)) * 1_000_000))
        }
        let stale = LockHolder.parse(Self.readText(fd))
        let text = Array(holder.text.utf8)
        guard ftruncate(fd, 0) == 0, pwrite(fd, text, text.count, 0) == text.count else {
            let message = Self.errnoText()
            close(fd)
            throw .io(path: path, message: "cannot write the holder: \(message)")
        }
        return RunLock(path: path, holder: holder, staleHolder: stale, fd: fd)
    }

    /// The holder named in a data folder's lock file right now, if any (for `stratopt status`).
    /// Names only; whether it still holds the lock is `isHeld(dataDir:)`.
    public static func currentHolder(dataDir: String) -> LockHolder? {
        guard let data = FileManager.default.contents(atPath: lockPath(dataDir: dataDir)) else { return nil }
        return LockHolder.parse(String(decoding: data, as: UTF8.self))
    }

    /// Whether some process holds the data folder's lock right now (probes with a non-blocking `flock`).
    public static func isHeld(dataDir: String) -> Bool {
        let fd = open(lockPath(dataDir: dataDir), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK || errno == EAGAIN
    }

    /// Whether this lock is still held (false after `release()`).
    public var isHeld: Bool { fd.withLock { $0 >= 0 } }

    /// Clears the holder's name and unlocks. Idempotent; also done on deinit.
    public func release() {
        fd.withLock { fd in
            guard fd >= 0 else { return }
            _ = ftruncate(fd, 0)
            _ = flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    deinit { release() }

    private static func readText(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = pread(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
    }

    private static func errnoText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }
}
