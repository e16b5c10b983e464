import Pipeline

/// The process exit codes stratopt promises (README, `--help`): the only place they are spelled.
enum ExitStatus: Int32, Sendable {
    case ok = 0
    /// The run (or command) failed.
    case failed = 1
    /// A spec or usage error, an unknown run id, a busy data folder.
    case usage = 2
    /// Some symbols failed or were quarantined, or some orders failed.
    case partial = 3
    /// Stopped by SIGINT / SIGTERM; `stratopt resume` continues.
    case interrupted = 130

    init(_ status: RunStatus) {
        switch status {
        case .succeeded: self = .ok
        case .failed: self = .failed
        case .partial: self = .partial
        }
    }
}

/// The one error a command throws: lines for stderr (already worded as advice) and the exit status.
/// `Stratopt.main` prints it and exits; nothing else turns errors into exit codes.
struct CLIFailure: Error {
    var lines: [String]
    var status: ExitStatus

    init(_ line: String, _ status: ExitStatus) {
        self.lines = [line]
        self.status = status
    }

    init(lines: [String], _ status: ExitStatus) {
        self.lines = lines
        self.status = status
    }

    /// `stratopt: error: <message>`, exit 1.
    static func failed(_ message: String) -> CLIFailure { CLIFailure("stratopt: error: \(message)", .failed) }
    /// `stratopt: error: <message>`, exit 2.
    static func usage(_ message: String) -> CLIFailure { CLIFailure("stratopt: error: \(message)", .usage) }
    /// Exit with `status` and nothing more to say (the outcome was printed already).
    static func exit(_ status: ExitStatus) -> CLIFailure { CLIFailure(lines: [], status) }
}
