import Foundation
import RunStore
import Synchronization

/// The data folder's lock, shared by the server's workers and execute requests: taken when the first of
/// them starts and released when the last ends, so `stratopt run` in the same folder waits (or fails with
/// "in use") while the server works and runs freely while it is idle.
final class DataFolderLock: Sendable {
    private let dataDir: String
    private let state = Mutex<(users: Int, lock: RunLock?)>((0, nil))

    init(dataDir: String) { self.dataDir = dataDir }

    /// Waits until the lock is held for `runId` (polling while another process holds it), unless `giveUp`
    /// says to stop: false then.
    func acquire(runId: String, giveUp: @Sendable () -> Bool = { false }) async -> Bool {
        while true {
            let taken: Bool = state.withLock { s in
                if s.users > 0 {
                    s.users += 1
                    return true
                }
                guard
                    let lock = try? RunLock.acquire(
                        dataDir: dataDir, runId: runId, pid: ProcessInfo.processInfo.processIdentifier)
                else { return false }
                s.lock = lock
                s.users = 1
                return true
            }
            if taken { return true }
            if giveUp() || Task.isCancelled { return false }
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    func release() {
        state.withLock { s in
            guard s.users > 0 else { return }
            s.users -= 1
            if s.users == 0 {
                s.lock?.release()
                s.lock = nil
            }
        }
    }
}

/// A job's stop request (`DELETE` of a running job): the run stops after the backtests in flight.
final class JobStop: Sendable {
    private let flag = Mutex(false)
    func stop() { flag.withLock { $0 = true } }
    var isStopRequested: Bool { flag.withLock { $0 } }
}

/// Lets one caller in at a time; the others wait (polling), or give up.
final class SerialGate: Sendable {
    private let busy = Mutex(false)

    func enter(giveUp: @Sendable () -> Bool) async -> Bool {
        while true {
            let entered = busy.withLock { b in
                if b { return false }
                b = true
                return true
            }
            if entered { return true }
            if giveUp() || Task.isCancelled { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    func leave() { busy.withLock { $0 = false } }
}
