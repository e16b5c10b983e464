/// The syntax of rule expressions (`entry:` / `exit:` of a `- rule:` strategy, docs/strategies.md):
/// a hand-written tokenizer and recursive-descent parser, one function per grammar rule.
///
/// ```
/// expr    := and ("or" and)*
/// and     := not ("and" not)*
/// not     := "not" not | compare
/// compare := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
/// sum     := product (("+" | "-") product)*
/// product := unary (("*" | "/") unary)*
/// unary   := "-" unary | primary
/// primary := number | name | name "(" expr ("," expr)* ")" | "(" expr ")"
/// ```
///
/// Every node keeps the character offset where it starts (a binary node: its left operand's start), so the
/// checker can point inside the expression.

/// A problem in an expression: what is wrong at character `offset` (0-based, in `Character`s).
public struct RuleError: Error, Sendable, Equatable, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }
    public var description: String { "at character \(offset + 1): \(message)" }
}

/// Bounds on what an expression may hold, so a hostile spec cannot exhaust the parser.
public enum RuleLimits {
    /// Longest expression, in characters.
    public static let maxLength = 2_000
    /// Deepest nesting of parentheses, calls and unary operators.
    public static let maxDepth = 32
    /// Most tokens (names, numbers, operators, brackets): bounds the tree, so checking and evaluating it
    /// (recursive walks) stay shallow even for a long chain such as `a + b + c + …`.
    public static let maxTokens = 256
    /// Most `bars_held` comparisons in one exit expression (each doubles the precomputed truth table).
    public static let maxHoldComparisons = 4
}

/// A parsed expression node.
public indirect enum RuleNode: Sendable, Equatable {
    case number(Double, at: Int)
    case name(String, at: Int)
    case call(String, [RuleNode], at: Int)
    case unary(UnaryOp, RuleNode, at: Int)
    case binary(BinaryOp, RuleNode, RuleNode, at: Int)

    public enum UnaryOp: String, Sendable {
        case negate = "-"
        case not
    }

    public enum BinaryOp: String, Sendable, CaseIterable {
        case or, and
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case equal = "=="
        case notEqual = "!="
        case add = "+"
        case subtract = "-"
        case multiply = "*"
        case divide = "/"

        var isComparison: Bool {
            switch self {
            case .less, .lessOrEqual, .greater, .greaterOrEqual, .equal, .notEqual: return true
            default: return false
            }
        }
        var isLogical: Bool { self == .and || self == .or }
    }

    /// Where the node starts in the expression.
    public var offset: Int {
        switch self {
        case .number(_, let at), .name(_, let at), .call(_, _, let at), .unary(_, _, let at),
            .binary(_, _, _, let at):
            return at
        }
    }
}

/// A token of an expression.
struct RuleToken: Equatable {
    enum Kind: Equatable {
        case number(Double)
        case name(String)
        case symbol(String)
        case end
    }
    var kind: Kind
    var offset: Int

    /// How the token is named in messages.
    var described: String {
        switch kind {
        case .number(let v): return "the number \(RuleToken.format(v))"
        case .name(let n): return "\"\(n)\""
        case .symbol(let s): return "\"\(s)\""
        case .end: return "the end of the expression"
        }
    }

    static func format(_ v: Double) -> String {
        v.rounded() == v && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }
}

public enum RuleParser {
    /// The syntax tree of `text`, or the first syntax error.
    public static func parse(_ text: String) throws(RuleError) -> RuleNode {
        let chars = Array(text)
        guard chars.count <= RuleLimits.maxLength else {
            throw RuleError(
                offset: 0,
                message:
                    "the expression has \(chars.count) characters; the limit is \(RuleLimits.maxLength); "
                    + "split the idea over simpler rules")
        }
        let tokens = try tokenize(chars)
        guard tokens.count - 1 <= RuleLimits.maxTokens else {
            throw RuleError(
                offset: tokens[RuleLimits.maxTokens].offset,
                message: "the expression has \(tokens.count - 1) tokens; the limit is \(RuleLimits.maxTokens); "
                    + "split the idea over simpler rules")
        }
        var p = Parser(tokens: tokens)
        if case .end = p.peek.kind {
            throw RuleError(
                offset: 0, message: "the expression is empty; write a condition such as close > sma(close, 20)")
        }
        let node = try p.expression(depth: 0)
        guard case .end = p.peek.kind else {
            throw RuleError(
                offset: p.peek.offset,
                message: "unexpected \(p.peek.described) after a complete expression; "
                    + "join conditions with and / or")
        }
        return node
    }

    static func tokenize(_ c: [Character]) throws(RuleError) -> [RuleToken] {
        var out: [RuleToken] = []
        var i = 0
        while i < c.count {
            let ch = c[i]
            if ch == " " || ch == "\t" || ch == "\n" || ch == "\r" {
                i += 1
                continue
            }
            let start = i
            if ch.isASCII && (ch.isNumber || (ch == "." && i + 1 < c.count && c[i + 1].isASCII && c[i + 1].isNumber)) {
                while i < c.count && c[i].isASCII && (c[i].isNumber || c[i] == "." || c[i] == "_") { i += 1 }
                if i < c.count && (c[i] == "e" || c[i] == "E") {
                    var j = i + 1
                    if j < c.count && (c[j] == "+" || c[j] == "-") { j += 1 }
                    if j < c.count && c[j].isASCII && c[j].isNumber {
                        i = j
                        while i < c.count && c[i].isASCII && c[i].isNumber { i += 1 }
                    }
                }
                let text = String(c[start..<i]).replacingUnderscores()
                guard let v = Double(text), v.isFinite else {
                    throw RuleError(offset: start, message: "\"\(String(c[start..<i]))\" is not a number")
                }
                if i < c.count && (c[i].isLetter || c[i] == "_") {
                    throw RuleError(
                        offset: i,
                        message: "a name cannot follow a number directly; put an operator between them, e.g. 2 * fast")
                }
                out.append(RuleToken(kind: .number(v), offset: start))
                continue
            }
            if ch.isASCII && (ch.isLetter || ch == "_") {
                while i < c.count && c[i].isASCII && (c[i].isLetter || c[i].isNumber || c[i] == "_") { i += 1 }
                out.append(RuleToken(kind: .name(String(c[start..<i])), offset: start))
                continue
            }
            let two = i + 1 < c.count ? String([ch, c[i + 1]]) : ""
            if ["<=", ">=", "==", "!="].contains(two) {
                out.append(RuleToken(kind: .symbol(two), offset: start))
                i += 2
                continue
            }
            if ["&&", "||"].contains(two) {
                let word = two == "&&" ? "and" : "or"
                throw RuleError(offset: start, message: "\"\(two)\" is not an operator here; write \(word)")
            }
            switch ch {
            case "<", ">", "+", "-", "*", "/", "(", ")", ",":
                out.append(RuleToken(kind: .symbol(String(ch)), offset: start))
                i += 1
            case "=":
                throw RuleError(offset: start, message: "\"=\" is not a comparison; write == to compare")
            case "!":
                throw RuleError(offset: start, message: "\"!\" is not an operator here; write not")
            default:
                throw RuleError(
                    offset: start,
                    message: "unexpected character \"\(ch)\"; expressions use names, numbers, ( ) , and "
                        + "+ - * / < <= > >= == !=")
            }
        }
        out.append(RuleToken(kind: .end, offset: c.count))
        return out
    }

    /// The recursive-descent parser over a token list; `depth` counts open parentheses, calls and unary
    /// operators, and bounds the recursion.
    struct Parser {
        let tokens: [RuleToken]
        var position = 0

        var peek: RuleToken { tokens[position] }

        mutating func advance() -> RuleToken {
            let t = tokens[position]
            if position < tokens.count - 1 { position += 1 }
            return t
        }

        func isSymbol(_ s: String) -> Bool { peek.kind == .symbol(s) }
        func isWord(_ w: String) -> Bool { peek.kind == .name(w) }

        func tooDeep(_ depth: Int) throws(RuleError) {
            if depth > RuleLimits.maxDepth {
                throw RuleError(
                    offset: peek.offset,
                    message: "the expression nests deeper than \(RuleLimits.maxDepth) levels; simplify it")
            }
        }

        mutating func expression(depth: Int) throws(RuleError) -> RuleNode {
            try tooDeep(depth)
            var left = try conjunction(depth: depth)
            while isWord("or") {
                _ = advance()
                let right = try conjunction(depth: depth)
                left = .binary(.or, left, right, at: left.offset)
            }
            return left
        }

        mutating func conjunction(depth: Int) throws(RuleError) -> RuleNode {
            var left = try negation(depth: depth)
            while isWord("and") {
                _ = advance()
                let right = try negation(depth: depth)
                left = .binary(.and, left, right, at: left.offset)
            }
            return left
        }

        mutating func negation(depth: Int) throws(RuleError) -> RuleNode {
            try tooDeep(depth)
            if isWord("not") {
                let op = advance()
                return .unary(.not, try negation(depth: depth + 1), at: op.offset)
            }
            return try comparison(depth: depth)
        }

        static let comparisons: [String: RuleNode.BinaryOp] = [
            "<": .less, "<=": .lessOrEqual, ">": .greater, ">=": .greaterOrEqual, "==": .equal, "!=": .notEqual,
        ]

        mutating func comparison(depth: Int) throws(RuleError) -> RuleNode {
            let left = try sum(depth: depth)
            guard case .symbol(let s) = peek.kind, let op = Parser.comparisons[s] else { return left }
            _ = advance()
            let right = try sum(depth: depth)
            if case .symbol(let s2) = peek.kind, Parser.comparisons[s2] != nil {
                throw RuleError(
                    offset: peek.offset,
                    message: "comparisons do not chain; write a < b and b < c instead of a < b < c")
            }
            return .binary(op, left, right, at: left.offset)
        }

        mutating func sum(depth: Int) throws(RuleError) -> RuleNode {
            var left = try product(depth: depth)
            while isSymbol("+") || isSymbol("-") {
                let op = advance()
                let right = try product(depth: depth)
                left = .binary(op.kind == .symbol("+") ? .add : .subtract, left, right, at: left.offset)
            }
            return left
        }

        mutating func product(depth: Int) throws(RuleError) -> RuleNode {
            var left = try unary(depth: depth)
            while isSymbol("*") || isSymbol("/") {
                let op = advance()
                let right = try unary(depth: depth)
                left = .binary(op.kind == .symbol("*") ? .multiply : .divide, left, right, at: left.offset)
            }
            return left
        }

        mutating func unary(depth: Int) throws(RuleError) -> RuleNode {
            try tooDeep(depth)
            if isSymbol("-") {
                let op = advance()
                return .unary(.negate, try unary(depth: depth + 1), at: op.offset)
            }
            return try primary(depth: depth)
        }

        mutating func primary(depth: Int) throws(RuleError) -> RuleNode {
            try tooDeep(depth)
            let t = advance()
            switch t.kind {
            case .number(let v):
                return .number(v, at: t.offset)
            case .name(let n) where ["and", "or", "not"].contains(n):
                throw RuleError(offset: t.offset, message: "expected a value before \"\(n)\", found the operator \(n)")
            case .name(let n):
                guard isSymbol("(") else { return .name(n, at: t.offset) }
                _ = advance()
                var args: [RuleNode] = []
                if isSymbol(")") {
                    _ = advance()
                    return .call(n, args, at: t.offset)
                }
                while true {
                    args.append(try expression(depth: depth + 1))
                    if isSymbol(",") {
                        _ = advance()
                        continue
                    }
                    if isSymbol(")") {
                        _ = advance()
                        return .call(n, args, at: t.offset)
                    }
                    throw RuleError(
                        offset: peek.offset,
                        message: "expected \",\" or \")\" in the arguments of \(n)(…), found \(peek.described)")
                }
            case .symbol("("):
                let inner = try expression(depth: depth + 1)
                guard isSymbol(")") else {
                    throw RuleError(
                        offset: peek.offset,
                        message:
                            "expected \")\" to close the \"(\" at character \(t.offset + 1), found \(peek.described)"
                    )
                }
                _ = advance()
                return inner
            default:
                throw RuleError(offset: t.offset, message: "expected a number, a name or \"(\", found \(t.described)")
            }
        }
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}
