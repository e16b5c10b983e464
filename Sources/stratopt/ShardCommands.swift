import ArgumentParser
import BuildInfo
import DataSources
import Foundation
import Market
import Pipeline
import Reports
import RunStore
import Spec

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// `run SPEC --shard K/N`: composes one shard of a run (no run record, no data-folder lock, no result
/// cache: shards of one run share folders) and prints where it went.
enum ShardRun {
    static func run(_ cmd: Run, loaded: LoadedSpec) async throws {
        if cmd.resume { throw CLI.usage("--resume does not go with --shard: run the same --shard command again") }
        if cmd.execute == true { throw CLI.usage("--execute does not go with --shard: `stratopt merge` executes") }
        let shard: ShardID
        do {
            if cmd.shard == "auto" {
                shard = try ShardID.fromEnvironment(ProcessInfo.processInfo.environment, count: cmd.shardCount)
            } else {
                if cmd.shardCount != nil { throw RunError("--shard-count goes with --shard auto") }
                shard = try ShardID.parse(cmd.shard ?? "")
            }
        } catch { throw CLIFailure.usage("\(error)") }
        let output = cmd.output
        let progress = output.progressReporter()
        var input = SpecInput(spec: loaded.spec, path: loaded.displayPath, text: loaded.sourceText)
        if let b = cmd.batchSize { input.spec.batch.size = b }
        let dir =
            cmd.shardDir
            ?? cmd.reportsDir + "/" + ReportPaths.safeFolderName(loaded.spec.name) + "/shards/" + shard.folderName
        let log: @Sendable (String) -> Void = { progress.message("stratopt: " + $0) }
        let env = RunEnvironment(
            dataDirectory: cmd.data.resolvedDataDir, reportsDirectory: cmd.reportsDir,
            asOf: try CLI.asOfDate(cmd.asOf, calendar: loaded.spec.data.calendar), runId: "shard-" + shard.folderName,
            toolVersion: ToolVersion.current, variables: ProcessInfo.processInfo.environment, log: log,
            trace: output.verbose ? log : nil)
        var runner: PipelineRunner
        var context = RunContext(progress: progress)
        var barCounts: [String: Int]?
        do {
            runner = try PipelineRunner.standard(
                environment: env, spec: loaded.spec, specPath: loaded.displayPath, offline: cmd.offline)
            if let path = cmd.bars {
                let (r, info) = try runner.readingBars(from: path, input: input)
                runner = r
                context.expectedBars = Dictionary(info.symbols.map { ($0.symbol, $0.sha256) }) { a, _ in a }
                barCounts = Dictionary(info.symbols.map { ($0.symbol, $0.bars) }) { a, _ in a }
            }
        } catch { throw CLIFailure.failed("\(error)") }
        let flag = InterruptFlag.install(
            onSignal: { _ in progress.message("\nstratopt: interrupted: stopping after the backtests in flight") },
            onSecondSignal: { _ in exit(ExitStatus.interrupted.rawValue) })
        defer { flag.uninstall() }
        context.stop = flag
        let outcome: ShardOutcome
        do {
            outcome = try await runner.runShard(
                input, shard: shard, directory: dir, context: context, barCounts: barCounts, barsFile: cmd.bars)
        } catch let e as RunInterrupted {
            throw CLIFailure(
                "stratopt: shard \(shard) \(e.description); run the same command again to resume it", .interrupted)
        } catch let e as RunError {
            throw CLIFailure.failed(e.description)
        }
        if output.json {
            print(JSONOutput.text(ShardJSON(outcome)))
        } else if output.quiet {
            print(outcome.directory)
        } else {
            let c = outcome.counts
            print(
                "shard \(shard): \(Plural.count(outcome.symbols.count, "symbol")), \(Plural.count(outcome.backtests, "backtest"))"
                    + (outcome.alreadyComplete
                        ? " (already complete)" : " (\(c.computed) computed, \(c.restored) from checkpoints)"))
            print("shard folder: \(outcome.directory)")
        }
    }

    /// The fingerprint per symbol a bars file recorded.
    static func expectedBars(_ path: String) throws -> [String: String] {
        do {
            let info = try BarsFile.open(path: path).info
            return Dictionary(info.symbols.map { ($0.symbol, $0.sha256) }) { a, _ in a }
        } catch { throw CLIFailure.failed("--bars: \(error)") }
    }
}

/// `run --shard … --json`.
struct ShardJSON: Encodable {
    var shard: Int
    var shardCount: Int
    var shardDir: String
    var symbols: [String]
    var backtests: Int
    var computed: Int
    var restored: Int
    var alreadyComplete: Bool
    var planFingerprint: String

    init(_ o: ShardOutcome) {
        shard = o.shard.index
        shardCount = o.shard.count
        shardDir = o.directory
        symbols = o.symbols
        backtests = o.backtests
        computed = o.counts.computed
        restored = o.counts.restored
        alreadyComplete = o.alreadyComplete
        planFingerprint = o.planFingerprint
    }

    enum CodingKeys: String, CodingKey {
        case shard, symbols, backtests, computed, restored
        case shardCount = "shard_count"
        case shardDir = "shard_dir"
        case alreadyComplete = "already_complete"
        case planFingerprint = "plan_fingerprint"
    }
}

struct Merge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Merge the shard folders of one run into its report: rank, report files, manifest, history.",
        discussion: """
            Checks that the folders are shards of the same plan (spec, as-of date, engine) and cover it exactly \
            once (an error names missing or duplicate shards, or one not finished), then runs the rank, report \
            and execute stages of the run chain on every shard's results. results.csv, best.csv, trades.csv, \
            equity.csv and results.json are byte-identical to an unsharded run of the same spec and as-of date. \
            The merge is recorded as one run in <data dir>/runs.sqlite; the execute stage runs only here, \
            never in a shard. See docs/scale-out.md.
            """)

    @Argument(
        help: ArgumentHelp(
            "The shard folders (`stratopt run SPEC --shard K/N`), in any order.", valueName: "shard-dir"),
        completion: .directory)
    var shardDirs: [String]

    @OptionGroup var data: DataOptions

    @Option(
        name: .customLong("reports-dir"), help: ArgumentHelp("Root folder of report folders.", valueName: "dir"),
        completion: .directory)
    var reportsDir = "reports"

    @Option(
        name: .customLong("report-dir"),
        help: ArgumentHelp(
            "Write the report into this folder (default: the spec's report.dir, else <reports dir>/<spec name>/<run id>).",
            valueName: "dir"),
        completion: .directory)
    var reportDir: String?

    @Flag(
        name: .customLong("allow-existing-report-dir"),
        help: "Write into a report folder that already holds files stratopt did not write.")
    var allowExistingReportDir = false

    @OptionGroup var output: OutputOptions

    @Flag(
        name: .customLong("execute"), inversion: .prefixedNo,
        help: "Run the execute stage after the merge (default: the spec's execute.enabled).")
    var execute: Bool?

    @OptionGroup(title: "Execute stage") var executeOptions: ExecuteOptions

    mutating func run() async throws {
        let shards: ShardSet
        do { shards = try ShardSet.load(shardDirs) } catch { throw CLIFailure.usage("\(error)") }
        let first = shards.first
        guard let asOf = SessionDate(iso: first.asOf) else {
            throw CLIFailure.failed("\(shards.directories[0])/shard.json has no valid as_of date")
        }
        var spec = first.resolvedSpec
        // The shard records webhooks as scheme and host only; the spec file still the one the shards ran
        // gives them back.
        if let loaded = try? SpecLoader.load(path: first.specPath),
            SpecInput(spec: loaded.spec, path: loaded.displayPath, text: loaded.sourceText).sha256 == first.specSHA256
        {
            spec.notify = loaded.spec.notify
        }
        if let reportDir { spec.report.dir = reportDir }
        let executes = execute ?? spec.execute.enabled
        let input = SpecInput(spec: spec, path: first.specPath, sha256: first.specSHA256)
        let merged = shards
        let request = RunRequest(
            mode: .fresh, runId: CLI.newRunId(), input: input, asOf: asOf, dataDir: data.resolvedDataDir,
            options: RecordedOptions(
                reportsDir: reportsDir, batchSize: nil, offline: true, noCache: true,
                execute: executes ? executeOptions.step : nil,
                allowExistingReportDir: allowExistingReportDir ? true : nil),
            output: output, pinned: nil,
            makeRunner: { env throws(RunError) in PipelineRunner.merging(environment: env, shards: merged, spec: spec)
            },
            chain: { runner, input, context in try await runner.merge(merged, input: input, context: context) })
        let result = try await RunDriver.execute(request)
        try RunDriver.report(result, output: output)
    }
}

extension Cache {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the bars a spec's plan needs, with coverage and fingerprints, into one SQLite file.",
            discussion: """
                Loads the plan's bars through the bar cache (the provider is asked only for what is missing) and \
                writes them into FILE, which must not exist yet. Workers then read it with `run --bars FILE` \
                (or `cache import FILE`) and never call the provider, so a cluster respects its rate limits. \
                Use the same --as-of as the shards.
                """)

        @Argument(
            help: ArgumentHelp("The pipeline spec (YAML).", valueName: "spec"),
            completion: .file(extensions: ["yaml", "yml"]))
        var spec: String

        @Argument(help: ArgumentHelp("The bars file to write.", valueName: "file"), completion: .file())
        var file: String

        @OptionGroup var data: DataOptions

        @Option(
            name: .customLong("as-of"), help: ArgumentHelp("Resolve relative dates as of this date.", valueName: "date")
        )
        var asOf: String?

        @Flag(help: "Use only cached bars; never call the provider.")
        var offline = false

        @Flag(help: "If a run holds the data folder, wait for it instead of failing.")
        var wait = false

        mutating func run() async throws {
            let loaded = try CLI.loadSpec(spec)
            let runId = "export-" + CLI.newRunId()
            let lock = try CLI.lockDataFolder(data.resolvedDataDir, runId: runId, wait: wait)
            defer { lock.release() }
            let env = RunEnvironment(
                dataDirectory: data.resolvedDataDir, reportsDirectory: "reports",
                asOf: try CLI.asOfDate(asOf, calendar: loaded.spec.data.calendar), runId: runId,
                toolVersion: ToolVersion.current, variables: ProcessInfo.processInfo.environment,
                log: { CLI.stderr("stratopt: " + $0) })
            let info: BarsFileInfo
            do {
                let runner = try PipelineRunner.standard(
                    environment: env, spec: loaded.spec, specPath: loaded.displayPath, offline: offline)
                info = try await runner.exportBars(
                    SpecInput(spec: loaded.spec, path: loaded.displayPath, text: loaded.sourceText), to: file)
            } catch { throw CLIFailure.failed("\(error)") }
            let total = info.symbols.reduce(0) { $0 + $1.bars }
            print(
                "\(file): \(Plural.count(info.symbols.count, "symbol")), \(Plural.count(total, "bar")), \(info.from.iso) … \(info.to.iso) (as of \(info.asOf.iso))"
            )
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the bars of a bars file (`cache export`) into the data folder's bar cache.",
            discussion: """
                Every cached key and covered range of FILE goes into <data dir>/cache.sqlite, so later runs find \
                the bars there and never call the provider for them.
                """)

        @Argument(help: ArgumentHelp("The bars file to read.", valueName: "file"), completion: .file())
        var file: String

        @OptionGroup var data: DataOptions

        @Flag(help: "If a run holds the data folder, wait for it instead of failing.")
        var wait = false

        func run() throws {
            let lock = try CLI.lockDataFolder(data.resolvedDataDir, runId: "import-" + CLI.newRunId(), wait: wait)
            defer { lock.release() }
            do {
                let (source, info) = try BarsFile.open(path: file)
                let copied = try BarsFile.copy(from: source, into: try BarCache(dataDir: data.resolvedDataDir))
                print(
                    "\(data.resolvedDataDir)/\(BarCache.fileName): imported \(Plural.count(copied, "bar")) of \(Plural.count(info.symbols.count, "symbol")) from \(file)"
                )
            } catch { throw CLIFailure.failed("\(error)") }
        }
    }
}
