import Foundation

/// How `stratopt serve` runs: where it listens, which data folder (the CLI's run history) it uses, and the
/// limits it enforces.
public struct ServeConfiguration: Sendable {
    /// The host to bind (loopback unless told otherwise).
    public var host = "127.0.0.1"
    /// 0 picks a free port (printed once listening).
    public var port = 8080
    /// The data folder: `runs.sqlite`, the bar and result caches, the paper ledger; the CLI's `--data-dir`.
    public var dataDir: String
    /// Root of the report folders (`<reports>/<spec name>/<job id>`), as `stratopt run --reports-dir`.
    public var reportsDir = "reports"
    /// Jobs run at once (the bounded worker pool).
    public var workers = 1
    /// Finished jobs older than this many seconds are deleted (nil: kept).
    public var retainSeconds: Double? = 86_400
    /// Queued (not yet started) jobs one user may have; one more is refused with 429.
    public var maxQueuedPerUser = 5
    /// Allows `execute` on a spec with `execute.mode: live` (both are needed, as on the CLI).
    public var confirmLive = false
    /// The provider a dashboard form's job reads bars from (`synthetic` unless told otherwise).
    public var formProvider = "synthetic"
    public var tokens: TokenFile
    /// The user who sees (and may delete, execute) the runs started from the CLI in the data folder; nil: nobody.
    public var cliUser: String?
    /// The process environment (broker keys, `STRATOPT_AS_OF`); never written anywhere.
    public var environment: [String: String] = ProcessInfo.processInfo.environment
    /// One line per event worth logging (stderr in the CLI).
    public var log: @Sendable (String) -> Void = { _ in }

    public init(dataDir: String, tokens: TokenFile) {
        self.dataDir = dataDir
        self.tokens = tokens
    }
}

/// The limits every request and response is held to (docs/serve.md).
public enum ServeLimits {
    /// A YAML spec body, as `stratopt validate` reads at most.
    public static let specBytes = 1 << 20
    /// A JSON body (the dashboard form, an execute request).
    public static let jsonBytes = 64 << 10
    /// results.json and report.html served back; larger files are read from the report folder instead.
    public static let fileBytes = 64 << 20
    /// Jobs per history page.
    public static let maxPageSize = 100
    /// Jobs a history lists at most (the newest).
    public static let maxHistory = 10_000
    /// Event streams open at once, and how long one lasts.
    public static let maxEventStreams = 64
    public static let eventStreamSeconds = 3_600
    /// Tickers of one dashboard form, symbols of one execute request.
    public static let maxTickers = 500
}
