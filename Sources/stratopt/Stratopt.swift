import ArgumentParser
import BuildInfo
import Foundation
import Market
import Pipeline
import Spec
import Strategies

@main
struct Stratopt: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stratopt",
        abstract: "Backtest, score and rank trading strategies from a declarative YAML pipeline spec.",
        discussion: """
            A pipeline spec (pipelines/*.yaml) names tickers, a period, strategies with parameter grids, \
            capital, costs and sizing. `stratopt run SPEC` plans the jobs, fetches daily bars through the \
            SQLite cache in data/, backtests in concurrent batches, scores and ranks every strategy per \
            symbol, and writes results.csv, best.csv, trades.csv, equity.csv, results.json, report.html and \
            manifest.json under reports/<spec name>/<run id>/.

            Exit codes: 0 success · 1 run failed · 2 spec or usage error, unknown run id, data folder \
            busy · 3 partial (some symbols failed or were quarantined) · 130 interrupted (resume it with \
            `stratopt resume RUN_ID`).

            Examples:
              stratopt run pipelines/example.yaml
              stratopt validate pipelines/example.yaml
              stratopt strategies
              stratopt history
              stratopt rerun 20261125T02

            Spec reference: docs/spec.md · nightly operation: docs/nightly.md · execution: docs/execute.md
            """,
        version: ToolVersion.current,
        subcommands: [
            Run.self, Resume.self, Rerun.self, History.self, Show.self, Report.self, Status.self, Delete.self,
            Prune.self,
            Validate.self, Check.self, Schema.self, Init.self, ListStrategies.self, Fetch.self, Cache.self,
            Execute.self,
            Paper.self, Merge.self, Serve.self,
        ])

    /// ArgumentParser exits 64 on usage errors; stratopt promises 2 for every spec or usage error.
    static func main() async {
        // A closed stdout or stderr (`| head`, a log reader that went away) must not kill a run half-way:
        // writes then fail with EPIPE, which every writer ignores, instead of the process dying of SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        if let unknown = unknownCommand(Array(CommandLine.arguments.dropFirst())) {
            CLI.stderr(unknown)
            Foundation.exit(ExitStatus.usage.rawValue)
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CLIFailure {
            let args = CommandLine.arguments
            let json =
                args.contains("--log-format=json")
                || zip(args, args.dropFirst()).contains { $0 == "--log-format" && $1 == "json" }
            for line in failure.lines {
                if json { LogFormat.jsonLines(line) } else { CLI.stderr(line) }
            }
            Foundation.exit(failure.status.rawValue)
        } catch {
            if exitCode(for: error) == .validationFailure {
                CLI.stderr(fullMessage(for: error))
                Foundation.exit(ExitStatus.usage.rawValue)
            }
            exit(withError: error)
        }
    }
}

extension Stratopt {
    /// The advice for a first word that is no command (`stratopt rn` → `run`), or nil.
    static func unknownCommand(_ args: [String]) -> String? {
        guard let first = args.first, !first.hasPrefix("-") else { return nil }
        let names = configuration.subcommands.map { $0._commandName } + ["help"]
        guard !names.contains(first) else { return nil }
        let hint = Suggestions.closest(to: first, in: names).map { "; did you mean \"\($0)\"?" } ?? ""
        return "stratopt: unknown command \"\(first)\"\(hint) (`stratopt --help` lists the commands)"
    }
}

/// Options shared by commands that touch the data folder.
struct DataOptions: ParsableArguments {
    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp(
            "Folder for the bar cache and other stores (default: $STRATOPT_DATA_DIR, else data).", valueName: "dir"),
        completion: .directory)
    var dataDir: String?

    var resolvedDataDir: String {
        dataDir ?? ProcessInfo.processInfo.environment["STRATOPT_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "data"
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a pipeline: plan, fetch, backtest, score, report.",
        discussion: """
            Prints a short ranking per symbol and the report folder on stdout; progress goes to stderr. \
            Same spec, same bars, same as-of date: same result files, byte for byte, whatever the batch size. \
            Every run is recorded in <data dir>/runs.sqlite (see `stratopt history`) and holds the data folder's \
            lock while it runs. Backtests already computed on the same inputs come from <data dir>/results.sqlite. \
            Exit codes: 0 succeeded, 1 failed, 2 spec/usage error or data folder busy, 3 partial, 130 interrupted.
            """)

    @Argument(
        help: ArgumentHelp("The pipeline spec (YAML).", valueName: "spec"),
        completion: .file(extensions: ["yaml", "yml"]))
    var spec: String

    @OptionGroup var data: DataOptions

    @Option(
        name: .customLong("reports-dir"), help: ArgumentHelp("Root folder of report folders.", valueName: "dir"),
        completion: .directory)
    var reportsDir = "reports"

    @Option(
        name: .customLong("as-of"),
        help: ArgumentHelp(
            "Resolve `today` and relative dates as of this date (YYYY-MM-DD) instead of the last completed NYSE session (or $STRATOPT_AS_OF).",
            valueName: "date"))
    var asOf: String?

    @Option(name: .customLong("batch-size"), help: "Override batch.size: backtests run concurrently per batch.")
    var batchSize: Int?

    @Flag(help: "Use only cached bars; fail symbols whose range is not cached instead of calling the provider.")
    var offline = false

    @Flag(
        name: .customLong("no-cache"),
        help:
            "Neither read nor write the result cache (nor reuse an identical earlier run's files): compute every backtest."
    )
    var noCache = false

    @Flag(help: "Resume the newest interrupted or failed run of this spec instead (a new run when there is none).")
    var resume = false

    @Option(
        name: .customLong("result-cache-max-mb"),
        help: ArgumentHelp(
            "Cap the result cache (<data dir>/results.sqlite) at this many MiB; least recently used results are evicted first (default 512).",
            valueName: "mib"))
    var resultCacheMaxMB: Int?

    @Flag(
        name: .customLong("allow-existing-report-dir"),
        help:
            "Write into a report.dir that already holds files stratopt did not write (refused by default; system and home folders are always refused)."
    )
    var allowExistingReportDir = false

    @OptionGroup var output: OutputOptions

    @Flag(
        name: .customLong("execute"), inversion: .prefixedNo,
        help: "Run the execute stage after scoring (default: the spec's execute.enabled).")
    var execute: Bool?

    @OptionGroup(title: "Execute stage") var executeOptions: ExecuteOptions

    @Option(
        help: ArgumentHelp(
            "Compute only shard K of N of the run (1 ≤ K ≤ N) into a shard folder, for `stratopt merge`; auto reads K and N from a Slurm job array (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT) or a Kubernetes Indexed Job (JOB_COMPLETION_INDEX with --shard-count). See docs/scale-out.md.",
            valueName: "K/N|auto"))
    var shard: String?

    @Option(
        name: .customLong("shard-count"),
        help: ArgumentHelp("N for --shard auto in a Kubernetes Indexed Job (its completions).", valueName: "n"))
    var shardCount: Int?

    @Option(
        name: .customLong("shard-dir"),
        help: ArgumentHelp(
            "The shard's folder (default: <reports dir>/<spec name>/shards/shard-K-of-N); running the same command again resumes it.",
            valueName: "dir"),
        completion: .directory)
    var shardDir: String?

    @Option(
        help: ArgumentHelp(
            "Read bars only from this bars file (`stratopt cache export`), never from the provider; bars whose fingerprint differs from the file's record stop the run.",
            valueName: "file"),
        completion: .file(extensions: ["sqlite"]))
    var bars: String?

    mutating func run() async throws {
        let loaded = try CLI.loadSpec(spec)
        if let b = batchSize, b < 1 { throw CLI.usage("--batch-size must be at least 1, got \(b)") }
        if let m = resultCacheMaxMB, m < 0 { throw CLI.usage("--result-cache-max-mb must be 0 or more, got \(m)") }
        if shard != nil {
            try await ShardRun.run(self, loaded: loaded)
            return
        }
        if shardCount != nil || shardDir != nil { throw CLI.usage("--shard-count and --shard-dir go with --shard") }
        if resume {
            let store = try CLI.openStore(data.resolvedDataDir)
            _ = try? store.markDeadRunsInterrupted(isAlive: CLI.isAlive)
            let sha = SpecInput(spec: loaded.spec, path: loaded.displayPath, text: loaded.sourceText).sha256
            let candidate = try? store.list().first {
                $0.specPath == loaded.displayPath && $0.specSHA256 == sha
                    && ($0.status == .interrupted || $0.status == .failed)
            }
            if let candidate {
                let result = try await Resume.resume(candidate, dataDir: data.resolvedDataDir, output: output)
                try RunDriver.report(result, output: output)
                return
            }
        }
        let offline = self.offline
        let specPath = loaded.displayPath
        let executes = execute ?? loaded.spec.execute.enabled
        let barsPath = bars
        let expected = try barsPath.map { try ShardRun.expectedBars($0) }
        var request = RunRequest(
            mode: .fresh, runId: CLI.newRunId(),
            input: SpecInput(spec: loaded.spec, path: loaded.displayPath, text: loaded.sourceText),
            asOf: try CLI.asOfDate(asOf, calendar: loaded.spec.data.calendar), dataDir: data.resolvedDataDir,
            options: RecordedOptions(
                reportsDir: reportsDir, batchSize: batchSize, offline: offline, noCache: noCache,
                execute: executes ? executeOptions.step : nil, resultCacheMaxMB: resultCacheMaxMB,
                allowExistingReportDir: allowExistingReportDir ? true : nil),
            output: output, pinned: nil,
            makeRunner: { env throws(RunError) in
                let runner = try PipelineRunner.standard(
                    environment: env, spec: loaded.spec, specPath: specPath, offline: offline)
                guard let barsPath else { return runner }
                return try runner.readingBars(
                    from: barsPath,
                    input: SpecInput(spec: loaded.spec, path: loaded.displayPath, text: loaded.sourceText)
                ).runner
            })
        request.expectedBars = expected
        let result = try await RunDriver.execute(request)
        try RunDriver.report(result, output: output)
    }
}

struct ListStrategies: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strategies", abstract: "List the strategies, their parameters, defaults and warm-up.")

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        let descriptors = StrategyRegistry.all.map { $0.descriptor }
        if json {
            print(RunJSON.encode(descriptors.map(StrategyView.init)))
            return
        }
        // One table for every strategy's parameters, so the columns line up across strategies too.
        var rows: [[String]] = []
        for d in descriptors {
            for p in d.params {
                rows.append([
                    "  " + p.name, p.kind.rawValue, "default \(p.defaultValue)",
                    "\(SpecBoundsText.format(p.minimum))–\(SpecBoundsText.format(p.maximum))", p.summary,
                ])
            }
        }
        var lines = Table.render(rows).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        for d in descriptors {
            print("\(d.id)\n  \(d.summary)")
            for _ in d.params { print(lines.removeFirst()) }
            if !d.constraints.isEmpty {
                print("  constraints: \(d.constraints.map(\.summary).joined(separator: ", "))")
            }
            if let grid = StrategyRegistry.defaultGrids[d.id], !grid.isEmpty {
                let axes = grid.keys.sorted().map { k in "\(k) \(grid[k]!.map(\.description).joined(separator: ", "))" }
                print("  grid of strategies: all: \(axes.joined(separator: " × "))")
            }
            print("  warm-up: \(d.warmup)\n")
        }
        print(
            "Use them in a spec as `- sma_crossover: {fast: [10, 20], slow: 50}` (a list makes a grid), `- buy_and_hold`, or `strategies: all` (every strategy over the grid shown with it)."
        )
        print(RuleLanguageListing.text)
    }
}

/// The functions of `- rule:` expressions, after the built-in strategies (docs/strategies.md has the grammar).
enum RuleLanguageListing {
    static var text: String {
        var out = "\nRules: write your own with `- rule: {id, entry, exit, params}`; expressions read the series "
        out += RuleSeries.allCases.map(\.rawValue).joined(separator: " ")
        out += ", numbers, parameters, bars_held (exit only), true/false, + - * /, < <= > >= == !=, and or not, and:\n"
        for f in RuleChecker.functions {
            out +=
                "  \(f.signature.padding(toLength: 36, withPad: " ", startingAt: 0))\(f.summary); warm-up \(f.warmup)\n"
        }
        return out
    }
}

/// Bounds as a person writes them: `10000`, `0.5`.
enum SpecBoundsText {
    static func format(_ v: Double) -> String { v.rounded() == v && abs(v) < 1e15 ? String(Int(v)) : String(v) }
}
