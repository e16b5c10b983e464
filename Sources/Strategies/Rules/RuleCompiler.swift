import Market

/// A rule expression compiled for one parameter combination: every constant resolved, every window a whole
/// number, a tree of column operations. `evaluate` walks the tree once per series and each node produces a
/// whole column (indicators through the shared `IndicatorCache`), so no syntax tree is interpreted per bar.
public indirect enum ColumnPlan: Sendable, Equatable {
    case scalar(Double)
    case flag(Bool)
    case series(RuleSeries)
    case indicator(RuleIndicator, source: ColumnPlan?, windows: [Int], k: Double)
    case shift(ColumnPlan, Int)
    case negate(ColumnPlan)
    case arithmetic(RuleNode.BinaryOp, ColumnPlan, ColumnPlan)
    case compare(RuleNode.BinaryOp, ColumnPlan, ColumnPlan)
    case cross(above: Bool, ColumnPlan, ColumnPlan)
    case logic(and: Bool, ColumnPlan, ColumnPlan)
    case not(ColumnPlan)
    /// The k-th `bars_held` comparison of an exit rule: a placeholder the truth table fills in.
    case held(Int)

    /// A canonical text of a numeric column, the key of derived indicators in the cache (`close` reads the
    /// same keys as the built-ins, so a rule and a built-in on one symbol share their arrays).
    var key: String {
        switch self {
        case .scalar(let v): return RuleToken.format(v)
        case .flag(let b): return b ? "true" : "false"
        case .series(let s): return s.rawValue
        case .indicator(let i, let s, let w, let k):
            let args =
                ([s?.key].compactMap { $0 } + w.map(String.init)) + (i == .bbUpper || i == .bbLower ? ["\(k)"] : [])
            return "\(i.rawValue)(\(args.joined(separator: ",")))"
        case .shift(let x, let n): return "shift(\(x.key),\(n))"
        case .negate(let x): return "(-\(x.key))"
        case .arithmetic(let op, let a, let b), .compare(let op, let a, let b):
            return "(\(a.key)\(op.rawValue)\(b.key))"
        case .cross(let above, let a, let b): return "\(above ? "crosses_above" : "crosses_below")(\(a.key),\(b.key))"
        case .logic(let and, let a, let b): return "(\(a.key) \(and ? "and" : "or") \(b.key))"
        case .not(let x): return "(not \(x.key))"
        case .held(let k): return "held\(k)"
        }
    }
}

/// A column value during evaluation: a broadcast scalar or flag, or one value per bar.
enum Column {
    case scalar(Double)
    case numbers([Double])
    case flag(Bool)
    case flags([Bool])
}

public enum RuleCompiler {
    /// The plan of `term` for `parameters`, or the first argument that resolves to an unusable value
    /// (`sma(close, n)` with n = 2.5), located at that argument.
    public static func compile(_ term: RuleTerm, parameters p: Parameters) throws(RuleError) -> (
        plan: ColumnPlan, held: [(op: RuleNode.BinaryOp, threshold: ColumnPlan)]
    ) {
        var held: [(op: RuleNode.BinaryOp, threshold: ColumnPlan)] = []
        let plan = try lower(term, p, &held)
        return (plan, held)
    }

    static let maxWindow = 100_000

    static func lower(_ t: RuleTerm, _ p: Parameters, _ held: inout [(op: RuleNode.BinaryOp, threshold: ColumnPlan)])
        throws(RuleError) -> ColumnPlan
    {
        switch t {
        case .constant(let c): return .scalar(c.value(p))
        case .flag(let b): return .flag(b)
        case .series(let s): return .series(s)
        case .indicator(let ind, let source, let args, let at):
            var windows: [Int] = []
            var k = 0.0
            for (i, c) in args.enumerated() {
                let v = c.value(p)
                if (ind == .bbUpper || ind == .bbLower) && i == 1 {
                    guard v.isFinite else {
                        throw RuleError(
                            offset: at[i], message: "\(ind.rawValue)'s width k is \(v), not a finite number")
                    }
                    k = v
                    continue
                }
                guard v.rounded() == v, v >= 1, v <= Double(maxWindow) else {
                    throw RuleError(
                        offset: at[i],
                        message: "\(ind.rawValue)'s window is \(RuleToken.format(v)) for \(p); "
                            + "it must be a whole number of bars from 1 to \(maxWindow)")
                }
                windows.append(Int(v))
            }
            let s = try source.map { (x) throws(RuleError) in try lower(x, p, &held) }
            return .indicator(ind, source: s, windows: windows, k: k)
        case .shift(let x, let c, let at):
            let v = c.value(p)
            guard v.rounded() == v, v >= 0, v <= Double(maxWindow) else {
                throw RuleError(
                    offset: at,
                    message: "shift's bar count is \(RuleToken.format(v)) for \(p); it must be a whole number "
                        + "from 0 to \(maxWindow) (no look-ahead)")
            }
            return .shift(try lower(x, p, &held), Int(v))
        case .negate(let x): return .negate(try lower(x, p, &held))
        case .arithmetic(let op, let a, let b): return .arithmetic(op, try lower(a, p, &held), try lower(b, p, &held))
        case .compare(let op, let a, let b): return .compare(op, try lower(a, p, &held), try lower(b, p, &held))
        case .cross(let above, let a, let b):
            return .cross(above: above, try lower(a, p, &held), try lower(b, p, &held))
        case .logic(let and, let a, let b): return .logic(and: and, try lower(a, p, &held), try lower(b, p, &held))
        case .not(let x): return .not(try lower(x, p, &held))
        case .held(let op, let threshold):
            held.append((op, try lower(threshold, p, &held)))
            return .held(held.count - 1)
        }
    }
}

/// Evaluates plans over one series; `heldValues` stands in for the `bars_held` comparisons.
struct ColumnEvaluator {
    let series: BarSeries
    let cache: IndicatorCache
    var heldValues: [Bool] = []

    var n: Int { series.count }

    /// The plan's column and its warm-up: the first bar on which every indicator it reads is defined.
    func evaluate(_ plan: ColumnPlan) -> (Column, warmup: Int) {
        switch plan {
        case .scalar(let v): return (.scalar(v), 0)
        case .flag(let b): return (.flag(b), 0)
        case .held(let k): return (.flag(heldValues.indices.contains(k) ? heldValues[k] : false), 0)
        case .series(let s):
            let c = column(s)
            return (.numbers(c), Indicators.firstValid(c))
        case .indicator(let ind, let source, let windows, let k):
            let values = indicator(ind, source: source, windows: windows, k: k)
            return (.numbers(values), Indicators.firstValid(values))
        case .shift(let x, let by):
            let (c, w) = evaluate(x)
            return (shifted(c, by), w + by)
        case .negate(let x):
            let (c, w) = evaluate(x)
            return (map(c) { -$0 }, w)
        case .arithmetic(let op, let a, let b):
            let (ca, wa) = evaluate(a)
            let (cb, wb) = evaluate(b)
            let f: (Double, Double) -> Double
            switch op {
            case .add: f = { $0 + $1 }
            case .subtract: f = { $0 - $1 }
            case .multiply: f = { $0 * $1 }
            default: f = { $0 / $1 }
            }
            return (zipNumbers(ca, cb, f), max(wa, wb))
        case .compare(let op, let a, let b):
            let (ca, wa) = evaluate(a)
            let (cb, wb) = evaluate(b)
            let f: (Double, Double) -> Bool
            switch op {
            case .less: f = { $0 < $1 }
            case .lessOrEqual: f = { $0 <= $1 }
            case .greater: f = { $0 > $1 }
            case .greaterOrEqual: f = { $0 >= $1 }
            case .equal: f = { $0 == $1 }
            default: f = { $0 != $1 }
            }
            return (compare(ca, cb, f), max(wa, wb))
        case .cross(let above, let a, let b):
            let (ca, wa) = evaluate(a)
            let (cb, wb) = evaluate(b)
            return (.flags(crosses(numbers(ca), numbers(cb), above: above)), max(wa, wb))
        case .logic(let and, let a, let b):
            let (ca, wa) = evaluate(a)
            let (cb, wb) = evaluate(b)
            return (zipFlags(ca, cb, and), max(wa, wb))
        case .not(let x):
            let (c, w) = evaluate(x)
            switch c {
            case .flag(let b): return (.flag(!b), w)
            case .flags(let f): return (.flags(f.map { !$0 }), w)
            default: return (c, w)
            }
        }
    }

    func column(_ s: RuleSeries) -> [Double] {
        switch s {
        case .open: return series.open
        case .high: return series.high
        case .low: return series.low
        case .close: return series.close
        case .volume: return series.volume
        }
    }

    /// An indicator column, from the shared cache. On `close` (and highest high / lowest low) it uses the
    /// built-ins' own cache entries; on other sources it caches under the source's canonical key.
    func indicator(_ ind: RuleIndicator, source: ColumnPlan?, windows w: [Int], k: Double) -> [Double] {
        if ind == .atr { return cache.atr(w[0]) }
        guard let source else { return [Double](repeating: .nan, count: n) }
        if source == .series(.close) {
            switch ind {
            case .sma: return cache.sma(w[0])
            case .ema: return cache.ema(w[0])
            case .rsi: return cache.rsi(w[0])
            case .roc: return cache.roc(w[0])
            case .macd: return cache.macd(fast: w[0], slow: w[1], signal: w[2]).macd
            case .macdSignal: return cache.macd(fast: w[0], slow: w[1], signal: w[2]).signal
            case .bbUpper: return cache.bollinger(w[0], k: k).upper
            case .bbLower: return cache.bollinger(w[0], k: k).lower
            default: break
            }
        }
        if ind == .highest && source == .series(.high) { return cache.donchian(w[0]).upper }
        if ind == .lowest && source == .series(.low) { return cache.donchian(w[0]).lower }
        func compute(_ x: [Double]) -> [Double] {
            switch ind {
            case .sma: return Indicators.sma(x, w[0])
            case .ema: return Indicators.ema(x, w[0])
            case .rsi: return Indicators.rsi(x, w[0])
            case .roc: return Indicators.roc(x, w[0])
            case .highest: return Indicators.rollingExtreme(x, w[0], max: true)
            case .lowest: return Indicators.rollingExtreme(x, w[0], max: false)
            case .macd: return Indicators.macd(x, fast: w[0], slow: w[1], signal: w[2]).macd
            case .macdSignal: return Indicators.macd(x, fast: w[0], slow: w[1], signal: w[2]).signal
            case .bbUpper: return Indicators.bollinger(x, w[0], k: k).upper
            case .bbLower: return Indicators.bollinger(x, w[0], k: k).lower
            case .atr: return []
            }
        }
        let key = ColumnPlan.indicator(ind, source: source, windows: w, k: k).key
        // The source is computed before entering the cache slot: a computation must not ask the cache again.
        let full = numbers(evaluate(source).0)
        return cache.values(key) { _ in
            // A derived source (sma(rsi(close, 14), 5)) is undefined during its own warm-up: the indicator
            // starts at the source's first value, as it would on a series that began there.
            let start = Indicators.firstValid(full)
            guard start < full.count else { return full }
            let x = start == 0 ? full : Array(full[start...])
            let values = compute(x)
            return start == 0 ? values : [Double](repeating: .nan, count: start) + values
        }
    }

    /// `crosses_above(a, b)` (or `crosses_below`) for every bar in one pass: backtesting.lib's strict rule,
    /// the same comparisons as `Indicators.crossoverSignals` (whose exit is `crosses_below`).
    func crosses(_ a: [Double], _ b: [Double], above: Bool) -> [Bool] {
        var out = [Bool](repeating: false, count: n)
        guard n >= 2 else { return out }
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { o in
                    var pa = a[0]
                    var pb = b[0]
                    for t in 1..<n {
                        let ca = a[t]
                        let cb = b[t]
                        o[t] = above ? (pa < pb && ca > cb) : (pb < pa && cb > ca)
                        pa = ca
                        pb = cb
                    }
                }
            }
        }
        return out
    }

    func numbers(_ c: Column) -> [Double] {
        switch c {
        case .numbers(let x): return x
        case .scalar(let v): return [Double](repeating: v, count: n)
        default: return [Double](repeating: .nan, count: n)
        }
    }

    func flags(_ c: Column) -> [Bool] {
        switch c {
        case .flags(let f): return f
        case .flag(let b): return [Bool](repeating: b, count: n)
        default: return [Bool](repeating: false, count: n)
        }
    }

    func map(_ c: Column, _ f: (Double) -> Double) -> Column {
        switch c {
        case .scalar(let v): return .scalar(f(v))
        case .numbers(let x): return .numbers(x.map(f))
        default: return c
        }
    }

    func shifted(_ c: Column, _ by: Int) -> Column {
        guard by > 0 else { return c }
        switch c {
        case .numbers(let x):
            var out = [Double](repeating: .nan, count: n)
            if by < n { for t in by..<n { out[t] = x[t - by] } }
            return .numbers(out)
        case .flags(let f):
            var out = [Bool](repeating: false, count: n)
            if by < n { for t in by..<n { out[t] = f[t - by] } }
            return .flags(out)
        case .flag(let b):
            // Before bar `by` there is no earlier bar to read: false, as a shifted condition is.
            var out = [Bool](repeating: false, count: n)
            if by < n { for t in by..<n { out[t] = b } }
            return .flags(out)
        case .scalar: return c
        }
    }

    func zipNumbers(_ a: Column, _ b: Column, _ f: (Double, Double) -> Double) -> Column {
        switch (a, b) {
        case (.scalar(let x), .scalar(let y)): return .scalar(f(x, y))
        case (.numbers(let x), .scalar(let y)): return .numbers(x.map { f($0, y) })
        case (.scalar(let x), .numbers(let y)): return .numbers(y.map { f(x, $0) })
        default:
            let x = numbers(a)
            let y = numbers(b)
            var out = [Double](repeating: .nan, count: n)
            for t in 0..<n { out[t] = f(x[t], y[t]) }
            return .numbers(out)
        }
    }

    func compare(_ a: Column, _ b: Column, _ f: (Double, Double) -> Bool) -> Column {
        switch (a, b) {
        case (.scalar(let x), .scalar(let y)): return .flag(f(x, y))
        case (.numbers(let x), .scalar(let y)): return .flags(x.map { f($0, y) })
        case (.scalar(let x), .numbers(let y)): return .flags(y.map { f(x, $0) })
        default:
            let x = numbers(a)
            let y = numbers(b)
            var out = [Bool](repeating: false, count: n)
            for t in 0..<n { out[t] = f(x[t], y[t]) }
            return .flags(out)
        }
    }

    func zipFlags(_ a: Column, _ b: Column, _ and: Bool) -> Column {
        switch (a, b) {
        case (.flag(let x), .flag(let y)): return .flag(and ? x && y : x || y)
        case (.flag(let x), .flags(let y)), (.flags(let y), .flag(let x)):
            if and { return x ? .flags(y) : .flag(false) }
            return x ? .flag(true) : .flags(y)
        default:
            let x = flags(a)
            let y = flags(b)
            var out = [Bool](repeating: false, count: n)
            for t in 0..<n { out[t] = and ? x[t] && y[t] : x[t] || y[t] }
            return .flags(out)
        }
    }
}
