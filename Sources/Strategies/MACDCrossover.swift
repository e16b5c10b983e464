import Market

/// Long when the MACD line crosses above its signal line; flat when it crosses back below.
///
/// MACD is TA-Lib's `MACD(fast, slow, signal)` including its seeding quirk (SEMANTICS.md §8).
public struct MACDCrossover: Strategy {
    public static let descriptor = StrategyDescriptor(
        id: "macd_crossover",
        summary: "Buy when MACD(fast, slow) crosses above its signal EMA; sell when it crosses below.",
        params: [
            ParamSpec("fast", .int, default: .int(12), min: 1, max: 10_000, "fast EMA window, in bars"),
            ParamSpec("slow", .int, default: .int(26), min: 2, max: 10_000, "slow EMA window, in bars"),
            ParamSpec("signal", .int, default: .int(9), min: 1, max: 10_000, "signal EMA window, in bars"),
        ],
        constraints: [ParamConstraint("fast < slow") { $0.int("fast") < $0.int("slow") }],
        warmup: "slow + signal − 2 bars; first decision on bar slow + signal − 1")

    public let parameters: Parameters
    public init(parameters: Parameters) { self.parameters = parameters }

    public func signals(on series: BarSeries, indicators: IndicatorCache) -> Signals {
        let m = indicators.macd(
            fast: parameters.int("fast"), slow: parameters.int("slow"), signal: parameters.int("signal"))
        let (entry, exit) = Indicators.crossoverSignals(m.macd, m.signal)
        let w = max(Indicators.firstValid(m.macd), Indicators.firstValid(m.signal))
        return Signals(warmup: w, entry: entry, exit: exit)
    }
}
