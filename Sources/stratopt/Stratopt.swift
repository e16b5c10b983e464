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
            Run.self, Resume.self, Rerun.self, History.self, Show.self, Status.self, Delete.self, Prune.self,
            Validate.self, Check.self, ListStrategies.self, Fetch.self, Cache.self, Execute.self, Paper.self,
        ])

    /// ArgumentParser exits 64 on usage errors; stratopt promises 2 for every spec or usage error.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let failure as CLIFailure {
            for line in failure.lines { CLI.stderr(line) }
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

/// Options shared by commands that touch the data folder.
struct DataOptions: ParsableArguments {
    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp(
            "Folder for the bar cache and other stores (default: $STRATOPT_DATA_DIR, else data).", valueName: "dir"))
    var dataDir: String?

    var resolvedDataDir: String {
        dataDir ?? ProcessInfo.processInfo.environment["STRATOPT_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "data"
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a pipeline: plan, fetch, backtest, score, report.",
        discussion: """
            Prints a short ranking per symbol and the report folder on stdout; progress goes to stderr.
            Same spec, same bars, same as-of date: same result files, byte for byte, whatever the batch size.
            Every run is recorded in <data dir>/runs.sqlite (see `stratopt history`) and holds the data folder's
            lock while it runs. Backtests already computed on the same inputs come from <data dir>/results.sqlite.
            Exit codes: 0 succeeded, 1 failed, 2 spec/usage error or data folder busy, 3 partial, 130 interrupted.
            """)

    @Argument(help: ArgumentHelp("The pipeline spec (YAML).", valueName: "spec"))
    var spec: String

    @OptionGroup var data: DataOptions

    @Option(name: .customLong("reports-dir"), help: ArgumentHelp("Root folder of report folders.", valueName: "dir"))
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

    @Flag(name: .customLong("no-cache"), help: "Neither read nor write the result cache: compute every backtest.")
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

    mutating func run() async throws {
        let loaded = try CLI.loadSpec(spec)
        if let b = batchSize, b < 1 { throw CLI.usage("--batch-size must be at least 1, got \(b)") }
        if let m = resultCacheMaxMB, m < 0 { throw CLI.usage("--result-cache-max-mb must be 0 or more, got \(m)") }
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
        let request = RunRequest(
            mode: .fresh, runId: CLI.newRunId(),
            input: SpecInput(spec: loaded.spec, path: loaded.displayPath, text: loaded.sourceText),
            asOf: try CLI.asOfDate(asOf, calendar: loaded.spec.data.calendar), dataDir: data.resolvedDataDir,
            options: RecordedOptions(
                reportsDir: reportsDir, batchSize: batchSize, offline: offline, noCache: noCache,
                execute: executes ? executeOptions.step : nil, resultCacheMaxMB: resultCacheMaxMB,
                allowExistingReportDir: allowExistingReportDir ? true : nil),
            output: output, pinned: nil,
            makeRunner: { env throws(RunError) in
                try PipelineRunner.standard(
                    environment: env, spec: loaded.spec, specPath: specPath, offline: offline)
            })
        let result = try await RunDriver.execute(request)
        try RunDriver.report(result, output: output)
    }
}

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a pipeline spec and show the plan it expands to, without running it.",
        discussion: "Reports every problem at once as file:line:column: message. Exit 0 if valid, 2 if not.")

    @Argument(help: ArgumentHelp("The pipeline spec (YAML).", valueName: "spec"))
    var spec: String

    @Option(
        name: .customLong("as-of"), help: ArgumentHelp("Resolve relative dates as of this date.", valueName: "date"))
    var asOf: String?

    mutating func run() async throws {
        let loaded = try CLI.loadSpec(spec)
        let s = loaded.spec
        let plan: RunPlan
        do {
            plan = try Planner.plan(
                spec: s, asOf: try CLI.asOfDate(asOf, calendar: s.data.calendar),
                calendar: TradingCalendars.make(s.data.calendar))
        } catch {
            throw CLIFailure("\(loaded.displayPath): \(error)", .usage)
        }
        print("\(loaded.displayPath): valid")
        print(
            "  \(Plural.count(plan.symbols.count, "symbol")) × \(Plural.count(plan.combinations.count, "strategy combination")) = \(Plural.count(plan.jobs.count, "backtest"))"
        )
        print(
            "  period \(plan.start.iso) … \(plan.end.iso), provider \(s.data.provider.rawValue), batch size \(s.batch.size)"
        )
        if !plan.skipped.isEmpty {
            print("  \(plan.skipped.count) grid combinations skipped:")
            for line in plan.skipped.prefix(10) { print("    \(line)") }
            if plan.skipped.count > 10 { print("    … and \(plan.skipped.count - 10) more") }
        }
    }
}

struct ListStrategies: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strategies", abstract: "List the strategies, their parameters, defaults and warm-up.")

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() throws {
        if json {
            var arr: [[String: Any]] = []
            for t in StrategyRegistry.all {
                let d = t.descriptor
                arr.append([
                    "id": d.id, "summary": d.summary, "warmup": d.warmup,
                    "constraints": d.constraints.map(\.summary),
                    "params": d.params.map {
                        [
                            "name": $0.name, "type": $0.kind.rawValue, "default": $0.defaultValue.description,
                            "min": $0.minimum, "max": $0.maximum, "summary": $0.summary,
                        ] as [String: Any]
                    },
                ])
            }
            let data = try JSONSerialization.data(withJSONObject: arr, options: [.prettyPrinted, .sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for t in StrategyRegistry.all {
            let d = t.descriptor
            print("\(d.id)\n  \(d.summary)")
            for p in d.params {
                let name = p.name.padding(toLength: 12, withPad: " ", startingAt: 0)
                let kind = p.kind.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
                print("  \(name)\(kind)default \(p.defaultValue)  — \(p.summary)")
            }
            if !d.constraints.isEmpty {
                print("  constraints: \(d.constraints.map(\.summary).joined(separator: ", "))")
            }
            print("  warm-up: \(d.warmup)\n")
        }
        print(
            "Use them in a spec as `- sma_crossover: {fast: [10, 20], slow: 50}` (a list makes a grid) or `- buy_and_hold`."
        )
    }
}
