import Market

/// Mean reversion on Wilder's RSI: buy when it falls below `lower`, sell when it rises above `upper`.
public struct RSIReversion: Strategy {
    public static let descriptor = StrategyDescriptor(
        id: "rsi_reversion",
        summary: "Buy when RSI(period) < lower; sell when RSI(period) > upper.",
        params: [
            ParamSpec("period", .int, default: .int(14), min: 2, max: 1_000, "RSI window, in bars"),
            ParamSpec("lower", .double, default: .int(30), min: 0, max: 100, "oversold level that opens a long"),
            ParamSpec("upper", .double, default: .int(70), min: 0, max: 100, "overbought level that closes it"),
        ],
        constraints: [ParamConstraint("lower < upper") { $0.double("lower") < $0.double("upper") }],
        warmup: "period bars; first decision on bar period + 1")

    public let parameters: Parameters
    public init(parameters: Parameters) { self.parameters = parameters }

    public func signals(on series: BarSeries, indicators: IndicatorCache) -> Signals {
        let rsi = indicators.rsi(parameters.int("period"))
        let lower = parameters.double("lower")
        let upper = parameters.double("upper")
        // NaN comparisons are false, so warm-up bars never signal.
        let entry = rsi.map { $0 < lower }
        let exit = rsi.map { $0 > upper }
        return Signals(warmup: Indicators.firstValid(rsi), entry: entry, exit: exit)
    }
}
