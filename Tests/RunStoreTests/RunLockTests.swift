import Foundation
import RunStore
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct RunLockTests {
    static func lockText(_ dir: String) -> String {
        String(decoding: FileManager.default.contents(atPath: dir + "/stratopt.lock") ?? Data(), as: UTF8.self)
    }

    @Test func secondAcquireFailsNamingTheHolder() async throws {
        try await withTempDir { base in
            let dir = base + "/data"
            let me = getpid()
            let first = try RunLock.acquire(dataDir: dir, runId: "20261125T020000-ab12", pid: me)
            #expect(first.isHeld)
            #expect(first.staleHolder == nil)
            #expect(Self.lockText(dir) == "run_id=20261125T020000-ab12\npid=\(me)\n")
            #expect(RunLock.isHeld(dataDir: dir))
            #expect(RunLock.currentHolder(dataDir: dir) == LockHolder(runId: "20261125T020000-ab12", pid: me))

            let holder = LockHolder(runId: "20261125T020000-ab12", pid: me)
            #expect(throws: RunLockError.busy(dataDir: dir, holder: holder)) {
                try RunLock.acquire(dataDir: dir, runId: "other", pid: me)
            }
            let message = RunLockError.busy(
                dataDir: "data", holder: LockHolder(runId: "20261125T020000-ab12", pid: 4242)
            )
            .description
            #expect(
                message
                    == "data folder data/ is in use by run 20261125T020000-ab12 (pid 4242); wait for it, pass --wait, or use another --data-dir"
            )

            first.release()
            #expect(!first.isHeld)
            #expect(Self.lockText(dir) == "")
            #expect(!RunLock.isHeld(dataDir: dir))
            first.release()  // idempotent
            let second = try RunLock.acquire(dataDir: dir, runId: "other", pid: me)
            // A clean release leaves no stale holder behind.
            #expect(second.staleHolder == nil)
            #expect(Self.lockText(dir) == "run_id=other\npid=\(me)\n")
        }
    }

    @Test func deinitReleases() async throws {
        try await withTempDir { dir in
            do {
                let lock = try RunLock.acquire(dataDir: dir, runId: "a", pid: getpid())
                #expect(lock.isHeld)
            }
            let again = try RunLock.acquire(dataDir: dir, runId: "b", pid: getpid())
            #expect(again.holder == LockHolder(runId: "b", pid: getpid()))
        }
    }

    @Test func waitingAcquireSucceedsAfterRelease() async throws {
        try await withTempDir { dir in
            let me = getpid()
            let first = try RunLock.acquire(dataDir: dir, runId: "first", pid: me)
            let (waits, waitStarted) = AsyncStream<LockHolder?>.makeStream()
            let waiter = Task.detached {
                try RunLock.acquire(
                    dataDir: dir, runId: "second", pid: me, wait: true, timeout: 60, pollInterval: 0.01,
                    onWait: { waitStarted.yield($0) })
            }
            var it = waits.makeAsyncIterator()
            // The waiter saw the first lock's holder before we release it.
            #expect(await it.next() == .some(LockHolder(runId: "first", pid: me)))
            first.release()
            let second = try await waiter.value
            #expect(second.holder.runId == "second")
            #expect(Self.lockText(dir) == "run_id=second\npid=\(me)\n")
        }
    }

    @Test func waitingAcquireTimesOut() async throws {
        try await withTempDir { dir in
            let me = getpid()
            let first = try RunLock.acquire(dataDir: dir, runId: "first", pid: me)
            #expect(
                throws: RunLockError.timedOut(dataDir: dir, holder: LockHolder(runId: "first", pid: me), seconds: 0.05)
            ) {
                try RunLock.acquire(
                    dataDir: dir, runId: "second", pid: me, wait: true, timeout: 0.05, pollInterval: 0.01)
            }
            #expect(first.isHeld)
        }
    }

    @Test func staleLockOfDeadProcessIsTakenOver() async throws {
        try await withTempDir { dir in
            let sleeper = Process()
            sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
            sleeper.arguments = ["0"]
            try sleeper.run()
            sleeper.waitUntilExit()
            let deadPid = sleeper.processIdentifier
            #expect(!ProcessLiveness.isAlive(pid: deadPid))
            #expect(ProcessLiveness.isAlive(pid: getpid()))
            // The dead run crashed without releasing: the file still names it.
            try Data("run_id=crashed-run\npid=\(deadPid)\n".utf8).write(
                to: URL(fileURLWithPath: dir + "/stratopt.lock"))
            #expect(!RunLock.isHeld(dataDir: dir))

            let lock = try RunLock.acquire(dataDir: dir, runId: "new-run", pid: getpid())
            #expect(lock.staleHolder == LockHolder(runId: "crashed-run", pid: deadPid))
            #expect(Self.lockText(dir) == "run_id=new-run\npid=\(getpid())\n")
        }
    }

    /// A real second process holds the lock with flock(2) and is killed with SIGKILL: the kernel frees the lock.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/flock")))
    func lockOfKilledProcessIsFreed() async throws {
        try await withTempDir { dir in
            let path = dir + "/stratopt.lock"
            let child = Process()
            child.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
            // --no-fork: flock execs sh, which execs sleep, so one process (one pid) holds the lock.
            child.arguments = [
                "--no-fork", path, "/bin/sh", "-c",
                "printf 'run_id=child-run\\npid=%s\\n' $$ > \"$0\"; echo locked; exec sleep 600", path,
            ]
            let out = Pipe()
            child.standardOutput = out
            try child.run()
            defer {
                if child.isRunning {
                    kill(child.processIdentifier, SIGKILL)
                    child.waitUntilExit()
                }
            }
            let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
            #expect(line == "locked\n")

            let holder = LockHolder(runId: "child-run", pid: child.processIdentifier)
            #expect(throws: RunLockError.busy(dataDir: dir, holder: holder)) {
                try RunLock.acquire(dataDir: dir, runId: "mine", pid: getpid())
            }
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            #expect(!ProcessLiveness.isAlive(pid: holder.pid))

            let lock = try RunLock.acquire(dataDir: dir, runId: "mine", pid: getpid())
            #expect(lock.staleHolder == holder)
            #expect(Self.lockText(dir) == "run_id=mine\npid=\(getpid())\n")
        }
    }
}
