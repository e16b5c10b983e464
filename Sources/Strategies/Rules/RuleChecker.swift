/// Type checking of rule expressions: names resolved (series, functions, grid parameters), argument kinds
/// and counts, booleans kept apart from numbers, `bars_held` confined to exit comparisons. The result is a
/// typed tree that `RuleCompiler` turns into column operations once per parameter combination.

/// A price or volume column of the bars.
public enum RuleSeries: String, Sendable, CaseIterable {
    case open, high, low, close, volume
}

/// The indicator functions of the language, in the order `stratopt strategies` lists them.
public enum RuleIndicator: String, Sendable, CaseIterable {
    case sma, ema, rsi, roc, highest, lowest, atr, macd
    case macdSignal = "macd_signal"
    case bbUpper = "bb_upper"
    case bbLower = "bb_lower"
}

/// A constant: a number or grid parameter, possibly combined with arithmetic; resolved per combination.
public indirect enum RuleConstant: Sendable, Equatable {
    case number(Double)
    case parameter(String)
    case negate(RuleConstant)
    case arithmetic(RuleNode.BinaryOp, RuleConstant, RuleConstant)

    /// The value when the constant names no parameter (checked at validate time, before any grid).
    var literal: Double? {
        switch self {
        case .number(let v): return v
        case .parameter: return nil
        case .negate(let c): return c.literal.map { -$0 }
        case .arithmetic(let op, let a, let b):
            guard let x = a.literal, let y = b.literal else { return nil }
            return RuleConstant.arithmetic(op, .number(x), .number(y)).value(Parameters())
        }
    }

    func value(_ p: Parameters) -> Double {
        switch self {
        case .number(let v): return v
        case .parameter(let n): return p.double(n)
        case .negate(let c): return -c.value(p)
        case .arithmetic(let op, let a, let b):
            let x = a.value(p)
            let y = b.value(p)
            switch op {
            case .add: return x + y
            case .subtract: return x - y
            case .multiply: return x * y
            default: return x / y
            }
        }
    }
}

/// A checked expression.
public indirect enum RuleTerm: Sendable, Equatable {
    case constant(RuleConstant)
    case flag(Bool)
    case series(RuleSeries)
    /// An indicator of `source` (nil for `atr`, which reads high, low and close) with constant arguments;
    /// `at` locates each argument for per-combination errors.
    case indicator(RuleIndicator, source: RuleTerm?, arguments: [RuleConstant], at: [Int])
    case shift(RuleTerm, RuleConstant, at: Int)
    case negate(RuleTerm)
    case arithmetic(RuleNode.BinaryOp, RuleTerm, RuleTerm)
    case compare(RuleNode.BinaryOp, RuleTerm, RuleTerm)
    case cross(above: Bool, RuleTerm, RuleTerm)
    case logic(and: Bool, RuleTerm, RuleTerm)
    case not(RuleTerm)
    /// `bars_held <op> threshold` (written either way round; `op` is as seen from bars_held).
    case held(RuleNode.BinaryOp, threshold: RuleTerm)
}

/// What role an expression plays: `bars_held` only means something while a position is open.
public enum RuleRole: String, Sendable {
    case entry, exit
}

/// A checked expression with what it reads.
public struct CheckedRule: Sendable, Equatable {
    public var term: RuleTerm
    /// Grid parameters the expression names.
    public var parameters: Set<String>
    /// How many `bars_held` comparisons it holds.
    public var holdComparisons: Int
}

public enum RuleChecker {
    /// One function of the language for docs and `stratopt strategies`: signature, definition, warm-up.
    public struct Function: Sendable {
        public let name: String
        public let signature: String
        public let summary: String
        public let warmup: String
    }

    /// Every function, in the order documented.
    public static let functions: [Function] = [
        Function(
            name: "sma", signature: "sma(x, n)",
            summary: "simple moving average of x over n bars (pandas rolling mean)", warmup: "n − 1"),
        Function(
            name: "ema", signature: "ema(x, n)",
            summary: "exponential moving average, k = 2/(n+1), seeded with the SMA of the first n values (TA-Lib)",
            warmup: "n − 1"),
        Function(
            name: "rsi", signature: "rsi(x, n)", summary: "Wilder's relative strength index, 0…100 (TA-Lib)",
            warmup: "n"),
        Function(
            name: "roc", signature: "roc(x, n)", summary: "rate of change in percent, (x[t] / x[t−n] − 1) × 100",
            warmup: "n"),
        Function(
            name: "highest", signature: "highest(x, n)", summary: "largest x of the last n bars, bar t included",
            warmup: "n − 1"),
        Function(
            name: "lowest", signature: "lowest(x, n)", summary: "smallest x of the last n bars, bar t included",
            warmup: "n − 1"),
        Function(
            name: "atr", signature: "atr(n)", summary: "Wilder's average true range of the bars (TA-Lib)", warmup: "n"),
        Function(
            name: "macd", signature: "macd(x, fast, slow, signal)",
            summary: "MACD line, EMA(fast) − EMA(slow) with TA-Lib's seeding", warmup: "max(fast, slow) + signal − 2"),
        Function(
            name: "macd_signal", signature: "macd_signal(x, fast, slow, signal)",
            summary: "EMA(signal) of the MACD line", warmup: "max(fast, slow) + signal − 2"),
        Function(
            name: "bb_upper", signature: "bb_upper(x, n, k)",
            summary: "SMA(x, n) + k × population standard deviation of the same n values", warmup: "n − 1"),
        Function(
            name: "bb_lower", signature: "bb_lower(x, n, k)",
            summary: "SMA(x, n) − k × population standard deviation of the same n values", warmup: "n − 1"),
        Function(
            name: "crosses_above", signature: "crosses_above(a, b)",
            summary: "a[t−1] < b[t−1] and a[t] > b[t] (strict; NaN never crosses)", warmup: "that of a and b"),
        Function(
            name: "crosses_below", signature: "crosses_below(a, b)",
            summary: "a[t−1] > b[t−1] and a[t] < b[t] (strict; NaN never crosses)", warmup: "that of a and b"),
        Function(
            name: "shift", signature: "shift(x, n)",
            summary: "x as it was n ≥ 0 bars ago (a number or a condition); never a future bar", warmup: "that of x + n"
        ),
    ]

    static let functionNames = functions.map(\.name)
    static let words = RuleSeries.allCases.map(\.rawValue) + ["bars_held", "true", "false"]

    /// Checks `node` for `role` against the grid parameters `parameters`.
    public static func check(_ node: RuleNode, role: RuleRole, parameters: [String]) throws(RuleError) -> CheckedRule {
        var c = Context(role: role, parameters: parameters)
        let (term, type) = try c.check(node)
        guard type == .bool else {
            throw RuleError(
                offset: node.offset,
                message:
                    "the \(role.rawValue) rule is a number, not a condition; compare it, e.g. close > sma(close, 20)")
        }
        if c.holdComparisons > RuleLimits.maxHoldComparisons {
            throw RuleError(
                offset: node.offset,
                message:
                    "the exit rule compares bars_held \(c.holdComparisons) times; the limit is \(RuleLimits.maxHoldComparisons)"
            )
        }
        return CheckedRule(term: term, parameters: c.used, holdComparisons: c.holdComparisons)
    }

    /// Parses and checks `text`.
    public static func check(_ text: String, role: RuleRole, parameters: [String]) throws(RuleError) -> CheckedRule {
        try check(try RuleParser.parse(text), role: role, parameters: parameters)
    }

    enum Kind: Equatable {
        case constant, number, bool, held
        var described: String {
            switch self {
            case .constant: return "a constant"
            case .number: return "a number series"
            case .bool: return "a condition (true or false)"
            case .held: return "bars_held"
            }
        }
    }

    struct Context {
        let role: RuleRole
        let parameters: [String]
        var used: Set<String> = []
        var holdComparisons = 0

        mutating func check(_ node: RuleNode) throws(RuleError) -> (RuleTerm, Kind) {
            switch node {
            case .number(let v, _):
                return (.constant(.number(v)), .constant)
            case .name(let n, let at):
                if let s = RuleSeries(rawValue: n) { return (.series(s), .number) }
                if n == "true" || n == "false" { return (.flag(n == "true"), .bool) }
                if n == "bars_held" {
                    guard role == .exit else {
                        throw RuleError(
                            offset: at,
                            message: "bars_held is only defined in the exit rule (a flat position has held nothing)")
                    }
                    return (.constant(.number(0)), .held)
                }
                if parameters.contains(n) {
                    used.insert(n)
                    return (.constant(.parameter(n)), .constant)
                }
                if RuleChecker.functionNames.contains(n) {
                    throw RuleError(
                        offset: at,
                        message: "\(n) is a function; call it with its arguments, e.g. \(RuleChecker.signature(n))")
                }
                let candidates = RuleChecker.words + parameters + RuleChecker.functionNames
                if let near = Suggestions.closest(to: n, in: candidates) {
                    throw RuleError(offset: at, message: "unknown name \"\(n)\"; did you mean \"\(near)\"?")
                }
                let bound = parameters.isEmpty ? "none" : parameters.sorted().joined(separator: ", ")
                throw RuleError(
                    offset: at,
                    message: "unknown name \"\(n)\": not a series, a function or a parameter (params: \(bound)); "
                        + "add it to params, e.g. params: {\(n): [10, 20]}")
            case .unary(.negate, let x, let at):
                let (t, k) = try check(x)
                switch k {
                case .constant:
                    guard case .constant(let c) = t else { break }
                    return (.constant(.negate(c)), .constant)
                case .number: return (.negate(t), .number)
                default: break
                }
                throw RuleError(offset: at, message: "\"-\" needs a number, got \(k.described)")
            case .unary(.not, let x, let at):
                let (t, k) = try check(x)
                guard k == .bool else {
                    throw RuleError(offset: at, message: "not needs a condition, got \(k.described); compare it first")
                }
                return (.not(t), .bool)
            case .binary(let op, let a, let b, let at):
                return try binary(op, a, b, at: at)
            case .call(let name, let args, let at):
                return try call(name, args, at: at)
            }
        }

        mutating func binary(_ op: RuleNode.BinaryOp, _ a: RuleNode, _ b: RuleNode, at: Int) throws(RuleError)
            -> (RuleTerm, Kind)
        {
            let (ta, ka) = try check(a)
            let (tb, kb) = try check(b)
            if op.isLogical {
                for (k, n) in [(ka, a), (kb, b)] where k != .bool {
                    throw RuleError(
                        offset: n.offset,
                        message: "\(op.rawValue) joins conditions, got \(k.described); compare it, e.g. x > 0")
                }
                return (.logic(and: op == .and, ta, tb), .bool)
            }
            if ka == .held || kb == .held {
                guard op.isComparison, ka != kb else {
                    let n = ka == .held ? a : b
                    throw RuleError(
                        offset: n.offset,
                        message: "bars_held can only be compared with a number, e.g. bars_held >= 20")
                }
                let (other, kind, otherNode) = ka == .held ? (tb, kb, b) : (ta, ka, a)
                guard kind == .constant || kind == .number else {
                    throw RuleError(
                        offset: otherNode.offset, message: "bars_held is compared with a number, got \(kind.described)")
                }
                holdComparisons += 1
                return (.held(ka == .held ? op : Context.flipped(op), threshold: other), .bool)
            }
            for (k, n) in [(ka, a), (kb, b)] where k == .bool {
                let what = op.isComparison ? "\(op.rawValue) compares numbers" : "\"\(op.rawValue)\" needs numbers"
                throw RuleError(
                    offset: n.offset, message: "\(what), got \(k.described); join conditions with and / or")
            }
            if op.isComparison {
                return (.compare(op, ta, tb), .bool)
            }
            if ka == .constant, kb == .constant, case .constant(let ca) = ta, case .constant(let cb) = tb {
                return (.constant(.arithmetic(op, ca, cb)), .constant)
            }
            return (.arithmetic(op, ta, tb), .number)
        }

        static func flipped(_ op: RuleNode.BinaryOp) -> RuleNode.BinaryOp {
            switch op {
            case .less: return .greater
            case .lessOrEqual: return .greaterOrEqual
            case .greater: return .less
            case .greaterOrEqual: return .lessOrEqual
            default: return op
            }
        }

        mutating func call(_ name: String, _ args: [RuleNode], at: Int) throws(RuleError) -> (RuleTerm, Kind) {
            func arity(_ n: Int) throws(RuleError) {
                guard args.count == n else {
                    throw RuleError(
                        offset: at,
                        message:
                            "\(name) takes \(n) argument\(n == 1 ? "" : "s"), got \(args.count): \(RuleChecker.signature(name))"
                    )
                }
            }
            func series(_ i: Int) throws(RuleError) -> RuleTerm {
                let (t, k) = try check(args[i])
                guard k == .number else {
                    throw RuleError(
                        offset: args[i].offset,
                        message:
                            "\(name) reads a number series (such as close) as argument \(i + 1), got \(k.described)")
                }
                return t
            }
            func constant(_ i: Int, _ what: String) throws(RuleError) -> RuleConstant {
                let (t, k) = try check(args[i])
                guard k == .constant, case .constant(let c) = t else {
                    throw RuleError(
                        offset: args[i].offset,
                        message: "\(name)'s \(what) must be a number or a parameter, got \(k.described)")
                }
                return c
            }
            switch name {
            case "crosses_above", "crosses_below":
                try arity(2)
                let a = try series(0)
                let b = try series(1)
                return (.cross(above: name == "crosses_above", a, b), .bool)
            case "shift":
                try arity(2)
                let (t, k) = try check(args[0])
                guard k == .number || k == .bool else {
                    throw RuleError(
                        offset: args[0].offset, message: "shift reads a series or a condition, got \(k.described)")
                }
                let n = try constant(1, "bar count")
                if let v = n.literal, !(v >= 0 && v.rounded() == v) {
                    throw RuleError(
                        offset: args[1].offset,
                        message:
                            "shift looks back a whole number of bars ≥ 0 (no look-ahead), got \(RuleToken.format(v))")
                }
                return (.shift(t, n, at: args[1].offset), k)
            case "atr":
                try arity(1)
                let n = try constant(0, "window")
                return (.indicator(.atr, source: nil, arguments: [n], at: [args[0].offset]), .number)
            default:
                guard let ind = RuleIndicator(rawValue: name) else {
                    if RuleSeries(rawValue: name) != nil || name == "bars_held" {
                        throw RuleError(
                            offset: at, message: "\(name) is not a function; write \(name) without parentheses")
                    }
                    let hint = Suggestions.closest(to: name, in: RuleChecker.functionNames).map {
                        "; did you mean \"\($0)\"?"
                    }
                    throw RuleError(
                        offset: at,
                        message: "unknown function \"\(name)\""
                            + (hint ?? "; functions: \(RuleChecker.functionNames.joined(separator: ", "))"))
                }
                let names: [String]
                switch ind {
                case .macd, .macdSignal: names = ["fast window", "slow window", "signal window"]
                case .bbUpper, .bbLower: names = ["window", "width k"]
                default: names = ["window"]
                }
                try arity(names.count + 1)
                let source = try series(0)
                var consts: [RuleConstant] = []
                for (i, what) in names.enumerated() {
                    let c = try constant(i + 1, what)
                    if let v = c.literal, what != "width k", !(v >= 1 && v.rounded() == v) {
                        throw RuleError(
                            offset: args[i + 1].offset,
                            message: "\(name)'s \(what) is a whole number of bars ≥ 1, got \(RuleToken.format(v))")
                    }
                    consts.append(c)
                }
                return (.indicator(ind, source: source, arguments: consts, at: args.dropFirst().map(\.offset)), .number)
            }
        }
    }

    static func signature(_ name: String) -> String {
        functions.first { $0.name == name }?.signature ?? name
    }
}
