import Market

/// A `- rule:` strategy as written in a spec: an id and the entry and exit expressions (docs/strategies.md).
public struct RuleDefinition: Sendable, Hashable, Codable {
    public var id: String
    public var entry: String
    public var exit: String

    public init(id: String, entry: String, exit: String) {
        self.id = id
        self.entry = entry
        self.exit = exit
    }
}

/// A rule definition parsed and checked once (validate time), ready to compile per parameter combination.
public struct RuleProgram: Sendable {
    public let definition: RuleDefinition
    public let entry: CheckedRule
    public let exit: CheckedRule

    /// Checks both expressions against the grid parameters `parameters`; the error names which one failed.
    public init(_ definition: RuleDefinition, parameters: [String]) throws(RuleProgramError) {
        self.definition = definition
        do { entry = try RuleChecker.check(definition.entry, role: .entry, parameters: parameters) } catch {
            throw RuleProgramError(role: .entry, error: error)
        }
        do { exit = try RuleChecker.check(definition.exit, role: .exit, parameters: parameters) } catch {
            throw RuleProgramError(role: .exit, error: error)
        }
    }

    /// Parameters neither expression names (a grid over them would repeat the same backtest).
    public func unused(_ parameters: [String]) -> [String] {
        parameters.filter { !entry.parameters.contains($0) && !exit.parameters.contains($0) }
    }

    /// The rule compiled for `parameters`.
    public func compile(_ parameters: Parameters) throws(RuleProgramError) -> RuleStrategy {
        let e: ColumnPlan
        do { e = try RuleCompiler.compile(entry.term, parameters: parameters).plan } catch {
            throw RuleProgramError(role: .entry, error: error)
        }
        let x: (plan: ColumnPlan, held: [(op: RuleNode.BinaryOp, threshold: ColumnPlan)])
        do { x = try RuleCompiler.compile(exit.term, parameters: parameters) } catch {
            throw RuleProgramError(role: .exit, error: error)
        }
        return RuleStrategy(
            parameters: parameters, entry: e, exit: x.plan,
            held: x.held.map { RuleStrategy.Held(comparison: RuleStrategy.comparison($0.op), threshold: $0.threshold) })
    }
}

/// A rule error with the expression it was found in.
public struct RuleProgramError: Error, Sendable, Equatable {
    public var role: RuleRole
    public var error: RuleError
}

/// A rule compiled for one parameter combination. Same fill semantics as the built-ins: signals decided on
/// bar t's close from bars 0…t (every operation reads the current or earlier bars), filled at t+1's open.
public struct RuleStrategy: Strategy {
    /// The type's descriptor; each rule's id, parameters and warm-up come from its spec entry.
    public static let descriptor = StrategyDescriptor(
        id: "rule", summary: "A strategy written as entry and exit expressions in the spec.", params: [],
        warmup: "the longest window the expressions read")

    struct Held: Sendable, Equatable {
        var comparison: HoldExit.Comparison
        var threshold: ColumnPlan
    }

    public let parameters: Parameters
    let entry: ColumnPlan
    let exit: ColumnPlan
    let held: [Held]

    /// A rule that never trades: the registry builds rules with `RuleProgram.compile`, not from parameters.
    public init(parameters: Parameters) {
        self.init(parameters: parameters, entry: .flag(false), exit: .flag(false), held: [])
    }

    init(parameters: Parameters, entry: ColumnPlan, exit: ColumnPlan, held: [Held]) {
        self.parameters = parameters
        self.entry = entry
        self.exit = exit
        self.held = held
    }

    static func comparison(_ op: RuleNode.BinaryOp) -> HoldExit.Comparison {
        switch op {
        case .less: return .less
        case .lessOrEqual: return .lessOrEqual
        case .greater: return .greater
        case .greaterOrEqual: return .greaterOrEqual
        case .equal: return .equal
        default: return .notEqual
        }
    }

    public func signals(on series: BarSeries, indicators: IndicatorCache) -> Signals {
        let n = series.count
        var ev = ColumnEvaluator(series: series, cache: indicators)
        let (e, we) = ev.evaluate(entry)
        let entryFlags = ev.flags(e)
        guard !held.isEmpty else {
            let (x, wx) = ev.evaluate(exit)
            return Signals(warmup: min(n, max(we, wx)), entry: entryFlags, exit: ev.flags(x))
        }
        // bars_held: the exit for every combination of its comparisons' truth, one column each (2^K ≤ 16).
        var warmup = we
        var thresholds: [[Double]] = []
        for h in held {
            let (c, w) = ev.evaluate(h.threshold)
            thresholds.append(ev.numbers(c))
            warmup = max(warmup, w)
        }
        var table = [UInt16](repeating: 0, count: n)
        var plain: [Bool] = []
        for combination in 0..<(1 << held.count) {
            ev.heldValues = held.indices.map { combination & (1 << $0) != 0 }
            let (x, wx) = ev.evaluate(exit)
            let f = ev.flags(x)
            if combination == 0 {
                plain = f
                warmup = max(warmup, wx)
            }
            let bit = UInt16(1) << UInt16(combination)
            for t in 0..<n where f[t] { table[t] |= bit }
        }
        return Signals(
            warmup: min(n, warmup), entry: entryFlags, exit: plain,
            holdExit: HoldExit(comparisons: held.map(\.comparison), thresholds: thresholds, table: table))
    }
}

/// The strategies a spec defines besides the built-ins (rules, signals files), for the run in progress.
///
/// Bound as a task-local for the duration of a run (`StrategyCatalog.$current.withValue`), so
/// `StrategyRegistry.make(id:parameters:)` finds them from every stage and child task without a global:
/// two runs in one process each see their own.
public struct StrategyCatalog: Sendable {
    public var rules: [String: RuleProgram]
    public var signals: [String: SignalsSet]

    public init(rules: [String: RuleProgram] = [:], signals: [String: SignalsSet] = [:]) {
        self.rules = rules
        self.signals = signals
    }

    @TaskLocal public static var current = StrategyCatalog()

    public func make(id: String, parameters: Parameters) -> (any Strategy)? {
        if let r = rules[id] { return try? r.compile(parameters) }
        if let s = signals[id] { return SignalsStrategy(set: s) }
        return nil
    }

    public func identity(of id: String) -> String? {
        if let r = rules[id] { return "rule \(id)\nentry: \(r.definition.entry)\nexit: \(r.definition.exit)" }
        if let s = signals[id] { return "signals \(id) \(s.digest)" }
        return nil
    }
}
