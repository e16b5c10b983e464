import Foundation

/// Technical indicators, computed the way pandas and TA-Lib do (SEMANTICS.md §2 and §8).
///
/// Every function is O(n), allocates only its output, and returns NaN for warm-up values.
/// Value at index t depends on inputs 0…t only (no look-ahead).
public enum Indicators {
    /// Simple moving average, bit-identical to `pandas.Series.rolling(n).mean()` (backtesting.test.SMA):
    /// a running sum with Kahan compensation (separate compensations for adds and removes), the
    /// "n equal values" shortcut and the sign clamps of pandas' `roll_mean`. First value at index n−1.
    public static func sma(_ x: [Double], _ n: Int) -> [Double] {
        var out = [Double](repeating: .nan, count: x.count)
        guard n >= 1, x.count >= n else { return out }
        x.withUnsafeBufferPointer { xs in
            out.withUnsafeMutableBufferPointer { o in
                var sum = 0.0
                var compAdd = 0.0
                var compRemove = 0.0
                var nobs = 0
                var negCount = 0
                var sameCount = 0
                var prev = xs[0]
                for i in 0..<xs.count {
                    if i >= n {
                        let v = xs[i - n]
                        if v == v {
                            nobs -= 1
                            let y = -v - compRemove
                            let t = sum + y
                            compRemove = t - sum - y
                            sum = t
                            if v.sign == .minus { negCount -= 1 }
                        }
                    }
                    let v = xs[i]
                    if v == v {
                        nobs += 1
                        let y = v - compAdd
                        let t = sum + y
                        compAdd = t - sum - y
                        sum = t
                        if v.sign == .minus { negCount += 1 }
                        if v == prev { sameCount += 1 } else { sameCount = 1 }
                        prev = v
                    }
                    if i >= n - 1 && nobs >= n {
                        var r = sum / Double(nobs)
                        if sameCount >= nobs {
                            r = prev
                        } else if negCount == 0 && r < 0 {
                            r = 0
                        } else if negCount == nobs && r > 0 {
                            r = 0
                        }
                        o[i] = r
                    }
                }
            }
        }
        return out
    }

    /// TA-Lib EMA: `k = 2/(n+1)`, seeded at index n−1 with the plain mean of the first n values.
    public static func ema(_ x: [Double], _ n: Int) -> [Double] {
        var out = [Double](repeating: .nan, count: x.count)
        guard n >= 1, x.count >= n else { return out }
        emaInto(&out, x, n, seedStart: 0)
        return out
    }

    /// EMA seeded at index `seedStart + n − 1` with the mean of `x[seedStart ..< seedStart + n]`.
    static func emaInto(_ out: inout [Double], _ x: [Double], _ n: Int, seedStart: Int) {
        let k = 2.0 / Double(n + 1)
        let first = seedStart + n - 1
        guard first < x.count else { return }
        var s = 0.0
        for i in seedStart...first { s += x[i] }
        var prev = s / Double(n)
        out[first] = prev
        var t = first + 1
        while t < x.count {
            prev = (x[t] - prev) * k + prev
            out[t] = prev
            t += 1
        }
    }

    /// Wilder's RSI as in TA-Lib: first value at index n, seeded with the plain mean of the first n gains/losses.
    public static func rsi(_ x: [Double], _ n: Int) -> [Double] {
        var out = [Double](repeating: .nan, count: x.count)
        guard n >= 1, x.count > n else { return out }
        var gain = 0.0
        var loss = 0.0
        for t in 1...n {
            let d = x[t] - x[t - 1]
            if d < 0 { loss -= d } else { gain += d }
        }
        gain /= Double(n)
        loss /= Double(n)
        @inline(__always) func value(_ g: Double, _ l: Double) -> Double {
            let s = g + l
            return (-1e-8 < s && s < 1e-8) ? 0 : 100 * (g / s)
        }
        out[n] = value(gain, loss)
        let m = Double(n - 1)
        var t = n + 1
        while t < x.count {
            let d = x[t] - x[t - 1]
            gain *= m
            loss *= m
            if d < 0 { loss -= d } else { gain += d }
            gain /= Double(n)
            loss /= Double(n)
            out[t] = value(gain, loss)
            t += 1
        }
        return out
    }

    /// MACD line, signal and histogram with TA-Lib's seeding (SEMANTICS.md §8): both EMAs start at
    /// index slow−1, the fast one seeded with the mean of `x[slow−fast … slow−1]`; the signal EMA is
    /// seeded at `slow+signal−2` with the mean of the first `signal` MACD values. All three are NaN
    /// before `slow + signal − 2`.
    ///
    /// `slowEMA`, when given, must be `ema(x, max(fast, slow))` (a grid shares it through the cache).
    public static func macd(_ x: [Double], fast: Int, slow: Int, signal: Int, slowEMA: [Double]? = nil) -> (
        macd: [Double], signal: [Double], histogram: [Double]
    ) {
        let n = x.count
        var line = [Double](repeating: .nan, count: n)
        var sig = [Double](repeating: .nan, count: n)
        var hist = [Double](repeating: .nan, count: n)
        let (f, s) = fast <= slow ? (fast, slow) : (slow, fast)
        guard f >= 1, signal >= 1, n >= s else { return (line, sig, hist) }
        var fastE = [Double](repeating: .nan, count: n)
        emaInto(&fastE, x, f, seedStart: s - f)
        var slowE: [Double]
        if let given = slowEMA, given.count == n {
            slowE = given
        } else {
            slowE = [Double](repeating: .nan, count: n)
            emaInto(&slowE, x, s, seedStart: 0)
        }
        for t in (s - 1)..<n { line[t] = fastE[t] - slowE[t] }
        let first = s - 1 + signal - 1
        guard first < n else { return ([Double](repeating: .nan, count: n), sig, hist) }
        var tmp = [Double](repeating: .nan, count: n)
        emaInto(&tmp, line, signal, seedStart: s - 1)
        for t in first..<n {
            sig[t] = tmp[t]
            hist[t] = line[t] - tmp[t]
        }
        for t in 0..<first { line[t] = .nan }
        return (line, sig, hist)
    }

    /// Bollinger bands: middle = SMA(n) (pandas-exact, as `sma`), ± k × population standard deviation
    /// (ddof 0) of the same n values, computed like TA-Lib's BBANDS in O(n): a running sum of squares,
    /// `σ² = Σx²/n − middle²`. A variance below 1e-13 of the mean square (rounding noise of a flat
    /// window) counts as 0. First value at n−1.
    public static func bollinger(_ x: [Double], _ n: Int, k: Double) -> (
        upper: [Double], middle: [Double], lower: [Double]
    ) {
        let mid = sma(x, n)
        let b = bands(middle: mid, sd: rollingStd(x, n, mean: mid), k: k)
        return (b.upper, mid, b.lower)
    }

    /// `middle ± k·sd`, NaN where either is NaN.
    public static func bands(middle: [Double], sd: [Double], k: Double) -> (upper: [Double], lower: [Double]) {
        var up = [Double](repeating: .nan, count: middle.count)
        var lo = [Double](repeating: .nan, count: middle.count)
        for t in middle.indices {
            let m = middle[t]
            up[t] = m + k * sd[t]
            lo[t] = m - k * sd[t]
        }
        return (up, lo)
    }

    /// Population standard deviation of the last n values around `mean` (the SMA of the same window), TA-Lib
    /// style: `sqrt(Σx²/n − mean²)` with a running sum of squares. NaN before n−1.
    public static func rollingStd(_ x: [Double], _ n: Int, mean mid: [Double]) -> [Double] {
        var out = [Double](repeating: .nan, count: x.count)
        guard n >= 1, x.count >= n, mid.count == x.count else { return out }
        let dn = Double(n)
        x.withUnsafeBufferPointer { xs in
            var sumSq = 0.0
            for i in 0..<(n - 1) { sumSq += xs[i] * xs[i] }
            for t in (n - 1)..<xs.count {
                sumSq += xs[t] * xs[t]
                let meanSq = sumSq / dn
                let old = xs[t - n + 1]
                sumSq -= old * old
                let m = mid[t]
                let v = meanSq - m * m
                out[t] = v > meanSq * 1e-13 ? v.squareRoot() : 0
            }
        }
        return out
    }

    /// True range: `max(H−L, |H−C[t−1]|, |L−C[t−1]|)` for t ≥ 1; NaN at 0.
    public static func trueRange(high: [Double], low: [Double], close: [Double]) -> [Double] {
        var tr = [Double](repeating: .nan, count: close.count)
        guard close.count >= 2 else { return tr }
        for t in 1..<close.count {
            let a = high[t] - low[t]
            let b = abs(high[t] - close[t - 1])
            let c = abs(low[t] - close[t - 1])
            tr[t] = max(a, max(b, c))
        }
        return tr
    }

    /// Wilder's ATR as in TA-Lib: `ATR[n] = mean(TR[1…n])`, then `(ATR·(n−1) + TR)/n`. First at n.
    public static func atr(high: [Double], low: [Double], close: [Double], _ n: Int) -> [Double] {
        var out = [Double](repeating: .nan, count: close.count)
        guard n >= 1, close.count > n else { return out }
        let tr = trueRange(high: high, low: low, close: close)
        var s = 0.0
        for t in 1...n { s += tr[t] }
        var prev = s / Double(n)
        out[n] = prev
        var t = n + 1
        while t < close.count {
            prev = (prev * Double(n - 1) + tr[t]) / Double(n)
            out[t] = prev
            t += 1
        }
        return out
    }

    /// Donchian channel over the last n bars including bar t: upper = max high, lower = min low.
    /// First value at n−1. O(n) with monotonic queues.
    public static func donchian(high: [Double], low: [Double], _ n: Int) -> (upper: [Double], lower: [Double]) {
        (rollingExtreme(high, n, max: true), rollingExtreme(low, n, max: false))
    }

    /// Rolling max (or min) over windows of n values ending at t; NaN before n−1.
    static func rollingExtreme(_ x: [Double], _ n: Int, max isMax: Bool) -> [Double] {
        var out = [Double](repeating: .nan, count: x.count)
        guard n >= 1, x.count >= n else { return out }
        var queue = [Int](repeating: 0, count: x.count)  // indices, values monotonic from head to tail
        var head = 0
        var tail = 0
        x.withUnsafeBufferPointer { xs in
            for t in 0..<xs.count {
                let v = xs[t]
                while tail > head && (isMax ? xs[queue[tail - 1]] <= v : xs[queue[tail - 1]] >= v) { tail -= 1 }
                queue[tail] = t
                tail += 1
                if queue[head] <= t - n { head += 1 }
                if t >= n - 1 { out[t] = xs[queue[head]] }
            }
        }
        return out
    }

    /// Rate of change in percent: `(x[t] / x[t−n] − 1) × 100`. First value at n.
    public static func roc(_ x: [Double], _ n: Int) -> [Double] {
        var out = [Double](repeating: .nan, count: x.count)
        guard n >= 1, x.count > n else { return out }
        for t in n..<x.count { out[t] = (x[t] / x[t - n] - 1) * 100 }
        return out
    }

    /// backtesting.lib `crossover(a, b)` at t: `a[t-1] < b[t-1] && a[t] > b[t]` (strict; NaN never crosses).
    @inline(__always)
    public static func crossesAbove(_ a: [Double], _ b: [Double], at t: Int) -> Bool {
        t >= 1 && a[t - 1] < b[t - 1] && a[t] > b[t]
    }

    /// Entry on `a` crossing above `b`, exit on `b` crossing above `a`, for every bar.
    public static func crossoverSignals(_ a: [Double], _ b: [Double]) -> (entry: [Bool], exit: [Bool]) {
        let n = min(a.count, b.count)
        var entry = [Bool](repeating: false, count: n)
        var exit = [Bool](repeating: false, count: n)
        guard n >= 2 else { return (entry, exit) }
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                entry.withUnsafeMutableBufferPointer { en in
                    exit.withUnsafeMutableBufferPointer { ex in
                        var pa = a[0]
                        var pb = b[0]
                        for t in 1..<n {
                            let ca = a[t]
                            let cb = b[t]
                            en[t] = pa < pb && ca > cb
                            ex[t] = pb < pa && cb > ca
                            pa = ca
                            pb = cb
                        }
                    }
                }
            }
        }
        return (entry, exit)
    }

    /// Index of the first non-NaN value, or `count` if none.
    public static func firstValid(_ x: [Double]) -> Int { x.firstIndex { !$0.isNaN } ?? x.count }
}
