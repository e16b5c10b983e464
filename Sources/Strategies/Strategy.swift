import Market

/// Per-bar decisions taken on each bar's close.
///
/// `entry[t]` asks to go long if flat, `exit[t]` asks to close if long; the engine acts on them
/// only when the position allows (SEMANTICS.md §2). `warmup` is the index of the first bar on which
/// every indicator the strategy uses is defined (backtesting.py's `W`).
public struct Signals: Sendable, Equatable {
    public var warmup: Int
    public var entry: [Bool]
    public var exit: [Bool]

    public init(warmup: Int, entry: [Bool], exit: [Bool]) {
        self.warmup = warmup
        self.entry = entry
        self.exit = exit
    }
}

/// A trading rule. Implementations are pure: the same bars and parameters give the same signals.
public protocol Strategy: Sendable {
    static var descriptor: StrategyDescriptor { get }
    /// `parameters` has already been completed with defaults and validated against the descriptor.
    init(parameters: Parameters)
    var parameters: Parameters { get }
    /// Signals for every bar of `series`. `indicators` shares indicator arrays across a grid on the same series.
    func signals(on series: BarSeries, indicators: IndicatorCache) -> Signals
}

/// The explicit list of strategies (no reflection): ids are stable and listed by `stratopt strategies`.
public enum StrategyRegistry {
    public static let all: [any Strategy.Type] = [
        SMACrossover.self,
        EMACrossover.self,
        RSIReversion.self,
        MACDCrossover.self,
        BollingerReversion.self,
        DonchianBreakout.self,
        Momentum.self,
        BuyAndHold.self,
    ]

    public static var ids: [String] { all.map { $0.descriptor.id } }

    public static func type(for id: String) -> (any Strategy.Type)? {
        all.first { $0.descriptor.id == id }
    }

    public static func descriptor(for id: String) -> StrategyDescriptor? { type(for: id)?.descriptor }

    /// Builds a strategy, filling defaults. Returns nil for an unknown id.
    public static func make(id: String, parameters: Parameters) -> (any Strategy)? {
        guard let t = type(for: id) else { return nil }
        return t.init(parameters: t.descriptor.withDefaults(parameters))
    }
}
