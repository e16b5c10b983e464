import Brokers
import Foundation

/// A fresh directory under the system temp dir; removed by `remove()`.
struct TempDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("stratopt-brokers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Records requested waits instead of waiting (no test waits on the clock).
struct RecordingSleeper: RetrySleeper {
    actor Log {
        var waits: [Double] = []
        func add(_ s: Double) { waits.append(s) }
    }
    let log = Log()
    func sleep(seconds: Double) async { await log.add(seconds) }
    var waits: [Double] { get async { await log.waits } }
}

/// Collects lines written by a sink's injected writer.
final class LineBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []
    func append(_ s: String) {
        lock.lock()
        stored.append(s)
        lock.unlock()
    }
    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}
