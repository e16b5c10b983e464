import ArgumentParser
import DataSources
import Foundation
import Market
import Pipeline
import RunStore
import Spec

struct Resume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Finish an interrupted or failed run under its id, without redoing its checkpointed batches.",
        discussion: """
            Uses the run's as-of date, options and batch size. Once a run has loaded its bars, its manifest records \
            the resolved spec and every symbol's bars fingerprint: resume then reads exactly those bars from the \
            cache (offline) and its result files are byte-identical to an uninterrupted run's. A run stopped \
            before that reads its spec file again, and refuses when the file changed.
            """)

    @Argument(
        help: ArgumentHelp("The run id, or a unique prefix of it.", valueName: "run-id"),
        completion: .custom(RunIdCompletion.complete))
    var runId: String

    @OptionGroup var data: DataOptions
    @OptionGroup var output: OutputOptions

    mutating func run() async throws {
        let store = try CLI.openStore(data.resolvedDataDir)
        let record = try CLI.findRun(store, runId)
        let result = try await Self.resume(record, dataDir: data.resolvedDataDir, output: output)
        try RunDriver.report(result, output: output)
    }

    static func resume(_ found: RunRecord, dataDir: String, output: OutputOptions) async throws -> RunResult {
        let store = try CLI.openStore(dataDir)
        var record = found
        if record.status == .running {
            guard !CLI.isAlive(record.pid) else {
                throw CLIFailure.usage("run \(record.runId) is still running (pid \(record.pid))")
            }
            _ = try? store.markInterrupted(runId: record.runId)
            record.status = .interrupted
        }
        guard record.status == .interrupted || record.status == .failed else {
            throw CLIFailure.usage(
                "run \(record.runId) already \(record.status.rawValue); nothing to resume (`stratopt rerun \(record.runId)` reproduces it)"
            )
        }
        let options =
            RecordedOptions.parse(record.options)
            ?? RecordedOptions(reportsDir: "reports", batchSize: nil, offline: false, noCache: false)
        guard let asOf = record.asOf.flatMap({ SessionDate(iso: $0) }) else {
            throw CLIFailure.failed("run \(record.runId) has no as-of date recorded; it cannot be resumed")
        }
        if let manifest = Manifests.read(record), manifest.runId == record.runId {
            return try await RunDriver.execute(
                RunRequest(
                    mode: .resume(record), runId: record.runId,
                    input: SpecInput(
                        spec: Manifests.withWebhooks(manifest), path: manifest.specPath, sha256: manifest.specSHA256),
                    asOf: asOf, dataDir: dataDir, options: options, output: output,
                    pinned: PinnedSymbol.from(manifest),
                    makeRunner: { env throws(RunError) in
                        try PipelineRunner.recorded(environment: env, manifest: manifest)
                    }))
        }
        let loaded = try CLI.loadSpec(record.specPath)
        let input = SpecInput(spec: loaded.spec, path: loaded.displayPath, text: loaded.sourceText)
        guard input.sha256 == record.specSHA256 else {
            throw CLIFailure.usage(
                "\(record.specPath) changed since run \(record.runId) started; start a new run with `stratopt run \(record.specPath)`"
            )
        }
        let offline = options.offline
        return try await RunDriver.execute(
            RunRequest(
                mode: .resume(record), runId: record.runId, input: input, asOf: asOf, dataDir: dataDir,
                options: options, output: output, pinned: nil,
                makeRunner: { env throws(RunError) in
                    try PipelineRunner.standard(
                        environment: env, spec: loaded.spec, specPath: loaded.displayPath, offline: offline)
                }))
    }
}

struct Rerun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reproduce a recorded run offline, from exactly the bars it used, into a new report folder.",
        discussion: """
            Reads the run's manifest: the resolved spec, the as-of date and each symbol's bars fingerprint. Bars \
            come from the cache only (the provider is never called); a symbol whose cached bars are missing or \
            differ from the recorded fingerprint is an error naming it. The result files are byte-identical to \
            the original run's. The new run gets its own id and report folder.
            """)

    @Argument(
        help: ArgumentHelp("The run id, or a unique prefix of it.", valueName: "run-id"),
        completion: .custom(RunIdCompletion.complete))
    var runId: String

    @OptionGroup var data: DataOptions

    @Option(
        name: .customLong("reports-dir"),
        help: ArgumentHelp("Root folder of report folders (default: the original run's).", valueName: "dir"),
        completion: .directory)
    var reportsDir: String?

    @Flag(
        name: .customLong("no-cache"),
        help:
            "Neither read nor write the result cache (nor reuse an identical earlier run's files): compute every backtest."
    )
    var noCache = false

    @OptionGroup var output: OutputOptions

    mutating func run() async throws {
        let dataDir = data.resolvedDataDir
        let store = try CLI.openStore(dataDir)
        let record = try CLI.findRun(store, runId)
        guard let manifest = Manifests.read(record) else {
            throw CLIFailure.failed(
                "run \(record.runId) has no manifest.json in \(record.reportPath ?? "its report folder") (it stopped before loading its bars, or the folder was removed); nothing to reproduce"
            )
        }
        guard let asOf = SessionDate(iso: manifest.asOf) else {
            throw CLIFailure.failed("the manifest of run \(record.runId) has no valid as_of date")
        }
        var spec = Manifests.withWebhooks(manifest)
        spec.report.dir = nil  // a new folder, never the original's
        let recorded = RecordedOptions.parse(record.options)
        let options = RecordedOptions(
            reportsDir: reportsDir ?? recorded?.reportsDir ?? "reports", batchSize: nil, offline: true,
            noCache: noCache, rerunOf: record.runId)
        let result = try await RunDriver.execute(
            RunRequest(
                mode: .fresh, runId: CLI.newRunId(),
                input: SpecInput(spec: spec, path: manifest.specPath, sha256: manifest.specSHA256), asOf: asOf,
                dataDir: dataDir, options: options, output: output, pinned: PinnedSymbol.from(manifest),
                makeRunner: { env throws(RunError) in try PipelineRunner.recorded(environment: env, manifest: manifest)
                }))
        try RunDriver.report(result, output: output)
    }
}

/// A run's manifest, when its report folder still has one.
enum Manifests {
    /// The manifest's resolved spec with the webhooks of the spec file, when that file is still the one the
    /// run used: the manifest records webhooks as scheme and host only (their URLs carry tokens).
    static func withWebhooks(_ manifest: Manifest) -> PipelineSpec {
        var spec = manifest.resolvedSpec
        if let loaded = try? SpecLoader.load(path: manifest.specPath),
            SpecInput(spec: loaded.spec, path: loaded.displayPath, text: loaded.sourceText).sha256
                == manifest.specSHA256
        {
            spec.notify = loaded.spec.notify
        }
        return spec
    }

    static func read(_ record: RunRecord) -> Manifest? {
        guard let dir = record.reportPath else { return nil }
        return try? Manifest.read(from: dir + "/manifest.json")
    }

    /// Removes a run's report folder if it is that run's (`RunDeletion`, shared with `stratopt serve`).
    static func removeReportFolder(_ record: RunRecord) -> String? { RunDeletion.removeReportFolder(record) }
}

struct History: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List recorded runs, newest first.")

    @OptionGroup var data: DataOptions

    @Option(help: "Show at most this many runs.")
    var limit = 20

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        var runs: [RunRecord] = []
        if let store = try CLI.openStoreReadOnly(data.resolvedDataDir) {
            do { runs = try store.list(limit: limit).map(CLI.asSeen) } catch {
                throw CLIFailure("stratopt: error: \(error.description)", .failed)
            }
        }
        if json {
            print(RunJSON.encode(runs.map(RunView.init)))
            return
        }
        if runs.isEmpty {
            print("no runs recorded in \(data.resolvedDataDir)/runs.sqlite")
            return
        }
        var table = [["RUN ID", "STATUS", "SPEC", "AS OF", "STARTED", "DURATION", "BACKTESTS", "FAILED", "EXIT"]]
        for r in runs {
            table.append([
                r.runId,
                r.status == .running ? "running (\(r.stage.rawValue) \(r.done)/\(r.total))" : r.status.rawValue,
                r.specName, r.asOf ?? "–", r.startedAt, RunJSON.duration(r) ?? "–", String(r.backtests),
                String(r.failedSymbols),
                r.exitCode.map(String.init) ?? "–",
            ])
        }
        print(Table.render(table), terminator: "")
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show one run: its record and the ranking summary from its report folder.")

    @Argument(
        help: ArgumentHelp("The run id, or a unique prefix of it.", valueName: "run-id"),
        completion: .custom(RunIdCompletion.complete))
    var runId: String

    @OptionGroup var data: DataOptions

    @Flag(help: "Print JSON: the run and its best row per symbol (keyed by best.csv's columns).")
    var json = false

    func run() throws {
        let r = CLI.asSeen(try CLI.findRun(readOnly: data.resolvedDataDir, runId))
        let best = r.reportPath.flatMap(Self.bestRows)
        if json {
            let rows =
                best.map { table in
                    table.dropFirst().map { row in
                        Dictionary(zip(table[0], row).map { ($0, $1) }, uniquingKeysWith: { a, _ in a })
                    }
                } ?? []
            print(RunJSON.encode(RunShow(run: RunView(r), best: rows)))
            return
        }
        print(Status.describe(r), terminator: "")
        guard let dir = r.reportPath else { return }
        guard let best else {
            print("no results in \(dir)")
            return
        }
        guard let header = best.first else { return }
        let columns = [
            "symbol", "strategy", "params", "score", "total_return_pct", "sharpe", "max_drawdown_pct", "trades",
        ]
        let idx = columns.compactMap { header.firstIndex(of: $0) }
        let titles = ["SYMBOL", "STRATEGY", "PARAMS", "SCORE", "RETURN %", "SHARPE", "MAX DD %", "TRADES"]
        var table = [idx.map { titles[columns.firstIndex(of: header[$0])!] }]
        for row in best.dropFirst() {
            table.append(
                idx.map { i in
                    guard i < row.count else { return "" }
                    let v = row[i]
                    if ["score", "total_return_pct", "sharpe", "max_drawdown_pct"].contains(header[i]),
                        let d = Double(v)
                    {
                        return String(format: "%.2f", d)
                    }
                    return v.isEmpty ? "–" : v
                })
        }
        print("best per symbol:")
        print(Table.render(table), terminator: "")
    }

    /// best.csv's header and rows (else results.csv's rank-1 rows), or nil when the folder has neither.
    static func bestRows(_ dir: String) -> [[String]]? {
        if let rows = try? CSVReader.read(path: dir + "/best.csv"), rows.count > 1 { return rows.map(\.fields) }
        if let rows = try? CSVReader.read(path: dir + "/results.csv"), let header = rows.first?.fields,
            let rank = header.firstIndex(of: "rank")
        {
            return [header] + rows.dropFirst().map(\.fields).filter { $0.count > rank && $0[rank] == "1" }
        }
        return nil
    }
}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a run's status, stage, progress, times, exit code and report folder.",
        discussion: """
            Without a run id: whether the data folder is locked (and by which run) and the newest run.
            A run recorded as running whose process is gone is shown as interrupted (the next run records \
            it so). Reads only: works on a read-only data folder and creates no file there.
            """)

    @Argument(
        help: ArgumentHelp("The run id, or a unique prefix of it.", valueName: "run-id"),
        completion: .custom(RunIdCompletion.complete))
    var runId: String?

    @OptionGroup var data: DataOptions

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let dataDir = data.resolvedDataDir
        // Read-only: a run whose process is gone is shown interrupted, not recorded so (`asSeen`).
        let store = try CLI.openStoreReadOnly(dataDir)
        if let runId {
            let record = CLI.asSeen(try CLI.findRun(readOnly: dataDir, runId))
            print(json ? RunJSON.encode(RunView(record)) : Describe.text(record), terminator: json ? "\n" : "")
            return
        }
        let held = RunLock.isHeld(dataDir: dataDir)
        let holder = held ? RunLock.currentHolder(dataDir: dataDir) : nil
        let latest = (try? store?.list(limit: 1).first).flatMap { $0 }.map(CLI.asSeen)
        if json {
            let status = DataFolderStatus(
                dataDir: dataDir, locked: held,
                holder: holder.map { DataFolderStatus.Holder(runId: $0.runId, pid: $0.pid) },
                latest: latest.map(RunView.init))
            print(RunJSON.encode(status))
            return
        }
        print(
            held
                ? "data folder \(dataDir)/ is locked by \(holder?.description ?? "another stratopt process")"
                : "data folder \(dataDir)/ is free")
        if let latest { print(Describe.text(latest), terminator: "") } else { print("no runs recorded") }
    }

    static func describe(_ r: RunRecord) -> String { Describe.text(r) }
}

enum Describe {
    static func text(_ r: RunRecord) -> String {
        var s = "run:       \(r.runId)\n"
        s += "spec:      \(r.specName) (\(r.specPath), sha256 \(r.specSHA256.prefix(12))…)\n"
        s += "status:    \(r.status.rawValue)\n"
        s += "stage:     \(r.stage.rawValue)\(r.total > 0 ? " \(r.done)/\(r.total)" : "")\n"
        s += "started:   \(r.startedAt)\n"
        s += "finished:  \(r.finishedAt ?? "–")\(RunJSON.duration(r).map { " (\($0))" } ?? "")\n"
        s += "as of:     \(r.asOf ?? "–")\n"
        if let of = RecordedOptions.parse(r.options)?.rerunOf { s += "rerun of:  \(of)\n" }
        s += "counts:    \(r.symbols) symbols, \(r.backtests) backtests, \(r.failedSymbols) failed symbols\n"
        s += "exit code: \(r.exitCode.map(String.init) ?? "–")\n"
        s += "pid:       \(r.pid)\n"
        s += "report:    \(r.reportPath ?? "–")\n"
        return s
    }
}

struct Delete: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete a run: its history record, checkpoints and report folder. Refuses a running run.")

    @Argument(
        help: ArgumentHelp("The run id, or a unique prefix of it.", valueName: "run-id"),
        completion: .custom(RunIdCompletion.complete))
    var runId: String

    @OptionGroup var data: DataOptions

    func run() throws {
        let store = try CLI.openStore(data.resolvedDataDir)
        _ = try? store.markDeadRunsInterrupted(isAlive: CLI.isAlive)
        let r = try CLI.findRun(store, runId)
        guard r.status != .running else {
            throw CLIFailure("stratopt: error: run \(r.runId) is still running (pid \(r.pid)); stop it first", .usage)
        }
        do { try store.delete(runId: r.runId) } catch {
            throw CLIFailure("stratopt: error: \(error.description)", .failed)
        }
        print("deleted run \(r.runId) (\(r.specName), \(r.status.rawValue), started \(r.startedAt))")
        if let folder = Manifests.removeReportFolder(r) { print("  \(folder)") }
    }
}

struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Delete old runs (records, checkpoints, report folders; never a running one) and trim the result cache.",
        discussion: """
            With both --keep and --older-than a run goes if either removes it. Every prune also trims \
            <data dir>/results.sqlite to --result-cache-max-mb (default 512), least recently used results \
            first, and gives the freed pages back to the file system. Prints what it removed.
            """)

    @OptionGroup var data: DataOptions

    @Option(help: "Keep this many newest runs.")
    var keep: Int?

    @Option(name: .customLong("older-than"), help: "Remove runs started longer ago than this: 12h, 30d, 2w.")
    var olderThan: String?

    @Option(
        name: .customLong("result-cache-max-mb"),
        help: ArgumentHelp("Trim the result cache to this many MiB (default 512; 0 empties it).", valueName: "mib"))
    var resultCacheMaxMB: Int?

    @Flag(name: .shortAndLong, help: "Print nothing.")
    var quiet = false

    func run() throws {
        guard keep != nil || olderThan != nil || resultCacheMaxMB != nil else {
            throw CLI.usage("give --keep N, --older-than AGE and/or --result-cache-max-mb MIB")
        }
        if let m = resultCacheMaxMB, m < 0 { throw CLI.usage("--result-cache-max-mb must be 0 or more, got \(m)") }
        if let keep, keep < 0 { throw CLI.usage("--keep must be 0 or more, got \(keep)") }
        var age: Double?
        if let olderThan {
            do { age = try Pruning.parseAge(olderThan) } catch { throw CLI.usage(error.description) }
        }
        let store = try CLI.openStore(data.resolvedDataDir)
        _ = try? store.markDeadRunsInterrupted(isAlive: CLI.isAlive)
        var removed: [RunRecord] = []
        do {
            if let keep { removed += try store.prune(keep: keep) }
            if let age { removed += try store.prune(olderThan: age, now: Date()) }
        } catch {
            throw CLIFailure("stratopt: error: \(error.description)", .failed)
        }
        for r in removed {
            let folder = Manifests.removeReportFolder(r)
            if !quiet {
                print("removed run \(r.runId) (\(r.specName), \(r.status.rawValue), started \(r.startedAt))")
                if let folder { print("  \(folder)") }
            }
        }
        if !removed.isEmpty { store.reclaim() }
        if !quiet { print("pruned \(removed.count) run\(removed.count == 1 ? "" : "s")") }
        let cachePath = data.resolvedDataDir + "/results.sqlite"
        if FileManager.default.fileExists(atPath: cachePath) {
            let cap = RecordedOptions(
                reportsDir: "", batchSize: nil, offline: false, noCache: false, resultCacheMaxMB: resultCacheMaxMB
            ).resultCacheBytes
            do {
                let cache = try ResultCache(path: cachePath, maxBytes: cap)
                let evicted = try cache.trim(toBytes: cap)
                if !quiet {
                    print(
                        "result cache: \(evicted) result\(evicted == 1 ? "" : "s") evicted, \(try cache.storedBytes() / 1024) KiB kept (cap \(cap / 1024 / 1024) MiB)"
                    )
                }
            } catch {
                throw CLIFailure("stratopt: error: \(error.description)", .failed)
            }
        }
    }
}

/// JSON of run records (`history --json`, `status --json`): snake_case keys, sorted.
enum RunJSON {
    static func encode<T: Encodable>(_ runs: T) -> String {
        let e = JSONEncoder()
        e.keyEncodingStrategy = .convertToSnakeCase
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? e.encode(runs)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    /// `1:02` from start to end (or to now while running), nil when a time cannot be read.
    static func duration(_ r: RunRecord) -> String? {
        let f = ISO8601DateFormatter()
        guard let start = f.date(from: r.startedAt) else { return nil }
        let end = r.finishedAt.flatMap { f.date(from: $0) } ?? (r.status == .running ? Date() : nil)
        guard let end else { return nil }
        let s = max(0, Int(end.timeIntervalSince(start).rounded()))
        return s < 3600 ? "\(s / 60):\(s % 60 < 10 ? "0" : "")\(s % 60)" : "\(s / 3600)h\(s / 60 % 60)m"
    }
}

/// Left-aligned text columns separated by two spaces.
enum Table {
    static func render(_ rows: [[String]]) -> String {
        guard let width = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: width)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
        var out = ""
        for r in rows {
            var line = ""
            for (i, c) in r.enumerated() {
                line += i == r.count - 1 ? c : c + String(repeating: " ", count: widths[i] - c.count + 2)
            }
            out += line + "\n"
        }
        return out
    }
}
