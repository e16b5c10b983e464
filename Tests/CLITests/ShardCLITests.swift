import Foundation
import GRDB
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `run --shard K/N`, `merge`, `cache export` / `import` and `run --bars`: the real binary, shards as plain
/// processes, the merged files compared byte for byte with one unsharded run.
@Suite(.serialized, .timeLimit(.minutes(5))) struct ShardCLITests {
    static let resultFiles = ["results.csv", "best.csv", "trades.csv", "equity.csv", "results.json"]
    static let asOf = "2025-06-30"

    static func json(_ r: CLIResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
    }

    static func bytes(_ dir: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for f in resultFiles { out[f] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + f)) }
        return out
    }

    /// `run SPEC …` with the test's folders and as-of date.
    static func run(_ spec: String, _ root: URL, _ extra: [String]) -> [String] {
        ["run", spec, "--as-of", asOf, "--data-dir", root.path + "/data", "--reports-dir", root.path + "/reports"]
            + extra
    }

    /// The reference: one unsharded run, its report folder.
    static func unsharded(_ spec: String, _ root: URL) async throws -> String {
        let r = try await CLI.run(run(spec, root, ["--json", "--no-cache"]))
        #expect(r.status == 0, "\(r.stderr)")
        return try #require(try json(r)["report_dir"] as? String)
    }

    static func export(_ spec: String, _ root: URL) async throws -> String {
        let file = root.path + "/bars.sqlite"
        let r = try await CLI.run([
            "cache", "export", spec, file, "--as-of", asOf, "--data-dir", root.path + "/export-data",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        return file
    }

    static func merge(_ root: URL, _ dirs: [String], _ extra: [String] = []) async throws -> CLIResult {
        try await CLI.run(
            ["merge"] + dirs + ["--data-dir", root.path + "/data", "--reports-dir", root.path + "/reports"] + extra)
    }

    @Test func fourShardsRunAsProcessesMergeToTheBytesOfOneRun() async throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let spec = "pipelines/example.yaml"
        let reference = try await Self.unsharded(spec, root)
        let bars = try await Self.export(spec, root)

        // Four worker processes at once, each told its shard a different way: K/N, a Slurm array task's
        // environment, a Kubernetes Indexed Job's.
        let shardRoot = root.path + "/shards"
        let launches: [([String], [String: String])] = [
            (["--shard", "1/4"], [:]),
            (
                ["--shard", "auto"],
                ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "4"]
            ),
            (["--shard", "auto", "--shard-count", "4"], ["JOB_COMPLETION_INDEX": "2"]),
            (["--shard", "4/4"], [:]),
        ]
        let results = try await withThrowingTaskGroup(of: (Int, CLIResult).self) { group in
            for (i, (args, env)) in launches.enumerated() {
                let argv = Self.run(
                    spec, root, args + ["--bars", bars, "--shard-dir", shardRoot + "/\(i + 1)", "--json"])
                group.addTask { (i, try await CLI.run(argv, env: env)) }
            }
            var out: [Int: CLIResult] = [:]
            for try await (i, r) in group { out[i] = r }
            return out
        }
        var symbols: [String] = []
        for i in 0..<4 {
            let r = try #require(results[i])
            #expect(r.status == 0, "shard \(i + 1): \(r.stderr)")
            let j = try Self.json(r)
            #expect(j["shard"] as? Int == i + 1)
            #expect(j["shard_count"] as? Int == 4)
            symbols += (j["symbols"] as? [String]) ?? []
        }
        // Every symbol in exactly one shard; five symbols over four shards: 2, 1, 1, 1.
        #expect(symbols.sorted() == ["AAPL", "GOOGL", "MSFT", "NVDA", "TSLA"])

        let merged = try await Self.merge(root, (1...4).reversed().map { shardRoot + "/\($0)" }, ["--json"])
        #expect(merged.status == 0, "\(merged.stderr)")
        let dir = try #require(try Self.json(merged)["report_dir"] as? String)
        #expect(dir != reference)
        #expect(try Self.bytes(dir) == Self.bytes(reference))
        let manifest = try Self.jsonFile(dir + "/manifest.json")
        #expect((manifest["shards"] as? [String: Any])?["count"] as? Int == 4)
        #expect(FileManager.default.fileExists(atPath: dir + "/report.html"))

        // One run recorded for the merge (besides the reference run).
        let history = try await CLI.run(["history", "--json", "--data-dir", root.path + "/data"])
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]])
        #expect(runs.count == 2)
        #expect(runs.first?["status"] as? String == "succeeded")

        // A shard run again once complete does nothing.
        let again = try await CLI.run(
            Self.run(spec, root, ["--shard", "1/4", "--bars", bars, "--shard-dir", shardRoot + "/1", "--json"]))
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Self.json(again)["already_complete"] as? Bool == true)
    }

    /// With walk-forward validation the folds run in the merge, on every bar of each symbol; two shards
    /// sharing one data folder (no bars file) load their bars through the same cache.
    @Test func walkForwardShardsSharingADataFolderMergeToTheSameBytes() async throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let spec = root.path + "/wf.yaml"
        try """
        version: 1
        name: wf
        data: {provider: synthetic, seed: 5}
        universe: {tickers: [A1, A2, A3]}
        period: {start: 2018-01-02, end: 2024-12-31}
        strategies:
          - sma_crossover: {fast: [10, 20], slow: [50, 100]}
          - buy_and_hold
        validation: {method: walk_forward, train: 3y, test: 1y}
        """.write(toFile: spec, atomically: true, encoding: .utf8)
        let reference = try await Self.unsharded(spec, root)
        let dirs = [root.path + "/s1", root.path + "/s2"]
        try await withThrowingTaskGroup(of: CLIResult.self) { group in
            for (k, d) in dirs.enumerated() {
                let argv = Self.run(spec, root, ["--shard", "\(k + 1)/2", "--shard-dir", d])
                group.addTask { try await CLI.run(argv) }
            }
            for try await r in group { #expect(r.status == 0, "\(r.stderr)") }
        }
        let merged = try await Self.merge(root, dirs, ["--json"])
        #expect(merged.status == 0, "\(merged.stderr)")
        let dir = try #require(try Self.json(merged)["report_dir"] as? String)
        #expect(try Self.bytes(dir) == Self.bytes(reference))
        #expect(try String(contentsOfFile: dir + "/results.json", encoding: .utf8).contains("\"validation\""))
    }

    static func jsonFile(_ path: String) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
    }

    @Test func aShardKilledMidBacktestResumesAndTheMergeIsByteIdentical() async throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        // Long enough to be killed mid-backtest (2 × 1 014 backtests), short enough for a loaded machine.
        let spec = root.path + "/kill.yaml"
        try """
        version: 1
        name: kill
        data: {provider: synthetic, seed: 11}
        universe: {tickers: [K1, K2, K3, K4]}
        period: {start: 2019-01-02, end: 2024-12-31}
        strategies:
          - sma_crossover: {fast: {from: 2, to: 40, step: 1}, slow: {from: 50, to: 100, step: 4}}
        batch: {size: 5}
        """.write(toFile: spec, atomically: true, encoding: .utf8)
        let bars = try await Self.export(spec, root)
        let s1 = root.path + "/s1"
        let s2 = root.path + "/s2"
        let victim = try RunningCLI(Self.run(spec, root, ["--shard", "1/2", "--bars", bars, "--shard-dir", s1]))
        #expect(await victim.waitForStderr("(30 %)"))
        // Checkpoints are written at most a few times a second: kill once the first one is on disk.
        for _ in 0..<3000 {
            let written = (try? FileManager.default.contentsOfDirectory(atPath: s1 + "/checkpoints")) ?? []
            // A finished checkpoint (`000001.bin`), not the temporary file it is written to first.
            if written.contains(where: { $0.count == 10 && $0.hasSuffix(".bin") }) { break }
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        victim.signal(SIGKILL)
        #expect(await victim.finish().status == 128 + SIGKILL)
        let checkpoints = (try? FileManager.default.contentsOfDirectory(atPath: s1 + "/checkpoints")) ?? []
        #expect(!checkpoints.isEmpty)

        // The merge refuses the unfinished shard and records nothing.
        let second = try await CLI.run(Self.run(spec, root, ["--shard", "2/2", "--bars", bars, "--shard-dir", s2]))
        #expect(second.status == 0, "\(second.stderr)")
        let early = try await Self.merge(root, [s1, s2])
        #expect(early.status == 2)
        #expect(early.stderr.contains("shard 1/2 in \(s1) is not finished (status running)"), "\(early.stderr)")

        // The same command again resumes from the checkpoints.
        let resumed = try await CLI.run(
            Self.run(spec, root, ["--shard", "1/2", "--bars", bars, "--shard-dir", s1, "--json"]))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let j = try Self.json(resumed)
        let restored = try #require(j["restored"] as? Int)
        let computed = try #require(j["computed"] as? Int)
        #expect(restored > 0)
        #expect(restored + computed == j["backtests"] as? Int)
        #expect(!FileManager.default.fileExists(atPath: s1 + "/checkpoints"))

        let merged = try await Self.merge(root, [s1, s2], ["--json"])
        #expect(merged.status == 0, "\(merged.stderr)")
        let dir = try #require(try Self.json(merged)["report_dir"] as? String)
        let reference = try await Self.unsharded(spec, root)
        #expect(try Self.bytes(dir) == Self.bytes(reference))
    }

    @Test func mergeRefusesMissingDuplicateAndMixedShards() async throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let spec = "pipelines/example.yaml"
        var dirs: [String] = []
        for k in 1...3 {
            let d = root.path + "/s\(k)"
            let r = try await CLI.run(Self.run(spec, root, ["--shard", "\(k)/3", "--shard-dir", d, "--quiet"]))
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout == d + "\n")
            dirs.append(d)
        }
        let missing = try await Self.merge(root, [dirs[0], dirs[2]])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("missing 1 shard of 3: 2/3"), "\(missing.stderr)")

        let duplicate = try await Self.merge(root, [dirs[0], dirs[1], dirs[1], dirs[2]])
        #expect(duplicate.status == 2)
        #expect(duplicate.stderr.contains("duplicate shards: 2/3 in \(dirs[1]) and \(dirs[1])"), "\(duplicate.stderr)")

        // Shard 2 of the same spec as of another date is another plan.
        let other = root.path + "/other2"
        let r = try await CLI.run([
            "run", spec, "--as-of", "2025-05-30", "--data-dir", root.path + "/data", "--shard", "2/3", "--shard-dir",
            other,
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let mixed = try await Self.merge(root, [dirs[0], other, dirs[2]])
        #expect(mixed.status == 2)
        #expect(mixed.stderr.contains("\(other) is shard 2/3 of another run"), "\(mixed.stderr)")
        #expect(mixed.stderr.contains("as of 2025-05-30"))

        let notShard = try await Self.merge(root, [dirs[0], root.path + "/data"])
        #expect(notShard.status == 2)
        #expect(notShard.stderr.contains("no shard.json"))

        // A refused merge records no run.
        let history = try await CLI.run(["history", "--json", "--data-dir", root.path + "/data"])
        let runs = try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [Any]
        #expect(runs?.isEmpty == true, "\(history.stdout)")

        // K/N out of range, and auto outside a scheduler, are usage errors.
        #expect(try await CLI.run(Self.run(spec, root, ["--shard", "4/3"])).status == 2)
        let auto = try await CLI.run(Self.run(spec, root, ["--shard", "auto"]))
        #expect(auto.status == 2)
        #expect(auto.stderr.contains("neither SLURM_ARRAY_TASK_ID"))

        // Only the merge executes: a shard refuses the execute stage.
        let executes = try await CLI.run(Self.run(spec, root, ["--shard", "1/3", "--execute"]))
        #expect(executes.status == 2)
        #expect(executes.stderr.contains("`stratopt merge` executes"))

        // The complete set merges.
        #expect(try await Self.merge(root, dirs).status == 0)
    }

    /// Workers read the exported file only: the csv folder the bars came from is gone when they run, and a
    /// file altered after export is refused.
    @Test func workersReadTheBarsFileNeverTheProviderAndRefuseAlteredBars() async throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.copyItem(
            atPath: CLI.fixtures.appendingPathComponent("csv").path, toPath: root.path + "/csv")
        let spec = root.path + "/spec.yaml"
        try """
        version: 1
        name: csvshard
        data: {provider: csv, path: csv}
        universe: {tickers: [GOOG]}
        period: {start: 2004-08-19, end: 2005-10-25}
        strategies:
          - sma_crossover: {fast: [5, 10], slow: [20, 30]}
          - buy_and_hold
        """.write(toFile: spec, atomically: true, encoding: .utf8)
        let reference = try await Self.unsharded(spec, root)
        let bars = try await Self.export(spec, root)
        try FileManager.default.removeItem(atPath: root.path + "/csv")

        let shard = root.path + "/shard"
        let r = try await CLI.run(
            Self.run(
                spec, root, ["--shard", "1/1", "--bars", bars, "--shard-dir", shard, "--data-dir", root.path + "/w"]))
        #expect(r.status == 0, "\(r.stderr)")
        let merged = try await Self.merge(root, [shard], ["--json"])
        #expect(merged.status == 0, "\(merged.stderr)")
        let dir = try #require(try Self.json(merged)["report_dir"] as? String)
        #expect(try Self.bytes(dir) == Self.bytes(reference))

        // `cache import` fills a fresh data folder; an offline run there gives the same bytes.
        let imported = try await CLI.run(["cache", "import", bars, "--data-dir", root.path + "/fresh"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let offline = try await CLI.run([
            "run", spec, "--as-of", Self.asOf, "--offline", "--no-cache", "--json", "--data-dir", root.path + "/fresh",
            "--reports-dir", root.path + "/reports",
        ])
        #expect(offline.status == 0, "\(offline.stderr)")
        let offlineDir = try #require(try Self.json(offline)["report_dir"] as? String)
        #expect(try Self.bytes(offlineDir) == Self.bytes(reference))

        // The file's recorded fingerprint no longer matches its bars: refused.
        let db = try DatabaseQueue(path: bars)
        try await db.write { db in
            try db.execute(
                sql: "UPDATE export_symbol SET sha256 = ? WHERE symbol = 'GOOG'",
                arguments: [String(repeating: "0", count: 64)])
        }
        let altered = try await CLI.run(
            Self.run(spec, root, ["--shard", "1/1", "--bars", bars, "--shard-dir", root.path + "/shard2"]))
        #expect(altered.status == 1)
        #expect(altered.stderr.contains("GOOG: the bars read"), "\(altered.stderr)")
        #expect(altered.stderr.contains("not the ones the bars file recorded"))
        let unsharded = try await CLI.run(Self.run(spec, root, ["--bars", bars]))
        #expect(unsharded.status == 1)
        #expect(unsharded.stderr.contains("not the ones the bars file recorded"))

        // An existing file is never overwritten by export.
        let overwrite = try await CLI.run([
            "cache", "export", spec, bars, "--as-of", Self.asOf, "--data-dir", root.path + "/w",
        ])
        #expect(overwrite.status == 1)
        #expect(overwrite.stderr.contains("already exists"))
    }
}
