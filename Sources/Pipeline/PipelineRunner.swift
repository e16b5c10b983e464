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

    public var name: String {
        switch self {
        case .succeeded: return "succeeded"
        case .failed: return "failed"
        case .partial: return "partial"
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
    /// Wall clock, for the manifest's start and end times only.
    public var now: @Sendable () -> Date
    /// Progress and diagnostics; the CLI sends them to stderr.
    public var log: @Sendable (String) -> Void

    public init(
        dataDirectory: String, reportsDirectory: String, asOf: SessionDate, runId: String, toolVersion: String,
        now: @escaping @Sendable () -> Date = { Date() }, log: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.dataDirectory = dataDirectory
        self.reportsDirectory = reportsDirectory
        self.asOf = asOf
        self.runId = runId
        self.toolVersion = toolVersion
        self.now = now
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

/// What a finished run reports back to the CLI.
public struct RunOutcome: Sendable {
    public var status: RunStatus
    public var reportDirectory: String
    public var report: RunReport
    public var plan: RunPlan
    /// Where the backtest results came from (computed, checkpoints, result cache).
    public var counts: BacktestCounts
    /// The bars each symbol was backtested on (symbols that failed or were quarantined are absent).
    public var series: [String: BarSeries] = [:]
}

/// Errors that stop a run before any result exists.
public struct RunError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The staged runner: plan → fetch → backtest → score → report.
public struct PipelineRunner: Sendable {
    public var environment: RunEnvironment
    public var calendar: any TradingCalendar
    public var provider: any BarProvider
    /// The SQLite bar cache; nil fetches everything from the provider.
    public var cache: BarCache?
    /// Use only cached bars; symbols whose range is not cached fail instead of calling the provider.
    public var offline: Bool
    public var qualityThresholds: QualityThresholds

    public init(
        environment: RunEnvironment, calendar: any TradingCalendar, provider: any BarProvider, cache: BarCache? = nil,
        offline: Bool = false, qualityThresholds: QualityThresholds = .standard
    ) {
        self.environment = environment
        self.calendar = calendar
        self.provider = provider
        self.cache = cache
        self.offline = offline
        self.qualityThresholds = qualityThresholds
    }

    public func run(_ input: SpecInput) async throws -> RunOutcome {
        try await run(input, hooks: RunHooks())
    }

    /// A run with its nightly hooks: history and checkpoints, result cache, pinned bars, stop requests,
    /// progress. Throws `RunInterrupted` when `hooks.shouldStop` stopped it, `RunError` when it could not
    /// produce results.
    public func run(_ input: SpecInput, hooks: RunHooks) async throws -> RunOutcome {
        let env = environment
        let spec = input.spec
        let started = env.now()
        let progress = hooks.progress
        let record: @Sendable (RunStage, Int, Int) throws -> Void = { stage, done, total in
            guard let store = hooks.store else { return }
            do { try store.update(runId: env.runId, stage: stage, done: done, total: total) } catch {
                throw RunError("\(error)")
            }
        }

        // 1. plan
        try record(.plan, 0, 0)
        let plan: RunPlan
        do { plan = try Planner.plan(spec: spec, asOf: env.asOf, calendar: calendar) } catch {
            throw RunError("\(input.path): \(error.description)")
        }
        env.log(
            "plan: \(plan.symbols.count) symbols × \(plan.combinations.count) strategy combinations = \(plan.jobs.count) backtests, \(plan.start.iso) … \(plan.end.iso)"
        )
        if !plan.skipped.isEmpty {
            env.log(
                "plan: skipped \(plan.skipped.count) grid combinations: \(plan.skipped.prefix(3).joined(separator: "; "))"
            )
        }
        let config: BacktestConfig
        do { config = try SpecMapping.backtestConfig(spec) } catch {
            throw RunError("\(input.path): \(error.description)")
        }

        // 2. fetch
        try record(.fetch, 0, plan.symbols.count)
        progress?.start(.fetch, total: plan.symbols.count)
        let (series, issues) =
            if let pinned = hooks.pinnedBars {
                try await loadPinned(pinned, plan: plan)
            } else {
                await loadAndCheck(plan: plan)
            }
        progress?.update(done: plan.symbols.count)
        progress?.finish(detail: "\(series.count) loaded, \(issues.count) failed")
        for i in issues { env.log("fetch: \(i.symbol) \(i.kind.rawValue): \(i.reasons.joined(separator: "; "))") }
        env.log("fetch: \(series.count) of \(plan.symbols.count) symbols passed the data-quality gate")
        let fingerprints = series.mapValues { Hashing.fingerprint($0) }
        // Index of each symbol's first period bar; > 0 only when warm-up history was loaded before it.
        let tradingStart = series.compactMapValues { b -> Int? in
            let i = b.dates.firstIndex { $0 >= plan.start } ?? b.count
            return i > 0 ? i : nil
        }
        let status: RunStatus = series.isEmpty ? .failed : (issues.isEmpty ? .succeeded : .partial)
        let dir = reportDirectory(spec)
        func manifest(status: String, finishedAt: String, backtests: Int) -> Manifest {
            Manifest(
                runId: env.runId, toolVersion: env.toolVersion, status: status, specPath: input.path,
                specSHA256: input.sha256, resolvedSpec: spec, asOf: env.asOf.iso, periodStart: plan.start.iso,
                periodEnd: plan.end.iso, provider: provider.id, providerVariant: provider.cacheVariant,
                engineVersion: EngineVersion.current, conventions: config.conventions.name,
                startedAt: Manifest.timestamp(started), finishedAt: finishedAt,
                symbols: plan.symbols.map { sym in
                    if let b = series[sym] {
                        return .init(
                            symbol: sym, status: "ok", bars: b.count, firstDate: b.dates.first?.iso,
                            lastDate: b.dates.last?.iso, barsSHA256: fingerprints[sym], reason: nil)
                    }
                    let issue = issues.first { $0.symbol == sym }
                    return .init(
                        symbol: sym, status: issue?.kind.rawValue ?? "failed", bars: 0, firstDate: nil, lastDate: nil,
                        barsSHA256: nil, reason: issue?.reasons.joined(separator: "; "), reasons: issue?.reasons)
                },
                skippedCombinations: plan.skipped, backtests: backtests)
        }
        // Record the bars before backtesting, so an interrupted run can be resumed or rerun on the same ones.
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try manifest(status: "running", finishedAt: "", backtests: 0).write(to: dir + "/manifest.json")
        if hooks.shouldStop() { throw RunInterrupted(done: 0, total: Self.jobs(plan, series).count) }

        // 3. backtest
        let jobs = plan.jobs
        let total = Self.jobs(plan, series).count
        let size = max(1, spec.batch.size)
        let restoredJobs = hooks.restoredBatches.keys.reduce(0) { n, b in
            n + max(0, min(total, (b + 1) * size) - b * size)
        }
        try record(.backtest, restoredJobs, total)
        progress?.start(.backtest, total: total, done: restoredJobs)
        let log = env.log
        let (outcomes, counts) = try await BacktestStage.run(
            jobs: jobs, series: series,
            context: .init(
                config: config, batchSize: size, runId: env.runId, hooks: hooks, fingerprints: fingerprints,
                tradingStart: tradingStart,
                onBatch: { done, all in
                    if progress == nil, done == all || (done * 10 / max(all, 1)) != ((done - 1) * 10 / max(all, 1)) {
                        log("backtest: \(done)/\(all)")
                    }
                }, log: log))
        precondition(outcomes.count == total)
        var detail = "\(counts.computed) computed"
        if hooks.resultCache != nil { detail += ", \(counts.cacheHits) from the result cache" }
        if counts.restored > 0 { detail += ", \(counts.restored) from checkpoints" }
        progress?.finish(detail: detail)

        // 4. score and rank
        try record(.score, 0, outcomes.count)
        progress?.start(.score, total: outcomes.count)
        let weights = SpecMapping.weights(spec)
        let scores = outcomes.map { CompositeScore.score($0.result.metrics, weights: weights) }
        let ranks = Ranking.ranks(
            zip(outcomes, scores).map { o, s in
                RankCandidate(
                    symbol: o.job.symbol, strategy: o.job.strategy, params: o.job.parameters.description,
                    score: s.total, totalReturnPct: o.result.metrics.totalReturnPct)
            })
        var rows: [ResultRow] = []
        rows.reserveCapacity(outcomes.count)
        for (i, o) in outcomes.enumerated() {
            rows.append(
                ResultRow(
                    symbol: o.job.symbol, strategy: o.job.strategy, params: o.job.parameters.description,
                    metrics: o.result.metrics, score: scores[i], rank: ranks[i], trades: o.result.trades))
        }
        var symbolReports: [SymbolReport] = []
        for sym in plan.symbols {
            guard let bars = series[sym] else { continue }
            let idx = rows.indices.filter { rows[$0].symbol == sym }
            let from = tradingStart[sym] ?? 0
            symbolReports.append(
                SymbolReport(
                    symbol: sym, dates: Array(bars.dates[from...]), close: Array(bars.close[from...]),
                    rowIndices: idx, equity: idx.map { outcomes[$0].result.equity }))
        }
        progress?.update(done: outcomes.count)
        progress?.finish()

        // 5. report
        try record(.report, 0, 0)
        progress?.start(.report, total: 0)
        let info = RunInfo(
            specName: spec.name, specPath: input.path, provider: provider.id, isSynthetic: provider.isSynthetic,
            periodStart: plan.start, periodEnd: plan.end, conventions: config.conventions.name,
            costs: SpecMapping.describeCosts(spec), sizing: SpecMapping.describeSizing(spec),
            initialCapital: spec.capital.initial, runId: env.runId, toolVersion: env.toolVersion,
            skippedCombinations: plan.skipped, startedAt: Manifest.timestamp(started), scoreWeights: weights)
        var report = RunReport(info: info, rows: rows, symbols: symbolReports, issues: issues)
        report.equityOfEveryBacktest = spec.report.equity == .all
        try ReportWriter.write(report, to: dir)
        try manifest(status: status.name, finishedAt: Manifest.timestamp(env.now()), backtests: rows.count)
            .write(to: dir + "/manifest.json")
        progress?.finish(detail: dir)
        let outcome = RunOutcome(
            status: status, reportDirectory: dir, report: report, plan: plan, counts: counts, series: series)
        try ExecuteStage.writeCandidates(
            ExecuteStage.candidates(
                from: outcome, firstDecisionOffset: config.conventions.firstDecisionOffset, tradingStart: tradingStart),
            to: dir
        )
        return outcome
    }

    /// The plan's jobs whose symbol has bars.
    static func jobs(_ plan: RunPlan, _ series: [String: BarSeries]) -> [BacktestJob] {
        plan.jobs.filter { series[$0.symbol] != nil }
    }

    /// Loads the plan's symbols (through the cache unless offline says otherwise) and applies the data-quality gate.
    func loadAndCheck(plan: RunPlan) async -> ([String: BarSeries], [SymbolIssue]) {
        // Never fetch past the as-of session: a session still trading must not be cached as final.
        let loader = MarketDataLoader(
            provider: provider, calendar: calendar, cache: cache, offline: offline, settledThrough: environment.asOf)
        let loaded = await loader.load(symbols: plan.symbols, from: plan.historyStart, to: plan.end)
        var series: [String: BarSeries] = [:]
        var issues: [SymbolIssue] = []
        for s in loaded {
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
        return (series, issues)
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
            provider: provider, calendar: calendar, cache: cache, offline: true, settledThrough: environment.asOf)
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
                issues.append(
                    SymbolIssue(symbol: p.symbol, kind: SymbolIssue.Kind(rawValue: kind) ?? .failed, reasons: reasons))
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
    public func reportDirectory(_ spec: PipelineSpec) -> String {
        if let d = spec.report.dir, !d.isEmpty { return d }
        return environment.reportsDirectory + "/" + ReportPaths.safeFolderName(spec.name) + "/"
            + ReportPaths.safeFolderName(environment.runId)
    }
}
