import DataSources
import Foundation
import Market

enum Paths {
    static let testsDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let fixtures = testsDir.appendingPathComponent("Fixtures").path
    /// `Tests/Fixtures/reference`: the backtesting.py reference set the Engine parity tests also read
    /// (one copy for both targets; see `Tests/Fixtures/README.md`).
    static let reference = testsDir.deletingLastPathComponent().appendingPathComponent("Fixtures/reference").path

    /// A fresh, unique temporary folder.
    static func tempDir() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(
            "stratopt-ds-\(UUID().uuidString)"
        ).path
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

func day(_ s: String) -> SessionDate { SessionDate(iso: s)! }

/// A provider that records every request and answers from a synthetic market (or fails for chosen symbols).
final class CountingProvider: BarProvider, @unchecked Sendable {
    struct Call: Equatable, CustomStringConvertible {
        var symbol: String
        var from: String
        var to: String
        var description: String { "\(symbol) \(from)…\(to)" }
    }

    let inner: SyntheticProvider
    let failing: Set<String>
    let corrupt: Set<String>
    private let lock = NSLock()
    private var _calls: [Call] = []

    init(calendar: any TradingCalendar, failing: Set<String> = [], corrupt: Set<String> = []) {
        inner = SyntheticProvider(seed: 7, calendar: calendar)
        self.failing = failing
        self.corrupt = corrupt
    }

    var id: String { "counting" }

    var calls: [Call] { lock.withLock { _calls } }
    func reset() { lock.withLock { _calls = [] } }

    func bars(symbol: String, from: SessionDate, to: SessionDate) async throws -> [Bar] {
        lock.withLock { _calls.append(Call(symbol: symbol, from: from.iso, to: to.iso)) }
        if failing.contains(symbol) {
            throw MarketDataError(symbol: symbol, provider: id, message: "unknown ticker", kind: .notFound)
        }
        var bars = inner.generate(symbol: symbol, from: from, to: to)
        if corrupt.contains(symbol), bars.count > 1 {
            bars[1].high = bars[1].low / 2
        }
        return bars
    }
}
