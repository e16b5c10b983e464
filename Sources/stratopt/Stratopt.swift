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
            A pipeline spec (pipelines/*.yaml) names tickers, a period, strategies with parameter grids, capital,
            costs and sizing. `stratopt run SPEC` plans the jobs, fetches daily bars through the SQLite cache in
            data/, backtests in concurrent batches, scores and ranks every strategy per symbol, and writes
            results.csv, best.csv, trades.csv, report.html and manifest.json under reports/.

            Exit codes: 0 success · 1 run failed · 2 spec or usage error · 3 partial (some symbols failed).

            Examples:
              stratopt run pipelines/example.yaml
              stratopt validate pipelines/example.yaml
              stratopt strategies
            Spec reference: docs/spec.md
            """,
        version: ToolVersion.current,
        subcommands: [Run.self, Validate.self, ListStrategies.self, Fetch.self, Cache.self, Execute.self])

    /// ArgumentParser exits 64 on usage errors; stratopt promises 2 for every spec or usage error.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                CLI.stderr(fullMessage(for: error))
                Foundation.exit(2)
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

    @Flag(name: .shortAndLong, help: "Print only the report folder on stdout, no progress on stderr.")
    var quiet = false

    @Flag(
        name: .customLong("execute"), inversion: .prefixedNo,
        help: "Run the execute stage after scoring (default: the spec's execute.enabled).")
    var execute: Bool?

    @OptionGroup(title: "Execute stage") var executeOptions: ExecuteOptions

    mutating func run() async throws {
        let loaded = try CLI.loadSpec(spec)
        var specValue = loaded.spec
        if let b = batchSize {
            guard b >= 1 else { throw CLI.usage("--batch-size must be at least 1, got \(b)") }
            specValue.batch.size = b
        }
        let asOfDate = try CLI.asOfDate(asOf)
        let quiet = self.quiet
        let env = RunEnvironment(
            dataDirectory: data.resolvedDataDir, reportsDirectory: reportsDir, asOf: asOfDate,
            runId: CLI.newRunId(), toolVersion: ToolVersion.current,
            log: { if !quiet { CLI.stderr("stratopt: " + $0) } })
        let outcome: RunOutcome
        do {
            let runner = try PipelineRunner.standard(
                environment: env, spec: specValue, specPath: loaded.displayPath, offline: offline)
            outcome = try await runner.run(
                SpecInput(spec: specValue, path: loaded.displayPath, text: loaded.sourceText))
        } catch let e as RunError {
            CLI.stderr("stratopt: error: \(e.description)")
            throw ExitCode(1)
        }
        if quiet {
            print(outcome.reportDirectory)
        } else {
            print(Summary.text(outcome), terminator: "")
        }
        var code = outcome.status.rawValue
        if execute ?? specValue.execute.enabled, outcome.status != .failed {
            let report = outcome.report
            let executeCode = await ExecuteCLI.execute(
                spec: specValue, runId: env.runId, reportDirectory: outcome.reportDirectory,
                dataDir: env.dataDirectory, candidates: try ExecuteStage.readCandidates(from: outcome.reportDirectory),
                options: executeOptions, quiet: quiet,
                rerender: { rows in try ReportWriter.write(report, execution: rows, to: outcome.reportDirectory) })
            if code == 0 { code = executeCode }
        }
        if code != 0 { throw ExitCode(code) }
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
            plan = try Planner.plan(spec: s, asOf: try CLI.asOfDate(asOf), calendar: CLI.calendar)
        } catch {
            CLI.stderr("\(loaded.displayPath): \(error)")
            throw ExitCode(2)
        }
        print("\(loaded.displayPath): valid")
        print(
            "  \(plan.symbols.count) symbols × \(plan.combinations.count) strategy combinations = \(plan.jobs.count) backtests"
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
