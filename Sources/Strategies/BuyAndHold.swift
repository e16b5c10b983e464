import Market

/// Buys on the first decision bar and holds to the end of the data.
public struct BuyAndHold: Strategy {
    public static let descriptor = StrategyDescriptor(
        id: "buy_and_hold", summary: "Buy on the first decision bar and hold to the end.", params: [],
        warmup: "none; first decision on bar 1")

    public let parameters: Parameters
    public init(parameters: Parameters) { self.parameters = parameters }

    public func signals(on series: BarSeries, indicators: IndicatorCache) -> Signals {
        // An entry request on every bar: the engine acts on the first one it can (and retries if
        // a fill was too small to buy one share), and never exits.
        Signals(
            warmup: 0, entry: [Bool](repeating: true, count: series.count),
            exit: [Bool](repeating: false, count: series.count))
    }
}
