import Strategies
import Testing

@testable import Spec

/// `- rule:` entries: valid rules resolve to grids; malformed expressions are reported at the exact
/// `file:line:column` inside the expression with an exact message.
@Suite struct RuleSpecTests {
    /// A spec whose rule entry is on lines 5–9; `entry` sits on line 7 and `exit` on line 8.
    static func spec(entry: String, exit: String = "\"close < 0\"", params: String = "{fast: [10, 20], slow: 50}")
        -> [String]
    {
        header + [
            "strategies:",
            "  - rule:",
            "      id: r",
            "      entry: \(entry)",
            "      exit: \(exit)",
            "      params: \(params)",
        ]
    }

    @Test func exampleRuleValidatesIntoAGrid() throws {
        let spec = try #require(
            parsed(
                header + [
                    "strategies:",
                    "  - rule:",
                    "      id: trend_pullback",
                    "      entry: \"sma(close, fast) > sma(close, slow) and rsi(close, 14) < lower\"",
                    "      exit:  \"close < sma(close, slow) or bars_held >= max_hold\"",
                    "      params: {fast: [10, 20], slow: [50, 100], lower: [30, 40], max_hold: 20}",
                ]))
        let entry = try #require(spec.strategies.first)
        #expect(entry.id == "trend_pullback")
        #expect(entry.rule?.entry == "sma(close, fast) > sma(close, slow) and rsi(close, 14) < lower")
        #expect(entry.grid["max_hold"] == [.int(20)])
        // 2 × 2 × 2 × 1 combinations; a rule has no defaults and no constraints.
        #expect(entry.expand().combinations.count == 8)
    }

    /// The five worked examples of docs/strategies.md validate as written.
    @Test func theDocumentedExamplesValidate() throws {
        let examples: [(String, String, String)] = [
            (
                "crosses_above(sma(close, fast), sma(close, slow))",
                "crosses_below(sma(close, fast), sma(close, slow))",
                "{fast: [10, 20], slow: [50, 100]}"
            ),
            (
                "close > shift(highest(high, entry), 1)", "close < shift(lowest(low, exit), 1)",
                "{entry: [20, 55], exit: [10, 20]}"
            ),
            (
                "sma(close, fast) > sma(close, slow) and rsi(close, 14) < lower",
                "close < sma(close, slow) or bars_held >= max_hold",
                "{fast: [10, 20], slow: [50, 100], lower: [30, 40], max_hold: 20}"
            ),
            (
                "close - shift(close, 1) > k * shift(atr(14), 1)", "close < shift(close, 1) or bars_held >= 10",
                "{k: [1, 1.5, 2]}"
            ),
            (
                "close > bb_upper(close, n, 2) and volume > 2 * sma(volume, 20)",
                "close < sma(close, n) and bars_held >= 3", "{n: [20, 40]}"
            ),
        ]
        for (entry, exit, params) in examples {
            #expect(problems(Self.spec(entry: "\"\(entry)\"", exit: "\"\(exit)\"", params: params)) == [], "\(entry)")
        }
    }

    /// (expression, 0-based character offset of the problem, exact message). The entry expression starts at
    /// line 7, column 15 (`      entry: "` is 14 characters).
    static let malformed: [(String, Int, String)] = [
        ("sma(clsoe, fast) > 0", 4, "unknown name \"clsoe\"; did you mean \"close\"?"),
        ("smaa(close, fast) > 0", 0, "unknown function \"smaa\"; did you mean \"sma\"?"),
        ("sma(close, fats) > 0", 11, "unknown name \"fats\"; did you mean \"fast\"?"),
        (
            "close > sma(close, window)", 19,
            "unknown name \"window\": not a series, a function or a parameter (params: fast, slow); "
                + "add it to params, e.g. params: {window: [10, 20]}"
        ),
        (
            "sma(close > 1, fast) > 0", 4,
            "sma reads a number series (such as close) as argument 1, got a condition (true or false)"
        ),
        (
            "close + (close > 1) > fast", 9,
            "\"+\" needs numbers, got a condition (true or false); join conditions with and / or"
        ),
        ("rsi(close, 14) < 30 and close", 24, "and joins conditions, got a number series; compare it, e.g. x > 0"),
        ("close > 1 < 2", 10, "comparisons do not chain; write a < b and b < c instead of a < b < c"),
        ("sma(close) > fast", 0, "sma takes 2 arguments, got 1: sma(x, n)"),
        ("shift(close, -1) > slow", 13, "shift looks back a whole number of bars ≥ 0 (no look-ahead), got -1"),
        ("sma(close, 2.5) > slow", 11, "sma's window is a whole number of bars ≥ 1, got 2.5"),
        ("close > fast +", 14, "expected a number, a name or \"(\", found the end of the expression"),
        ("(close > fast", 13, "expected \")\" to close the \"(\" at character 1, found the end of the expression"),
        ("close = fast", 6, "\"=\" is not a comparison; write == to compare"),
        ("close > 1 && close < slow", 10, "\"&&\" is not an operator here; write and"),
        (
            "close > fast close < slow", 13,
            "unexpected \"close\" after a complete expression; join conditions with and / or"
        ),
        ("bars_held > fast", 0, "bars_held is only defined in the exit rule (a flat position has held nothing)"),
        (
            "close $ fast", 6,
            "unexpected character \"$\"; expressions use names, numbers, ( ) , and + - * / < <= > >= == !="
        ),
        ("sma(close, fast)", 0, "the entry rule is a number, not a condition; compare it, e.g. close > sma(close, 20)"),
        (
            "crosses_above(close > 1, sma(close, slow))", 14,
            "crosses_above reads a number series (such as close) as argument 1, got a condition (true or false)"
        ),
        ("sma(close, close) > slow", 11, "sma's window must be a number or a parameter, got a number series"),
        ("close(1) > fast", 0, "close is not a function; write close without parentheses"),
        ("sma > slow", 0, "sma is a function; call it with its arguments, e.g. sma(x, n)"),
        ("not close or fast > slow", 0, "not needs a condition, got a number series; compare it first"),
        (
            "close > sma(close, fast - 10) and slow > 0", 19,
            "sma's window is 0 for fast=10;slow=50; it must be a whole number of bars from 1 to 100000"
        ),
    ]

    @Test func malformedExpressionsAreLocatedInsideTheExpression() {
        #expect(Self.malformed.count >= 20)
        for (expression, offset, message) in Self.malformed {
            let got = problems(Self.spec(entry: "\"\(expression)\""))
            #expect(got == ["p.yaml:7:\(15 + offset): strategies[0].rule.entry: \(message)"], "\(expression)")
        }
    }

    @Test func exitProblemsPointIntoTheExitLine() {
        // `      exit: "` is 13 characters: the expression starts at column 14 of line 8.
        #expect(
            problems(Self.spec(entry: "\"close > fast\"", exit: "\"bars_held + 1 > slow\""))
                == [
                    "p.yaml:8:14: strategies[0].rule.exit: bars_held can only be compared with a number, e.g. bars_held >= 20"
                ])
        #expect(
            problems(Self.spec(entry: "\"close > fast\"", exit: "\"close < slow or bars_held >= clsoe\""))
                == ["p.yaml:8:43: strategies[0].rule.exit: unknown name \"clsoe\"; did you mean \"close\"?"])
    }

    @Test func singleQuotedAndFoldedExpressionsAreLocatedToo() {
        #expect(
            problems(Self.spec(entry: "'sma(clsoe, fast) > slow'"))
                == ["p.yaml:7:19: strategies[0].rule.entry: unknown name \"clsoe\"; did you mean \"close\"?"])
        let folded =
            header + [
                "strategies:",
                "  - rule:",
                "      id: r",
                "      entry: >",
                "        close > slow and",
                "        sma(clsoe, fast) > 0",
                "      exit: \"close < 0\"",
                "      params: {fast: [10, 20], slow: 50}",
            ]
        // Line 9 is `        sma(clsoe…`: 8 spaces and `sma(` before it.
        #expect(
            problems(folded) == [
                "p.yaml:9:13: strategies[0].rule.entry: unknown name \"clsoe\"; did you mean \"close\"?"
            ])
    }

    @Test func entryLevelProblems() {
        #expect(
            problems(Self.spec(entry: "\"close > fast\"", params: "{fast: 10, slow: 50}"))
                == [
                    "p.yaml:9:26: strategies[0].rule.params.slow: neither entry nor exit uses the parameter \"slow\"; "
                        + "remove it (a grid over it would repeat the same backtests)"
                ])
        #expect(
            problems(
                Self.spec(entry: "\"close > fast\"", exit: "\"close < slow\"", params: "{fast: 10, slow: 50, close: 3}")
            )
                == [
                    "p.yaml:9:36: strategies[0].rule.params.close: \"close\" is a name of the expression language; "
                        + "call the parameter something else"
                ])
        let builtInId =
            header + [
                "strategies:", "  - rule: {id: sma_crossover, entry: \"close > 1\", exit: \"close < 1\"}",
            ]
        #expect(
            problems(builtInId)
                == [
                    "p.yaml:5:11: strategies[0].rule.id: \"sma_crossover\" is already the id of a built-in strategy; "
                        + "give this one its own id"
                ])
        let missingExit = header + ["strategies:", "  - rule: {id: r, entry: \"close > 1\"}"]
        #expect(
            problems(missingExit)
                == [
                    "p.yaml:5:5: missing key \"exit\" in strategies[0].rule; e.g. {id: my_rule, entry: \"close > sma(close, 50)\", "
                        + "exit: \"close < sma(close, 50)\"}"
                ])
    }

    @Test func parserBoundsLengthAndDepth() throws {
        let deep = String(repeating: "(", count: 40) + "close > 1" + String(repeating: ")", count: 40)
        #expect(throws: RuleError.self) { try RuleParser.parse(deep) }
        let long = Array(repeating: "close > 1", count: 300).joined(separator: " and ")
        #expect(throws: RuleError.self) { try RuleParser.parse(long) }
        // Within the limits a long conjunction parses.
        let tooMany = Array(repeating: "close > 1", count: 70).joined(separator: " and ")
        #expect(throws: RuleError.self) { try RuleParser.parse(tooMany) }
        let fine = Array(repeating: "close > 1", count: 60).joined(separator: " and ")
        _ = try RuleParser.parse(fine)
    }

    @Test func signalsEntries() throws {
        let spec = try #require(
            parsed(header + ["strategies:", "  - signals: {path: signals/, column_entry: buy, column_exit: sell}"]))
        #expect(spec.strategies.first?.id == "signals")
        #expect(
            spec.strategies.first?.signals
                == PipelineSpec.SignalsFiles(path: "signals/", columnEntry: "buy", columnExit: "sell"))
        #expect(
            problems(header + ["strategies:", "  - signals: {path: s/, column_entry: buy}"])
                == [
                    "p.yaml:5:14: strategies[0].signals: column_entry and column_exit go together; give both (or column_position)"
                ])
    }
}
