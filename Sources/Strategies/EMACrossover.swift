import Market

/// Long when the fast EMA of the close crosses above the slow one; flat when it crosses back below.
///
/// EMAs are TA-Lib's (seeded with the SMA of the first n closes); crossovers are strict, as `sma_crossover`.
public struct EMACrossover: Strategy {
    public static let descriptor = StrategyDescriptor(
        id: "ema_crossover",
        summary: "Buy when EMA(fast) crosses above EMA(slow); sell when it crosses below.",
        params: [
            ParamSpec("fast", .int, default: .int(12), min: 1, max: 10_000, "fast EMA window, in bars"),
            ParamSpec("slow", .int, default: .int(26), min: 2, max: 10_000, "slow EMA window, in bars"),
        ],
        constraints: [ParamConstraint("fast < slow") { $0.int("fast") < $0.int("slow") }],
        warmup: "slow − 1 bars; first decision on bar slow")

    public let parameters: Parameters
    public init(parameters: Parameters) { self.parameters = parameters }

    public func signals(on series: BarSeries, indicators: IndicatorCache) -> Signals {
        let fast = indicators.ema(parameters.int("fast"))
        let slow = indicators.ema(parameters.int("slow"))
        let (entry, exit) = Indicators.crossoverSignals(fast, slow)
        let w = max(Indicators.firstValid(fast), Indicators.firstValid(slow))
        return Signals(warmup: w, entry: entry, exit: exit)
    }
}
