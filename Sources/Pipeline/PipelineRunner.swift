import DataQuality
import DataSources
import Engine
import Foundation
import Market
import Reports
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

    public init(spec: PipelineSpec, path: String, text: String) {
        self.spec = spec
        self.path = path
        self.text = text
    }
}

/// What a finished run reports back to the CLI.
public struct RunOutcome: Sendable {
    public var status: RunStatus
    public var reportDirectory: String
    public var report: RunReport
    public var plan: RunPlan
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
        let env = environment
        let spec = input.spec
        let started = env.now()

        // 1. plan
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

        // 2. fetch
        // Never fetch past the as-of session: a session still trading must not be cached as final.
        let loader = MarketDataLoader(
            provider: provider, calendar: calendar, cache: cache, offline: offline, settledThrough: env.asOf)
        let loaded = await loader.load(symbols: plan.symbols, from: plan.start, to: plan.end)
        var series: [String: BarSeries] = [:]
        var issues: [SymbolIssue] = []
        for s in loaded {
            switch s.result {
            case .success(let bars) where bars.count >= 2:
                let verdict = DataQualityGate.check(
                    bars, start: plan.start, end: plan.end, calendar: calendar, thresholds: qualityThresholds)
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
                        reasons: ["only \(bars.count) bar(s) in \(plan.start.iso) … \(plan.end.iso); need at least 2"]))
            case .failure(let e):
                issues.append(SymbolIssue(symbol: s.symbol, kind: .failed, reasons: [e.description]))
            }
        }
        for i in issues { env.log("fetch: \(i.symbol) \(i.kind.rawValue): \(i.reasons.joined(separator: "; "))") }
        env.log("fetch: \(series.count) of \(plan.symbols.count) symbols passed the data-quality gate")

        // 3. backtest
        let config: BacktestConfig
        do { config = try SpecMapping.backtestConfig(spec) } catch {
            throw RunError("\(input.path): \(error.description)")
        }
        let jobs = plan.jobs
        let total = jobs.filter { series[$0.symbol] != nil }.count
        let log = env.log
        let outcomes = await BacktestStage.run(
            jobs: jobs, series: series, config: config, batchSize: spec.batch.size,
            onBatch: { done, all in
                if done == all || (done * 10 / max(all, 1)) != ((done - 1) * 10 / max(all, 1)) {
                    log("backtest: \(done)/\(all)")
                }
            })
        precondition(outcomes.count == total)

        // 4. score and rank
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
            symbolReports.append(
                SymbolReport(
                    symbol: sym, dates: bars.dates, close: bars.close, rowIndices: idx,
                    equity: idx.map { outcomes[$0].result.equity }))
        }

        // 5. report
        let status: RunStatus = series.isEmpty ? .failed : (issues.isEmpty ? .succeeded : .partial)
        let info = RunInfo(
            specName: spec.name, specPath: input.path, provider: provider.id, isSynthetic: provider.isSynthetic,
            periodStart: plan.start, periodEnd: plan.end, conventions: config.conventions.name,
            costs: SpecMapping.describeCosts(spec), sizing: SpecMapping.describeSizing(spec),
            initialCapital: spec.capital.initial, runId: env.runId, toolVersion: env.toolVersion,
            skippedCombinations: plan.skipped, startedAt: Manifest.timestamp(started), scoreWeights: weights)
        let report = RunReport(info: info, rows: rows, symbols: symbolReports, issues: issues)
        let dir = reportDirectory(spec)
        try ReportWriter.write(report, to: dir)
        let manifest = Manifest(
            runId: env.runId, toolVersion: env.toolVersion, status: status.name, specPath: input.path,
            specSHA256: Hashing.sha256Hex(input.text.utf8), resolvedSpec: spec, asOf: env.asOf.iso,
            periodStart: plan.start.iso, periodEnd: plan.end.iso, provider: provider.id,
            conventions: config.conventions.name, startedAt: Manifest.timestamp(started),
            finishedAt: Manifest.timestamp(env.now()),
            symbols: plan.symbols.map { sym in
                if let b = series[sym] {
                    return .init(
                        symbol: sym, status: "ok", bars: b.count, firstDate: b.dates.first?.iso,
                        lastDate: b.dates.last?.iso, barsSHA256: Hashing.fingerprint(b), reason: nil)
                }
                let reason = issues.first { $0.symbol == sym }?.reasons.joined(separator: "; ")
                return .init(
                    symbol: sym, status: "failed", bars: 0, firstDate: nil, lastDate: nil, barsSHA256: nil,
                    reason: reason)
            },
            skippedCombinations: plan.skipped, backtests: rows.count)
        try manifest.write(to: dir + "/manifest.json")
        let outcome = RunOutcome(status: status, reportDirectory: dir, report: report, plan: plan, series: series)
        try ExecuteStage.writeCandidates(
            ExecuteStage.candidates(from: outcome, firstDecisionOffset: config.conventions.firstDecisionOffset), to: dir
        )
        return outcome
    }

    /// `report.dir` from the spec, or `<reports>/<spec name>/<run id>`.
    public func reportDirectory(_ spec: PipelineSpec) -> String {
        if let d = spec.report.dir, !d.isEmpty { return d }
        return environment.reportsDirectory + "/" + Self.safeName(spec.name) + "/" + Self.safeName(environment.runId)
    }

    /// A folder name that cannot leave its parent: `/`, `\`, `..` and control characters cannot appear.
    static func safeName(_ s: String) -> String {
        var out = String(
            s.unicodeScalars.map { c -> Character in
                let ok =
                    (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "-" || c == "_"
                    || c == "."
                return ok ? Character(c) : "_"
            })
        while out.hasPrefix(".") { out = "_" + out.dropFirst() }
        return out.isEmpty ? "run" : String(out.prefix(100))
    }
}
