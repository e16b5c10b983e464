import DataQuality
import DataSources
import Engine
import Foundation
import Market
import Reports
import RunStore
import Scoring
import Spec
import Strategies

/// How a run ended. Raw values are the process exit codes.
public enum RunStatus: Int32, Sendable, Codable {
    case succeeded = 0
    case failed = 1
    case partial = 3

    public var name: String { manifestState.rawValue }

    /// The state manifest.json records for a run that ended so.
    public var manifestState: Manifest.RunState {
        switch self {
        case .succeeded: return .succeeded
        case .failed: return .failed
        case .partial: return .partial
        }
    }
}

/// The outside world a run needs, injected so the pipeline itself never reads a global.
public struct RunEnvironment: Sendable {
    /// Where the bar cache and other stores live (`data/` by default).
    public var dataDirectory: String
    /// Where report folders go when the spec does not say (`reports/` by default).
    public var reportsDirectory: String
    /// The date `today` and relative period dates resolve against.
    public var asOf: SessionDate
    public var runId: String
    public var toolVersion: String
    /// The process environment (API keys for the execute stage's broker); never logged or written.
    public var variables: [String: String]
    /// Diagnostics; the CLI sends them to stderr.
    public var log: @Sendable (String) -> Void
    /// Detail for `--verbose` (each HTTP request, each bar-cache decision); nil = not asked for.
    public var trace: (@Sendable (String) -> Void)?

    public init(
        dataDirectory: String, reportsDirectory: String, asOf: SessionDate, runId: String, toolVersion: String,
        variables: [String: String] = [:], log: @escaping @Sendable (String) -> Void = { _ in },
        trace: (@Sendable (String) -> Void)? = nil
    ) {
        self.trace = trace
        self.dataDirectory = dataDirectory
        self.reportsDirectory = reportsDirectory
        self.asOf = asOf
        self.runId = runId
        self.toolVersion = toolVersion
        self.variables = variables
        self.log = log
    }
}

/// The spec as read from disk: its value, its text (hashed into the manifest) and its path.
public struct SpecInput: Sendable {
    public var spec: PipelineSpec
    public var path: String
    public var text: String
    /// SHA-256 (hex) of the spec file's text, recorded in the manifest.
    public var sha256: String

    public init(spec: PipelineSpec, path: String, text: String) {
        self.spec = spec
        self.path = path
        self.text = text
        self.sha256 = Hashing.sha256Hex(text.utf8)
    }

    /// A spec taken from a recorded run (`rerun`): its resolved value and the recorded hash of its text.
    public init(spec: PipelineSpec, path: String, sha256: String) {
        self.spec = spec
        self.path = path
        self.text = ""
        self.sha256 = sha256
    }
}

/// What the execute stage of a run did.
public struct ExecutionOutcome: Sendable {
    /// The stage's result; nil when it failed before any order (see `error`).
    public var result: ExecuteResult?
    /// Why the stage failed, as advice.
    public var error: String?
}

/// What a finished run reports back.
public struct RunOutcome: Sendable {
    /// The final status, the execute stage included.
    public var status: RunStatus
    public var reportDirectory: String
    public var report: RunReport
    public var plan: RunPlan
    /// Where the backtest results came from (computed, checkpoints, result cache).
    public var counts: BacktestCounts
    /// The bars each symbol was backtested on (symbols that failed or were quarantined are absent).
    public var series: [String: BarSeries] = [:]
    /// The execute stage, when the run included it.
    public var execution: ExecutionOutcome?
}

/// Errors that stop a run before any result exists.
public struct RunError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The run chain: plan → load bars → backtest → rank → report → execute (optional).
///
/// Each stage takes values and returns a value; the outside world comes in through `RunContext`'s ports
/// (journal, result store, clock, progress, stop signal) and the bar source. `run`, `resume`, `rerun` and
/// `execute RUN_ID` all go through `run(_:context:)`; nothing is written to be read back by this process.
public struct PipelineRunner: Sendable {
    public var environment: RunEnvironment
    public var calendar: any TradingCalendar
    public var provider: any BarProvider
    /// The SQLite bar cache; nil fetches everything from the provider.
    public var cache: BarCache?
    /// Use only cached bars; symbols whose range is not cached fail instead of calling the provider.
    public var offline: Bool
    public var qualityThresholds: QualityThresholds
    /// Replaces the provider, cache and gate as the source of bars (tests: `MemoryBarSource`).
    public var barSource: (any BarSource)?

    public init(
        environment: RunEnvironment, calendar: any TradingCalendar, provider: any BarProvider, cache: BarCache? = nil,
        offline: Bool = false, qualityThresholds: QualityThresholds = .standard, barSource: (any BarSource)? = nil
    ) {
        self.environment = environment
        self.calendar = calendar
        self.provider = provider
        self.cache = cache
        self.offline = offline
        self.qualityThresholds = qualityThresholds
        self.barSource = barSource
    }

    public func run(_ input: SpecInput) async throws -> RunOutcome {
        try await run(input, context: RunContext())
    }

    /// One run through every stage. Throws `RunInterrupted` when the stop signal stopped it, `RunError` when
    /// it could not produce results. An execute stage that fails is part of the outcome (status failed),
    /// not a throw: the results and report exist.
    public func run(_ input: SpecInput, context ctx: RunContext) async throws -> RunOutcome {
        try await announced(input, context: ctx) { signalProblems in
            try await stages(input, context: ctx, signalProblems: signalProblems)
        }
    }

    /// Runs `body` with the spec's rules and signals bound (visible to every stage and its child tasks, for
    /// this run only), and announces how it ended: `run` and `merge` share it. A failed run still leaves its
    /// events.jsonl (and tells every webhook).
    func announced(
        _ input: SpecInput, context ctx: RunContext,
        _ body: @Sendable (_ signalProblems: [String: [String]]) async throws -> RunOutcome
    ) async throws -> RunOutcome {
        let dir = reportDirectory(input.spec)
        let announcer = RunAnnouncer(spec: input.spec, reportDirectory: dir, log: environment.log)
        do {
            let (catalog, signalProblems) = UserStrategies.catalog(for: input.spec)
            let outcome = try await StrategyCatalog.$current.withValue(catalog) { try await body(signalProblems) }
            await announcer.completed(
                outcome, runId: environment.runId, timestamp: Manifest.timestamp(ctx.clock.now()))
            return outcome
        } catch let e as RunError {
            try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            await announcer.failed(
                e.description, specName: input.spec.name, runId: environment.runId,
                timestamp: Manifest.timestamp(ctx.clock.now()))
            throw e
        }
    }

    /// The stages themselves; `run` adds the announcement of how the run ended.
    func stages(_ input: SpecInput, context ctx: RunContext, signalProblems: [String: [String]] = [:]) async throws
        -> RunOutcome
    {
        // A cold universe's bars are stored while the run backtests them; the run ends (or fails) only
        // once they are in the cache.
        let writes = cache == nil ? nil : DeferredCacheWrites()
        do {
            let outcome = try await stages(input, context: ctx, signalProblems: signalProblems, cacheWrites: writes)
            await settle(writes)
            return outcome
        } catch {
            await settle(writes)
            throw error
        }
    }

    /// Waits for the bar cache's background stores; a store that failed costs only a fetch next run.
    func settle(_ writes: DeferredCacheWrites?) async {
        guard let writes else { return }
        for (symbol, reason) in await writes.settle() {
            environment.log(
                "fetch: \(symbol): its bars were used but not cached (\(reason)); the next run fetches them again")
        }
    }

    private func stages(
        _ input: SpecInput, context ctx: RunContext, signalProblems: [String: [String]],
        cacheWrites: DeferredCacheWrites?
    ) async throws -> RunOutcome {
        let env = environment
        let started = ctx.clock.now()
        let (plan, config) = try planStage(input, journal: ctx.journal)
        let loaded = try await loadStage(
            input, plan: plan, symbols: plan.symbols, context: ctx, signalProblems: signalProblems,
            cacheWrites: cacheWrites)
        let dir = reportDirectory(input.spec)
        let manifest = manifestDraft(input, plan: plan, config: config, loaded: loaded, started: started)
        // A report.dir may name any folder: never a system folder, and not one holding others' files.
        try ReportFolder.checkWritable(
            dir, allowForeignFiles: ctx.allowExistingReportDir, home: env.variables["HOME"])
        // Record the bars before backtesting, so an interrupted run can be resumed or rerun on the same ones.
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try manifest.make(status: .running, finishedAt: "", backtests: 0).write(to: dir + "/manifest.json")
        } catch {
            throw RunError("cannot write \(dir)/manifest.json: \(error.localizedDescription)")
        }
        // The same night again: when a finished run had exactly these inputs, its files are this run's.
        // Not with an execute stage (report.html then holds this run's orders) nor for a run with failed
        // symbols (their next attempt may load).
        let reuseKey: String? =
            ctx.results == nil || ctx.execute != nil || !loaded.issues.isEmpty
            ? nil
            : RunReuse.key(
                input: input, asOf: env.asOf, plan: plan, providerId: provider.id, fingerprints: loaded.fingerprints,
                signals: loaded.signals.map { ($0.id, $0.sha256) }, toolVersion: env.toolVersion)
        if let key = reuseKey, let store = ctx.results, !ctx.stop.isStopRequested,
            let reused = try await serveReused(
                key, store: store, total: plan.jobs.filter { loaded.series[$0.symbol] != nil }.count, into: dir,
                spec: input.spec, plan: plan, series: loaded.series,
                info: runInfo(input, plan: plan, config: config, started: started), manifest: manifest, context: ctx)
        {
            return reused
        }
        let (outcomes, counts) = try await backtestStage(
            plan.jobs, batchSize: input.spec.batch.size, config: config, loaded: loaded, journal: ctx.journal,
            context: ctx)
        return try await finishStages(
            input, context: ctx, plan: plan, config: config, loaded: loaded, outcomes: outcomes, counts: counts,
            manifest: manifest, started: started, reuseKey: reuseKey)
    }

    /// The run's facts for the report's summary.
    func runInfo(_ input: SpecInput, plan: RunPlan, config: BacktestConfig, started: Date) -> RunInfo {
        let spec = input.spec
        var info = RunInfo(
            specName: spec.name, specPath: input.path, provider: provider.id, isSynthetic: provider.isSynthetic,
            periodStart: plan.start, periodEnd: plan.end, conventions: config.conventions.name,
            costs: SpecMapping.describeCosts(spec), sizing: SpecMapping.describeSizing(spec),
            initialCapital: spec.capital.initial, runId: environment.runId, toolVersion: environment.toolVersion,
            skippedCombinations: plan.skipped, startedAt: Manifest.timestamp(started),
            scoreWeights: SpecMapping.weights(spec))
        info.warnings = plan.warnings
        return info
    }

    /// What the load stage hands on: the bars of the symbols asked for and what is known about them.
    struct Loaded: Sendable {
        var series: [String: BarSeries]
        var issues: [SymbolIssue]
        /// Source-file SHA-256 per symbol (csv provider).
        var sources: [String: String]
        var fingerprints: [String: String]
        /// Index of each symbol's first period bar; > 0 only when warm-up history was loaded before it.
        var tradingStart: [String: Int]
        var signals: [Manifest.SignalsEntry]
    }

    /// 1. plan: the whole run's jobs and the backtest configuration.
    func planStage(_ input: SpecInput, journal: (any RunJournal)?) throws(RunError) -> (RunPlan, BacktestConfig) {
        let env = environment
        let spec = input.spec
        try journal?.record(stage: .plan, done: 0, total: 0)
        let plan: RunPlan
        do { plan = try Planner.plan(spec: spec, asOf: env.asOf, calendar: calendar) } catch {
            throw RunError("\(input.path): \(error.description)")
        }
        env.log(
            "plan: \(Plural.count(plan.symbols.count, "symbol")) × \(Plural.count(plan.combinations.count, "strategy combination")) = \(Plural.count(plan.jobs.count, "backtest")), \(plan.start.iso) … \(plan.end.iso)"
        )
        for w in plan.warnings { env.log("plan: warning: \(w)") }
        if !plan.skipped.isEmpty {
            env.log(
                "plan: skipped \(plan.skipped.count) grid combinations: \(plan.skipped.prefix(3).joined(separator: "; "))"
            )
        }
        let config: BacktestConfig
        do { config = try SpecMapping.backtestConfig(spec) } catch {
            throw RunError("\(input.path): \(error.description)")
        }
        return (plan, config)
    }

    /// 2. load bars of `symbols` (all of the plan's, or one shard's), through the data-quality gate and the
    /// signals alignment; with `context.expectedBars`, bars whose fingerprint differs are refused.
    func loadStage(
        _ input: SpecInput, plan fullPlan: RunPlan, symbols: [String], context ctx: RunContext,
        signalProblems: [String: [String]], cacheWrites: DeferredCacheWrites? = nil
    ) async throws -> Loaded {
        let env = environment
        let spec = input.spec
        let progress = ctx.progress
        var plan = fullPlan
        plan.symbols = symbols
        try ctx.journal?.record(stage: .fetch, done: 0, total: plan.symbols.count)
        progress.start(.fetch, total: plan.symbols.count, done: 0)
        var (series, issues): ([String: BarSeries], [SymbolIssue])
        var sources: [String: String] = [:]
        if let pinned = ctx.pinnedBars {
            (series, issues) = try await loadPinned(pinned, plan: plan)
        } else if let source = barSource {
            (series, issues) = try await source.load(plan)
        } else {
            (series, issues, sources) = await loadAndCheck(plan: plan, cacheWrites: cacheWrites)
        }
        // A symbol whose signals file is unreadable or off its bars leaves the run; the others go on.
        let catalog = StrategyCatalog.current
        for id in catalog.signals.keys.sorted() {
            let without = plan.symbols.filter { catalog.signals[id]!.tables[$0] == nil && signalProblems[$0] == nil }
            if !without.isEmpty {
                env.log(
                    "signals \(id): no file for \(without.prefix(5).joined(separator: ", "))"
                        + (without.count > 5 ? " and \(without.count - 5) more" : "") + "; they never signal")
            }
        }
        let misaligned = UserStrategies.alignmentProblems(catalog, series: series, calendar: spec.data.calendar)
        for symbol in plan.symbols where series[symbol] != nil {
            let reasons = (signalProblems[symbol] ?? []) + (misaligned[symbol] ?? [])
            guard !reasons.isEmpty else { continue }
            series[symbol] = nil
            issues.append(SymbolIssue(symbol: symbol, kind: .failed, reasons: reasons))
        }
        progress.update(done: plan.symbols.count)
        progress.finish(detail: "\(series.count) loaded, \(issues.count) failed")
        for i in issues { env.log("fetch: \(i.symbol) \(i.kind.rawValue): \(i.reasons.joined(separator: "; "))") }
        env.log("fetch: \(series.count) of \(plan.symbols.count) symbols passed the data-quality gate")
        let fingerprints = await Self.fingerprints(series, store: ctx.results)
        if let expected = ctx.expectedBars {
            for sym in plan.symbols where series[sym] != nil {
                guard let want = expected[sym] else {
                    throw RunError(
                        "\(sym): the bars file has no bars for it, but bars were loaded; export the bars again")
                }
                guard want == fingerprints[sym] else {
                    throw RunError(
                        "\(sym): the bars read (fingerprint \(fingerprints[sym]!.prefix(16))…) are not the ones the bars file recorded (\(want.prefix(16))…); the file was altered after `stratopt cache export`, export it again"
                    )
                }
            }
        }
        let tradingStart = series.compactMapValues { b -> Int? in
            let i = b.dates.firstIndex { $0 >= plan.start } ?? b.count
            return i > 0 ? i : nil
        }
        let signals = catalog.signals.keys.sorted().map { id in
            Manifest.SignalsEntry(
                id: id, path: spec.strategies.first { $0.id == id }?.signals?.path ?? "",
                sha256: catalog.signals[id]!.digest)
        }
        return Loaded(
            series: series, issues: issues, sources: sources, fingerprints: fingerprints, tradingStart: tradingStart,
            signals: signals)
    }

    /// The manifest of a run, known once its bars are loaded.
    func manifestDraft(_ input: SpecInput, plan: RunPlan, config: BacktestConfig, loaded: Loaded, started: Date)
        -> ManifestDraft
    {
        ManifestDraft(
            runId: environment.runId, toolVersion: environment.toolVersion, input: input, asOf: environment.asOf,
            plan: plan, provider: provider, conventions: config.conventions.name,
            startedAt: Manifest.timestamp(started), series: loaded.series, fingerprints: loaded.fingerprints,
            issues: loaded.issues, sources: loaded.sources, signals: loaded.signals)
    }

    /// 3. backtest: the `jobs` (of the plan, or of a shard) whose symbol has bars, in plan order.
    func backtestStage(
        _ jobs: [BacktestJob], batchSize: Int, config: BacktestConfig, loaded: Loaded, journal: (any RunJournal)?,
        context ctx: RunContext
    ) async throws -> ([BacktestStage.Outcome], BacktestCounts) {
        let series = loaded.series
        let runnable = jobs.filter { series[$0.symbol] != nil }
        if ctx.stop.isStopRequested { throw RunInterrupted(done: 0, total: runnable.count) }
        let total = runnable.count
        try journal?.record(stage: .backtest, done: 0, total: total)
        ctx.progress.start(.backtest, total: total, done: 0)
        let (outcomes, counts) = try await BacktestStage.run(
            jobs: runnable, series: series,
            context: .init(
                config: config, batchSize: max(1, batchSize), fingerprints: loaded.fingerprints,
                tradingStart: loaded.tradingStart, journal: journal, results: ctx.results, clock: ctx.clock,
                progress: ctx.progress, stop: ctx.stop, log: environment.log))
        precondition(outcomes.count == total)
        var detail = "\(counts.computed) computed"
        if ctx.results != nil { detail += ", \(counts.cacheHits) from the result cache" }
        if counts.restored > 0 { detail += ", \(counts.restored) from checkpoints" }
        ctx.progress.finish(detail: detail)
        return (outcomes, counts)
    }

    /// 4–6. rank, report, execute (optional), report.html and the final manifest, from every outcome of the
    /// plan in plan order (of one process, or merged from shards).
    func finishStages(
        _ input: SpecInput, context ctx: RunContext, plan: RunPlan, config: BacktestConfig, loaded: Loaded,
        outcomes: [BacktestStage.Outcome], counts: BacktestCounts, manifest: ManifestDraft, started: Date,
        reuseKey: String? = nil
    ) async throws -> RunOutcome {
        let env = environment
        let spec = input.spec
        let progress = ctx.progress
        let journal = ctx.journal
        func record(_ stage: RunStage, _ done: Int, _ total: Int) throws(RunError) {
            try journal?.record(stage: stage, done: done, total: total)
        }
        let series = loaded.series
        let issues = loaded.issues
        let tradingStart = loaded.tradingStart
        let dir = reportDirectory(spec)
        var status: RunStatus = series.isEmpty ? .failed : (issues.isEmpty ? .succeeded : .partial)

        // 4. rank (by the out-of-sample score when the spec validates)
        try record(.score, 0, outcomes.count)
        progress.start(.score, total: outcomes.count, done: 0)
        let rules = SpecMapping.scoringRules(spec)
        var validated: [String: [String: WalkForward.Outcome]]?
        if !plan.folds.isEmpty {
            let combinations = plan.combinations
            let folds = plan.folds
            validated = await Self.validate(
                series: series, periodStart: tradingStart, combinations: combinations, config: config, rules: rules,
                folds: folds)
            env.log("validation: \(Plural.count(folds.count, "fold")), ranking by the out-of-sample score")
        }
        var rows = Self.rank(outcomes, rules: rules, validated: validated)
        await Self.addOverfitting(to: &rows, outcomes: outcomes)
        progress.update(done: outcomes.count)
        progress.finish(detail: nil)

        // 5. report: each symbol's best curve is recomputed (results keep none); every curve only when asked.
        try record(.report, 0, 0)
        progress.start(.report, total: 0, done: 0)
        let everyCurve = spec.report.equity == .all
        var symbolReports: [SymbolReport] = []
        var candidates: [ExecutionCandidate] = []
        var rowsOf: [String: [Int]] = [:]
        for i in rows.indices { rowsOf[rows[i].symbol, default: []].append(i) }
        for sym in plan.symbols {
            guard let bars = series[sym] else { continue }
            let idx = rowsOf[sym] ?? []
            let from = tradingStart[sym] ?? 0
            let indicators = IndicatorCache(series: bars)
            let curves: [[Double]] = idx.map { i in
                guard rows[i].rank == 1 else { return [] }
                return BacktestStage.curve(job: outcomes[i].job, cache: indicators, config: config, tradingStart: from)
            }
            symbolReports.append(
                SymbolReport(
                    symbol: sym, dates: Array(bars.dates[from...]), close: Array(bars.close[from...]),
                    rowIndices: idx, equity: curves))
            // A symbol whose every row `scoring.min_trades` excludes has no winner to trade.
            if let best = idx.first(where: { rows[$0].rank == 1 && rows[$0].excludedReason == nil }) {
                candidates.append(
                    ExecuteStage.candidate(
                        row: rows[best], series: bars,
                        indicators: indicators,
                        firstDecisionOffset: config.conventions.firstDecisionOffset, tradingStart: from))
            }
        }
        var report = RunReport(
            info: runInfo(input, plan: plan, config: config, started: started), rows: rows, symbols: symbolReports,
            issues: issues)
        if let v = spec.validation, !plan.folds.isEmpty {
            report.validation = ValidationSummary(
                method: v.method.rawValue, description: WalkForward.describe(v), folds: plan.folds)
        }
        report.equityOfEveryBacktest = everyCurve
        // Every backtest's curve of one symbol, recomputed deterministically by the engine (results keep no
        // curves): for equity.csv with `equity: all`, and for the backtest details of report.html.
        let loaded = series
        let jobs = outcomes.map(\.job)
        // Every backtest has a detail: one symbol's curves at a time, through its shared indicators.
        let recompute: @Sendable (SymbolReport) -> [[Double]] = { s in
            guard let bars = loaded[s.symbol] else { return [] }
            return BacktestStage.curves(
                jobs: s.rowIndices.map { jobs[$0] }, cache: IndicatorCache(series: bars), config: config,
                tradingStart: tradingStart[s.symbol] ?? 0)
        }
        let allCurves: (@Sendable (SymbolReport) -> [[Double]])? = everyCurve ? recompute : nil
        // Details cover each symbol's best `HTMLReport.maxDetailsPerSymbol` rows: only their curves.
        let ranks = rows.map(\.rank)
        let detailCurves: @Sendable (SymbolReport) -> [[Double]] = { s in
            guard let bars = loaded[s.symbol] else { return [] }
            let shown = s.rowIndices.filter { ranks[$0] <= HTMLReport.maxDetailsPerSymbol }
            guard shown.count < s.rowIndices.count else { return recompute(s) }
            let computed = BacktestStage.curves(
                jobs: shown.map { jobs[$0] }, cache: IndicatorCache(series: bars), config: config,
                tradingStart: tradingStart[s.symbol] ?? 0)
            var byRow: [Int: [Double]] = [:]
            for (i, c) in zip(shown, computed) { byRow[i] = c }
            return s.rowIndices.map { byRow[$0] ?? [] }
        }
        // The result files are written while the execute stage runs (or while report.html renders): they do
        // not depend on either.
        let finished = report
        async let resultsWritten: Void = ReportWriter.writeResults(finished, to: dir, curves: allCurves)
        do { try ExecuteStage.writeCandidates(candidates, to: dir) } catch {
            _ = try? await resultsWritten
            throw RunError("cannot write \(dir)/candidates.json: \(error.localizedDescription)")
        }

        // 6. execute (optional), then report.html once, with the execution section when there is one.
        var execution: ExecutionOutcome?
        if let step = ctx.execute, status != .failed {
            try? record(.execute, 0, candidates.count)
            let outcome = await execute(
                step, spec: spec, runId: env.runId, reportDirectory: dir, candidates: candidates,
                timestamp: Manifest.timestamp(ctx.clock.now()), quiet: false, stop: ctx.stop)
            execution = outcome
            // Stopped between orders: the run is interrupted (not finished), its checkpoints stay, and resume
            // executes again; the orders sent are found at the broker by their ids and not sent twice.
            if let r = outcome.result, r.unsent > 0 {
                try? await resultsWritten
                throw RunInterrupted(done: r.rows.count, total: r.rows.count + r.unsent, stage: .execute)
            }
            if let r = outcome.result, !step.dryRun { report.execution = r.rows }
            if outcome.error != nil {
                status = .failed
            } else if let r = outcome.result, r.failed > 0, status == .succeeded {
                status = .partial
            }
        }
        do {
            try await ReportWriter.writeHTML(report, to: dir, curves: detailCurves)
            try await resultsWritten
            try manifest.make(
                status: status.manifestState, finishedAt: Manifest.timestamp(ctx.clock.now()), backtests: rows.count
            ).write(to: dir + "/manifest.json")
        } catch {
            throw RunError("cannot write the report into \(dir): \(error.localizedDescription)")
        }
        // Recorded only for a fresh run folder: a `report.dir` may still hold files of earlier runs.
        if let key = reuseKey, let store = ctx.results, status == .succeeded, execution == nil,
            spec.report.dir?.isEmpty ?? true
        {
            await Self.recordReusable(key, store: store, runId: env.runId, directory: dir, rows: rows, log: env.log)
        }
        // Only the default layout has a spec folder of run folders to point into.
        if spec.report.dir?.isEmpty ?? true { LatestLink.point(at: dir) }
        progress.finish(detail: dir)
        // The results are written: checkpoints are no longer needed (a failed execute keeps them, so a resume
        // restores every backtest and only executes again).
        if status != .failed { try? journal?.clearCheckpoints() }
        return RunOutcome(
            status: status, reportDirectory: dir, report: report, plan: plan, counts: counts, series: series,
            execution: execution)
    }

    /// Each symbol's bars fingerprint, computed concurrently (formatting 500 ten-year series is about half a
    /// second of one core). With a result cache, a fingerprint computed before for the same bars is read back
    /// instead, and new ones are stored, under the key `Hashing.bitsDigest` (about 150 bytes each, evicted and
    /// pruned like any result).
    static func fingerprints(_ series: [String: BarSeries], store: (any ResultStore)? = nil) async -> [String: String] {
        var out: [String: String] = [:]
        var keys: [String: String] = [:]
        if let store {
            keys = await withTaskGroup(of: (String, String).self) { group in
                for (symbol, bars) in series {
                    group.addTask { (symbol, Hashing.bitsDigest(bars)) }
                }
                var keys: [String: String] = [:]
                for await (symbol, key) in group { keys[symbol] = key }
                return keys
            }
            let known = (try? store.get(Array(Set(keys.values)))) ?? [:]
            for (symbol, key) in keys {
                // A value that is not a SHA-256 in hex is not one this wrote: computed again.
                guard let value = known[key], value.count == 64,
                    value.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
                else { continue }
                out[symbol] = String(decoding: value, as: UTF8.self)
            }
        }
        let missing = series.filter { out[$0.key] == nil }
        let computed = await withTaskGroup(of: (String, String).self) { group in
            for (symbol, bars) in missing { group.addTask { (symbol, Hashing.fingerprint(bars)) } }
            var computed: [(String, String)] = []
            for await pair in group { computed.append(pair) }
            return computed
        }
        for (symbol, fp) in computed { out[symbol] = fp }
        if let store, !computed.isEmpty {
            // Sorted, so the same bars write the same entries in the same order whatever the task timing.
            let entries = computed.compactMap { symbol, fp in keys[symbol].map { (key: $0, value: Array(fp.utf8)) } }
            try? store.put(entries.sorted { $0.key < $1.key })
        }
        return out
    }

    /// Every symbol's validation, symbols concurrently (at most one per core), each a pure function of its
    /// bars: the result does not depend on timing.
    static func validate(
        series: [String: BarSeries], periodStart: [String: Int],
        combinations: [(strategy: String, parameters: Parameters)], config: BacktestConfig, rules: ScoringRules,
        folds: [FoldWindow]
    ) async -> [String: [String: WalkForward.Outcome]] {
        let symbols = series.keys.sorted()
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        return await withTaskGroup(of: (String, [String: WalkForward.Outcome]).self) { group in
            var next = 0
            func add() {
                let sym = symbols[next]
                next += 1
                let bars = series[sym]!
                let from = periodStart[sym] ?? 0
                group.addTask {
                    (
                        sym,
                        WalkForward.run(
                            series: bars, periodStart: from, combinations: combinations, config: config, rules: rules,
                            folds: folds)
                    )
                }
            }
            while next < min(workers, symbols.count) { add() }
            var out: [String: [String: WalkForward.Outcome]] = [:]
            for await (sym, r) in group {
                out[sym] = r
                if next < symbols.count { add() }
            }
            return out
        }
    }

    /// Scores and per-symbol ranks, one row per outcome in plan order. With `validated`, the ranked rows are
    /// the ones whose params the latest training window chose, one per (symbol, strategy), ranked by their
    /// out-of-sample score, trades and return (same rule); every other row is listed, not ranked.
    static func rank(
        _ outcomes: [BacktestStage.Outcome], rules: ScoringRules,
        validated: [String: [String: WalkForward.Outcome]]? = nil
    ) -> [ResultRow] {
        let scores = outcomes.map {
            CompositeScore.score($0.result.metrics, weights: rules.weights, returnBasis: rules.returnBasis)
        }
        let params = outcomes.map(\.job.parameters)
        let oos: [WalkForward.Outcome?] = outcomes.indices.map { i in
            let o = outcomes[i]
            guard let v = validated?[o.job.symbol]?[o.job.strategy], v.latestParams == params[i] else { return nil }
            return v
        }
        let excluded = outcomes.indices.map { i -> String? in
            guard validated != nil else { return rules.exclusion(outcomes[i].result.metrics) }
            guard let v = oos[i] else { return "validation: not the parameters chosen on the latest training window" }
            return rules.exclusion(v.outOfSample.metrics).map { "out of sample: " + $0 }
        }
        let ranks = Ranking.ranks(
            outcomes.indices.map { i in
                let o = outcomes[i]
                let m = oos[i]?.outOfSample.metrics ?? o.result.metrics
                return RankCandidate(
                    symbol: o.job.symbol, strategy: o.job.strategy, params: params[i],
                    score: oos[i]?.outOfSample.score.total ?? scores[i].total, totalReturnPct: m.totalReturnPct,
                    trades: m.trades, ranked: excluded[i] == nil)
            })
        var rows: [ResultRow] = []
        rows.reserveCapacity(outcomes.count)
        for (i, o) in outcomes.enumerated() {
            rows.append(
                ResultRow(
                    symbol: o.job.symbol, strategy: o.job.strategy, params: params[i],
                    metrics: o.result.metrics, score: scores[i], rank: ranks[i], trades: o.result.trades,
                    excludedReason: excluded[i], outOfSample: oos[i]?.outOfSample))
        }
        return rows
    }

    /// Each symbol's Deflated Sharpe Ratio (of its ranked rank-1 row) and PBO (of its grid), on that row;
    /// symbols computed concurrently, each written to its own row, so timing cannot change a byte.
    static func addOverfitting(to rows: inout [ResultRow], outcomes: [BacktestStage.Outcome]) async {
        var rowsOf: [String: [Int]] = [:]
        var order: [String] = []
        for i in rows.indices {
            if rowsOf[rows[i].symbol] == nil { order.append(rows[i].symbol) }
            rowsOf[rows[i].symbol, default: []].append(i)
        }
        let groups = order.compactMap { sym -> (best: Int, moments: [ReturnMoments], bestAt: Int)? in
            let idx = rowsOf[sym] ?? []
            guard let k = idx.firstIndex(where: { rows[$0].rank == 1 && rows[$0].excludedReason == nil }) else {
                return nil
            }
            let moments = idx.compactMap { outcomes[$0].result.moments }
            guard moments.count == idx.count else { return nil }
            return (idx[k], moments, k)
        }
        let stats = await withTaskGroup(of: (Int, OverfittingStats).self) { group in
            for g in groups {
                group.addTask {
                    (
                        g.best,
                        OverfittingStats(
                            dsr: Overfitting.deflatedSharpe(best: g.bestAt, of: g.moments),
                            pbo: Overfitting.probabilityOfOverfitting(g.moments))
                    )
                }
            }
            var out: [(Int, OverfittingStats)] = []
            for await r in group { out.append(r) }
            return out
        }
        for (i, st) in stats { rows[i].overfitting = st }
    }

    /// The execute stage on a run's candidates: the broker, the risk gate, exactly-once orders, orders.csv and
    /// events.jsonl. Never throws: a failure is the outcome's `error`.
    public func execute(
        _ step: ExecuteStep, spec: PipelineSpec, runId: String, reportDirectory: String,
        candidates: [ExecutionCandidate], timestamp: String, quiet: Bool, stop: any StopSignal = NeverStop()
    ) async -> ExecutionOutcome {
        var request = ExecuteRequest(
            spec: spec, runId: runId, reportDirectory: reportDirectory, dataDirectory: environment.dataDirectory,
            candidates: candidates, onlySymbols: step.onlySymbols, confirmLive: step.confirmLive,
            dryRun: step.dryRun, timestamp: timestamp, environment: environment.variables, quiet: quiet)
        request.shouldStop = { stop.isStopRequested }
        do {
            return ExecutionOutcome(result: try await ExecuteStage.run(request), error: nil)
        } catch {
            return ExecutionOutcome(result: nil, error: error.description)
        }
    }

    /// Loads the plan's symbols (through the cache unless offline says otherwise) and applies the data-quality gate.
    /// Also returns each symbol's source-file SHA-256 where the provider reads files (csv).
    func loadAndCheck(plan: RunPlan, cacheWrites: DeferredCacheWrites? = nil) async -> (
        [String: BarSeries], [SymbolIssue], [String: String]
    ) {
        // Never fetch past the as-of session: a session still trading must not be cached as final.
        let loader = MarketDataLoader(
            provider: provider, calendar: calendar, cache: cache, offline: offline, settledThrough: environment.asOf,
            warn: environment.log, trace: environment.trace, deferredWrites: cacheWrites)
        let loaded = await loader.load(symbols: plan.symbols, from: plan.historyStart, to: plan.end)
        var series: [String: BarSeries] = [:]
        var issues: [SymbolIssue] = []
        var sources: [String: String] = [:]
        for s in loaded {
            if let f = s.sourceFile { sources[s.symbol] = f.sha256 }
            switch s.result {
            case .success(let bars) where bars.count >= 2:
                let verdict = DataQualityGate.check(
                    bars, start: plan.historyStart, end: plan.end, calendar: calendar, thresholds: qualityThresholds)
                if verdict.passed {
                    series[s.symbol] = bars
                } else {
                    issues.append(
                        SymbolIssue(symbol: s.symbol, kind: .quarantined, reasons: verdict.findings.map(\.description)))
                }
            case .success(let bars):
                issues.append(
                    SymbolIssue(
                        symbol: s.symbol, kind: .failed,
                        reasons: [
                            "only \(bars.count) bar(s) in \(plan.historyStart.iso) … \(plan.end.iso); need at least 2"
                        ]))
            case .failure(let e):
                issues.append(SymbolIssue(symbol: s.symbol, kind: .failed, reasons: [e.description]))
            }
        }
        return (series, issues, sources)
    }

    /// The bars a recorded run used: each from the cache only (the provider is never called), checked against
    /// its recorded fingerprint; symbols that failed then fail again with the recorded reasons.
    func loadPinned(_ pinned: [PinnedSymbol], plan: RunPlan) async throws(RunError) -> (
        [String: BarSeries], [SymbolIssue]
    ) {
        guard pinned.map(\.symbol) == plan.symbols else {
            throw RunError(
                "the recorded run used the symbols \(pinned.map(\.symbol).joined(separator: ", ")) but the plan has \(plan.symbols.joined(separator: ", "))"
            )
        }
        guard let cache else { throw RunError("reproducing recorded bars needs the bar cache") }
        let loader = MarketDataLoader(
            provider: provider, calendar: calendar, cache: cache, offline: true, settledThrough: environment.asOf,
            warn: environment.log, trace: environment.trace)
        let wanted = pinned.compactMap { p -> String? in
            if case .bars = p.state { return p.symbol }
            return nil
        }
        let loaded = await loader.load(symbols: wanted, from: plan.historyStart, to: plan.end)
        let bySymbol = Dictionary(uniqueKeysWithValues: loaded.map { ($0.symbol, $0.result) })
        var series: [String: BarSeries] = [:]
        var issues: [SymbolIssue] = []
        for p in pinned {
            switch p.state {
            case .failed(let kind, let reasons):
                issues.append(SymbolIssue(symbol: p.symbol, kind: kind, reasons: reasons))
            case .bars(let sha):
                switch bySymbol[p.symbol] {
                case .success(let bars):
                    let fp = Hashing.fingerprint(bars)
                    guard fp == sha else {
                        throw RunError(
                            "\(p.symbol): the cached bars are not the ones the run used (fingerprint \(fp.prefix(16))…, recorded \(sha.prefix(16))…); the cache changed since, so this run cannot be reproduced"
                        )
                    }
                    series[p.symbol] = bars
                case .failure(let e) where e.kind == .invalidData:
                    throw RunError(
                        "\(p.symbol): the cached bars are not the ones the run used (\(e.message)); the cache changed since, so this run cannot be reproduced"
                    )
                case .failure(let e):
                    throw RunError(
                        "\(p.symbol): the bars the run used are not in the cache (\(e.description)); they cannot be fetched again offline"
                    )
                case nil:
                    throw RunError("\(p.symbol): the bars the run used are not in the cache")
                }
            }
        }
        return (series, issues)
    }

    /// `report.dir` from the spec, or `<reports>/<spec name>/<run id>`.
    /// Serves the run from an earlier run's verified files (see `RunReuse`); nil when there is no entry or
    /// any of its files is missing or changed, and the run is computed.
    func serveReused(
        _ key: String, store: any ResultStore, total: Int, into dir: String, spec: PipelineSpec, plan: RunPlan,
        series: [String: BarSeries], info: RunInfo, manifest: ManifestDraft, context ctx: RunContext
    ) async throws -> RunOutcome? {
        let env = environment
        let entry: RunReuse.Entry
        do {
            guard let bytes = try store.get([key])[key] else { return nil }
            entry = try RunReuse.decode(bytes)
        } catch {
            env.log(
                "result cache: the entry of an earlier run with the same inputs is unreadable (\(error)); computing")
            return nil
        }
        guard entry.rows.count == total else { return nil }
        guard let restored = await RunReuse.restore(entry, into: dir) else {
            env.trace?(
                "result cache: run \(entry.runId) had the same inputs, but its files are gone or changed; computing")
            return nil
        }
        try ctx.journal?.record(stage: .backtest, done: total, total: total)
        ctx.progress.start(.backtest, total: total, done: total)
        ctx.progress.finish(detail: "\(total) from the result cache; every input as in run \(entry.runId)")
        try ctx.journal?.record(stage: .report, done: 0, total: 0)
        ctx.progress.start(.report, total: 0, done: 0)
        var rowsOf: [String: [Int]] = [:]
        for (i, r) in entry.rows.enumerated() { rowsOf[r.symbol, default: []].append(i) }
        let symbols = plan.symbols.filter { series[$0] != nil }.map {
            SymbolReport(symbol: $0, dates: [], close: [], rowIndices: rowsOf[$0] ?? [], equity: [])
        }
        let report = RunReport(info: info, rows: entry.rows, symbols: symbols, issues: [])
        do {
            try manifest.make(
                status: .succeeded, finishedAt: Manifest.timestamp(ctx.clock.now()),
                backtests: entry.rows.count
            ).write(to: dir + "/manifest.json")
        } catch {
            throw RunError("cannot write \(dir)/manifest.json: \(error.localizedDescription)")
        }
        // The newest copy becomes the source, so deleting older runs never loses the entry.
        let defaultLayout = spec.report.dir?.isEmpty ?? true
        if defaultLayout {
            var newest = entry
            newest.runId = env.runId
            newest.directory = dir
            newest.files = restored
            try? store.put([(key, RunReuse.encode(newest))])
        }
        if defaultLayout { LatestLink.point(at: dir) }
        ctx.progress.finish(detail: "its verified files copied into \(dir)")
        try? ctx.journal?.clearCheckpoints()
        var counts = BacktestCounts()
        counts.cacheHits = total
        counts.reusedRun = entry.runId
        return RunOutcome(
            status: .succeeded, reportDirectory: dir, report: report, plan: plan, counts: counts, series: series,
            execution: nil)
    }

    /// Records a finished run's output files (sizes and digests) and rows for `serveReused`. A failure only
    /// costs the next identical run its shortcut.
    static func recordReusable(
        _ key: String, store: any ResultStore, runId: String, directory: String, rows: [ResultRow],
        log: @Sendable (String) -> Void
    ) async {
        guard let names = RunReuse.outputNames(in: directory) else { return }
        do {
            let files = try await RunReuse.digests(of: names, in: directory)
            var slim = rows
            for i in slim.indices { slim[i].trades = [] }
            try store.put([
                (key, RunReuse.encode(.init(runId: runId, directory: directory, files: files, rows: slim)))
            ])
        } catch {
            log("result cache: cannot record this run's files for reuse: \(error)")
        }
    }

    public func reportDirectory(_ spec: PipelineSpec) -> String {
        if let d = spec.report.dir, !d.isEmpty { return d }
        return environment.reportsDirectory + "/" + ReportPaths.safeFolderName(spec.name) + "/"
            + ReportPaths.safeFolderName(environment.runId)
    }
}

/// The parts of manifest.json known once the bars are loaded; `make` adds how the run ended.
struct ManifestDraft: Sendable {
    var runId: String
    var toolVersion: String
    var input: SpecInput
    var asOf: SessionDate
    var plan: RunPlan
    var provider: any BarProvider
    var conventions: String
    var startedAt: String
    var series: [String: BarSeries]
    var fingerprints: [String: String]
    var issues: [SymbolIssue]
    var sources: [String: String] = [:]
    /// Fingerprints of the signals files of `- signals:` strategies.
    var signals: [Manifest.SignalsEntry] = []
    /// The shards of a merged run.
    var shards: Manifest.ShardsEntry?

    /// The resolved spec as the manifest may show it: webhook URLs carry tokens (user:password, query
    /// strings, Slack-style paths), so they are written as scheme and host only.
    var recordableSpec: PipelineSpec {
        var spec = input.spec
        spec.notify = spec.notify.map {
            PipelineSpec.Webhook(url: $0.display, minPriority: $0.minPriority, allowLinkLocal: $0.allowLinkLocal)
        }
        return spec
    }

    func make(status: Manifest.RunState, finishedAt: String, backtests: Int) -> Manifest {
        Manifest(
            runId: runId, toolVersion: toolVersion, status: status, specPath: input.path,
            specSHA256: input.sha256, resolvedSpec: recordableSpec, asOf: asOf.iso, periodStart: plan.start.iso,
            periodEnd: plan.end.iso, provider: provider.id, providerVariant: provider.cacheVariant,
            engineVersion: EngineVersion.current, conventions: conventions, startedAt: startedAt,
            finishedAt: finishedAt,
            symbols: plan.symbols.map { sym in
                if let b = series[sym] {
                    return .init(
                        symbol: sym, status: .ok, bars: b.count, firstDate: b.dates.first?.iso,
                        lastDate: b.dates.last?.iso, barsSHA256: fingerprints[sym], reason: nil,
                        sourceSHA256: sources[sym])
                }
                let issue = issues.first { $0.symbol == sym }
                return .init(
                    symbol: sym, status: issue?.kind == .quarantined ? .quarantined : .failed, bars: 0, firstDate: nil,
                    lastDate: nil,
                    barsSHA256: nil, reason: issue?.reasons.joined(separator: "; "), reasons: issue?.reasons)
            },
            skippedCombinations: plan.skipped, backtests: backtests, signals: signals.isEmpty ? nil : signals,
            shards: shards)
    }
}

/// "1 symbol", "2 symbols": counted nouns in messages.
public enum Plural {
    public static func count(_ n: Int, _ noun: String) -> String { "\(n) \(n == 1 ? noun : noun + "s")" }
}
