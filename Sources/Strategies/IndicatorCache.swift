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

    /// Several arrays computed together (MACD, Bollinger, Donchian), cached under `key.0`, `key.1`, ….
    private func group(_ key: String, count: Int, _ make: (BarSeries) -> [[Double]]) -> [[Double]] {
        let keys = (0..<count).map { "\(key).\($0)" }
        if let hit = storage.withLock({ d -> [[Double]]? in
            let found = keys.compactMap { d[$0] }
            return found.count == count ? found : nil
        }) {
            return hit
        }
        let v = make(series)
        storage.withLock { d in for (k, a) in zip(keys, v) { d[k] = a } }
        return v
    }

    /// Number of arrays currently cached (for tests and diagnostics).
    public var count: Int { storage.withLock { $0.count } }

    public func sma(_ n: Int) -> [Double] { values("sma(close,\(n))") { Indicators.sma($0.close, n) } }
    public func ema(_ n: Int) -> [Double] { values("ema(close,\(n))") { Indicators.ema($0.close, n) } }
    public func rsi(_ n: Int) -> [Double] { values("rsi(close,\(n))") { Indicators.rsi($0.close, n) } }
    public func roc(_ n: Int) -> [Double] { values("roc(close,\(n))") { Indicators.roc($0.close, n) } }
    public func atr(_ n: Int) -> [Double] {
        values("atr(\(n))") { Indicators.atr(high: $0.high, low: $0.low, close: $0.close, n) }
    }

    public func macd(fast: Int, slow: Int, signal: Int) -> (macd: [Double], signal: [Double], histogram: [Double]) {
        let g = group("macd(close,\(fast),\(slow),\(signal))", count: 3) {
            let m = Indicators.macd($0.close, fast: fast, slow: slow, signal: signal)
            return [m.macd, m.signal, m.histogram]
        }
        return (g[0], g[1], g[2])
    }

    public func bollinger(_ n: Int, k: Double) -> (upper: [Double], middle: [Double], lower: [Double]) {
        // The middle band is the cached SMA and σ is cached per window, so a grid over k reuses both.
        let mid = sma(n)
        let sd = values("bbstd(close,\(n))") { Indicators.rollingStd($0.close, n, mean: mid) }
        let g = group("bbands(close,\(n),\(k))", count: 2) {
            _ in
            let b = Indicators.bands(middle: mid, sd: sd, k: k)
            return [b.upper, b.lower]
        }
        return (g[0], mid, g[1])
    }

    public func donchian(_ n: Int) -> (upper: [Double], lower: [Double]) {
        let g = group("donchian(\(n))", count: 2) {
            let d = Indicators.donchian(high: $0.high, low: $0.low, n)
            return [d.upper, d.lower]
        }
        return (g[0], g[1])
    }
}
