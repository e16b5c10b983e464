import BuildInfo
import Foundation
import Market
import Pipeline
import Reports
import RunStore
import Spec
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A request the server refuses: an HTTP status, a stable code and advice; spec errors carry diagnostics.
public struct ServeFailure: Error, Sendable {
    public var status: Int
    public var code: String
    public var message: String
    public var diagnostics: [DiagnosticView]?
    public var retryAfter: Int?

    public init(_ status: Int, _ code: String, _ message: String, diagnostics: [DiagnosticView]? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.diagnostics = diagnostics
    }

    static func notFound(_ id: String) -> ServeFailure {
        ServeFailure(404, "not_found", "no job \(id) of yours; list your jobs with GET /api/v1/optimizer/history")
    }
}

/// One spec diagnostic as JSON (the shape of `stratopt validate --json`).
public struct DiagnosticView: Codable, Sendable, Equatable {
    public var file: String
    public var line: Int
    public var column: Int
    public var keyPath: String
    public var message: String
    public var suggestion: String?

    init(_ d: SpecDiagnostic) {
        file = d.file
        line = d.line
        column = d.column
        keyPath = d.keyPath
        message = d.message
        suggestion = d.suggestion
    }

    enum CodingKeys: String, CodingKey {
        case file, line, column, message, suggestion
        case keyPath = "key_path"
    }
}

/// A job as `status` and `history` show it.
public struct JobView: Codable, Sendable, Equatable {
    public var jobId: String
    /// queued, running, cancelling, succeeded, partial, failed, interrupted, cancelled
    public var status: String
    public var specName: String?
    public var stage: String?
    public var done: Int
    public var total: Int
    public var etaSeconds: Int?
    public var queuePosition: Int?
    public var submittedAt: String
    public var startedAt: String?
    public var finishedAt: String?
    public var symbols: Int?
    public var backtests: Int?
    public var failedSymbols: Int?
    /// Where the run's report.html is served, once it has one.
    public var reportUrl: String?

    enum CodingKeys: String, CodingKey {
        case status, stage, done, total, symbols, backtests
        case jobId = "job_id"
        case specName = "spec_name"
        case etaSeconds = "eta_seconds"
        case queuePosition = "queue_position"
        case submittedAt = "submitted_at"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case failedSymbols = "failed_symbols"
        case reportUrl = "report_url"
    }

    /// Whether the job will not change any more.
    public var isFinal: Bool { !["queued", "running", "cancelling"].contains(status) }
}

/// What `execute` answers: per symbol, what the execute stage did.
public struct ExecuteView: Codable, Sendable {
    public struct Order: Codable, Sendable {
        public var symbol, strategy, side, status, orderId, clientOrderId: String
        public var shares, price, value: Double
        /// The risk rules' verdicts (breaches) for this order.
        public var breaches: [String]
        public var error: String?
        enum CodingKeys: String, CodingKey {
            case symbol, strategy, side, status, shares, price, value, breaches, error
            case orderId = "order_id"
            case clientOrderId = "client_order_id"
        }
    }
    public var jobId: String
    public var dryRun: Bool
    public var submitted = 0
    public var blocked = 0
    public var failed = 0
    public var skipped = 0
    public var plan: String?
    public var error: String?
    public var orders: [Order] = []

    enum CodingKeys: String, CodingKey {
        case submitted, blocked, failed, skipped, plan, error, orders
        case jobId = "job_id"
        case dryRun = "dry_run"
    }
}

/// The jobs of `stratopt serve`: submitted specs become runs in the CLI's run history, taken in order by a
/// bounded pool of workers, each one `PipelineRunner.run(_:context:)` with the same ports `stratopt run`
/// composes. HTTP handlers are thin adapters over this.
public final class JobService: Sendable {
    public let config: ServeConfiguration
    let store: RunStore
    let jobs: JobTable
    let lock: DataFolderLock
    private let stops = Mutex<[String: JobStop]>([:])
    private let resumable = Mutex<[JobRow]>([])
    private let specDir: String
    private let executing = SerialGate()

    public init(config: ServeConfiguration) throws(ServeSetupError) {
        self.config = config
        do { store = try RunStore(dataDir: config.dataDir) } catch { throw ServeSetupError(error.description) }
        jobs = try JobTable(dataDir: config.dataDir)
        lock = DataFolderLock(dataDir: config.dataDir)
        specDir = config.dataDir + "/serve/specs"
        do { try FileManager.default.createDirectory(atPath: specDir, withIntermediateDirectories: true) } catch {
            throw ServeSetupError("cannot create \(specDir): \(error.localizedDescription)")
        }
        // Jobs a previous server was running when it stopped: resumed first, in the order they were submitted.
        _ = try? store.markDeadRunsInterrupted(isAlive: Self.isAlive)
        let started = (try? jobs.all(in: .started)) ?? []
        resumable.withLock {
            $0 = started.filter { job in
                guard let r = try? store.get(runId: job.jobId) else { return true }
                return r.status == .interrupted
            }
        }
    }

    static func isAlive(_ pid: Int32) -> Bool {
        pid == ProcessInfo.processInfo.processIdentifier || ProcessLiveness.isAlive(pid: pid)
    }

    // MARK: - submit

    /// Validates a spec exactly as `stratopt validate` does (plus what a server refuses), then queues it.
    public func submit(user: String, yaml: String, displayName: String = "request.yaml") throws(ServeFailure) -> String
    {
        let loaded: LoadedSpec
        do { loaded = try SpecLoader.parse(yaml: yaml, displayPath: displayName) } catch {
            throw ServeFailure(
                422, "invalid_spec", "the spec has \(error.diagnostics.count) error(s); see docs/spec.md",
                diagnostics: error.diagnostics.map(DiagnosticView.init))
        }
        let spec = loaded.spec
        if let problem = ServePolicy.refusal(spec, source: yaml, file: displayName) {
            throw ServeFailure(422, "invalid_spec", problem.message, diagnostics: [DiagnosticView(problem)])
        }
        let asOf: SessionDate
        do { asOf = try asOfDate(spec.data.calendar) } catch { throw error }
        do {
            _ = try Planner.plan(spec: spec, asOf: asOf, calendar: TradingCalendars.make(spec.data.calendar))
        } catch {
            throw ServeFailure(422, "invalid_plan", "\(displayName): \(error)")
        }
        let jobId = Self.newJobId()
        let path = specDir + "/" + jobId + ".yaml"
        guard FileManager.default.createFile(atPath: path, contents: Data(yaml.utf8)) else {
            throw ServeFailure(503, "store_unavailable", "cannot write \(path); check the data folder")
        }
        let queued: Bool
        do {
            queued = try jobs.enqueue(
                jobId: jobId, user: user, specPath: path, submittedAt: Manifest.timestamp(Date()),
                limit: config.maxQueuedPerUser)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw ServeFailure(503, "store_unavailable", "cannot record the job: \(error)")
        }
        guard queued else {
            try? FileManager.default.removeItem(atPath: path)
            var f = ServeFailure(
                429, "too_many_queued",
                "you already have \(config.maxQueuedPerUser) queued jobs (the server's --max-queued); wait for one to start or delete one"
            )
            f.retryAfter = 10
            throw f
        }
        config.log("job \(jobId) queued for \(user) (\(spec.name))")
        return jobId
    }

    /// `--as-of` of the CLI: $STRATOPT_AS_OF, else the last completed session.
    func asOfDate(_ calendar: CalendarKind) throws(ServeFailure) -> SessionDate {
        let now = Int64(Date().timeIntervalSince1970)
        if let text = config.environment["STRATOPT_AS_OF"], !text.isEmpty {
            guard let d = SessionDate(iso: text) else {
                throw ServeFailure(500, "bad_as_of", "STRATOPT_AS_OF is not a date (YYYY-MM-DD): \(text)")
            }
            return d
        }
        return TradingCalendars.lastCompletedSession(calendar, asOfUTC: now)
    }

    /// `20261125T104406Z-3f9a`, the form of `stratopt run`'s ids.
    static func newJobId() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let suffix = String(UInt16.random(in: 0...UInt16.max), radix: 16)
        return f.string(from: Date()) + "-" + String(repeating: "0", count: 4 - suffix.count) + suffix
    }

    // MARK: - read

    /// The job `id` of `user`; another user's job is not found.
    func job(_ id: String, user: String) throws(ServeFailure) -> JobRow {
        guard id.utf8.count <= 64 else { throw .notFound(id) }
        if let job = try? jobs.get(id) {
            guard job.user == user else { throw .notFound(id) }
            return job
        }
        // A run started from the CLI belongs to the --cli-user, if the server names one.
        guard user == config.cliUser, let r = try? store.get(runId: id) else { throw .notFound(id) }
        return Self.cliJob(r, user: user)
    }

    static func cliJob(_ r: RunRecord, user: String) -> JobRow {
        JobRow(seq: 0, jobId: r.runId, user: user, state: .started, specPath: r.specPath, submittedAt: r.startedAt)
    }

    /// Removes a job's row and its spec copy; a spec elsewhere (a CLI run's own file) is never touched.
    func forget(_ job: JobRow) {
        try? jobs.remove(job.jobId)
        if job.specPath.hasPrefix(specDir + "/") { try? FileManager.default.removeItem(atPath: job.specPath) }
    }

    public func status(_ id: String, user: String) throws(ServeFailure) -> JobView {
        let job = try job(id, user: user)
        guard let view = view(job) else { throw .notFound(id) }
        return view
    }

    func view(_ job: JobRow) -> JobView? {
        var v = JobView(jobId: job.jobId, status: "queued", done: 0, total: 0, submittedAt: job.submittedAt)
        if job.state == .queued {
            v.queuePosition = try? jobs.position(of: job)
            return v
        }
        let running = stops.withLock { $0[job.jobId] != nil }
        guard let r = try? store.get(runId: job.jobId) else {
            // Taken by a worker that has not recorded the run yet; a run deleted with `stratopt delete` is gone.
            if running || job.state == .cancelled {
                v.status = running ? (job.state == .cancelled ? "cancelling" : "running") : "cancelled"
                return v
            }
            return nil
        }
        v.specName = r.specName
        v.stage = r.stage.rawValue
        v.done = r.done
        v.total = r.total
        v.startedAt = r.startedAt
        v.finishedAt = r.finishedAt
        v.symbols = r.symbols
        v.backtests = r.backtests
        v.failedSymbols = r.failedSymbols
        let seen = r.status == .running && !Self.isAlive(r.pid) ? .interrupted : r.status
        v.status = seen.rawValue
        // Cancelled until its worker let go of it: then a second DELETE removes it.
        if job.state == .cancelled { v.status = running || seen == .running ? "cancelling" : "cancelled" }
        if seen == .running, r.stage == .backtest, r.done > 0, r.total > r.done,
            let start = ISO8601DateFormatter().date(from: r.startedAt)
        {
            let elapsed = max(0, Date().timeIntervalSince(start))
            v.etaSeconds = Int((elapsed / Double(r.done) * Double(r.total - r.done)).rounded())
        }
        if let dir = r.reportPath, FileManager.default.fileExists(atPath: dir + "/report.html") {
            v.reportUrl = "/api/v1/optimizer/jobs/\(job.jobId)/report.html"
        }
        return v
    }

    /// The user's jobs, newest first (with the CLI's runs for the --cli-user), at most
    /// `ServeLimits.maxHistory` of them.
    public func history(user: String, page: Int, perPage: Int) throws(ServeFailure) -> (jobs: [JobView], total: Int) {
        do {
            var all = try jobs.page(user: user, offset: 0, limit: ServeLimits.maxHistory).jobs
            if user == config.cliUser {
                let known = Set(try jobs.allIds())
                all += try store.list(limit: ServeLimits.maxHistory).filter { !known.contains($0.runId) }.map {
                    Self.cliJob($0, user: user)
                }
                all.sort { ($0.submittedAt, $0.jobId) > ($1.submittedAt, $1.jobId) }
                all = Array(all.prefix(ServeLimits.maxHistory))
            }
            let views = all.compactMap(view)
            let start = min(views.count, (page - 1) * perPage)
            return (Array(views[start..<min(views.count, start + perPage)]), views.count)
        } catch {
            throw ServeFailure(503, "store_unavailable", "cannot read the job table: \(error)")
        }
    }

    /// A file of the job's report folder (results.json, report.html), once the run wrote it.
    public func reportFile(_ id: String, user: String, name: String) throws(ServeFailure) -> Data {
        let job = try job(id, user: user)
        guard let v = view(job) else { throw .notFound(id) }
        guard v.isFinal, let r = try? store.get(runId: id), let dir = r.reportPath else {
            throw ServeFailure(
                404, "not_ready",
                "job \(id) is \(v.status)\(v.stage.map { " (\($0) \(v.done)/\(v.total))" } ?? ""); \(name) appears when it finishes"
            )
        }
        let path = dir + "/" + name
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw ServeFailure(404, "not_found", "job \(id) (\(v.status)) has no \(name)")
        }
        let size = (attrs[.size] as? NSNumber)?.intValue ?? 0
        guard size <= ServeLimits.fileBytes else {
            throw ServeFailure(
                413, "too_large", "\(name) of job \(id) is \(size) bytes, more than a response carries; read \(path)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ServeFailure(404, "not_found", "job \(id) has no readable \(name)")
        }
        return data
    }

    // MARK: - delete

    public enum Deletion: Sendable {
        /// Removed (a queued job, or a finished run as `stratopt delete` removes it); what happened to the folder.
        case deleted(folder: String?)
        /// A running job was asked to stop after its current batch.
        case cancelling
    }

    public func delete(_ id: String, user: String) throws(ServeFailure) -> Deletion {
        let job = try job(id, user: user)
        if job.state == .queued {
            forget(job)
            return .deleted(folder: nil)
        }
        if let stop = stops.withLock({ $0[id] }) {
            try? jobs.setState(id, .cancelled)
            stop.stop()
            config.log("job \(id): cancel requested by \(user)")
            return .cancelling
        }
        return try deleteFinished(job)
    }

    /// `stratopt delete`: refuses a running run, removes the record and checkpoints, then the files it wrote.
    func deleteFinished(_ job: JobRow) throws(ServeFailure) -> Deletion {
        _ = try? store.markDeadRunsInterrupted(isAlive: Self.isAlive)
        var folder: String?
        if let r = try? store.get(runId: job.jobId) {
            guard r.status != .running else {
                throw ServeFailure(409, "running", "job \(job.jobId) is still running (pid \(r.pid)); stop it first")
            }
            do { try store.delete(runId: r.runId) } catch {
                throw ServeFailure(503, "store_unavailable", error.description)
            }
            folder = RunDeletion.removeReportFolder(r)
        }
        forget(job)
        return .deleted(folder: folder)
    }

    /// Deletes jobs that finished more than `--retain` ago, as `DELETE` would.
    public func prune(now: Date = Date()) {
        guard let retain = config.retainSeconds else { return }
        let cutoff = now.addingTimeInterval(-retain)
        for job in (try? jobs.allStarted()) ?? [] where stops.withLock({ $0[job.jobId] == nil }) {
            guard let r = try? store.get(runId: job.jobId) else {
                // The run was deleted from the CLI: the job goes with it.
                forget(job)
                continue
            }
            guard r.status != .running, let end = r.finishedAt.flatMap({ ISO8601DateFormatter().date(from: $0) }),
                end < cutoff
            else { continue }
            if case .deleted = (try? deleteFinished(job)) ?? .cancelling {
                config.log("job \(job.jobId): pruned (finished \(r.finishedAt ?? "?"), --retain)")
            }
        }
    }

    // MARK: - workers

    /// Runs `config.workers` workers until the task is cancelled; each takes the next job (resumed jobs
    /// first, then queued ones in submission order) and runs it to its end. Prunes once a minute.
    public func runWorkers() async {
        // Stopping the server (SIGTERM) stops the running jobs after their batches in flight: their finished
        // backtests are checkpointed and the next server resumes them.
        await withTaskCancellationHandler {
            await workerPool()
        } onCancel: {
            for stop in stops.withLock({ Array($0.values) }) { stop.stop() }
        }
    }

    private func workerPool() async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, config.workers) {
                group.addTask {
                    while !Task.isCancelled {
                        if let job = self.nextJob() {
                            await self.runJob(job)
                        } else {
                            try? await Task.sleep(for: .milliseconds(200))
                        }
                    }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    self.prune()
                    try? await Task.sleep(for: .seconds(60))
                }
            }
        }
    }

    func nextJob() -> JobRow? {
        if let job = resumable.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { return job }
        return try? jobs.claimNext()
    }

    func runJob(_ job: JobRow) async {
        let stop = JobStop()
        stops.withLock { $0[job.jobId] = stop }
        defer { stops.withLock { $0[job.jobId] = nil } }
        guard await lock.acquire(runId: job.jobId, giveUp: { stop.isStopRequested }) else { return }
        defer { lock.release() }
        do {
            try await JobRunner(service: self, job: job, stop: stop).run()
        } catch {
            config.log("job \(job.jobId): \(error)")
        }
    }

    // MARK: - execute

    /// The execute stage on a finished job, as `stratopt execute RUN_ID`: the recorded bars, the risk gate,
    /// exactly-once orders into the run's own folder.
    public func execute(user: String, jobId: String, symbols: [String], dryRun: Bool) async throws(ServeFailure)
        -> ExecuteView
    {
        let job = try job(jobId, user: user)
        guard let v = view(job), v.isFinal, let record = try? store.get(runId: jobId), let dir = record.reportPath,
            let manifest = try? Manifest.read(from: dir + "/manifest.json")
        else {
            throw ServeFailure(409, "not_ready", "job \(jobId) has no finished run to execute yet; poll its status")
        }
        guard manifest.status.hasResults, manifest.backtests > 0 else {
            throw ServeFailure(
                409, "no_results", "job \(jobId) has no results to execute (status \(manifest.status.rawValue))")
        }
        guard let asOf = SessionDate(iso: manifest.asOf) else {
            throw ServeFailure(409, "no_results", "the manifest of job \(jobId) has no valid as_of date")
        }
        var spec = manifest.resolvedSpec
        spec.report.dir = dir
        let deadline = ContinuousClock.now + .seconds(30)
        guard await lock.acquire(runId: jobId, giveUp: { ContinuousClock.now > deadline }) else {
            throw ServeFailure(503, "busy", "another stratopt process holds the data folder; try again later")
        }
        defer { lock.release() }
        // One execute at a time: each reads the broker's positions and then orders, so two at once could both
        // see a symbol short of its target.
        guard await executing.enter(giveUp: { ContinuousClock.now > deadline }) else {
            throw ServeFailure(503, "busy", "another execute is running; try again")
        }
        defer { executing.leave() }
        let log = config.log
        let env = RunEnvironment(
            dataDirectory: config.dataDir, reportsDirectory: config.reportsDir, asOf: asOf, runId: manifest.runId,
            toolVersion: ToolVersion.current, variables: config.environment, log: { log("job \(jobId): " + $0) })
        let runner: PipelineRunner
        do { runner = try PipelineRunner.recorded(environment: env, manifest: manifest) } catch {
            throw ServeFailure(409, "cannot_execute", error.description)
        }
        // The server's --confirm-live counts for a live spec only: with a paper spec the gate would refuse it
        // ("both are required"), and a paper execute must not depend on how the server was started.
        let step = ExecuteStep(
            onlySymbols: symbols, confirmLive: config.confirmLive && spec.execute.mode == .live, dryRun: dryRun)
        let context = RunContext(
            results: try? ResultCache(dataDir: config.dataDir), pinnedBars: PinnedSymbol.from(manifest),
            execute: step)
        // The files the stage adds (orders.csv, events.jsonl) are recorded, so deleting the job removes them.
        let before = ReportFolder.stamps(dir)
        defer {
            let written = ReportFolder.written(in: dir, since: before)
            if !written.isEmpty { try? store.addWrittenFiles(runId: jobId, names: written) }
        }
        let outcome: RunOutcome
        do {
            outcome = try await runner.run(
                SpecInput(spec: spec, path: manifest.specPath, sha256: manifest.specSHA256), context: context)
        } catch {
            throw ServeFailure(409, "cannot_execute", "\(error)")
        }
        if !dryRun {
            let s: RunRecord.Status =
                switch outcome.status {
                case .succeeded: .succeeded
                case .partial: .partial
                case .failed: .failed
                }
            try? store.finish(
                runId: jobId, status: s, exitCode: outcome.status.rawValue, finishedAt: Manifest.timestamp(Date()))
        }
        var out = ExecuteView(jobId: jobId, dryRun: dryRun)
        out.error = outcome.execution?.error
        if let r = outcome.execution?.result {
            out.submitted = r.submitted
            out.blocked = r.blocked
            out.failed = r.failed
            out.skipped = r.skipped
            out.plan = r.planText.isEmpty ? nil : r.planText
            out.orders = r.rows.map {
                .init(
                    symbol: $0.symbol, strategy: $0.strategy, side: $0.side, status: $0.status.rawValue,
                    orderId: $0.brokerOrderId, clientOrderId: $0.clientOrderId, shares: $0.shares, price: $0.price,
                    value: $0.value, breaches: $0.verdicts, error: $0.error.isEmpty ? nil : $0.error)
            }
        } else if out.error != nil {
            throw ServeFailure(422, "execute_failed", out.error ?? "the execute stage failed")
        }
        return out
    }
}
