import Foundation
import Market
import Yams

/// A validated spec together with the text it came from (hashed into the run manifest).
public struct LoadedSpec: Sendable {
    public var spec: PipelineSpec
    public var sourceText: String
    public var displayPath: String

    public init(spec: PipelineSpec, sourceText: String, displayPath: String) {
        self.spec = spec
        self.sourceText = sourceText
        self.displayPath = displayPath
    }
}

/// Limits that keep a hostile or mistaken spec from exhausting memory or time.
public enum SpecLimits {
    /// A spec is a few kilobytes; anything above this is refused before parsing.
    public static let maxFileBytes = 1 << 20
    /// Most backtest combinations one strategy entry, or the whole spec, may ask for (per symbol).
    public static let maxCombinations = 100_000
    /// Most items in any list (tickers, strategies, values of one parameter, rules, webhooks).
    public static let maxListItems = 10_000
    /// Deepest bracket nesting accepted; a valid spec needs 4.
    public static let maxFlowNesting = 64
    /// Most tickers in `universe.tickers`.
    public static let maxTickers = 10_000
    /// Most values of one grid parameter (a list or a `{from, to, step}` range).
    public static let maxGridAxisValues = 10_000
    /// Most backtests one run may plan: tickers × grid combinations, counted before anything is expanded.
    /// Above it, split the universe over several specs (shards) and run them one after the other.
    public static let maxBacktestsPerRun = 5_000_000
    /// Largest amount of cash anywhere in a spec (capital, fixed cash per entry, commissions): $1 trillion.
    /// Far above any real account, and small enough that equity, share counts and chart scales stay exact.
    public static let maxCash = 1e12
    public static let cashText = "1000000000000 (1e12)"
    /// Largest price-like amount (commission per share).
    public static let maxPrice = 1e6
    public static let priceText = "1000000 (1e6)"
    /// Largest share count (`sizing.fixed_shares`).
    public static let maxShares = 1e9
    public static let sharesText = "1000000000 (1e9)"
}

/// Reads `pipelines/*.yaml` (spec version 1) into a validated ``PipelineSpec``.
///
/// Every problem is collected and thrown at once as a ``SpecError`` whose diagnostics name
/// `file:line:column`, the key path, what was expected and how to fix it.
public enum SpecLoader {
    /// Reads and validates a spec file. `displayPath` is how the file is named in messages (as the user typed it).
    public static func load(path: String) throws(SpecError) -> LoadedSpec {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw wholeFile(
                path, "cannot read the spec: no such file; check the path (specs usually live in pipelines/)")
        }
        guard !isDirectory.boolValue else {
            throw wholeFile(path, "cannot read the spec: this is a folder; name a .yaml file inside it")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw wholeFile(path, "cannot read the spec: the file is not readable; check its permissions")
        }
        return try parse(data: data, displayPath: path)
    }

    /// Validates spec bytes, which must be UTF-8 text.
    public static func parse(data: Data, displayPath: String) throws(SpecError) -> LoadedSpec {
        guard data.count <= SpecLimits.maxFileBytes else { throw tooLarge(displayPath, bytes: data.count) }
        var bytes = [UInt8](data)
        // A UTF-8 byte-order mark (some Windows editors write one) is not part of the YAML text.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if let bad = firstInvalidUTF8(bytes) {
            let (line, column) = position(ofByte: bad, in: bytes)
            let hex = String(bytes[bad], radix: 16, uppercase: true)
            throw SpecError(diagnostics: [
                SpecDiagnostic(
                    file: displayPath, line: line, column: column, keyPath: "",
                    message:
                        "the spec is not UTF-8 text (byte 0x\(hex.count == 1 ? "0" + hex : hex)); save it as UTF-8 YAML"
                )
            ])
        }
        return try parse(yaml: String(decoding: bytes, as: UTF8.self), displayPath: displayPath)
    }

    /// Validates spec text.
    public static func parse(yaml source: String, displayPath: String) throws(SpecError) -> LoadedSpec {
        guard source.utf8.count <= SpecLimits.maxFileBytes else {
            throw tooLarge(displayPath, bytes: source.utf8.count)
        }
        // The text as written (BOM included) is what the manifest hashes; YAML sees it without the BOM.
        let yaml = source.hasPrefix("\u{FEFF}") ? String(source.dropFirst()) : source
        if let problem = prescan(yaml) ?? YAMLEventRules.firstProblem(yaml) {
            throw SpecError(diagnostics: [
                SpecDiagnostic(
                    file: displayPath, line: problem.line, column: problem.column, keyPath: "", message: problem.message
                )
            ])
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw SpecError(diagnostics: [syntaxDiagnostic(error, yaml: yaml, file: displayPath)])
        } catch {
            throw wholeFile(displayPath, "cannot parse the spec: \(error)")
        }
        guard let root else {
            throw SpecError(diagnostics: [
                SpecDiagnostic(
                    file: displayPath, line: 1, column: 1, keyPath: "",
                    message:
                        "the spec is empty; expected a mapping with at least version, name, universe and strategies "
                        + "(see pipelines/example.yaml)")
            ])
        }
        let reader = SpecReader(file: displayPath, source: yaml)
        let spec = reader.readSpec(root)
        if let spec, reader.diagnostics.isEmpty {
            return LoadedSpec(spec: spec, sourceText: source, displayPath: displayPath)
        }
        throw SpecError(diagnostics: reader.diagnostics)
    }

    // MARK: - Errors before validation

    private static func wholeFile(_ file: String, _ message: String) -> SpecError {
        SpecError(diagnostics: [SpecDiagnostic(file: file, line: 0, column: 0, keyPath: "", message: message)])
    }

    private static func tooLarge(_ file: String, bytes: Int) -> SpecError {
        wholeFile(
            file,
            "the spec is \(bytes) bytes; a pipeline spec must be at most \(SpecLimits.maxFileBytes) bytes "
                + "(is this the right file?)")
    }

    static func syntaxDiagnostic(_ error: YamlError, yaml: String, file: String) -> SpecDiagnostic {
        func diag(_ mark: Mark, _ message: String) -> SpecDiagnostic {
            SpecDiagnostic(file: file, line: mark.line, column: mark.column, keyPath: "", message: message)
        }
        func context(_ c: YamlError.Context?) -> String {
            guard let c, !c.text.isEmpty else { return "" }
            return " (\(c.text) that starts at line \(c.mark.line), column \(c.mark.column))"
        }
        switch error {
        case .scanner(let c, let problem, let mark, _), .parser(let c, let problem, let mark, _),
            .composer(let c, let problem, let mark, _):
            if character(at: mark, in: yaml) == "\t" {
                return diag(mark, "YAML syntax error: a tab character; indent YAML with spaces, not tabs")
            }
            if problem == "but found another document" {
                return diag(mark, "the spec holds more than one YAML document (a second '---'); keep only one")
            }
            if problem.hasPrefix("Maximum nesting level") {
                return diag(mark, "the spec nests more than 1000 levels deep; a pipeline spec needs at most 6")
            }
            return diag(mark, "YAML syntax error: \(problem)\(context(c))")
        case .reader(let problem, let offset, let value, _):
            let bytes = Array(yaml.utf8)
            let (line, column) = position(ofByte: min(offset ?? 0, bytes.count), in: bytes)
            let what = value >= 0 ? "character U+\(String(format: "%04X", value))" : "input"
            return SpecDiagnostic(
                file: file, line: line, column: column, keyPath: "",
                message: "invalid \(what): \(problem); remove it")
        case .duplicatedKeysInMapping(let duplicates, let c):
            let key = duplicates.first ?? ""
            let first = c.mark
            let repeated = locateRepeatedKey(key, after: first, in: yaml) ?? (first.line, first.column)
            return SpecDiagnostic(
                file: file, line: repeated.line, column: repeated.column, keyPath: key,
                message: "duplicate key \"\(key)\" (already set at line \(first.line), column \(first.column)); "
                    + "keep only one of them")
        default:
            return SpecDiagnostic(
                file: file, line: 1, column: 1, keyPath: "", message: "cannot parse the spec as YAML: \(error)")
        }
    }

    /// The character at a 1-based line and column (in Unicode scalars), if there is one.
    static func character(at mark: Mark, in yaml: String) -> Unicode.Scalar? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line >= 1, mark.line <= lines.count else { return nil }
        let scalars = Array(lines[mark.line - 1].unicodeScalars)
        return mark.column >= 1 && mark.column <= scalars.count ? scalars[mark.column - 1] : nil
    }

    /// The position of the second occurrence of a duplicated key. Yams reports only the first one, so this
    /// looks for the same key at the same indentation further down (block style), or later on the same line
    /// (flow style), stopping where the mapping ends.
    static func locateRepeatedKey(_ key: String, after first: Mark, in yaml: String) -> (line: Int, column: Int)? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) }
        guard first.line >= 1, first.line <= lines.count, !key.isEmpty else { return nil }
        let keyScalars = Array(key.unicodeScalars)
        func isKey(at col: Int, in line: [Unicode.Scalar]) -> Bool {
            guard col + keyScalars.count <= line.count, Array(line[col..<(col + keyScalars.count)]) == keyScalars
            else { return false }
            var j = col + keyScalars.count
            while j < line.count, line[j] == " " { j += 1 }
            return j < line.count && line[j] == ":"
        }
        let indent = first.column - 1
        // Flow style: later on the first line, after a ',' or '{'.
        let firstLine = lines[first.line - 1]
        var col = indent + keyScalars.count
        while col < firstLine.count {
            let prev = firstLine[col - 1]
            if prev == "," || prev == "{" || prev == " ", isKey(at: col, in: firstLine) {
                return (first.line, col + 1)
            }
            col += 1
        }
        // Block style: the same column on a later line, until a line is indented less than the key.
        for n in first.line..<lines.count {
            let line = lines[n]
            let lead = line.prefix { $0 == " " }.count
            if lead == line.count || line[lead] == "#" { continue }
            if lead < indent { return nil }
            if lead == indent, isKey(at: indent, in: line) { return (n + 1, indent + 1) }
        }
        return nil
    }

    // MARK: - Byte-level helpers

    /// Index of the first byte that is not part of valid UTF-8, if any.
    static func firstInvalidUTF8(_ bytes: [UInt8]) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }

    /// 1-based line and column (in Unicode scalars, like libyaml) of a byte offset.
    static func position(ofByte offset: Int, in bytes: [UInt8]) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        var i = 0
        while i < offset && i < bytes.count {
            if bytes[i] == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if bytes[i] & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        return (line, column)
    }

    /// Bracket nesting beyond ``SpecLimits/maxFlowNesting``, found by scanning the text before handing it to
    /// Yams (quoted text and comments are skipped): Yams builds nodes recursively, so a shallow limit keeps
    /// hostile input from exhausting the stack. Aliases and tags are not looked for here: `YAMLEventRules`
    /// checks them on libyaml's events, where no spelling can hide one.
    static func prescan(_ yaml: String) -> (line: Int, column: Int, message: String)? {
        let text = Array(yaml.unicodeScalars)
        var depth = 0
        var line = 1
        var column = 0
        var quote: Unicode.Scalar?
        var inComment = false
        var previous: Unicode.Scalar = " "
        // The last non-blank character of the line so far: a quote or an alias starts a value only after
        // `:`, `-`, `?`, `[`, `{`, `,` or at the start of a line (`x: a *b` is the plain text "a *b").
        var lastSignificant: Unicode.Scalar?
        func startsValue() -> Bool {
            " \t[{,".unicodeScalars.contains(previous)
                && (lastSignificant.map { ":-?[{,".unicodeScalars.contains($0) } ?? true)
        }
        for c in text {
            column += 1
            defer {
                if c != "\n" {
                    previous = c
                    if c != " " && c != "\t" && !inComment { lastSignificant = c }
                }
            }
            if c == "\n" {
                line += 1
                column = 0
                inComment = false
                lastSignificant = nil
                previous = " "
                continue
            }
            if inComment { continue }
            if let q = quote {
                if c == q { quote = nil }
                continue
            }
            switch c {
            case "#" where previous == " " || previous == "\t": inComment = true
            case "\"", "'": if startsValue() { quote = c }
            case "[", "{":
                depth += 1
                if depth > SpecLimits.maxFlowNesting {
                    return (
                        line, column,
                        "brackets nest more than \(SpecLimits.maxFlowNesting) levels deep; a pipeline spec needs at most 4"
                    )
                }
            case "]", "}": depth = max(0, depth - 1)
            default: break
            }
        }
        return nil
    }
}
