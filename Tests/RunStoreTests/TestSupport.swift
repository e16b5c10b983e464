import Foundation
import Synchronization

/// A fresh folder under the system temp dir, removed after `body`.
func withTempDir<T>(_ body: (String) async throws -> T) async rethrows -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("runstore-\(UUID().uuidString)").path
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try await body(dir)
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let seconds = Mutex(0.0)
    var now: Double { seconds.withLock { $0 } }
    func set(_ t: Double) { seconds.withLock { $0 = t } }
}

/// Collects what a reporter writes.
final class TextSink: Sendable {
    private let parts = Mutex<[String]>([])
    func write(_ s: String) { parts.withLock { $0.append(s) } }
    var text: String { parts.withLock { $0.joined() } }
    var writes: [String] { parts.withLock { $0 } }
    func reset() { parts.withLock { $0 = [] } }
}
