import Foundation
import Strategies
import Yams

/// `- rule:` and `- signals:` strategy entries (docs/strategies.md). Rule expressions are parsed and checked
/// here, at validate time, and every problem points inside the expression (`file:line:column`).
extension SpecReader {
    /// Names a rule parameter cannot take: they already mean something in an expression.
    static var reservedRuleNames: [String] {
        RuleSeries.allCases.map(\.rawValue) + RuleChecker.functions.map(\.name) + [
            "bars_held", "true", "false", "and", "or", "not",
        ]
    }

    /// Any value a rule parameter may take: a finite number well inside Double's exact-integer range.
    static func ruleParamSpec(_ name: String) -> ParamSpec {
        ParamSpec(name, .double, default: .int(0), min: -1e9, max: 1e9, "a value of the rule's parameter \(name)")
    }

    func readRule(_ field: Field) -> PipelineSpec.StrategyEntry? {
        let example = "e.g. {id: my_rule, entry: \"close > sma(close, 50)\", exit: \"close < sma(close, 50)\"}"
        guard
            let f = fields(of: field, allowed: SpecKeys.rule.map(\.name), expectation: "a mapping \(example)")
        else { return nil }
        let before = diagnostics.count
        for key in ["id", "entry", "exit"] where f[key] == nil {
            missing(key, in: field, example)
        }
        let id = f["id"].flatMap { readStrategyId($0) }
        let entryText = f["entry"].flatMap { string($0, "an expression in quotes, e.g. \"close > sma(close, 50)\"") }
        let exitText = f["exit"].flatMap { string($0, "an expression in quotes, e.g. \"close < sma(close, 50)\"") }
        var grid: [String: [ParamValue]] = [:]
        var paramKeys: [String: Node] = [:]
        if let p = f["params"], !p.value.isEmptyValue {
            if case .mapping(let mapping) = p.value {
                for (key, value) in mapping {
                    let name = key.string ?? ""
                    let path = "\(p.path).\(name)"
                    guard case .scalar = key, SpecReader.isIdentifier(name) else {
                        report(
                            key.mark, path,
                            "\(path): a parameter name is a word of letters, digits and _ (not starting with a digit)")
                        continue
                    }
                    guard !SpecReader.reservedRuleNames.contains(name) else {
                        report(
                            key.mark, path,
                            "\(path): \"\(name)\" is a name of the expression language; call the parameter something else"
                        )
                        continue
                    }
                    paramKeys[name] = key
                    let spec = SpecReader.ruleParamSpec(name)
                    if let values = readParamValues(Field(key: key, value: value, path: path), spec: spec) {
                        grid[name] = values
                    }
                }
            } else {
                expected(p, "a mapping of parameters, e.g. {fast: [10, 20], slow: 50}")
            }
        }
        guard let id, let entryText, let exitText, diagnostics.count == before else { return nil }
        let definition = RuleDefinition(id: id, entry: entryText, exit: exitText)
        let names = Array(paramKeys.keys).sorted()
        let program: RuleProgram
        do { program = try RuleProgram(definition, parameters: names) } catch {
            let node = error.role == .entry ? f["entry"]! : f["exit"]!
            reportInside(node, error.error)
            return nil
        }
        for name in program.unused(names) {
            report(
                paramKeys[name]?.mark, "\(field.path).params.\(name)",
                "\(field.path).params.\(name): neither entry nor exit uses the parameter \"\(name)\"; "
                    + "remove it (a grid over it would repeat the same backtests)")
        }
        guard diagnostics.count == before else { return nil }
        let entry = PipelineSpec.StrategyEntry(id: id, grid: grid, rule: definition)
        // Compile every combination now: a window a grid makes fractional or negative is a validate error.
        let combinations = entry.expand().combinations
        if combinations.count <= SpecLimits.maxCombinations {
            for p in combinations {
                do { _ = try program.compile(p) } catch {
                    reportInside(error.role == .entry ? f["entry"]! : f["exit"]!, error.error)
                    return nil
                }
            }
        }
        return entry
    }

    /// A strategy id of a rule or signals entry: lowercase letters, digits and _, like the built-ins'.
    func readStrategyId(_ field: Field) -> String? {
        guard let s = string(field, "an id such as trend_pullback"), s.count <= 64,
            s.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" }),
            s.unicodeScalars.first.map({ ("a"..."z").contains($0) }) == true
        else {
            if case .scalar = field.value, !field.value.isEmptyValue {
                expected(
                    field, "an id of lowercase letters, digits and _ starting with a letter, such as trend_pullback")
            }
            return nil
        }
        return s
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, s.count <= 64 else { return false }
        let letter: (Unicode.Scalar) -> Bool = { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || $0 == "_" }
        return letter(first) && s.unicodeScalars.allSatisfy { letter($0) || ("0"..."9").contains($0) }
    }

    /// Reports `error` at the place inside the expression scalar of `field` it points to.
    func reportInside(_ field: Field, _ error: RuleError) {
        let (line, column) = locate(field.value, offset: error.offset)
        reportAt(line: line, column: column, keyPath: field.path, message: "\(field.path): \(error.message)")
    }

    /// Line and column (1-based) in the spec of character `offset` of the scalar `node`'s value.
    ///
    /// The value's characters are matched in order against the text from the scalar's mark (after an opening
    /// quote, or from the line after a `|` / `>` header), skipping what the YAML parser folded away (indentation,
    /// line breaks, escapes); bounded by the expression length limit.
    func locate(_ node: Node, offset: Int) -> (line: Int, column: Int) {
        guard case .scalar(let s) = node, let mark = node.mark, mark.line >= 1, mark.line <= sourceLines.count
        else { return (node.mark?.line ?? 1, node.mark?.column ?? 1) }
        var line = mark.line - 1
        var col = mark.column - 1  // 0-based, in Unicode scalars
        // One line's scalars at a time, so a very long line is converted once, not once per step.
        var cachedLine = -1
        var scalars: [Unicode.Scalar] = []
        func char(_ l: Int, _ c: Int) -> Unicode.Scalar? {
            if l != cachedLine {
                scalars = Array(sourceLines[l].unicodeScalars)
                cachedLine = l
            }
            return c < scalars.count ? scalars[c] : nil
        }
        switch s.style {
        case .singleQuoted, .doubleQuoted: col += 1
        case .literal, .folded:
            line += 1
            col = 0
        default: break
        }
        let value = Array(s.string.unicodeScalars)
        // The error counts Characters; the source is matched in Unicode scalars (as YAML marks count).
        let target = min(s.string.prefix(offset).unicodeScalars.count, value.count)
        var i = 0
        var steps = 0
        while line < sourceLines.count && steps < 4 * RuleLimits.maxLength + 1_000 {
            steps += 1
            // Skip source scalars that are not the next value scalar (at most a few: indentation, escapes).
            guard let c = char(line, col) else {
                line += 1
                col = 0
                continue
            }
            let want = i < value.count ? value[min(i, target)] : nil
            if i == target && (want == nil || c == want!) { return (line + 1, col + 1) }
            if let want, c == want {
                i += 1
            }
            col += 1
        }
        return (mark.line, mark.column)
    }

    // MARK: - signals

    func readSignals(_ field: Field) -> PipelineSpec.StrategyEntry? {
        let example = "e.g. {path: signals/, column_entry: entry, column_exit: exit}"
        guard
            let f = fields(
                of: field, allowed: SpecKeys.signals.map(\.name),
                expectation: "a mapping \(example)")
        else { return nil }
        let before = diagnostics.count
        if f["path"] == nil { missing("path", in: field, example) }
        let id = f["id"].flatMap { readStrategyId($0) } ?? (f["id"] == nil ? "signals" : nil)
        let path = f["path"].flatMap { string($0, "a folder holding <SYMBOL>.csv files, such as signals/") }
        let entryColumn = f["column_entry"].flatMap { string($0, "a column name such as entry") }
        let exitColumn = f["column_exit"].flatMap { string($0, "a column name such as exit") }
        let positionColumn = f["column_position"].flatMap { string($0, "a column name such as position") }
        if positionColumn != nil && (entryColumn != nil || exitColumn != nil) {
            report(
                field.mark, field.path,
                "\(field.path): give either column_position or column_entry and column_exit, not both")
        } else if positionColumn == nil && (entryColumn == nil) != (exitColumn == nil) {
            report(
                field.mark, field.path,
                "\(field.path): column_entry and column_exit go together; give both (or column_position)")
        }
        guard let id, let path, diagnostics.count == before else { return nil }
        var files = PipelineSpec.SignalsFiles(path: path, columnPosition: positionColumn)
        if positionColumn == nil {
            files.columnEntry = entryColumn ?? "entry"
            files.columnExit = exitColumn ?? "exit"
        }
        return PipelineSpec.StrategyEntry(id: id, signals: files)
    }
}
