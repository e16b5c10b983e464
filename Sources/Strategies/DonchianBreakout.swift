import Market

/// Turtle-style channel breakout: buy when the close exceeds the highest high of the previous
/// `entry` bars; sell when it falls below the lowest low of the previous `exit` bars.
public struct DonchianBreakout: Strategy {
    public static let descriptor = StrategyDescriptor(
        id: "donchian_breakout",
        summary:
            "Buy when close > max(high) of the previous `entry` bars; sell when close < min(low) of the previous `exit` bars.",
        params: [
            ParamSpec("entry", .int, default: .int(20), min: 1, max: 10_000, "breakout channel, in bars"),
            ParamSpec("exit", .int, default: .int(10), min: 1, max: 10_000, "exit channel, in bars"),
        ],
        warmup: "max(entry, exit) bars; first decision on bar max(entry, exit) + 1")

    public let parameters: Parameters
    public init(parameters: Parameters) { self.parameters = parameters }

    public func signals(on series: BarSeries, indicators: IndicatorCache) -> Signals {
        let ne = parameters.int("entry")
        let nx = parameters.int("exit")
        let up = indicators.donchian(ne).upper
        let lo = indicators.donchian(nx).lower
        let close = series.close
        let n = series.count
        var entry = [Bool](repeating: false, count: n)
        var exit = [Bool](repeating: false, count: n)
        if n >= 2 {
            close.withUnsafeBufferPointer { c in
                up.withUnsafeBufferPointer { up in
                    lo.withUnsafeBufferPointer { lo in
                        entry.withUnsafeMutableBufferPointer { en in
                            exit.withUnsafeMutableBufferPointer { ex in
                                for t in 1..<n {
                                    en[t] = c[t] > up[t - 1]  // channel of bars t−n … t−1; NaN compares false
                                    ex[t] = c[t] < lo[t - 1]
                                }
                            }
                        }
                    }
                }
            }
        }
        // The first bar whose previous-bar channels are both defined.
        let w = min(n, max(Indicators.firstValid(up), Indicators.firstValid(lo)) + 1)
        return Signals(warmup: w, entry: entry, exit: exit)
    }
}
