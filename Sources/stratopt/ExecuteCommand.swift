import ArgumentParser
import Foundation
import Pipeline
import Reports
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
}

struct Execute: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Execute a stored run: size, risk-check and submit the best strategy's orders.",
        discussion: """
            For each symbol whose best strategy scores at least execute.min_score, the target is long (sized from
            the spec) or flat; the order is target − current position. Risk rules may block, alert, reduce or turn
            it into a closing order. Every order carries a client_order_id derived from (run id, symbol, side,
            session date), so executing the same run again submits nothing new and reports the earlier orders.
            Writes orders.csv and events.jsonl into the run's report folder. See docs/execute.md.
            Exit codes: 0 done (orders may be blocked by rules) · 1 the stage failed · 2 usage · 3 some orders failed.
            """)

    @Argument(help: ArgumentHelp("The run id (or a report folder holding its manifest.json).", valueName: "run-id"))
    var runId: String

    @OptionGroup var data: DataOptions
    @OptionGroup var options: ExecuteOptions

    @Option(name: .customLong("reports-dir"), help: ArgumentHelp("Root folder of report folders.", valueName: "dir"))
    var reportsDir = "reports"

    mutating func run() async throws {
        let dir = try ExecuteCLI.reportFolder(for: runId, reportsDir: reportsDir)
        let manifest: Manifest
        do { manifest = try Manifest.read(from: dir + "/manifest.json") } catch {
            CLI.stderr("stratopt: cannot read \(dir)/manifest.json: \(error.localizedDescription)")
            throw ExitCode(1)
        }
        let candidates: [ExecutionCandidate]
        do { candidates = try ExecuteStage.readCandidates(from: dir) } catch {
            CLI.stderr("stratopt: \(error.description)")
            throw ExitCode(1)
        }
        let code = await ExecuteCLI.execute(
            spec: manifest.resolvedSpec, runId: manifest.runId, reportDirectory: dir, dataDir: data.resolvedDataDir,
            candidates: candidates, options: options, quiet: false, rerender: nil)
        if code != 0 { throw ExitCode(code) }
    }
}

enum ExecuteCLI {
    /// The execute stage as a post-run step of `run` (with the data-folder lock still held), or nil when
    /// neither `--execute` nor the spec's `execute.enabled` asks for it.
    static func afterRun(spec: PipelineSpec, enabled: Bool?, options: ExecuteOptions, output: OutputOptions)
        -> ((RunOutcome, RunSession) async throws -> RunStatus)?
    {
        guard enabled ?? spec.execute.enabled else { return nil }
        let quiet = output.quiet || output.json
        return { outcome, session in
            guard outcome.status != .failed else { return outcome.status }
            try? session.store.update(runId: session.runId, stage: .execute, done: 0, total: 0)
            let report = outcome.report
            let code = await execute(
                spec: spec, runId: session.runId, reportDirectory: outcome.reportDirectory,
                dataDir: session.dataDirectory,
                candidates: try ExecuteStage.readCandidates(from: outcome.reportDirectory),
                options: options, quiet: quiet,
                rerender: { rows in try ReportWriter.write(report, execution: rows, to: outcome.reportDirectory) })
            switch code {
            case 0: return outcome.status
            case 3: return .partial
            default: return .failed
            }
        }
    }

    /// The report folder of a run: a folder path, or a run id (or unique prefix) under `reports/<spec>/`.
    static func reportFolder(for id: String, reportsDir: String) throws -> String {
        let fm = FileManager.default
        if fm.fileExists(atPath: id + "/manifest.json") { return id }
        var matches: [String] = []
        for spec in (try? fm.contentsOfDirectory(atPath: reportsDir)) ?? [] {
            for run in (try? fm.contentsOfDirectory(atPath: reportsDir + "/" + spec)) ?? [] where run.hasPrefix(id) {
                let d = reportsDir + "/" + spec + "/" + run
                if fm.fileExists(atPath: d + "/manifest.json") { matches.append(d) }
            }
        }
        guard matches.count == 1 else {
            CLI.stderr(
                matches.isEmpty
                    ? "stratopt: no run \"\(id)\" under \(reportsDir)/; pass a run id from `stratopt history` or a report folder"
                    : "stratopt: run id prefix \"\(id)\" is ambiguous: \(matches.sorted().joined(separator: ", "))")
            throw ExitCode(2)
        }
        return matches[0]
    }

    /// Runs the execute stage and prints its summary; returns the exit code.
    static func execute(
        spec: PipelineSpec, runId: String, reportDirectory: String, dataDir: String,
        candidates: [ExecutionCandidate], options: ExecuteOptions, quiet: Bool,
        rerender: (@Sendable ([ExecutionRow]) throws -> Void)?
    ) async -> Int32 {
        let request = ExecuteRequest(
            spec: spec, runId: runId, reportDirectory: reportDirectory, dataDirectory: dataDir, candidates: candidates,
            onlySymbols: options.symbols, confirmLive: options.confirmLive, dryRun: options.dryRun,
            timestamp: Manifest.timestamp(Date()), environment: ProcessInfo.processInfo.environment, quiet: quiet)
        do {
            let result = try await ExecuteStage.run(request)
            if options.dryRun {
                print(result.planText, terminator: "")
                return 0
            }
            try rerender?(result.rows)
            print(
                "execute: \(result.submitted) submitted, \(result.blocked) blocked, \(result.failed) failed, "
                    + "\(result.skipped) skipped (already submitted) — \(reportDirectory)/orders.csv")
            for r in result.rows where r.status != "submitted" {
                let why = r.verdicts.isEmpty ? r.error : r.verdicts.joined(separator: "; ")
                print("  \(r.symbol) \(r.side) \(Int(r.shares)) \(r.status)\(why.isEmpty ? "" : ": " + why)")
            }
            return result.failed > 0 ? 3 : 0
        } catch {
            CLI.stderr("stratopt: \(error)")
            return 1
        }
    }
}
