import ArgumentParser
import BuildInfo
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

/// Output flags shared by `run`, `resume` and `rerun`.
struct OutputOptions: ParsableArguments {
    @Flag(
        name: .shortAndLong,
        help: "Print only the report folder on stdout and no progress; errors still go to stderr.")
    var quiet = false

    @Flag(
        help:
            "Print one JSON document on stdout (run id, status, exit code, report folder, best per symbol, counts, execute stage); nothing else goes to stdout."
    )
    var json = false

    @Flag(help: "If another run holds the data folder, wait for it instead of failing.")
    var wait = false

    @Flag(
        name: .shortAndLong,
        help:
            "Progress as lines even on a terminal: each stage's start, every 10 %, its end with its time, the result-cache decisions (computed, hits, misses, restored), each bar-cache decision (covered, or which ranges are fetched) and each HTTP request (redacted URL, status, size, time)."
    )
    var verbose = false

    @Option(
        name: .customLong("log-format"),
        help: "How stderr lines are written: text, or json (one {\"time\", \"level\", \"message\"} object per line).")
    var logFormat: LogFormat = .text

    /// The run's progress reporter on stderr, as these options ask.
    func progressReporter() -> ProgressReporter {
        let lines = verbose || logFormat == .json
        return ProgressReporter.standardError(
            quiet: quiet, mode: lines ? .lines : nil, write: logFormat == .json ? LogFormat.jsonLines : nil)
    }
}

/// `--log-format`.
enum LogFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json

    /// One JSON object per line of `text`, built with an encoder; an `error:`/`warning:` line gets that level.
    @Sendable static func jsonLines(_ text: String) {
        struct Line: Encodable {
            var time: String
            var level: String
            var message: String
        }
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let time = ISO8601DateFormatter().string(from: Date())
        var out = Data()
        for line in text.split(whereSeparator: \.isNewline) where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let message = String(line)
            let level = message.contains("error:") ? "error" : message.contains("warning:") ? "warning" : "info"
            if let data = try? e.encode(Line(time: time, level: level, message: message)) {
                out.append(data)
                out.append(0x0A)
            }
        }
        try? FileHandle.standardError.write(contentsOf: out)
    }
}

/// One attempt of a run, new or resumed: what the CLI composes before handing it to the run chain.
struct RunRequest {
    enum Mode {
        /// A new run under a new id.
        case fresh
        /// Continue `record` under its id, reading its checkpoints.
        case resume(RunRecord)
    }

    var mode: Mode
    var runId: String
    var input: SpecInput
    var asOf: SessionDate
    var dataDir: String
    var options: RecordedOptions
    var output: OutputOptions
    /// Symbols and bar fingerprints of a recorded run, to reproduce exactly those bars.
    var pinned: [PinnedSymbol]?
    /// Builds the runner once the environment is known.
    var makeRunner: (RunEnvironment) throws(RunError) -> PipelineRunner
    /// Bars fingerprints the loaded bars must have (`run --bars FILE`).
    var expectedBars: [String: String]? = nil
    /// The chain to run instead of `PipelineRunner.run` (`merge`: the shards' results through the same
    /// rank, report and execute stages).
    var chain: (@Sendable (PipelineRunner, SpecInput, RunContext) async throws -> RunOutcome)? = nil
}

/// The end of an attempt.
struct RunResult {
    var runId: String
    var outcome: RunOutcome
}

/// Composes a run: the data-folder lock, the run record, signals, progress and the result cache become the
/// run chain's ports; the chain does the rest. Prints nothing on stdout.
enum RunDriver {
    static func execute(_ req: RunRequest) async throws -> RunResult {
        let progress = req.output.progressReporter()
        let runId = req.runId
        let lock = try CLI.lockDataFolder(req.dataDir, runId: runId, wait: req.output.wait, quiet: req.output.quiet)
        defer { lock.release() }
        let store = try CLI.openStore(req.dataDir)
        let dead = (try? store.markDeadRunsInterrupted(isAlive: CLI.isAlive)) ?? []
        if let stale = lock.staleHolder {
            progress.message("stratopt: took over the lock of \(stale.description), which is no longer running")
        }
        for id in dead { progress.message("stratopt: run \(id) had stopped without finishing; marked interrupted") }

        var input = req.input
        if let b = req.options.batchSize { input.spec.batch.size = b }
        let spec = input.spec
        let log: @Sendable (String) -> Void = { progress.message("stratopt: " + $0) }
        let env = RunEnvironment(
            dataDirectory: req.dataDir, reportsDirectory: req.options.reportsDir, asOf: req.asOf, runId: runId,
            toolVersion: ToolVersion.current, variables: ProcessInfo.processInfo.environment, log: log,
            trace: req.output.verbose ? log : nil)
        let runner: PipelineRunner
        do { runner = try req.makeRunner(env) } catch { throw CLIFailure.failed(error.description) }
        let reportDir = runner.reportDirectory(spec)

        do {
            switch req.mode {
            case .fresh:
                try store.create(
                    RunRecord(
                        runId: runId, specName: spec.name, specPath: input.path, specSHA256: input.sha256,
                        startedAt: Manifest.timestamp(Date()), pid: getpid(), asOf: req.asOf.iso,
                        options: req.options.text))
            case .resume(let record):
                try store.reopen(runId: record.runId, pid: getpid())
                let saved = try store.batches(runId: record.runId).count
                log("resuming run \(runId): \(saved) checkpoint(s) of finished backtests")
            }
            try store.setReportPath(runId: runId, path: reportDir)
            // An empty list until the run's files are written: a run killed before then has its files kept
            // rather than guessed at.
            try store.addWrittenFiles(runId: runId, names: [])
        } catch {
            throw CLIFailure.failed(error.description)
        }

        let flag = InterruptFlag.install(
            onSignal: { _ in
                progress.message(
                    "\nstratopt: interrupted: stopping after the backtests in flight or the order being sent "
                        + "(press Ctrl-C again to stop now)")
            },
            onSecondSignal: { _ in
                _ = try? store.markInterrupted(runId: runId, finishedAt: Manifest.timestamp(Date()))
                exit(ExitStatus.interrupted.rawValue)
            })
        defer { flag.uninstall() }
        var cache: ResultCache?
        if !req.options.noCache {
            do { cache = try ResultCache(dataDir: req.dataDir, maxBytes: req.options.resultCacheBytes) } catch {
                log("the result cache cannot be opened (\(error.description)); computing every backtest")
            }
        }
        var context = RunContext(
            journal: StoreJournal(store: store, runId: runId), results: cache, clock: SystemClock(),
            progress: progress, stop: flag, pinnedBars: req.pinned, execute: req.options.execute)
        context.allowExistingReportDir = req.options.allowExistingReportDir ?? false
        context.expectedBars = req.expectedBars

        func finish(_ status: RunRecord.Status, _ code: ExitStatus) {
            do {
                try store.finish(
                    runId: runId, status: status, exitCode: code.rawValue, finishedAt: Manifest.timestamp(Date()))
            } catch { CLI.stderr("stratopt: warning: cannot record the end of run \(runId): \(error.description)") }
            do { try RunIndexWriter.rebuild(reportsDirectory: req.options.reportsDir) } catch {
                CLI.stderr("stratopt: warning: cannot rebuild \(req.options.reportsDir)/index.html: \(error)")
            }
        }
        /// A run that produced no report: recorded, then reported once (JSON on stdout when asked, the reason
        /// on stderr always).
        func stop(_ status: RunRecord.Status, _ code: ExitStatus, _ message: String) -> CLIFailure {
            finish(status, code)
            if req.output.json {
                print(
                    JSONOutput.text(
                        RunSummaryJSON(
                            runId: runId, status: status.rawValue, exitCode: Int(code.rawValue), reportDir: reportDir,
                            error: message)))
            }
            return CLIFailure(message, code)
        }
        // What the report folder held before this attempt: afterwards, what is new or changed is what the run
        // wrote, and only that is recorded for `delete` and `prune` to remove.
        let before = ReportFolder.stamps(reportDir)
        defer {
            let written = ReportFolder.written(in: reportDir, since: before)
            if !written.isEmpty {
                do { try store.addWrittenFiles(runId: runId, names: written) } catch {
                    CLI.stderr("stratopt: warning: cannot record the files run \(runId) wrote: \(error.description)")
                }
            }
        }
        let outcome: RunOutcome
        do {
            if let chain = req.chain {
                outcome = try await chain(runner, input, context)
            } else {
                outcome = try await runner.run(input, context: context)
            }
        } catch let e as RunInterrupted {
            throw stop(
                .interrupted, .interrupted,
                "stratopt: run \(runId) \(e.description); continue it with `stratopt resume \(runId)`")
        } catch let e as RunError {
            throw stop(.failed, .failed, "stratopt: error: \(e.description)")
        } catch {
            throw stop(.failed, .failed, "stratopt: error: \(error)")
        }
        if req.output.verbose {
            let c = outcome.counts
            log(
                "result cache: \(c.computed) computed, \(c.cacheHits) hits, \(c.cacheMisses) misses, "
                    + "\(c.restored) restored from checkpoints\(req.options.noCache ? " (--no-cache)" : "")")
        }
        try? store.setCounts(
            runId: runId, symbols: outcome.plan.symbols.count, backtests: outcome.report.rows.count,
            failedSymbols: outcome.report.issues.count)
        let recordStatus: RunRecord.Status =
            switch outcome.status {
            case .succeeded: .succeeded
            case .partial: .partial
            case .failed: .failed
            }
        finish(recordStatus, ExitStatus(outcome.status))
        return RunResult(runId: runId, outcome: outcome)
    }

    /// Prints the outcome on stdout as the output flags ask (one JSON document with `--json`, the folder with
    /// `--quiet`, else the ranking and the execute summary), then exits with the run's status.
    static func report(_ r: RunResult, output: OutputOptions) throws {
        let o = r.outcome
        if output.json {
            print(JSONOutput.text(json(r)))
        } else if output.quiet {
            print(o.reportDirectory)
        } else {
            print(Summary.text(o), terminator: "")
            if let e = o.execution { print(ExecuteSummary.text(e, reportDirectory: o.reportDirectory), terminator: "") }
            let c = o.counts
            if let earlier = c.reusedRun {
                print(
                    "run: \(r.runId) (\(c.cacheHits) from the result cache: every input matched run \(earlier), whose verified files were copied)"
                )
            } else {
                print(
                    "run: \(r.runId) (\(c.computed) computed, \(c.cacheHits) from the result cache, \(c.restored) from checkpoints)"
                )
            }
        }
        if let error = o.execution?.error { CLI.stderr("stratopt: error: \(error)") }
        let status = ExitStatus(o.status)
        if status != .ok { throw CLIFailure.exit(status) }
    }

    /// The machine-readable summary of `run --json`.
    static func json(_ r: RunResult) -> RunSummaryJSON {
        let o = r.outcome
        var s = RunSummaryJSON(
            runId: r.runId, status: o.status.name, exitCode: Int(ExitStatus(o.status).rawValue),
            reportDir: o.reportDirectory)
        s.best = ReportRenderer.bestRows(o.report).map {
            .init(
                symbol: $0.symbol, strategy: $0.strategy, params: $0.params.text, score: $0.score.total,
                totalReturnPct: $0.metrics.totalReturnPct)
        }
        s.failedSymbols = o.report.issues.map { .init(symbol: $0.symbol, kind: $0.kind.rawValue, reasons: $0.reasons) }
        s.counts = .init(
            symbols: o.plan.symbols.count, failedSymbols: o.report.issues.count, backtests: o.report.rows.count,
            computed: o.counts.computed, restored: o.counts.restored, cacheHits: o.counts.cacheHits,
            cacheMisses: o.counts.cacheMisses, reusedRun: o.counts.reusedRun)
        if let e = o.execution { s.execute = .init(e) }
        return s
    }
}

/// `run --json`'s document; built with an encoder, never by hand.
struct RunSummaryJSON: Encodable {
    struct Best: Encodable {
        var symbol: String
        var strategy: String
        var params: String
        var score: Double
        var totalReturnPct: Double
        enum CodingKeys: String, CodingKey {
            case symbol, strategy, params, score
            case totalReturnPct = "total_return_pct"
        }
    }
    struct Failed: Encodable {
        var symbol: String
        var kind: String
        var reasons: [String]
    }
    struct Counts: Encodable {
        var symbols, failedSymbols, backtests, computed, restored, cacheHits, cacheMisses: Int
        /// The run whose verified files were reused because every input was the same; absent otherwise.
        var reusedRun: String?
        enum CodingKeys: String, CodingKey {
            case symbols, backtests, computed, restored
            case failedSymbols = "failed_symbols"
            case cacheHits = "cache_hits"
            case cacheMisses = "cache_misses"
            case reusedRun = "reused_run"
        }
    }
    struct Execute: Encodable {
        struct Order: Encodable {
            var symbol, side, status, clientOrderId: String
            var shares, price, value: Double
            var verdicts: [String]
            var error: String?
            enum CodingKeys: String, CodingKey {
                case symbol, side, status, shares, price, value, verdicts, error
                case clientOrderId = "client_order_id"
            }
        }
        var submitted = 0
        var blocked = 0
        var failed = 0
        var skipped = 0
        var dryRun = false
        var plan: String?
        var error: String?
        var orders: [Order] = []
        enum CodingKeys: String, CodingKey {
            case submitted, blocked, failed, skipped, plan, error, orders
            case dryRun = "dry_run"
        }

        init(_ e: ExecutionOutcome) {
            error = e.error
            guard let r = e.result else { return }
            submitted = r.submitted
            blocked = r.blocked
            failed = r.failed
            skipped = r.skipped
            if !r.planText.isEmpty {
                dryRun = true
                plan = r.planText
            }
            orders = r.rows.map {
                Order(
                    symbol: $0.symbol, side: $0.side, status: $0.status.rawValue, clientOrderId: $0.clientOrderId,
                    shares: $0.shares, price: $0.price, value: $0.value, verdicts: $0.verdicts,
                    error: $0.error.isEmpty ? nil : $0.error)
            }
        }
    }

    var runId: String
    var status: String
    var exitCode: Int
    var reportDir: String
    var error: String?
    var best: [Best]?
    var failedSymbols: [Failed]?
    var counts: Counts?
    var execute: Execute?

    enum CodingKeys: String, CodingKey {
        case runId = "run_id"
        case status
        case exitCode = "exit_code"
        case reportDir = "report_dir"
        case error, best, counts, execute
        case failedSymbols = "failed_symbols"
    }
}

/// Pretty JSON with sorted keys, the form of every `--json` output.
enum JSONOutput {
    static func text(_ value: some Encodable) -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return (try? e.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// The execute stage's lines after a run's ranking (or alone, for `execute RUN_ID`).
enum ExecuteSummary {
    static func text(_ e: ExecutionOutcome, reportDirectory: String) -> String {
        guard let r = e.result else { return "execute: failed\n" }
        if !r.planText.isEmpty { return r.planText.hasSuffix("\n") ? r.planText : r.planText + "\n" }
        var s =
            "execute: \(r.submitted) submitted, \(r.blocked) blocked, \(r.failed) failed, "
            + "\(r.skipped) skipped (already submitted) — \(reportDirectory)/orders.csv\n"
        for row in r.rows where row.status != .submitted {
            let why = row.verdicts.isEmpty ? row.error : row.verdicts.joined(separator: "; ")
            s +=
                "  \(row.symbol) \(row.side) \(Format.number(row.shares)) \(row.status.rawValue)\(why.isEmpty ? "" : ": " + why)\n"
        }
        return s
    }
}
