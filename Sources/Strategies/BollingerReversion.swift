import Market

/// Mean reversion on Bollinger bands: buy when the close falls below the lower band, sell when it
/// rises back above the middle band (the SMA).
public struct BollingerReversion: Strategy {
    public static let descriptor = StrategyDescriptor(
        id: "bollinger_reversion",
        summary: "Buy when close < SMA(period) − k·σ; sell when close > SMA(period).",
        params: [
            ParamSpec("period", .int, default: .int(20), min: 2, max: 10_000, "band window, in bars"),
            ParamSpec("k", .double, default: .int(2), min: 0.1, max: 10, "band width in population std devs"),
        ],
        warmup: "period − 1 bars; first decision on bar period")

    public let parameters: Parameters
    public init(parameters: Parameters) { self.parameters = parameters }

    public func signals(on series: BarSeries, indicators: IndicatorCache) -> Signals {
        let b = indicators.bollinger(parameters.int("period"), k: parameters.double("k"))
        let close = series.close
        let n = series.count
        var entry = [Bool](repeating: false, count: n)
        var exit = [Bool](repeating: false, count: n)
        close.withUnsafeBufferPointer { c in
            b.lower.withUnsafeBufferPointer { lo in
                b.middle.withUnsafeBufferPointer { mid in
                    entry.withUnsafeMutableBufferPointer { en in
                        exit.withUnsafeMutableBufferPointer { ex in
                            for t in 0..<n {
                                en[t] = c[t] < lo[t]  // NaN compares false
                                ex[t] = c[t] > mid[t]
                            }
                        }
                    }
                }
            }
        }
        return Signals(warmup: Indicators.firstValid(b.middle), entry: entry, exit: exit)
    }
}
