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
    /// Set when the exit depends on how long the position has been held (`bars_held` in a rule); then it
    /// decides exits instead of `exit`.
    public var holdExit: HoldExit?

    public init(warmup: Int, entry: [Bool], exit: [Bool], holdExit: HoldExit? = nil) {
        self.warmup = warmup
        self.entry = entry
        self.exit = exit
        self.holdExit = holdExit
    }

    /// Whether a position held `held` bars (bar t minus its fill bar) is closed on bar t's close.
    @inline(__always)
    public func exits(at t: Int, held: Int) -> Bool {
        if let holdExit { return holdExit.fires(at: t, held: held) }
        return exit[t]
    }
}

/// An exit that reads `bars_held`, precomputed as columns: the rule's K comparisons `bars_held <op> c[t]`
/// and, per bar, the rule's value for each of the 2^K combinations of their truth (bit i of `table[t]` is
/// the exit when comparison k is true exactly for the set bits k of i). The bar loop only compares K
/// numbers and reads one bit.
public struct HoldExit: Sendable, Equatable {
    public enum Comparison: Sendable, Equatable {
        case less, lessOrEqual, greater, greaterOrEqual, equal, notEqual
    }
    public var comparisons: [Comparison]
    /// One threshold column per comparison.
    public var thresholds: [[Double]]
    public var table: [UInt16]

    public init(comparisons: [Comparison], thresholds: [[Double]], table: [UInt16]) {
        self.comparisons = comparisons
        self.thresholds = thresholds
        self.table = table
    }

    @inline(__always)
    public func fires(at t: Int, held: Int) -> Bool {
        let h = Double(held)
        var index = 0
        for k in 0..<comparisons.count {
            let c = thresholds[k][t]
            let holds: Bool
            switch comparisons[k] {
            case .less: holds = h < c
            case .lessOrEqual: holds = h <= c
            case .greater: holds = h > c
            case .greaterOrEqual: holds = h >= c
            case .equal: holds = h == c
            case .notEqual: holds = h != c
            }
            if holds { index |= 1 << k }
        }
        return (table[t] >> UInt16(index)) & 1 == 1
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

    /// The grid `strategies: all` runs per strategy (the product's "All strategies": 66 combinations, the
    /// end-to-end benchmark's grid), documented in docs/spec.md and listed by `stratopt strategies`.
    /// Parameters it does not name take their defaults; combinations a constraint forbids are skipped.
    public static let defaultGrids: [String: [String: [ParamValue]]] = [
        "sma_crossover": ["fast": ints(5, 10, 20, 30), "slow": ints(50, 100, 150, 200)],
        "ema_crossover": ["fast": ints(8, 12, 16), "slow": ints(26, 40, 60)],
        "rsi_reversion": ["period": ints(7, 14, 21), "lower": ints(25, 30), "upper": ints(70, 75)],
        "macd_crossover": ["fast": ints(8, 12), "slow": ints(26, 34), "signal": ints(9)],
        "bollinger_reversion": ["period": ints(10, 20, 30), "k": [.double(1.5), .int(2), .double(2.5)]],
        "donchian_breakout": ["entry": ints(10, 20, 55), "exit": ints(5, 10, 20)],
        "momentum": ["period": ints(10, 20, 60), "threshold": ints(0, 5)],
        "buy_and_hold": [:],
    ]

    private static func ints(_ v: Int...) -> [ParamValue] { v.map(ParamValue.int) }

    public static func type(for id: String) -> (any Strategy.Type)? {
        all.first { $0.descriptor.id == id }
    }

    public static func descriptor(for id: String) -> StrategyDescriptor? { type(for: id)?.descriptor }

    /// Builds a strategy, filling defaults: a built-in, else a rule or signals strategy of the current
    /// `StrategyCatalog`. Returns nil for an unknown id.
    public static func make(id: String, parameters: Parameters) -> (any Strategy)? {
        if let t = type(for: id) { return t.init(parameters: t.descriptor.withDefaults(parameters)) }
        return StrategyCatalog.current.make(id: id, parameters: parameters)
    }

    /// What identifies strategy `id`'s logic in result-cache keys: the id of a built-in (whose logic is the
    /// engine version's), the id with the expressions of a rule, the id with the files' digest of signals.
    public static func identity(of id: String) -> String {
        if type(for: id) != nil { return id }
        return StrategyCatalog.current.identity(of: id) ?? id
    }
}
