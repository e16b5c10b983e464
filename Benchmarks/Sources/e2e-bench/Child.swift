// Child processes through posix_spawn and wait4 rather than Foundation's Process: Process reaps its
// children itself, so it cannot hand back the child's own rusage (peak RSS of that run alone), and
// getrusage(RUSAGE_CHILDREN) would only give the maximum over every child so far.
import BenchSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct ChildResult {
    /// The exit code, or 128 + the signal number when a signal ended the child (as shells report it).
    var status: Int32
    var seconds: Double
    /// Peak resident set size of the child, in bytes.
    var maxRSSBytes: Int
    var timedOut: Bool
}

struct SpawnError: Error, CustomStringConvertible {
    var description: String
}

enum Child {
    /// Runs `executable` (looked up on PATH when it has no slash) with `arguments`, its stdout and stderr
    /// written to the given files (nil: stdout goes to our stderr, stderr is inherited, so a `--json`
    /// document on our stdout stays clean). Polls every millisecond until it exits; after `timeout`
    /// seconds its whole process group is killed, so a hung child (or Chromium's helpers) cannot stall
    /// the benchmark.
    static func run(
        _ executable: String, _ arguments: [String], stdout: String?, stderr: String?, timeout: Double
    ) throws -> ChildResult {
        #if os(Linux)
            var actions = posix_spawn_file_actions_t()
            var attributes = posix_spawnattr_t()
        #else
            var actions: posix_spawn_file_actions_t?
            var attributes: posix_spawnattr_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group, so the timeout can kill the child's children too.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        if let stdout {
            posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 2, 1)
        }
        if let stderr {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let envp: [UnsafeMutablePointer<CChar>?] =
            ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for p in envp { free(p) } }

        let clock = ContinuousClock()
        let start = clock.now
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        guard rc == 0 else {
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        var status: Int32 = 0
        var usage = rusage()
        var timedOut = false
        let deadline = start + .milliseconds(Int64(timeout * 1000))
        while true {
            let r = wait4(pid, &status, WNOHANG, &usage)
            if r == pid { break }
            if r == -1 && errno != EINTR {
                throw SpawnError(description: "wait4 for \(executable): \(String(cString: strerror(errno)))")
            }
            if clock.now > deadline {
                kill(-pid, SIGKILL)
                _ = wait4(pid, &status, 0, &usage)
                timedOut = true
                break
            }
            usleep(1_000)
        }
        let elapsed = seconds(clock.now - start)
        let signal = status & 0x7f
        let code = signal == 0 ? (status >> 8) & 0xff : 128 + signal
        #if os(Linux)
            let rssBytes = Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
        #else
            let rssBytes = Int(usage.ru_maxrss)  // bytes on macOS
        #endif
        return ChildResult(status: code, seconds: elapsed, maxRSSBytes: rssBytes, timedOut: timedOut)
    }

    /// The first executable called `name` on PATH.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }
}
