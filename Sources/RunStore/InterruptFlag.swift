import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Turns SIGINT / SIGTERM into a flag the runner polls between batches.
///
/// The first signal sets `isSet` (the runner finishes the current batch, saves its checkpoint, marks the
/// run `interrupted` and exits with 130); a second signal exits at once with code 130. The default
/// actions are replaced by `SIG_IGN` and the signals are read with `DispatchSource.makeSignalSource`, so
/// no code runs inside a signal handler. `uninstall()` restores the default actions.
public final class InterruptFlag: Sendable {
    private let state = FlagState()
    private let sources: Mutex<[any DispatchSourceSignal]>
    private let signals: [Int32]

    /// Installs the handlers. `onSignal` runs (on a private queue) for the first signal, e.g. to print
    /// "interrupted: stopping after the current batch (press Ctrl-C again to stop now)".
    /// `onSecondSignal` runs for any later one; the default exits the process with code 130.
    /// Keep the returned flag alive for the whole run: releasing it uninstalls the handlers.
    public static func install(
        signals: [Int32] = [SIGINT, SIGTERM], onSignal: @escaping @Sendable (Int32) -> Void = { _ in },
        onSecondSignal: @escaping @Sendable (Int32) -> Void = { _ in exit(130) }
    ) -> InterruptFlag {
        InterruptFlag(signals: signals, onSignal: onSignal, onSecondSignal: onSecondSignal)
    }

    private init(
        signals: [Int32], onSignal: @escaping @Sendable (Int32) -> Void,
        onSecondSignal: @escaping @Sendable (Int32) -> Void
    ) {
        self.signals = signals
        let queue = DispatchQueue(label: "stratopt.interrupt")
        var made: [any DispatchSourceSignal] = []
        let state = state
        for sig in signals {
            _ = signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                if state.flag.compareExchange(expected: 0, desired: sig, ordering: .sequentiallyConsistent).exchanged {
                    onSignal(sig)
                } else {
                    onSecondSignal(sig)
                }
            }
            source.resume()
            made.append(source)
        }
        sources = Mutex(made)
    }

    /// Whether SIGINT or SIGTERM (or `set()`) has arrived.
    public var isSet: Bool { state.flag.load(ordering: .sequentiallyConsistent) != 0 }

    /// The first signal that arrived (`SIGINT`, `SIGTERM`), or nil; `set()` records -1.
    public var receivedSignal: Int32? {
        let v = state.flag.load(ordering: .sequentiallyConsistent)
        return v == 0 ? nil : v
    }

    /// Sets the flag without a signal (e.g. a `--max-duration` watchdog, or tests).
    public func set() {
        _ = state.flag.compareExchange(expected: 0, desired: -1, ordering: .sequentiallyConsistent)
    }

    /// Cancels the sources and restores the default actions of the signals. Idempotent.
    public func uninstall() {
        let old = sources.withLock { s in
            let old = s
            s = []
            return old
        }
        guard !old.isEmpty else { return }
        for s in old { s.cancel() }
        for sig in signals { _ = signal(sig, SIG_DFL) }
    }

    deinit { uninstall() }
}

private final class FlagState: Sendable {
    /// 0 until the first signal, then its number (-1 for `set()`).
    let flag = Atomic<Int32>(0)
}
