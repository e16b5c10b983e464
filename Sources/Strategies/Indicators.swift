/// Technical indicators, computed the way pandas and TA-Lib do (SEMANTICS.md §2 and §8).
/// Warm-up values are NaN.
public enum Indicators {
    /// Simple moving average; first value at index n−1.
    ///
    /// Each window is summed from scratch, left to right, like `pandas.rolling(n).mean()` for the
    /// values that decide crossovers; a running sum would drift by ~1e-12 over thousands of bars.
    public static func sma(_ x: [Double], _ n: Int) -> [Double] {
        var out = [Double](repeating: .nan, count: x.count)
        guard n >= 1, x.count >= n else { return out }
        x.withUnsafeBufferPointer { xs in
            for t in (n - 1)..<xs.count {
                var s = 0.0
                for j in (t - n + 1)...t { s += xs[j] }
                out[t] = s / Double(n)
            }
        }
        return out
    }

    /// Wilder's RSI as in TA-Lib: first value at index n, seeded with the plain mean of the first n gains/losses.
    public static func rsi(_ x: [Double], _ n: Int) -> [Double] {
        var out = [Double](repeating: .nan, count: x.count)
        guard n >= 1, x.count > n else { return out }
        var gain = 0.0
        var loss = 0.0
        for t in 1...n {
            let d = x[t] - x[t - 1]
            if d > 0 { gain += d } else { loss -= d }
        }
        gain /= Double(n)
        loss /= Double(n)
        func value(_ g: Double, _ l: Double) -> Double { g + l == 0 ? 0 : 100 * g / (g + l) }
        out[n] = value(gain, loss)
        if x.count > n + 1 {
            for t in (n + 1)..<x.count {
                let d = x[t] - x[t - 1]
                gain = (gain * Double(n - 1) + (d > 0 ? d : 0)) / Double(n)
                loss = (loss * Double(n - 1) + (d < 0 ? -d : 0)) / Double(n)
                out[t] = value(gain, loss)
            }
        }
        return out
    }

    /// backtesting.lib `crossover(a, b)` at t: `a[t-1] < b[t-1] && a[t] > b[t]` (strict; NaN never crosses).
    @inline(__always)
    public static func crossesAbove(_ a: [Double], _ b: [Double], at t: Int) -> Bool {
        t >= 1 && a[t - 1] < b[t - 1] && a[t] > b[t]
    }

    /// Index of the first non-NaN value, or `count` if none.
    public static func firstValid(_ x: [Double]) -> Int { x.firstIndex { !$0.isNaN } ?? x.count }
}
