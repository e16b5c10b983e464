import Market

/// Long when the fast SMA of the close crosses above the slow one; flat when it crosses back below.
///
/// The SMA is pandas' `rolling(n).mean()` bit for bit, and the crossover is backtesting.lib's strict
/// `a[t-1] < b[t-1] && a[t] > b[t]`, so this reproduces the reference `sma_cross_<fast>_<slow>` runs.
public struct SMACrossover: Strategy {
    public static let descriptor = StrategyDescriptor(
        id: "sma_crossover",
        summary: "Buy when SMA(fast) crosses above SMA(slow); sell when it crosses below.",
        params: [
            ParamSpec("fast", .int, default: .int(10), min: 1, max: 10_000, "fast SMA window, in bars"),
            ParamSpec("slow", .int, default: .int(20), min: 2, max: 10_000, "slow SMA window, in bars"),
        ],
        constraints: [ParamConstraint("fast < slow") { $0.int("fast") < $0.int("slow") }],
        warmup: "slow − 1 bars; first decision on bar slow")

    public let parameters: Parameters
    public init(parameters: Parameters) { self.parameters = parameters }

    public func signals(on series: BarSeries, indicators: IndicatorCache) -> Signals {
        let fast = indicators.sma(parameters.int("fast"))
        let slow = indicators.sma(parameters.int("slow"))
        let (entry, exit) = Indicators.crossoverSignals(fast, slow)
        let w = max(Indicators.firstValid(fast), Indicators.firstValid(slow))
        return Signals(warmup: w, entry: entry, exit: exit)
    }
}
