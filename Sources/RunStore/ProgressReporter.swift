import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Stage progress for people watching a run, or for a log file.
///
/// - `bar` (stderr is a terminal): one line per stage redrawn in place with `\r`:
///   `backtest [#######-------------]   450/1200  37 %  55.0/s  ETA 0:14`, finished with a newline.
/// - `lines` (cron, CI, a pipe): `fetch: started (40)` and `fetch: done 40/40 in 3.2 s` per stage, plus one
///   `backtest: 120/1200 (10 %), 55.0/s, ETA 20.0 s` line each time the backtests cross another 10 %.
/// - `quiet`: nothing.
///
/// Time comes only from the injected `now` (seconds on any monotonic scale) and text goes only to the
/// injected `write`, which receives exactly the characters to print (lines end in `\n`).
public final class ProgressReporter: Sendable {
    public enum Mode: Sendable, Equatable {
        case bar, lines, quiet
    }

    public let mode: Mode
    private let now: @Sendable () -> Double
    private let sink: @Sendable (String) -> Void
    private let state = Mutex(State())

    private struct State {
        var stage: RunStage?
        var total = 0
        var done = 0
        var startDone = 0
        var startTime = 0.0
        var lastDraw: Double?
        var lastDecile = 0
        var barVisible = false
    }

    /// Width of the bar in `bar` mode, in characters.
    static let barWidth = 20
    /// Minimum seconds between two redraws of the bar (the last update of a stage always draws).
    static let redrawInterval = 0.1

    public init(
        mode: Mode, now: @escaping @Sendable () -> Double, write: @escaping @Sendable (String) -> Void
    ) {
        self.mode = mode
        self.now = now
        self.sink = write
    }

    /// `quiet` if asked, `bar` when stderr is a terminal, else `lines`.
    public static func mode(quiet: Bool) -> Mode {
        if quiet { return .quiet }
        return isatty(STDERR_FILENO) == 1 ? .bar : .lines
    }

    /// A reporter writing to stderr with a monotonic clock (the CLI's default). `mode` overrides the
    /// terminal check (`--verbose` and `--log-format json` want lines); `write` replaces the stderr sink.
    public static func standardError(
        quiet: Bool, mode forced: Mode? = nil, write: (@Sendable (String) -> Void)? = nil
    ) -> ProgressReporter {
        let clock = ContinuousClock()
        let origin = clock.now
        return ProgressReporter(
            mode: quiet ? .quiet : forced ?? mode(quiet: quiet),
            now: {
                let d = clock.now - origin
                return Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
            },
            write: write ?? { text in try? FileHandle.standardError.write(contentsOf: Data(text.utf8)) })
    }

    /// A stage begins; `total` is its unit count (0 when it has none), `done` what is already done
    /// (e.g. backtests restored from checkpoints on resume; the rate counts only new work).
    public func start(_ stage: RunStage, total: Int, done: Int = 0) {
        let t = now()
        state.withLock { s in
            if s.barVisible { sink("\n") }
            s = State(
                stage: stage, total: max(0, total), done: done, startDone: done, startTime: t, lastDraw: nil,
                lastDecile: Self.decile(done, total), barVisible: false)
            switch mode {
            case .quiet: break
            case .lines: sink(total > 0 ? "\(stage.rawValue): started (\(total))\n" : "\(stage.rawValue): started\n")
            case .bar:
                sink("\r" + barLine(s, time: t) + "\u{1B}[K")
                s.lastDraw = t
                s.barVisible = true
            }
        }
    }

    /// Progress of the current stage: `done` units of `total` finished.
    public func update(done: Int) {
        let t = now()
        state.withLock { s in
            guard let stage = s.stage else { return }
            s.done = done
            switch mode {
            case .quiet: break
            case .lines:
                let d = Self.decile(done, s.total)
                if stage == .backtest, d > s.lastDecile, done < s.total {
                    s.lastDecile = d
                    sink("\(stage.rawValue): \(progressText(s, time: t, separator: ", "))\n")
                }
            case .bar:
                let due = s.lastDraw.map { t - $0 >= Self.redrawInterval } ?? true
                if due || done >= s.total {
                    sink("\r" + barLine(s, time: t) + "\u{1B}[K")
                    s.lastDraw = t
                    s.barVisible = true
                }
            }
        }
    }

    /// The current stage ended; `detail` is appended in parentheses (`38 loaded, 2 failed`).
    public func finish(detail: String? = nil) {
        let t = now()
        state.withLock { s in
            guard let stage = s.stage else { return }
            let elapsed = Self.duration(t - s.startTime)
            let suffix = detail.map { " (\($0))" } ?? ""
            let counts = s.total > 0 ? " \(s.done)/\(s.total)" : ""
            switch mode {
            case .quiet: break
            case .lines: sink("\(stage.rawValue): done\(counts) in \(elapsed)\(suffix)\n")
            case .bar:
                sink("\r\(stage.rawValue): done\(counts) in \(elapsed)\(suffix)\u{1B}[K\n")
            }
            s = State()
        }
    }

    /// A line of its own (a warning, a summary) that does not break the bar: in `bar` mode the bar is
    /// cleared, the line printed, and the bar drawn again below it. Nothing in `quiet` mode.
    public func message(_ text: String) {
        let t = now()
        state.withLock { s in
            switch mode {
            case .quiet: break
            case .lines: sink(text + "\n")
            case .bar:
                if s.barVisible {
                    sink("\r\u{1B}[K" + text + "\n" + "\r" + barLine(s, time: t) + "\u{1B}[K")
                } else {
                    sink(text + "\n")
                }
            }
        }
    }

    // MARK: - formatting

    private func barLine(_ s: State, time: Double) -> String {
        let name = s.stage?.rawValue ?? ""
        guard s.total > 0 else { return "\(name) …" }
        let filled = min(Self.barWidth, s.done * Self.barWidth / s.total)
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: Self.barWidth - filled)
        let width = String(s.total).count
        let done = String(repeating: " ", count: max(0, width - String(s.done).count)) + String(s.done)
        let pct = String(repeating: " ", count: max(0, 3 - String(Self.percent(s.done, s.total)).count))
        var line = "\(name) [\(bar)] \(done)/\(s.total) \(pct)\(Self.percent(s.done, s.total)) %"
        let (rate, eta) = rateAndETA(s, time: time)
        if let rate { line += "  " + Self.rate(rate) }
        if let eta { line += "  ETA " + Self.clock(eta) }
        return line
    }

    private func progressText(_ s: State, time: Double, separator: String) -> String {
        var text = "\(s.done)/\(s.total) (\(Self.percent(s.done, s.total)) %)"
        let (rate, eta) = rateAndETA(s, time: time)
        if let rate { text += separator + Self.rate(rate) }
        if let eta { text += separator + "ETA " + Self.duration(eta) }
        return text
    }

    /// Units per second since the stage started (new work only), and seconds left at that rate.
    private func rateAndETA(_ s: State, time: Double) -> (Double?, Double?) {
        let elapsed = time - s.startTime
        let work = s.done - s.startDone
        guard elapsed > 0, work > 0 else { return (nil, nil) }
        let rate = Double(work) / elapsed
        return (rate, Double(max(0, s.total - s.done)) / rate)
    }

    static func percent(_ done: Int, _ total: Int) -> Int {
        total > 0 ? min(100, max(0, done) * 100 / total) : 0
    }

    static func decile(_ done: Int, _ total: Int) -> Int {
        total > 0 ? min(10, max(0, done) * 10 / total) : 0
    }

    static func rate(_ perSecond: Double) -> String {
        String(format: "%.1f/s", perSecond)
    }

    /// `12.3 s` under a minute, then `4:05` or `1:02:03`.
    static func duration(_ seconds: Double) -> String {
        seconds < 59.95 ? String(format: "%.1f s", max(0, seconds)) : clock(seconds)
    }

    /// `0:14`, `4:05`, `1:02:03` (rounded to whole seconds).
    static func clock(_ seconds: Double) -> String {
        let total = Int(max(0, seconds).rounded())
        let h = total / 3600
        let m = total / 60 % 60
        let sec = total % 60
        let ss = sec < 10 ? "0\(sec)" : "\(sec)"
        if h > 0 { return "\(h):" + (m < 10 ? "0\(m)" : "\(m)") + ":" + ss }
        return "\(m):" + ss
    }
}
