import BuildInfo
import Foundation
import Market
import Pipeline
import RunStore
import Spec

/// One attempt of a job's run, new or resumed: the same composition `stratopt run` / `resume` make
/// (run record, journal, result cache, stop signal, report folder bookkeeping) around
/// `PipelineRunner.run(_:context:)`. The caller holds the data folder's lock.
struct JobRunner {
    let service: JobService
    let job: JobRow
    let stop: JobStop

    func run() async throws {
        let config = service.config
        let store = service.store
        let runId = job.jobId
        let log: @Sendable (String) -> Void = { [log = config.log] in log("job \(runId): " + $0) }
        let options = RecordedOptions(reportsDir: config.reportsDir, batchSize: nil, offline: false, noCache: false)

        let input: SpecInput
        let pinned: [PinnedSymbol]?
        let asOf: SessionDate
        let makeRunner: (RunEnvironment) throws(RunError) -> PipelineRunner
        let existing = try? store.get(runId: runId)
        if let existing {
            guard existing.status == .interrupted else { return }  // already ended
            guard let d = existing.asOf.flatMap({ SessionDate(iso: $0) }) else {
                throw RunError("run \(runId) has no as-of date recorded; it cannot be resumed")
            }
            asOf = d
            if let dir = existing.reportPath, let manifest = try? Manifest.read(from: dir + "/manifest.json"),
                manifest.runId == runId
            {
                input = SpecInput(spec: manifest.resolvedSpec, path: manifest.specPath, sha256: manifest.specSHA256)
                pinned = PinnedSymbol.from(manifest)
                makeRunner = { env throws(RunError) in try PipelineRunner.recorded(environment: env, manifest: manifest)
                }
            } else {
                let loaded = try SpecLoader.load(path: job.specPath)
                input = SpecInput(spec: loaded.spec, path: loaded.displayPath, text: loaded.sourceText)
                pinned = nil
                guard input.sha256 == existing.specSHA256 else {
                    throw RunError("\(job.specPath) changed since the job started; it cannot be resumed")
                }
                makeRunner = { env throws(RunError) in
                    try PipelineRunner.standard(environment: env, spec: loaded.spec, specPath: loaded.displayPath)
                }
            }
            try store.reopen(runId: runId, pid: getpid())
            log("resuming: \(try store.batches(runId: runId).count) checkpoint(s) of finished backtests")
        } else {
            let loaded = try SpecLoader.load(path: job.specPath)
            input = SpecInput(spec: loaded.spec, path: loaded.displayPath, text: loaded.sourceText)
            pinned = nil
            asOf = try service.asOfDate(loaded.spec.data.calendar)
            makeRunner = { env throws(RunError) in
                try PipelineRunner.standard(environment: env, spec: loaded.spec, specPath: loaded.displayPath)
            }
            try store.create(
                RunRecord(
                    runId: runId, specName: loaded.spec.name, specPath: loaded.displayPath, specSHA256: input.sha256,
                    startedAt: Manifest.timestamp(Date()), pid: getpid(), asOf: asOf.iso, options: options.text))
        }

        let env = RunEnvironment(
            dataDirectory: config.dataDir, reportsDirectory: config.reportsDir, asOf: asOf, runId: runId,
            toolVersion: ToolVersion.current, variables: config.environment, log: log)
        let finish: @Sendable (RunRecord.Status) -> Void = { status in
            try? store.finish(
                runId: runId, status: status, exitCode: status.exitCode ?? 1, finishedAt: Manifest.timestamp(Date()))
            try? RunIndexWriter.rebuild(reportsDirectory: config.reportsDir)
        }
        let runner: PipelineRunner
        do { runner = try makeRunner(env) } catch {
            finish(.failed)
            throw error
        }
        let reportDir = runner.reportDirectory(input.spec)
        try store.setReportPath(runId: runId, path: reportDir)
        // An empty list until the run's files are written: a run killed before then has its files kept.
        try store.addWrittenFiles(runId: runId, names: [])
        var cache: ResultCache?
        do { cache = try ResultCache(dataDir: config.dataDir, maxBytes: options.resultCacheBytes) } catch {
            log("the result cache cannot be opened (\(error.description)); computing every backtest")
        }
        let context = RunContext(
            journal: StoreJournal(store: store, runId: runId), results: cache, clock: SystemClock(),
            progress: SilentProgress(), stop: StopAdapter(stop: stop), pinnedBars: pinned)
        // What the folder held before: only what this attempt adds is recorded for `delete` to remove.
        let before = ReportFolder.stamps(reportDir)
        defer {
            let written = ReportFolder.written(in: reportDir, since: before)
            if !written.isEmpty { try? store.addWrittenFiles(runId: runId, names: written) }
        }
        log("started (\(input.spec.name))")
        let outcome: RunOutcome
        do {
            outcome = try await runner.run(input, context: context)
        } catch let e as RunInterrupted {
            finish(.interrupted)
            log(e.description)
            return
        } catch {
            finish(.failed)
            throw error
        }
        try? store.setCounts(
            runId: runId, symbols: outcome.plan.symbols.count, backtests: outcome.report.rows.count,
            failedSymbols: outcome.report.issues.count)
        let status: RunRecord.Status =
            switch outcome.status {
            case .succeeded: .succeeded
            case .partial: .partial
            case .failed: .failed
            }
        finish(status)
        log("finished: \(status.rawValue)")
    }
}

/// The job's stop request as the run chain's `StopSignal` port.
struct StopAdapter: StopSignal {
    let stop: JobStop
    var isStopRequested: Bool { stop.isStopRequested }
}
