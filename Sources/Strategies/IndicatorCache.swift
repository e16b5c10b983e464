import Market
import Synchronization

/// Memoises indicator arrays for one bar series, so a grid of 174 SMA pairs computes each SMA window once.
///
/// Shared by the concurrent jobs of one symbol. Each key has its own slot: the first job to ask computes
/// the value while holding the slot's lock, and a job asking for the same key meanwhile waits for it instead
/// of computing it again (other keys are not blocked). A computation must not ask for its own key.
public final class IndicatorCache: Sendable {
    private final class Slot: Sendable {
        let value = Mutex<[[Double]]?>(nil)
    }
    private let slots = Mutex<[String: Slot]>([:])
    public let series: BarSeries

    public init(series: BarSeries) { self.series = series }

    private func slot(_ key: String) -> Slot {
        slots.withLock { d in
            if let s = d[key] { return s }
            let s = Slot()
            d[key] = s
            return s
        }
    }

    private func cached(_ key: String, _ make: (BarSeries) -> [[Double]]) -> [[Double]] {
        let s = slot(key)
        return s.value.withLock { v in
            if let v { return v }
            let computed = make(series)
            v = computed
            return computed
        }
    }

    /// The cached array for `key`, computing it with `make` on a miss.
    public func values(_ key: String, _ make: (BarSeries) -> [Double]) -> [Double] {
        cached(key) { [make($0)] }[0]
    }

    /// Several arrays computed together (MACD, Bollinger bands, Donchian), cached under one key.
    private func group(_ key: String, _ make: (BarSeries) -> [[Double]]) -> [[Double]] {
        cached(key, make)
    }

    /// Number of cached entries (one per indicator key; MACD, bands and channels count once).
    public var count: Int { slots.withLock { $0.count } }

    public func sma(_ n: Int) -> [Double] { values("sma(close,\(n))") { Indicators.sma($0.close, n) } }
    public func ema(_ n: Int) -> [Double] { values("ema(close,\(n))") { Indicators.ema($0.close, n) } }
    public func rsi(_ n: Int) -> [Double] { values("rsi(close,\(n))") { Indicators.rsi($0.close, n) } }
    public func roc(_ n: Int) -> [Double] { values("roc(close,\(n))") { Indicators.roc($0.close, n) } }
    public func atr(_ n: Int) -> [Double] {
        values("atr(\(n))") { Indicators.atr(high: $0.high, low: $0.low, close: $0.close, n) }
    }

    public func macd(fast: Int, slow: Int, signal: Int) -> (macd: [Double], signal: [Double], histogram: [Double]) {
        let slowEMA = ema(max(fast, slow))  // shared by every MACD with this slow window
        let g = group("macd(close,\(fast),\(slow),\(signal))") {
            let m = Indicators.macd($0.close, fast: fast, slow: slow, signal: signal, slowEMA: slowEMA)
            return [m.macd, m.signal, m.histogram]
        }
        return (g[0], g[1], g[2])
    }

    public func bollinger(_ n: Int, k: Double) -> (upper: [Double], middle: [Double], lower: [Double]) {
        // The middle band is the cached SMA and σ is cached per window, so a grid over k reuses both.
        let mid = sma(n)
        let sd = values("bbstd(close,\(n))") { Indicators.rollingStd($0.close, n, mean: mid) }
        let g = group("bbands(close,\(n),\(k))") {
            _ in
            let b = Indicators.bands(middle: mid, sd: sd, k: k)
            return [b.upper, b.lower]
        }
        return (g[0], mid, g[1])
    }

    public func donchian(_ n: Int) -> (upper: [Double], lower: [Double]) {
        let g = group("donchian(\(n))") {
            let d = Indicators.donchian(high: $0.high, low: $0.low, n)
            return [d.upper, d.lower]
        }
        return (g[0], g[1])
    }
}
