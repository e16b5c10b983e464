import Foundation
import RunStore
import Testing

@Suite struct RunStoreTests {
    static func record(_ id: String, startedAt: String, status: RunRecord.Status = .running, pid: Int32 = 4242)
        -> RunRecord
    {
        RunRecord(
            runId: id, specName: "nightly", specPath: "pipelines/nightly.yaml",
            specSHA256: String(repeating: "a", count: 64),
            startedAt: startedAt, pid: pid, status: status)
    }

    @Test func createGetUpdateFinishDelete() async throws {
        try await withTempDir { dir in
            let store = try RunStore(dataDir: dir)
            #expect(store.path == dir + "/runs.sqlite")
            #expect(FileManager.default.fileExists(atPath: dir + "/runs.sqlite"))
            var r = Self.record("20261125T020000-ab12", startedAt: "2026-11-25T02:00:00Z")
            r.asOf = "2026-11-24"
            r.options = #"{"batch_size":50}"#
            try store.create(r)
            #expect(try store.get(runId: r.runId) == r)
            #expect(try store.get(runId: "nope") == nil)

            try store.update(runId: r.runId, stage: .backtest, done: 30, total: 120)
            try store.setCounts(runId: r.runId, symbols: 4, backtests: 120, failedSymbols: 1)
            try store.setReportPath(runId: r.runId, path: "reports/nightly/20261125T020000-ab12")
            try store.finish(runId: r.runId, status: .partial, exitCode: 3, finishedAt: "2026-11-25T02:03:10Z")
            let got = try #require(try store.get(runId: r.runId))
            #expect(got.stage == .backtest)
            #expect(got.done == 30 && got.total == 120)
            #expect(got.symbols == 4 && got.backtests == 120 && got.failedSymbols == 1)
            #expect(got.reportPath == "reports/nightly/20261125T020000-ab12")
            #expect(got.status == .partial && got.exitCode == 3)
            #expect(got.finishedAt == "2026-11-25T02:03:10Z")
            #expect(got.startedAt == "2026-11-25T02:00:00Z" && got.pid == 4242)
            #expect(got.asOf == "2026-11-24" && got.options == #"{"batch_size":50}"#)
            #expect(got.specName == "nightly" && got.specPath == "pipelines/nightly.yaml")

            #expect(throws: RunStoreError.duplicateRunId(r.runId)) { try store.create(r) }
            #expect(throws: RunStoreError.notFound("nope")) {
                try store.update(runId: "nope", stage: .fetch, done: 0, total: 1)
            }
            #expect(throws: RunStoreError.notFound("nope")) {
                try store.finish(runId: "nope", status: .failed, exitCode: 1, finishedAt: "2026-11-25T02:03:10Z")
            }

            let removed = try store.delete(runId: r.runId)
            #expect(removed.runId == r.runId && removed.reportPath == got.reportPath)
            #expect(try store.get(runId: r.runId) == nil)
            #expect(throws: RunStoreError.notFound(r.runId)) { try store.delete(runId: r.runId) }
        }
    }

    @Test func statusExitCodes() {
        #expect(RunRecord.Status.succeeded.exitCode == 0)
        #expect(RunRecord.Status.failed.exitCode == 1)
        #expect(RunRecord.Status.partial.exitCode == 3)
        #expect(RunRecord.Status.interrupted.exitCode == 130)
        #expect(RunRecord.Status.running.exitCode == nil)
    }

    @Test func listIsNewestFirstAndLimited() async throws {
        try await withTempDir { dir in
            let store = try RunStore(dataDir: dir)
            // Inserted out of order; two share a start time and then order by run id, descending.
            try store.create(Self.record("b", startedAt: "2026-11-23T02:00:00Z"))
            try store.create(Self.record("d", startedAt: "2026-11-25T02:00:00Z"))
            try store.create(Self.record("a", startedAt: "2026-11-24T02:00:00Z"))
            try store.create(Self.record("c", startedAt: "2026-11-24T02:00:00Z"))
            #expect(try store.list().map(\.runId) == ["d", "c", "a", "b"])
            #expect(try store.list(limit: 2).map(\.runId) == ["d", "c"])
            #expect(try store.list(limit: 0).isEmpty)
        }
    }

    @Test func lookupByPrefix() async throws {
        try await withTempDir { dir in
            let store = try RunStore(dataDir: dir)
            try store.create(Self.record("20261125T020000-ab12", startedAt: "2026-11-25T02:00:00Z"))
            try store.create(Self.record("20261125T020000-ab34", startedAt: "2026-11-25T02:00:01Z"))
            try store.create(Self.record("20261124T020000-cd56", startedAt: "2026-11-24T02:00:00Z"))
            try store.create(Self.record("run1", startedAt: "2026-11-20T02:00:00Z"))
            try store.create(Self.record("run10", startedAt: "2026-11-21T02:00:00Z"))

            #expect(try store.find(prefix: "20261124").runId == "20261124T020000-cd56")
            #expect(try store.find(prefix: "20261125T020000-ab3").runId == "20261125T020000-ab34")
            // An exact id wins over longer ids it prefixes.
            #expect(try store.find(prefix: "run1").runId == "run1")
            #expect(try store.find(prefix: "run10").runId == "run10")
            #expect(
                throws: RunStoreError.ambiguousPrefix(
                    "20261125", matches: ["20261125T020000-ab34", "20261125T020000-ab12"])
            ) {
                try store.find(prefix: "20261125")
            }
            #expect(throws: RunStoreError.notFound("zz")) { try store.find(prefix: "zz") }
            #expect(throws: RunStoreError.notFound("")) { try store.find(prefix: "") }
            // LIKE wildcards are plain characters.
            #expect(throws: RunStoreError.notFound("%")) { try store.find(prefix: "%") }
            let message = RunStoreError.ambiguousPrefix("2026", matches: ["x", "y"]).description
            #expect(message.contains("2026 is ambiguous") && message.contains("x, y"))
        }
    }

    @Test func pruneKeepsNewestAndNeverRunning() async throws {
        try await withTempDir { dir in
            let store = try RunStore(dataDir: dir)
            try store.create(Self.record("r1", startedAt: "2026-11-21T02:00:00Z", status: .succeeded))
            try store.create(Self.record("r2", startedAt: "2026-11-22T02:00:00Z", status: .running))
            try store.create(Self.record("r3", startedAt: "2026-11-23T02:00:00Z", status: .failed))
            try store.create(Self.record("r4", startedAt: "2026-11-24T02:00:00Z", status: .partial))
            try store.create(Self.record("r5", startedAt: "2026-11-25T02:00:00Z", status: .succeeded))
            try store.saveBatch(runId: "r1", batchIndex: 0, payload: Data([1]))
            // Keep r5, r4; of r3, r2, r1 the running r2 stays.
            let removed = try store.prune(keep: 2)
            #expect(removed.map(\.runId) == ["r3", "r1"])
            #expect(try store.list().map(\.runId) == ["r5", "r4", "r2"])
            #expect(try store.batches(runId: "r1").isEmpty)
            #expect(try store.prune(keep: 2).isEmpty)
            #expect(try store.prune(keep: 0).map(\.runId) == ["r5", "r4"])
        }
    }

    @Test func pruneOlderThan() async throws {
        try await withTempDir { dir in
            let store = try RunStore(dataDir: dir)
            try store.create(Self.record("today", startedAt: "2026-11-25T02:00:00Z", status: .succeeded))
            try store.create(Self.record("5d", startedAt: "2026-11-20T12:00:00Z", status: .failed))
            // 30 days before now is 2026-10-26T12:00:00Z; one second older is pruned, exactly 30 days is not.
            try store.create(Self.record("edge", startedAt: "2026-10-26T12:00:00Z", status: .succeeded))
            try store.create(Self.record("old", startedAt: "2026-10-26T11:59:59Z", status: .succeeded))
            try store.create(Self.record("older", startedAt: "2026-10-01T02:00:00.250Z", status: .partial))
            try store.create(Self.record("running", startedAt: "2026-09-01T02:00:00Z", status: .running))
            try store.create(Self.record("garbled", startedAt: "last tuesday", status: .succeeded))
            var utc = Calendar(identifier: .gregorian)
            utc.timeZone = TimeZone(identifier: "UTC")!
            let now = utc.date(from: DateComponents(year: 2026, month: 11, day: 25, hour: 12))!
            let removed = try store.prune(olderThan: 30 * 86_400, now: now)
            #expect(Set(removed.map(\.runId)) == ["old", "older"])
            #expect(Set(try store.list().map(\.runId)) == ["garbled", "today", "5d", "edge", "running"])
        }
    }

    @Test func checkpointsSurviveReopening() async throws {
        try await withTempDir { dir in
            do {
                let store = try RunStore(dataDir: dir)
                try store.create(Self.record("r", startedAt: "2026-11-25T02:00:00Z"))
                try store.saveBatch(runId: "r", batchIndex: 0, payload: Data("batch zero".utf8))
                try store.saveBatch(runId: "r", batchIndex: 2, payload: Data([0, 255, 7]), progress: (30, 40))
                let afterBatch = try #require(try store.get(runId: "r"))
                #expect(afterBatch.stage == .backtest && afterBatch.done == 30 && afterBatch.total == 40)
                try store.saveBatch(runId: "r", batchIndex: 1, payload: Data("first try".utf8))
                try store.saveBatch(runId: "r", batchIndex: 1, payload: Data("second try".utf8))
                #expect(throws: RunStoreError.notFound("ghost")) {
                    try store.saveBatch(runId: "ghost", batchIndex: 0, payload: Data())
                }
            }
            let reopened = try RunStore(dataDir: dir)
            let batches = try reopened.batches(runId: "r")
            #expect(
                batches == [0: Data("batch zero".utf8), 1: Data("second try".utf8), 2: Data([0, 255, 7])])
            #expect(try reopened.batches(runId: "other").isEmpty)
            #expect(try reopened.clearBatches(runId: "r") == 3)
            #expect(try reopened.batches(runId: "r").isEmpty)
            try reopened.saveBatch(runId: "r", batchIndex: 0, payload: Data([9]))
            try reopened.delete(runId: "r")
            #expect(try reopened.batches(runId: "r").isEmpty)
        }
    }

    /// A large run's checkpoints, once cleared, leave neither rows nor free pages: the file is as small as
    /// its history again (other runs' records and checkpoints kept).
    @Test func clearingALargeRunsCheckpointsGivesTheirSpaceBack() async throws {
        try await withTempDir { dir in
            func size(_ names: [String] = ["runs.sqlite", "runs.sqlite-wal"]) -> Int {
                names.reduce(0) { total, name in
                    let a = try? FileManager.default.attributesOfItem(atPath: dir + "/" + name)
                    return total + ((a?[.size] as? NSNumber)?.intValue ?? 0)
                }
            }
            do {
                let store = try RunStore(dataDir: dir)
                try store.create(Self.record("r", startedAt: "2026-11-25T02:00:00Z"))
                try store.create(Self.record("kept", startedAt: "2026-11-25T01:00:00Z", status: .interrupted))
                try store.saveBatch(runId: "kept", batchIndex: 0, payload: Data([1, 2, 3]))
                let payload = Data((0..<1_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 8) })
                for i in 0..<20 { try store.saveBatch(runId: "r", batchIndex: i, payload: payload) }
                #expect(size() > 20_000_000)
                #expect(try store.clearBatches(runId: "r") == 20)
                #expect(try store.batches(runId: "r").isEmpty)
                // The file itself shrinks at once (its WAL may keep its length until the store closes).
                #expect(size(["runs.sqlite"]) < 1_000_000)
            }
            let reopened = try RunStore(dataDir: dir)
            #expect(try reopened.batches(runId: "kept") == [0: Data([1, 2, 3])])
            #expect(try reopened.get(runId: "r") != nil)
        }
    }

    @Test func interruptedAndReopened() async throws {
        try await withTempDir { dir in
            let store = try RunStore(dataDir: dir)
            try store.create(Self.record("a", startedAt: "2026-11-25T02:00:00Z", pid: 100))
            try store.create(Self.record("b", startedAt: "2026-11-25T02:00:01Z", pid: 200))
            try store.create(Self.record("c", startedAt: "2026-11-25T02:00:02Z", status: .succeeded, pid: 300))
            #expect(try store.markInterrupted(runId: "a", finishedAt: "2026-11-25T02:05:00Z"))
            let a = try #require(try store.get(runId: "a"))
            #expect(a.status == .interrupted && a.exitCode == 130 && a.finishedAt == "2026-11-25T02:05:00Z")
            #expect(try !store.markInterrupted(runId: "a"))
            #expect(try !store.markInterrupted(runId: "c"))
            #expect(try store.get(runId: "c")?.status == .succeeded)
            #expect(throws: RunStoreError.notFound("zz")) { try store.markInterrupted(runId: "zz") }

            try store.create(Self.record("d", startedAt: "2026-11-25T02:00:03Z", pid: 400))
            // b (pid 200) is dead, d (pid 400) alive; c is not running and is left alone.
            #expect(try store.markDeadRunsInterrupted(isAlive: { $0 == 400 }) == ["b"])
            #expect(try store.get(runId: "b")?.status == .interrupted)
            #expect(try store.get(runId: "d")?.status == .running)

            try store.reopen(runId: "a", pid: 500)
            let resumed = try #require(try store.get(runId: "a"))
            #expect(resumed.status == .running && resumed.pid == 500)
            #expect(resumed.finishedAt == nil && resumed.exitCode == nil)
        }
    }
}
