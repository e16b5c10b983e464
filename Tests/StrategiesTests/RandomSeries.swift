import Market

/// Seeded (Market.SplitMix64), so the tests are reproducible.
enum RandomSeries {
    /// A geometric random walk with consistent OHLC.
    static func make(count: Int, seed: UInt64, start: Double = 50) -> BarSeries {
        var g = SplitMix64(state: seed)
        return make(count: count, generator: &g, startPrice: start, firstDay: 15_000)
    }

    static func make(count: Int, generator g: inout SplitMix64, startPrice: Double, firstDay: Int) -> BarSeries {
        var o: [Double] = []
        var h: [Double] = []
        var l: [Double] = []
        var c: [Double] = []
        var prev = startPrice
        for _ in 0..<count {
            let open = prev * (1 + Double.random(in: -0.01...0.01, using: &g))
            let close = open * (1 + Double.random(in: -0.03...0.03, using: &g))
            o.append(open)
            c.append(close)
            h.append(max(open, close) * (1 + Double.random(in: 0...0.01, using: &g)))
            l.append(min(open, close) * (1 - Double.random(in: 0...0.01, using: &g)))
            prev = close
        }
        return BarSeries(
            symbol: "RND", dates: (0..<count).map { SessionDate(daysSinceEpoch: firstDay + $0) }, open: o, high: h,
            low: l, close: c, volume: [Double](repeating: 1_000, count: count))
    }

    /// `base` with every bar after `t` replaced by a different random continuation.
    static func rewritingAfter(_ t: Int, of base: BarSeries, seed: UInt64) -> BarSeries {
        var g = SplitMix64(state: seed)
        let tail = make(
            count: base.count - t - 1, generator: &g, startPrice: base.close[t] * 1.3,
            firstDay: base.dates[t].daysSinceEpoch + 1)
        return BarSeries(
            symbol: base.symbol, dates: base.dates, open: Array(base.open[...t]) + tail.open,
            high: Array(base.high[...t]) + tail.high, low: Array(base.low[...t]) + tail.low,
            close: Array(base.close[...t]) + tail.close, volume: base.volume)
    }
}
