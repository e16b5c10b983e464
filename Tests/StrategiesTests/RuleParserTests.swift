import Strategies
import Testing

/// The expression parser on its own: precedence, associativity, numbers, offsets, and its limits.
@Suite struct RuleParserTests {
    typealias N = RuleNode

    @Test func precedenceFollowsTheGrammar() throws {
        // a or b and not c  →  a or (b and (not c))
        #expect(
            try RuleParser.parse("a or b and not c")
                == .binary(
                    .or, .name("a", at: 0),
                    .binary(.and, .name("b", at: 5), .unary(.not, .name("c", at: 15), at: 11), at: 5), at: 0))
        // 1 + 2 * -x < y  →  (1 + (2 * (-x))) < y
        #expect(
            try RuleParser.parse("1 + 2 * -x < y")
                == .binary(
                    .less,
                    .binary(
                        .add, .number(1, at: 0),
                        .binary(.multiply, .number(2, at: 4), .unary(.negate, .name("x", at: 9), at: 8), at: 4),
                        at: 0),
                    .name("y", at: 13), at: 0))
    }

    @Test func arithmeticIsLeftAssociativeAndParenthesesGroup() throws {
        // a - b - c  →  (a - b) - c
        #expect(
            try RuleParser.parse("a - b - c")
                == .binary(
                    .subtract, .binary(.subtract, .name("a", at: 0), .name("b", at: 4), at: 0), .name("c", at: 8), at: 0
                ))
        // a - (b - c)
        #expect(
            try RuleParser.parse("a - (b - c)")
                == .binary(
                    .subtract, .name("a", at: 0), .binary(.subtract, .name("b", at: 5), .name("c", at: 9), at: 5), at: 0
                ))
    }

    @Test func numbersAndCalls() throws {
        #expect(try RuleParser.parse("1e-3") == .number(0.001, at: 0))
        #expect(try RuleParser.parse("100_000") == .number(100_000, at: 0))
        #expect(try RuleParser.parse(".5") == .number(0.5, at: 0))
        #expect(
            try RuleParser.parse("f(x, 2)") == .call("f", [.name("x", at: 2), .number(2, at: 5)], at: 0))
        #expect(try RuleParser.parse("f()") == .call("f", [], at: 0))
        #expect(try RuleParser.parse("a <= b") == .binary(.lessOrEqual, .name("a", at: 0), .name("b", at: 5), at: 0))
        #expect(try RuleParser.parse("a != b") == .binary(.notEqual, .name("a", at: 0), .name("b", at: 5), at: 0))
    }

    @Test func syntaxErrorsAreLocated() {
        let cases: [(String, Int, String)] = [
            ("", 0, "the expression is empty; write a condition such as close > sma(close, 20)"),
            ("f(x y)", 4, "expected \",\" or \")\" in the arguments of f(…), found \"y\""),
            ("a and or b", 6, "expected a value before \"or\", found the operator or"),
            ("2fast", 1, "a name cannot follow a number directly; put an operator between them, e.g. 2 * fast"),
            ("a ! b", 2, "\"!\" is not an operator here; write not"),
            ("a || b", 2, "\"||\" is not an operator here; write or"),
            (")", 0, "expected a number, a name or \"(\", found \")\""),
        ]
        for (text, offset, message) in cases {
            #expect(throws: RuleError(offset: offset, message: message)) { try RuleParser.parse(text) }
        }
    }

    @Test func nestingIsBounded() throws {
        let ok =
            String(repeating: "(", count: RuleLimits.maxDepth - 1) + "a"
            + String(repeating: ")", count: RuleLimits.maxDepth - 1)
        _ = try RuleParser.parse(ok)
        let deep = String(repeating: "-", count: RuleLimits.maxDepth + 1) + "a"
        #expect(throws: RuleError.self) { try RuleParser.parse(deep) }
    }
}
