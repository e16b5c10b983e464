import Foundation
import GRDB
import LoopbackSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A `stratopt` process the test talks to while it runs: waits for a line on its stderr, sends signals.
final class RunningCLI {
    let process = Process()
    private let out = Pipe()
    private let err = Pipe()
    private var errText = ""

    init(_ args: [String], environment extra: [String: String] = [:]) throws {
        process.executableURL = CLI.binary
        process.arguments = args
        process.currentDirectoryURL = CLI.repoRoot
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "STRATOPT_DATA_DIR")
        env.removeValue(forKey: "STRATOPT_AS_OF")
        for (k, v) in extra { env[k] = v }
        process.environment = env
        process.standardOutput = out
        process.standardError = err
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Reads stderr until a line containing `marker` arrives; false if stderr closes first.
    func waitForStderr(_ marker: String) async -> Bool {
        let box = UncheckedBox(self)
        return await offPool { box.value.blockingWait(marker) }
    }

    private func blockingWait(_ marker: String) -> Bool {
        while !errText.contains(marker) {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { return false }
            errText += String(decoding: chunk, as: UTF8.self)
        }
        return true
    }

    func signal(_ sig: Int32) { kill(pid, sig) }

    /// Waits for the exit; returns the status (or the signal number + 128 if killed) and all output.
    func finish() async -> CLIResult {
        let box = UncheckedBox(self)
        return await offPool { box.value.blockingFinish() }
    }

    private func blockingFinish() -> CLIResult {
        let e = OffPoolRead(err.fileHandleForReading)
        let o = out.fileHandleForReading.readDataToEndOfFile()
        errText += String(decoding: e.wait(), as: UTF8.self)
        process.waitUntilExit()
        let status =
            process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return CLIResult(status: status, stdout: String(decoding: o, as: UTF8.self), stderr: errText)
    }
}

/// Run history, resume after kill -9, the data-folder lock, the result cache, rerun, prune and delete,
/// exit codes: the real binary on the synthetic example pipeline (5 symbols × 6 combinations, batches of 5).
@Suite struct NightlyCLITests {
    static let files = ["results.csv", "best.csv", "trades.csv"]

    static func runArgs(_ root: URL, data: String = "data", _ extra: [String] = []) -> [String] {
        [
            "run", "pipelines/example.yaml", "--as-of", "2025-06-30", "--data-dir", root.path + "/" + data,
            "--reports-dir", root.path + "/reports",
        ] + extra
    }

    /// `run` of the long fixture (8 symbols × 1 015 combinations), which the tests signal mid-backtest.
    static func longArgs(_ root: URL, _ extra: [String] = []) -> [String] {
        [
            "run", CLI.fixtures.appendingPathComponent("long.yaml").path, "--as-of", "2025-06-30", "--data-dir",
            root.path + "/data", "--reports-dir", root.path + "/reports",
        ] + extra
    }

    /// Fills the bar cache for the long fixture, so the runs under test spend their time backtesting.
    static func warmLongCache(_ root: URL) async throws {
        let r = try await CLI.run([
            "fetch", CLI.fixtures.appendingPathComponent("long.yaml").path, "--as-of", "2025-06-30", "--data-dir",
            root.path + "/data",
        ])
        #expect(r.status == 0, "\(r.stderr)")
    }

    static func json(_ r: CLIResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    static func counts(_ r: CLIResult) throws -> [String: Int] {
        try #require(try json(r)["counts"] as? [String: Any]).compactMapValues { $0 as? Int }
    }

    /// `counts.reused_run` of `run --json`: the run whose files were reused, nil when computed.
    static func reusedRun(_ r: CLIResult) throws -> String? {
        try (json(r)["counts"] as? [String: Any])?["reused_run"] as? String
    }

    static func contents(_ dir: String) throws -> [Data] {
        try files.map { try Data(contentsOf: URL(fileURLWithPath: dir + "/" + $0)) }
    }

    /// The run id a paused run named in its progress (`stratopt: ... run <id>`), read from the history.
    static func onlyRunId(_ root: URL, data: String = "data") async throws -> String {
        let r = try await CLI.run(["history", "--json", "--data-dir", root.path + "/" + data])
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        return try #require(runs.first?["run_id"] as? String)
    }

    /// SIGKILL during the backtest stage, then `resume`: the checkpointed backtests are restored, the rest
    /// computed, and the files are byte-identical to an uninterrupted run's.
    @Test(.timeLimit(.minutes(5))) func aRunKilledMidBacktestResumesToByteIdenticalFiles() async throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        try await Self.warmLongCache(root)
        let reference = try await CLI.run(Self.longArgs(root, ["--json", "--no-cache"]))
        #expect(reference.status == 0, "\(reference.stderr)")
        let refDir = try #require(try Self.json(reference)["report_dir"] as? String)
        let total = try #require(try Self.counts(reference)["backtests"])

        let victim = try RunningCLI(Self.longArgs(root, ["--no-cache"]))
        #expect(await victim.waitForStderr("(30 %)"))
        victim.signal(SIGKILL)
        #expect(await victim.finish().status == 128 + SIGKILL)

        let history = try await CLI.run(["history", "--json", "--data-dir", root.path + "/data"])
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]])
        let runId = try #require(runs.first?["run_id"] as? String)
        let status = try await CLI.run(["status", runId, "--data-dir", root.path + "/data"])
        #expect(status.stdout.contains("status:    interrupted"))
        #expect(status.stdout.contains("stage:     backtest "))

        let resumed = try await CLI.run([
            "resume", String(runId.prefix(18)), "--data-dir", root.path + "/data", "--json",
        ])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let counts = try Self.counts(resumed)
        #expect((counts["restored"] ?? 0) > 0)
        #expect((counts["restored"] ?? 0) + (counts["computed"] ?? 0) == total)
        let dir = try #require(try Self.json(resumed)["report_dir"] as? String)
        #expect(dir.hasSuffix("/" + runId))
        #expect(try Self.contents(dir) == Self.contents(refDir))
        let after = try await CLI.run(["status", runId, "--data-dir", root.path + "/data"])
        #expect(after.stdout.contains("status:    succeeded"))
        #expect(after.stdout.contains("exit code: 0"))
    }

    @Test(.timeLimit(.minutes(5))) func sigintStopsAfterTheBacktestsInFlightExits130AndResumeFinishes() async throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        try await Self.warmLongCache(root)
        let run = try RunningCLI(Self.longArgs(root, ["--json", "--no-cache"]))
        #expect(await run.waitForStderr("(10 %)"))
        run.signal(SIGINT)
        let r = await run.finish()
        #expect(r.status == 130, "\(r.stderr)")
        #expect(r.stderr.contains("\nstratopt: interrupted: stopping"))
        let runId = try await Self.onlyRunId(root)
        let json = try Self.json(r)
        #expect(json["status"] as? String == "interrupted")
        #expect(json["exit_code"] as? Int == 130)
        #expect(json["run_id"] as? String == runId)
        let message = try #require(json["error"] as? String)
        let done = try #require(
            message.firstMatch(of: /interrupted after (\d+) of (\d+) backtests/).flatMap { Int($0.1) })
        #expect(done > 0)
        let history = try await CLI.run(["history", "--data-dir", root.path + "/data"])
        #expect(history.stdout.contains("\(runId)  interrupted"))
        // `run SPEC --resume` picks the interrupted run of the same spec up under its id.
        let resumed = try await CLI.run(Self.longArgs(root, ["--resume", "--json"]))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(try Self.json(resumed)["run_id"] as? String == runId)
        #expect(try Self.counts(resumed)["restored"] == done)
        // A finished run cannot be resumed.
        #expect(try await CLI.run(["resume", runId, "--data-dir", root.path + "/data"]).status == 2)
    }

    @Test(.timeLimit(.minutes(5))) func aSecondSigtermStopsAtOnceAndTheRunIsMarkedInterrupted() async throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        try await Self.warmLongCache(root)
        let run = try RunningCLI(Self.longArgs(root, ["--no-cache"]))
        #expect(await run.waitForStderr("backtest: started"))
        run.signal(SIGTERM)
        #expect(await run.waitForStderr("stopping after the backtests in flight"))
        run.signal(SIGTERM)
        let r = await run.finish()
        #expect(r.status == 130, "\(r.stderr)")
        let runId = try await Self.onlyRunId(root)
        let status = try await CLI.run(["status", runId, "--data-dir", root.path + "/data"])
        #expect(status.stdout.contains("status:    interrupted"))
        #expect(status.stdout.contains("exit code: 130"))
    }

    @Test(.timeLimit(.minutes(5))) func aSecondRunFailsOnTheLockOrWaitsForIt() async throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        try await Self.warmLongCache(root)
        let first = try RunningCLI(Self.longArgs(root, ["--no-cache"]))
        #expect(await first.waitForStderr("backtest: started"))
        let firstId = try await Self.onlyRunId(root)

        let busy = try await CLI.run(Self.runArgs(root))
        #expect(busy.status == 2)
        #expect(busy.stderr.contains("is in use by run \(firstId) (pid \(first.pid))"))
        // fetch writes the bar cache, so it needs the lock too.
        let fetch = try await CLI.run([
            "fetch", "pipelines/example.yaml", "--as-of", "2025-06-30", "--data-dir", root.path + "/data",
        ])
        #expect(fetch.status == 2)
        #expect(fetch.stderr.contains("in use by run \(firstId)"))
        // Read-only commands do not need the lock; deleting a running run is refused.
        #expect(try await CLI.run(["history", "--data-dir", root.path + "/data"]).status == 0)
        #expect(try await CLI.run(["cache", "list", "--data-dir", root.path + "/data"]).status == 0)
        let status = try await CLI.run(["status", "--data-dir", root.path + "/data"])
        #expect(status.stdout.contains("is locked by run \(firstId) (pid \(first.pid))"))
        #expect(status.stdout.contains("status:    running"))
        let statusJSON = try await CLI.run(["status", "--json", "--data-dir", root.path + "/data"])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(statusJSON.stdout.utf8)) as? [String: Any])
        #expect(object["locked"] as? Bool == true)
        #expect((object["holder"] as? [String: Any])?["run_id"] as? String == firstId)
        let delete = try await CLI.run(["delete", firstId, "--data-dir", root.path + "/data"])
        #expect(delete.status == 2)
        #expect(delete.stderr.contains("still running"))

        let waiter = try RunningCLI(Self.runArgs(root, ["--wait", "--json"]))
        #expect(await waiter.waitForStderr("waiting for run \(firstId) (pid \(first.pid))"))
        first.signal(SIGINT)
        // The signal only frees the lock sooner (SIGINT's exit 130 has tests of its own): on a quiet machine
        // the first run may have finished before it, and the waiter must start after it either way.
        let firstStatus = await first.finish().status
        #expect(firstStatus == 130 || firstStatus == 0)
        let second = await waiter.finish()
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try Self.json(second)["status"] as? String == "succeeded")
    }

    @Test func aStaleLockOfADeadProcessIsTakenOver() async throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let deadPid = gone.processIdentifier
        try FileManager.default.createDirectory(atPath: root.path + "/data", withIntermediateDirectories: true)
        try "run_id=ghost\npid=\(deadPid)\n".write(
            toFile: root.path + "/data/stratopt.lock", atomically: true, encoding: .utf8)
        let r = try await CLI.run(Self.runArgs(root))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("took over the lock of run ghost (pid \(deadPid))"))
    }

    @Test func theResultCacheAnswersARepeatedNightAndNoCacheComputesAll() async throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let first = try await CLI.run(Self.runArgs(root, ["--json"]))
        #expect(
            try Self.counts(first) == [
                "symbols": 5, "failed_symbols": 0, "backtests": 30, "computed": 30, "restored": 0, "cache_hits": 0,
                "cache_misses": 30,
            ])
        let second = try await CLI.run(Self.runArgs(root, ["--json", "--batch-size", "7"]))
        #expect(try Self.counts(second)["cache_hits"] == 30)
        #expect(try Self.counts(second)["cache_misses"] == 0)
        #expect(try Self.counts(second)["computed"] == 0)
        let forced = try await CLI.run(Self.runArgs(root, ["--json", "--no-cache"]))
        #expect(try Self.counts(forced)["computed"] == 30)
        #expect(try Self.counts(forced)["cache_hits"] == 0)
        let dirs = try [first, second, forced].map { try #require(try Self.json($0)["report_dir"] as? String) }
        #expect(try Self.contents(dirs[0]) == Self.contents(dirs[1]))
        #expect(try Self.contents(dirs[0]) == Self.contents(dirs[2]))
        // --quiet: only the report folder on stdout, nothing on stderr.
        let quiet = try await CLI.run(Self.runArgs(root, ["--quiet"]))
        #expect(quiet.status == 0)
        #expect(quiet.stderr.isEmpty)
        #expect(quiet.stdout.split(separator: "\n").count == 1)
        #expect(FileManager.default.fileExists(atPath: quiet.stdout.trimmingCharacters(in: .newlines) + "/best.csv"))
    }

    /// The same night again is served whole from an earlier run's files, each checked against the digest
    /// recorded when it was written: an edited or deleted file is never served, the run computes instead.
    @Test func anIdenticalNightReusesVerifiedFilesAndNeverServesAnEditedOrDeletedOne() async throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let all = Self.files + ["equity.csv", "results.json", "report.html", "candidates.json"]
        func files(_ dir: String) throws -> [Data] {
            try all.map { try Data(contentsOf: URL(fileURLWithPath: dir + "/" + $0)) }
        }
        let first = try await CLI.run(Self.runArgs(root, ["--json"]))
        #expect(first.status == 0, "\(first.stderr)")
        let firstId = try #require(try Self.json(first)["run_id"] as? String)
        let firstDir = try #require(try Self.json(first)["report_dir"] as? String)
        #expect(try Self.counts(first)["computed"] == 30)

        // Same spec and as-of date, another batch size: every input that matters is the same.
        let second = try await CLI.run(Self.runArgs(root, ["--batch-size", "2"]))
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("30 from the result cache: every input matched run \(firstId)"))
        let secondDir = try #require(
            second.stdout.split(separator: "\n").first { $0.hasPrefix("report: ") }.map {
                String($0.dropFirst("report: ".count).dropLast("/report.html".count))
            })
        #expect(secondDir != firstDir)
        #expect(try files(secondDir) == files(firstDir))
        let manifest = try String(contentsOfFile: secondDir + "/manifest.json", encoding: .utf8)
        #expect(manifest.contains("\"status\" : \"succeeded\""))
        #expect(!manifest.contains(firstId))
        let history = try await CLI.run(["history", "--json", "--data-dir", root.path + "/data"])
        #expect(history.stdout.contains("\"backtests\" : 30"))

        // The newest copy is the source now; an edited byte in it (same size) is caught by its digest.
        let trades = secondDir + "/trades.csv"
        var edited = try Data(contentsOf: URL(fileURLWithPath: trades))
        edited[edited.count - 2] = edited[edited.count - 2] == UInt8(ascii: "1") ? UInt8(ascii: "2") : UInt8(ascii: "1")
        try edited.write(to: URL(fileURLWithPath: trades))
        let third = try await CLI.run(Self.runArgs(root, ["--json"]))
        #expect(third.status == 0, "\(third.stderr)")
        #expect(try Self.reusedRun(third) == nil)
        #expect(try Self.counts(third)["cache_hits"] == 30)
        let thirdDir = try #require(try Self.json(third)["report_dir"] as? String)
        #expect(try files(thirdDir) == files(firstDir))

        // Deleted with `stratopt delete`: the entry's folder is gone, the next run computes its files.
        let thirdId = try #require(try Self.json(third)["run_id"] as? String)
        let deleted = try await CLI.run(["delete", thirdId, "--data-dir", root.path + "/data"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        let fourth = try await CLI.run(Self.runArgs(root, ["--json"]))
        #expect(try Self.reusedRun(fourth) == nil)
        let fourthDir = try #require(try Self.json(fourth)["report_dir"] as? String)
        #expect(try files(fourthDir) == files(firstDir))

        // Edited in place with its size kept and its modification time put back to the nanosecond: the
        // change time still moved, so the file is read and hashed, and its digest refuses it.
        let results = fourthDir + "/results.csv"
        var before = stat()
        #expect(stat(results, &before) == 0)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: results))
        try handle.seek(toOffset: 0)
        let head = try #require(try handle.read(upToCount: 1))
        try handle.seek(toOffset: 0)
        try handle.write(contentsOf: Data([head[0] == UInt8(ascii: "s") ? UInt8(ascii: "S") : UInt8(ascii: "s")]))
        try handle.close()
        var times = [before.st_atim, before.st_mtim]
        #expect(utimensat(AT_FDCWD, results, &times, 0) == 0)
        var after = stat()
        #expect(stat(results, &after) == 0)
        #expect(after.st_size == before.st_size && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec)
        let fifth = try await CLI.run(Self.runArgs(root, ["--json"]))
        #expect(fifth.status == 0, "\(fifth.stderr)")
        #expect(try Self.reusedRun(fifth) == nil)
        let fifthDir = try #require(try Self.json(fifth)["report_dir"] as? String)
        #expect(try files(fifthDir) == files(firstDir))

        // Another as-of date is another night: nothing is reused.
        let other = try await CLI.run(
            [
                "run", "pipelines/example.yaml", "--as-of", "2025-07-01", "--data-dir", root.path + "/data",
                "--reports-dir", root.path + "/reports", "--json",
            ])
        #expect(other.status == 0, "\(other.stderr)")
        #expect(try Self.reusedRun(other) == nil)
    }

    @Test func rerunReproducesTheFilesOfflineAndRefusesTamperedBars() async throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let original = try await CLI.run(Self.runArgs(root, ["--json"]))
        let origDir = try #require(try Self.json(original)["report_dir"] as? String)
        let origId = try #require(try Self.json(original)["run_id"] as? String)

        let rerun = try await CLI.run(["rerun", origId, "--data-dir", root.path + "/data", "--no-cache", "--json"])
        #expect(rerun.status == 0, "\(rerun.stderr)")
        let dir = try #require(try Self.json(rerun)["report_dir"] as? String)
        #expect(dir != origDir)
        #expect(try Self.counts(rerun)["computed"] == 30)
        #expect(try Self.contents(dir) == Self.contents(origDir))
        let manifest = try String(contentsOfFile: dir + "/manifest.json", encoding: .utf8)
        #expect(manifest.contains("\"as_of\" : \"2025-06-30\""))

        // Change one cached TSLA close: the rerun names TSLA and writes nothing.
        let db = try DatabaseQueue(path: root.path + "/data/cache.sqlite")
        try await db.write { db in
            try db.execute(
                sql: """
                    UPDATE bar SET close = close * 1.0001, high = max(high, close * 1.0001)
                    WHERE series = (SELECT id FROM series WHERE symbol = 'TSLA')
                    AND date = (SELECT max(date) FROM bar WHERE series = (SELECT id FROM series WHERE symbol = 'TSLA'))
                    """)
            #expect(db.changesCount == 1)
        }
        let tampered = try await CLI.run(["rerun", origId, "--data-dir", root.path + "/data", "--no-cache"])
        #expect(tampered.status == 1)
        #expect(tampered.stderr.contains("error: TSLA: the cached bars are not the ones the run used"))
    }

    @Test func rerunNeverCallsTheProviderAndRepeatsRecordedFailures() async throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        try fm.copyItem(at: CLI.fixtures.appendingPathComponent("csv"), to: root.appendingPathComponent("csv"))
        try fm.copyItem(
            at: CLI.fixtures.appendingPathComponent("partial.yaml"), to: root.appendingPathComponent("partial.yaml"))
        let data = ["--data-dir", root.path + "/data"]
        let original = try await CLI.run(
            ["run", root.path + "/partial.yaml", "--reports-dir", root.path + "/reports", "--json"] + data)
        #expect(original.status == 3, "\(original.stderr)")
        let origId = try #require(try Self.json(original)["run_id"] as? String)
        let origDir = try #require(try Self.json(original)["report_dir"] as? String)
        // The provider's folder is gone: only the cache can answer.
        try fm.removeItem(at: root.appendingPathComponent("csv"))
        let rerun = try await CLI.run(["rerun", origId, "--no-cache"] + data)
        #expect(rerun.status == 3, "\(rerun.stderr)")
        #expect(rerun.stdout.contains("NOPE failed: NOPE (csv): no file"))
        #expect(rerun.stdout.contains("GOOG    1. "))
        let line = try #require(rerun.stdout.split(separator: "\n").first { $0.hasPrefix("report: ") })
        let dir = URL(fileURLWithPath: String(line.dropFirst("report: ".count))).deletingLastPathComponent().path
        #expect(dir != origDir)
        #expect(try Self.contents(dir) == Self.contents(origDir))
        let show = try await CLI.run(["show", String(dir.split(separator: "/").last!)] + data)
        #expect(show.stdout.contains("rerun of:  \(origId)"))
    }

    @Test func deleteAndPruneRemoveRunsAndTheirFolders() async throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        var dirs: [String] = []
        var ids: [String] = []
        for _ in 0..<3 {
            let r = try await CLI.run(Self.runArgs(root, ["--json"]))
            dirs.append(try #require(try Self.json(r)["report_dir"] as? String))
            ids.append(try #require(try Self.json(r)["run_id"] as? String))
        }
        let data = ["--data-dir", root.path + "/data"]
        let deleted = try await CLI.run(["delete", ids[1]] + data)
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(deleted.stdout.contains("removed \(dirs[1])"))
        #expect(!FileManager.default.fileExists(atPath: dirs[1]))
        #expect(try await CLI.run(["show", ids[1]] + data).status == 2)

        #expect(try await CLI.run(["prune", "--older-than", "1h"] + data).stdout.contains("pruned 0 runs"))
        #expect(try await CLI.run(["prune", "--older-than", "30x"] + data).status == 2)
        // The newest of the two left, as the history orders them, is kept.
        let before = try await CLI.run(["history", "--json"] + data)
        let order = try #require(try JSONSerialization.jsonObject(with: Data(before.stdout.utf8)) as? [[String: Any]])
        #expect(order.count == 2)
        let newestId = try #require(order.first?["run_id"] as? String)
        let newest = try #require(ids.firstIndex(of: newestId))
        let oldest = 2 - newest
        let pruned = try await CLI.run(["prune", "--keep", "1"] + data)
        #expect(pruned.status == 0)
        #expect(pruned.stdout.contains("removed run \(ids[oldest])"))
        #expect(pruned.stdout.contains("pruned 1 run\n"))
        #expect(!FileManager.default.fileExists(atPath: dirs[oldest]))
        #expect(FileManager.default.fileExists(atPath: dirs[newest]))
        let history = try await CLI.run(["history", "--json"] + data)
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]])
        #expect(runs.compactMap { $0["run_id"] as? String } == [ids[newest]])
        let show = try await CLI.run(["show", ids[newest]] + data)
        #expect(show.stdout.contains("best per symbol:"))
        #expect(show.stdout.contains("GOOGL"))
    }

    @Test func anUnknownRunIdExitsTwo() async throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        for cmd in ["show", "status", "resume", "rerun", "delete"] {
            let r = try await CLI.run([cmd, "nope", "--data-dir", root.path + "/data"])
            #expect(r.status == 2, "\(cmd)")
            #expect(r.stderr.contains("nope"), "\(cmd)")
        }
    }

    /// The result cache is covered by prune: trimmed to its cap, least recently used first, pages given back;
    /// and a finished run leaves no checkpoint (nor its pages) in runs.sqlite.
    @Test func pruneTrimsTheResultCacheAndFinishedRunsLeaveNoCheckpoints() async throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let first = try await CLI.run(Self.runArgs(root, ["--json"]))
        #expect(first.status == 0, "\(first.stderr)")
        let data = root.path + "/data"
        let db = try DatabaseQueue(path: data + "/runs.sqlite")
        let left = try await db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM run_batches") }
        #expect(left == 0)
        let free = try await db.read { db in try Int.fetchOne(db, sql: "PRAGMA freelist_count") }
        #expect(free == 0)
        let cache = try DatabaseQueue(path: data + "/results.sqlite")
        let stored = try await cache.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM results") }
        // 30 backtests, the run's own entry (its files' digests, for an identical night) and the 5 symbols'
        // remembered bars fingerprints.
        #expect(stored == 36)

        let pruned = try await CLI.run(["prune", "--result-cache-max-mb", "0", "--data-dir", data])
        #expect(pruned.status == 0, "\(pruned.stderr)")
        #expect(pruned.stdout.contains("result cache: 36 results evicted"))
        let after = try await cache.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM results") }
        #expect(after == 0)
        // The next run computes everything again and gives the same bytes.
        let again = try await CLI.run(Self.runArgs(root, ["--json"]))
        #expect(try Self.counts(again)["computed"] == 30)
        let dirs = try [first, again].map { try #require(try Self.json($0)["report_dir"] as? String) }
        #expect(try Self.contents(dirs[0]) == Self.contents(dirs[1]))
        #expect(try await CLI.run(["prune", "--data-dir", data]).status == 2)
    }
}

/// stratopt deletes only what it wrote, and never writes where it must not (issue: a report.dir holding a
/// user's notes was wiped by `delete`; an unrelated index.html two levels up was overwritten).
@Suite struct ReportFolderSafetyCLITests {
    @Test func deleteRemovesOnlyStratoptsFilesAndForeignOrSystemFoldersAreRefused() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let fm = FileManager.default
        let custom = tmp.path + "/a/b/night"
        let base = try String(
            contentsOf: CLI.repoRoot.appendingPathComponent("pipelines/example.yaml"), encoding: .utf8)
        let spec = tmp.path + "/custom.yaml"
        try (base + "report: {dir: \"\(custom)\"}\n").write(toFile: spec, atomically: true, encoding: .utf8)
        let data = ["--data-dir", tmp.path + "/data", "--as-of", "2025-06-30"]
        // An index.html of the user's two levels above the report folder.
        try fm.createDirectory(atPath: tmp.path + "/a", withIntermediateDirectories: true)
        try "mine".write(toFile: tmp.path + "/a/index.html", atomically: true, encoding: .utf8)

        let r = try await CLI.run(["run", spec, "--json", "--reports-dir", tmp.path + "/reports"] + data)
        #expect(r.status == 0, "\(r.stderr)")
        let runId = try #require(
            (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["run_id"] as? String)
        // The user then keeps notes beside the report.
        try "keep me".write(toFile: custom + "/notes.txt", atomically: true, encoding: .utf8)

        // A second run into that folder is refused: it holds a file stratopt did not write.
        let again = try await CLI.run(["run", spec, "--reports-dir", tmp.path + "/reports"] + data)
        #expect(again.status == 1)
        #expect(again.stderr.contains("already holds files stratopt did not write (notes.txt)"))
        #expect(again.stderr.contains("--allow-existing-report-dir"))
        let allowed = try await CLI.run(
            ["run", spec, "--allow-existing-report-dir", "--reports-dir", tmp.path + "/reports"] + data)
        #expect(allowed.status == 0, "\(allowed.stderr)")

        let deleted = try await CLI.run(["delete", runId, "--data-dir", tmp.path + "/data"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        // The later run's report is in that folder now, so the first run's delete keeps it; deleting the
        // later run removes stratopt's files only.
        let history = try await CLI.run(["history", "--json", "--data-dir", tmp.path + "/data"])
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]])
        for id in runs.compactMap({ $0["run_id"] as? String }) {
            #expect(try await CLI.run(["delete", id, "--data-dir", tmp.path + "/data"]).status == 0)
        }
        #expect(try String(contentsOfFile: custom + "/notes.txt", encoding: .utf8) == "keep me")
        #expect(!fm.fileExists(atPath: custom + "/results.csv"))
        #expect(!fm.fileExists(atPath: custom + "/manifest.json"))
        #expect(try String(contentsOfFile: tmp.path + "/a/index.html", encoding: .utf8) == "mine")

        // A system folder is refused outright.
        let etc = tmp.path + "/etc.yaml"
        try (base + "report: {dir: \"/etc\"}\n").write(toFile: etc, atomically: true, encoding: .utf8)
        let refused = try await CLI.run(["run", etc, "--allow-existing-report-dir"] + data)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("report.dir /etc is a system or home folder"))
    }

    /// Marker secrets planted in every input that can carry one never appear in any file or stream a run
    /// produces.
    @Test func plantedSecretsAppearInNoOutput() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let markers = ["MARKERKEYID7731", "MARKERSECRET9917", "MARKERUSERPW5501", "MARKERQUERY3303", "MARKERPATH4404"]
        let hook = try LoopbackHTTPServer { _ in .respond(status: 200, body: "ok") }
        defer { hook.stop() }
        let port = hook.baseURL.port ?? 0
        let spec = tmp.path + "/secret.yaml"
        try """
        version: 1
        name: secrets
        universe: {tickers: [AAPL]}
        period: {start: 2024-01-02, end: 2025-06-30}
        strategies: [buy_and_hold]
        notify:
          - {url: "http://user:\(markers[2])@127.0.0.1:\(port)/services/\(markers[4])?token=\(markers[3])", min_priority: low}
        execute: {enabled: true, min_score: 0}
        """.write(toFile: spec, atomically: true, encoding: .utf8)
        let env = ["APCA_API_KEY_ID": markers[0], "APCA_API_SECRET_KEY": markers[1]]
        let r = try await CLI.run(
            ["run", spec, "--json", "--data-dir", tmp.path + "/data", "--reports-dir", tmp.path + "/reports"], env: env)
        // 0, or 3 when the paper order is refused: either way every output is written and scanned below.
        #expect(r.status == 0 || r.status == 3, "\(r.stderr)")
        let h = try await CLI.run(["history", "--json", "--data-dir", tmp.path + "/data"], env: env)
        var streams = [r.stdout, r.stderr, h.stdout, h.stderr]
        let runId =
            (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])?["run_id"] as? String ?? ""
        let show = try await CLI.run(["show", runId, "--data-dir", tmp.path + "/data"], env: env)
        streams += [show.stdout, show.stderr]
        var files: [String] = []
        if let e = FileManager.default.enumerator(atPath: tmp.path) {
            for case let f as String in e where !f.hasSuffix("secret.yaml") { files.append(tmp.path + "/" + f) }
        }
        #expect(files.count > 10)
        for f in files {
            guard let d = FileManager.default.contents(atPath: f) else { continue }
            let text = String(decoding: d, as: UTF8.self)
            for m in markers { #expect(!text.contains(m), "\(m) in \(f)") }
        }
        for (i, s) in streams.enumerated() {
            for m in markers { #expect(!s.contains(m), "\(m) in stream \(i)") }
        }
        // The webhook itself did get its full URL (the token belongs to its host).
        #expect(hook.requests.contains { $0.target.contains(markers[3]) })
    }
}
