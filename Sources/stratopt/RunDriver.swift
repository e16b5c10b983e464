import ArgumentParser
import BuildInfo
import Foundation
import Market
import Pipeline
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
    @Flag(name: .shortAndLong, help: "Print only the report folder on stdout, no progress on stderr.")
    var quiet = false

    @Flag(help: "Print a JSON summary on stdout (run id, status, exit code, report folder, best per symbol, counts).")
    var json = false

    @Flag(help: "If another run holds the data folder, wait for it instead of failing.")
    var wait = false
}

/// One attempt of a run, new or resumed: the lock, the history record, signals, progress, the runner.
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
    /// Runs after the report is written, with the data-folder lock still held (e.g. an execute stage);
    /// may return a different final status. nil: nothing.
    var afterRun: ((RunOutcome, RunSession) async throws -> RunStatus)?
}

/// What an attempt has open while it runs; handed to `RunRequest.afterRun`.
struct RunSession {
    var runId: String
    var store: RunStore
    var progress: ProgressReporter
    var dataDirectory: String
}

/// The end of an attempt.
struct RunResult {
    var runId: String
    var outcome: RunOutcome
    var status: RunStatus
}

enum RunDriver {
    /// `STRATOPT_TEST_PAUSE_AFTER_BATCHES=N` (tests only): after the N-th backtest batch of this attempt is
    /// checkpointed, print `stratopt-test: paused after batch N` on stderr and wait until SIGINT/SIGTERM.
    static let pauseVariable = "STRATOPT_TEST_PAUSE_AFTER_BATCHES"
    /// `STRATOPT_TEST_HOLD=1` (tests only): stay paused even after a signal, so a second signal can be tested.
    static let holdVariable = "STRATOPT_TEST_HOLD"

    /// Runs one attempt; prints nothing on stdout. Exits the process (via `ExitCode`) on a busy lock (2),
    /// an interrupt (130) or an error (1); returns the outcome otherwise.
    static func execute(_ req: RunRequest) async throws -> RunResult {
        let progress = ProgressReporter.standardError(quiet: req.output.quiet)
        let pid = getpid()
        let runId = req.runId
        let lock = try CLI.lockDataFolder(
            req.dataDir, runId: runId, wait: req.output.wait, quiet: req.output.quiet)
        defer { lock.release() }
        let store = try CLI.openStore(req.dataDir)
        let dead = (try? store.markDeadRunsInterrupted(isAlive: CLI.isAlive)) ?? []
        if let stale = lock.staleHolder {
            progress.message("stratopt: took over the lock of \(stale.description), which is no longer running")
        }
        for id in dead { progress.message("stratopt: run \(id) had stopped without finishing; marked interrupted") }

        var spec = req.input.spec
        if let b = req.options.batchSize { spec.batch.size = b }
        var input = req.input
        input.spec = spec
        let log: @Sendable (String) -> Void = { progress.message("stratopt: " + $0) }
        let env = RunEnvironment(
            dataDirectory: req.dataDir, reportsDirectory: req.options.reportsDir, asOf: req.asOf, runId: runId,
            toolVersion: ToolVersion.current, log: log)
        let runner: PipelineRunner
        do { runner = try req.makeRunner(env) } catch {
            CLI.stderr("stratopt: error: \(error.description)")
            throw ExitCode(1)
        }

        var restored: [Int: Data] = [:]
        do {
            switch req.mode {
            case .fresh:
                try store.create(
                    RunRecord(
                        runId: runId, specName: spec.name, specPath: input.path, specSHA256: input.sha256,
                        startedAt: Manifest.timestamp(Date()), pid: pid, asOf: req.asOf.iso,
                        options: req.options.text))
            case .resume(let record):
                try store.reopen(runId: record.runId, pid: pid)
                restored = try store.batches(runId: record.runId)
                log("resuming run \(runId): \(restored.count) backtest batch(es) already checkpointed")
            }
            try store.setReportPath(runId: runId, path: runner.reportDirectory(spec))
        } catch {
            CLI.stderr("stratopt: error: \(error.description)")
            throw ExitCode(1)
        }

        let flag = InterruptFlag.install(
            onSignal: { _ in
                progress.message(
                    "stratopt: interrupted: stopping after the current batch (press Ctrl-C again to stop now)")
            },
            onSecondSignal: { _ in
                _ = try? store.markInterrupted(runId: runId, finishedAt: Manifest.timestamp(Date()))
                exit(130)
            })
        defer { flag.uninstall() }
        let pauseAfter = ProcessInfo.processInfo.environment[pauseVariable].flatMap { Int($0) }
        let hold = ProcessInfo.processInfo.environment[holdVariable] == "1"
        var cache: ResultCache?
        if !req.options.noCache {
            do { cache = try ResultCache(dataDir: req.dataDir) } catch {
                log("the result cache cannot be opened (\(error.description)); computing every backtest")
            }
        }
        let hooks = RunHooks(
            store: store, restoredBatches: restored, resultCache: cache, pinnedBars: req.pinned,
            shouldStop: { flag.isSet },
            afterBatch: { n in
                guard let pauseAfter, n == pauseAfter else { return }
                CLI.stderr("stratopt-test: paused after batch \(n)")
                while !flag.isSet || hold { try? await Task.sleep(nanoseconds: 10_000_000) }
            }, progress: progress)

        func finish(_ status: RunRecord.Status, _ code: Int32) {
            do {
                try store.finish(runId: runId, status: status, exitCode: code, finishedAt: Manifest.timestamp(Date()))
            } catch { CLI.stderr("stratopt: warning: cannot record the end of run \(runId): \(error.description)") }
            do { try RunIndexWriter.rebuild(reportsDirectory: req.options.reportsDir) } catch {
                CLI.stderr("stratopt: warning: cannot rebuild \(req.options.reportsDir)/index.html: \(error)")
            }
        }
        /// Records and reports a run that produced no report, then exits with `code`.
        func stop(_ status: RunRecord.Status, _ code: Int32, _ message: String) -> ExitCode {
            finish(status, code)
            CLI.stderr(message)
            if req.output.json {
                print(
                    jsonText([
                        "run_id": runId, "status": status.rawValue, "exit_code": Int(code), "error": message,
                        "report_dir": runner.reportDirectory(spec),
                    ]))
            }
            return ExitCode(code)
        }
        let outcome: RunOutcome
        do {
            outcome = try await runner.run(input, hooks: hooks)
        } catch let e as RunInterrupted {
            throw stop(
                .interrupted, 130,
                "stratopt: run \(runId) \(e.description); continue it with `stratopt resume \(runId)`")
        } catch let e as RunError {
            throw stop(.failed, 1, "stratopt: error: \(e.description)")
        } catch {
            throw stop(.failed, 1, "stratopt: error: \(error)")
        }
        var status = outcome.status
        let failedSymbols = outcome.report.issues.count
        try? store.setCounts(
            runId: runId, symbols: outcome.plan.symbols.count, backtests: outcome.report.rows.count,
            failedSymbols: failedSymbols)
        if let afterRun = req.afterRun {
            do {
                status = try await afterRun(
                    outcome, RunSession(runId: runId, store: store, progress: progress, dataDirectory: req.dataDir))
            } catch {
                throw stop(.failed, 1, "stratopt: error: \(error)")
            }
        }
        let recordStatus: RunRecord.Status =
            switch status {
            case .succeeded: .succeeded
            case .partial: .partial
            case .failed: .failed
            }
        finish(recordStatus, status.rawValue)
        if status != .failed { _ = try? store.clearBatches(runId: runId) }
        return RunResult(runId: runId, outcome: outcome, status: status)
    }

    /// Prints the outcome on stdout as the output flags ask, then exits with the status's code.
    static func report(_ r: RunResult, output: OutputOptions) throws {
        if output.json {
            print(json(r))
        } else if output.quiet {
            print(r.outcome.reportDirectory)
        } else {
            print(Summary.text(r.outcome), terminator: "")
            let c = r.outcome.counts
            print(
                "run: \(r.runId) (\(c.computed) computed, \(c.cacheHits) from the result cache, \(c.restored) from checkpoints)"
            )
        }
        if r.status != .succeeded { throw ExitCode(r.status.rawValue) }
    }

    /// The machine-readable summary of `run --json`.
    static func json(_ r: RunResult) -> String {
        let o = r.outcome
        let best = o.report.symbols.compactMap { s -> [String: Any]? in
            guard let row = s.rowIndices.map({ o.report.rows[$0] }).first(where: { $0.rank == 1 }) else { return nil }
            return [
                "symbol": s.symbol, "strategy": row.strategy, "params": row.params, "score": row.score.total,
                "total_return_pct": row.metrics.totalReturnPct,
            ]
        }
        let object: [String: Any] = [
            "run_id": r.runId, "status": r.status.name, "exit_code": Int(r.status.rawValue),
            "report_dir": o.reportDirectory, "best": best,
            "failed_symbols": o.report.issues.map {
                ["symbol": $0.symbol, "kind": $0.kind.rawValue, "reasons": $0.reasons]
            },
            "counts": [
                "symbols": o.plan.symbols.count, "failed_symbols": o.report.issues.count,
                "backtests": o.report.rows.count, "computed": o.counts.computed, "restored": o.counts.restored,
                "cache_hits": o.counts.cacheHits, "cache_misses": o.counts.cacheMisses,
            ],
        ]
        return jsonText(object)
    }

    static func jsonText(_ object: [String: Any]) -> String {
        let data =
            (try? JSONSerialization.data(
                withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
