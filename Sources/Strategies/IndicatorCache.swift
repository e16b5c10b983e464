import Market
import Synchronization

/// Memoises indicator arrays for one bar series, so a grid of 174 SMA pairs computes each SMA window once.
///
/// Shared by the concurrent jobs of one symbol; the lock guards only the dictionary, never the computation
/// of a value that another job might also be computing (a duplicate computation gives identical bytes).
public final class IndicatorCache: Sendable {
    private let storage = Mutex<[String: [Double]]>([:])
    public let series: BarSeries

    public init(series: BarSeries) { self.series = series }

    /// The cached array for `key`, computing it with `make` on a miss.
    public func values(_ key: String, _ make: (BarSeries) -> [Double]) -> [Double] {
        if let hit = storage.withLock({ $0[key] }) { return hit }
        let v = make(series)
        storage.withLock { $0[key] = v }
        return v
    }

    public func sma(_ n: Int) -> [Double] { values("sma(close,\(n))") { Indicators.sma($0.close, n) } }
    public func rsi(_ n: Int) -> [Double] { values("rsi(close,\(n))") { Indicators.rsi($0.close, n) } }
}
