import ArgumentParser
import BuildInfo
import Foundation
import Market
import Pipeline
import Reports
import RunStore
import Spec

/// Options of the execute stage, shared by `run` and `execute`.
struct ExecuteOptions: ParsableArguments {
    @Flag(name: .customLong("dry-run"), help: "Print the order plan and the risk verdicts; submit nothing.")
    var dryRun = false

    @Flag(
        name: .customLong("confirm-live"),
        help: "Allow live trading. Needs `execute.mode: live` in the spec as well; either alone refuses.")
    var confirmLive = false

    @Option(
        name: .customLong("symbol"), help: ArgumentHelp("Execute only this symbol (repeatable).", valueName: "symbol"))
    var symbols: [String] = []

    var step: ExecuteStep { ExecuteStep(onlySymbols: symbols, confirmLive: confirmLive, dryRun: dryRun) }
}

struct Execute: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Execute a stored run: size, risk-check and submit the best strategy's orders.",
        discussion: """
            Runs the run chain again on exactly the bars the run used (from the cache, checked against the \
            manifest's fingerprints; backtests come from the result cache when it has them) with the execute \
            stage on, into the run's own report folder: the result files come out byte-identical, and \
            report.html gains the Execution section. For each symbol whose best strategy scores at least \
            execute.min_score, the target is long (sized from the spec) or flat; the order is target − current \
            position. Risk rules may block, alert, reduce or close positions. Every order carries a \
            deterministic client_order_id, so executing again submits nothing new and reports the earlier \
            orders. Writes orders.csv and events.jsonl into the run's report folder. See docs/execute.md.

            Exit codes: 0 done (orders may be blocked by rules) · 1 the stage failed · 2 usage, unknown run · \
            3 some orders failed.
            """)

    @Argument(
        help: ArgumentHelp("The run id (or a unique prefix, or its report folder).", valueName: "run-id"),
        completion: .custom(RunIdCompletion.complete))
    var runId: String

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ExecuteOptions

    @Option(
        name: .customLong("reports-dir"), help: ArgumentHelp("Root folder of report folders.", valueName: "dir"),
        completion: .directory)
    var reportsDir = "reports"

    @Flag(help: "Print one JSON document on stdout instead of text.")
    var json = false

    mutating func run() async throws {
        let dataDir = data.resolvedDataDir
        let (record, dir) = try ExecuteCLI.locate(runId, dataDir: dataDir, reportsDir: reportsDir)
        let manifest: Manifest
        do { manifest = try Manifest.read(from: dir + "/manifest.json") } catch {
            throw CLIFailure.failed("cannot read \(dir)/manifest.json: \(error.localizedDescription)")
        }
        guard manifest.status.hasResults,
            manifest.backtests > 0
        else {
            throw CLIFailure.usage(
                "run \(manifest.runId) has no results to execute (status \(manifest.status.rawValue)); finish it with `stratopt resume \(manifest.runId)`"
            )
        }
        guard let asOf = SessionDate(iso: manifest.asOf) else {
            throw CLIFailure.failed("the manifest of run \(manifest.runId) has no valid as_of date")
        }
        var spec = Manifests.withWebhooks(manifest)
        spec.report.dir = dir  // the run's own folder, whatever report.dir said
        let progress = ProgressReporter.standardError(quiet: json)
        let lock = try CLI.lockDataFolder(dataDir, runId: manifest.runId, wait: false)
        defer { lock.release() }
        let env = RunEnvironment(
            dataDirectory: dataDir, reportsDirectory: reportsDir, asOf: asOf, runId: manifest.runId,
            toolVersion: ToolVersion.current, variables: ProcessInfo.processInfo.environment,
            log: { progress.message("stratopt: " + $0) })
        let runner: PipelineRunner
        do { runner = try PipelineRunner.recorded(environment: env, manifest: manifest) } catch {
            throw CLIFailure.failed(error.description)
        }
        let cache = try? ResultCache(dataDir: dataDir)
        let context = RunContext(
            results: cache, progress: progress, pinnedBars: PinnedSymbol.from(manifest), execute: options.step)
        let outcome: RunOutcome
        do {
            outcome = try await runner.run(
                SpecInput(spec: spec, path: manifest.specPath, sha256: manifest.specSHA256), context: context)
        } catch {
            throw CLIFailure.failed("\(error)")
        }
        let status = ExitStatus(outcome.status)
        if let record, !options.dryRun, let store = try? RunStore(dataDir: dataDir) {
            let s: RunRecord.Status =
                switch outcome.status {
                case .succeeded: .succeeded
                case .partial: .partial
                case .failed: .failed
                }
            try? store.finish(
                runId: record.runId, status: s, exitCode: status.rawValue, finishedAt: Manifest.timestamp(Date()))
        }
        if json {
            print(JSONOutput.text(RunDriver.json(RunResult(runId: manifest.runId, outcome: outcome))))
        } else if let e = outcome.execution {
            print(ExecuteSummary.text(e, reportDirectory: dir), terminator: "")
        }
        if let error = outcome.execution?.error { CLI.stderr("stratopt: error: \(error)") }
        if status != .ok { throw CLIFailure.exit(status) }
    }
}

enum ExecuteCLI {
    /// The run record (when the history has it) and report folder of `id`: a report folder holding a
    /// manifest.json, a run id or unique prefix from the run history (whatever its `report.dir`), or a run
    /// folder under `<reports>/<spec>/`.
    static func locate(_ id: String, dataDir: String, reportsDir: String) throws -> (RunRecord?, String) {
        let fm = FileManager.default
        if fm.fileExists(atPath: id + "/manifest.json") { return (nil, id) }
        if fm.fileExists(atPath: dataDir + "/runs.sqlite"), let store = try? RunStore(dataDir: dataDir) {
            do {
                let record = try store.find(prefix: id)
                guard let dir = record.reportPath, fm.fileExists(atPath: dir + "/manifest.json") else {
                    throw CLIFailure.usage(
                        "run \(record.runId) has no report folder with a manifest.json (\(record.reportPath ?? "none recorded")); nothing to execute"
                    )
                }
                return (record, dir)
            } catch let e as RunStoreError {
                if case .ambiguousPrefix = e { throw CLIFailure.usage(e.description) }
            }
        }
        var matches: [String] = []
        for spec in (try? fm.contentsOfDirectory(atPath: reportsDir)) ?? [] {
            for run in (try? fm.contentsOfDirectory(atPath: reportsDir + "/" + spec)) ?? [] where run.hasPrefix(id) {
                let d = reportsDir + "/" + spec + "/" + run
                if fm.fileExists(atPath: d + "/manifest.json") { matches.append(d) }
            }
        }
        guard matches.count == 1 else {
            throw CLIFailure(
                matches.isEmpty
                    ? "stratopt: no run \"\(id)\" in \(dataDir)/runs.sqlite or under \(reportsDir)/; pass a run id from `stratopt history` or a report folder"
                    : "stratopt: run id prefix \"\(id)\" is ambiguous: \(matches.sorted().joined(separator: ", "))",
                .usage)
        }
        return (nil, matches[0])
    }
}
