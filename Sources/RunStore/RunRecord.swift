/// The stage a run is in, in pipeline order.
public enum RunStage: String, Sendable, Codable, CaseIterable {
    case plan, fetch, backtest, score, report, execute
}

/// One row of the run history (`runs` table of `<dataDir>/runs.sqlite`).
///
/// Timestamps are ISO 8601 strings chosen by the caller (e.g. `2026-11-25T02:00:04Z`); the store never
/// reads a clock. `list` sorts on `startedAt`, so use one format for every run (the manifest's
/// `Manifest.timestamp`, UTC with seconds, sorts correctly as text).
public struct RunRecord: Sendable, Hashable, Codable {
    /// How a run ended, or `running` while it runs.
    public enum Status: String, Sendable, Codable, CaseIterable {
        case running, succeeded, partial, failed, interrupted

        /// The process exit code a run that ended this way returns (`nil` while running):
        /// 0 succeeded, 1 failed, 3 partial, 130 interrupted.
        public var exitCode: Int32? {
            switch self {
            case .running: return nil
            case .succeeded: return 0
            case .failed: return 1
            case .partial: return 3
            case .interrupted: return 130
            }
        }
    }

    public var runId: String
    public var specName: String
    public var specPath: String
    /// SHA-256 (hex) of the spec file's text; `resume` refuses when the spec changed since.
    public var specSHA256: String
    public var status: Status
    public var stage: RunStage
    /// Progress of the current stage (for `backtest`: backtests finished / planned).
    public var done: Int
    public var total: Int
    public var startedAt: String
    public var finishedAt: String?
    public var symbols: Int
    public var backtests: Int
    public var failedSymbols: Int
    public var exitCode: Int32?
    /// The run's report folder, once known.
    public var reportPath: String?
    /// The process that runs (or ran) it.
    public var pid: Int32
    /// The as-of date the run resolved relative dates against (`2026-11-24`); `rerun` and `resume` reuse it.
    public var asOf: String?
    /// The caller's serialised run options (e.g. JSON of the CLI flags: provider, batch size, report
    /// folder), so `rerun` and `resume` can repeat them. Opaque to the store.
    public var options: String?
    /// The names of the files this run wrote into its report folder (nil for runs recorded before stratopt
    /// kept the list): `delete` and `prune` remove these and nothing else.
    public var writtenFiles: [String]?

    /// A new run: status `running`, stage `plan`, no progress, counts zero.
    public init(
        runId: String, specName: String, specPath: String, specSHA256: String, startedAt: String, pid: Int32,
        status: Status = .running, stage: RunStage = .plan, done: Int = 0, total: Int = 0,
        finishedAt: String? = nil, symbols: Int = 0, backtests: Int = 0, failedSymbols: Int = 0,
        exitCode: Int32? = nil, reportPath: String? = nil, asOf: String? = nil, options: String? = nil
    ) {
        self.runId = runId
        self.specName = specName
        self.specPath = specPath
        self.specSHA256 = specSHA256
        self.status = status
        self.stage = stage
        self.done = done
        self.total = total
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.symbols = symbols
        self.backtests = backtests
        self.failedSymbols = failedSymbols
        self.exitCode = exitCode
        self.reportPath = reportPath
        self.pid = pid
        self.asOf = asOf
        self.options = options
    }
}
