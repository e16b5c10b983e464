import Market

/// Time-series momentum: long while the rate of change over `period` bars is above `threshold`
/// percent; flat once it falls below `exit_threshold` percent.
public struct Momentum: Strategy {
    public static let descriptor = StrategyDescriptor(
        id: "momentum",
        summary: "Buy when ROC(period) > threshold %; sell when ROC(period) < exit_threshold %.",
        params: [
            ParamSpec("period", .int, default: .int(20), min: 1, max: 10_000, "look-back, in bars"),
            ParamSpec("threshold", .double, default: .int(0), min: -100, max: 10_000, "entry level, percent"),
            ParamSpec("exit_threshold", .double, default: .int(0), min: -100, max: 10_000, "exit level, percent"),
        ],
        constraints: [
            ParamConstraint("exit_threshold ≤ threshold") { $0.double("exit_threshold") <= $0.double("threshold") }
        ],
        warmup: "period bars; first decision on bar period + 1")

    public let parameters: Parameters
    public init(parameters: Parameters) { self.parameters = parameters }

    public func signals(on series: BarSeries, indicators: IndicatorCache) -> Signals {
        let roc = indicators.roc(parameters.int("period"))
        let hi = parameters.double("threshold")
        let lo = parameters.double("exit_threshold")
        return Signals(warmup: Indicators.firstValid(roc), entry: roc.map { $0 > hi }, exit: roc.map { $0 < lo })
    }
}
