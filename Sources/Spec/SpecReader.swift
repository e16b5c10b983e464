import Foundation
import Market
import Strategies
import Yams

/// One `key: value` pair of a mapping, with the key path of the value.
struct Field {
    let key: Node
    let value: Node
    let path: String

    /// Where problems with the value are reported: the value itself, or the key when the value is left empty.
    var mark: Mark? { value.isEmptyValue ? key.mark : value.mark }
}

/// Walks the YAML node tree of a spec, collecting every problem, and builds the resolved spec.
///
/// Not Sendable (it holds Yams nodes); one reader per parse.
final class SpecReader {
    let file: String
    private(set) var diagnostics: [SpecDiagnostic] = []

    /// The spec's text by line, to point inside rule expressions (`locate`).
    let sourceLines: [Substring]

    init(file: String, source: String = "") {
        self.file = file
        sourceLines = source.split(separator: "\n", omittingEmptySubsequences: false)
    }

    func report(_ mark: Mark?, _ keyPath: String, _ message: String, suggestion: String? = nil) {
        diagnostics.append(
            SpecDiagnostic(
                file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, keyPath: keyPath, message: message,
                suggestion: suggestion))
    }

    /// A problem at an exact place (inside a scalar, such as a rule expression).
    func reportAt(line: Int, column: Int, keyPath: String, message: String) {
        diagnostics.append(SpecDiagnostic(file: file, line: line, column: column, keyPath: keyPath, message: message))
    }

    /// `path: expected …, got …`.
    func expected(_ field: Field, _ what: String) {
        report(field.mark, field.path, "\(field.path): expected \(what), got \(field.value.described)")
    }

    static func child(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    // MARK: - Mappings

    /// The fields of a mapping whose keys must come from `allowed`; unknown keys are reported with a suggestion.
    /// Returns nil (after reporting `expectation`) when `field` is not a mapping.
    func fields(of field: Field, allowed: [String], expectation: String) -> [String: Field]? {
        guard case .mapping(let mapping) = field.value else {
            expected(field, expectation)
            return nil
        }
        return fields(of: mapping, path: field.path, allowed: allowed)
    }

    func fields(of mapping: Node.Mapping, path: String, allowed: [String]) -> [String: Field] {
        var out: [String: Field] = [:]
        for (key, value) in mapping {
            guard case .scalar(let k) = key, !key.isEmptyValue else {
                report(
                    key.mark, path,
                    "\(path.isEmpty ? "the spec" : path): expected a plain key such as \(allowed.first ?? "name"), "
                        + "got \(key.described)")
                continue
            }
            let name = k.string
            guard allowed.contains(name) else {
                let place = path.isEmpty ? "unknown top-level key" : "unknown key"
                let suffix = path.isEmpty ? "" : " in \(path)"
                let closest = Suggestions.closest(to: name, in: allowed)
                let hint = closest.map { "; did you mean \"\($0)\"?" }
                report(
                    key.mark, SpecReader.child(path, name),
                    "\(place) \"\(name)\"\(suffix)"
                        + (hint ?? "; expected one of: \(allowed.joined(separator: ", "))"), suggestion: closest)
                continue
            }
            out[name] = Field(key: key, value: value, path: SpecReader.child(path, name))
        }
        return out
    }

    /// Reports a missing required key of the mapping at `field`, at the mapping's own key (`data:`).
    func missing(_ key: String, in field: Field, _ advice: String) {
        report(
            field.key.mark, SpecReader.child(field.path, key),
            "missing key \"\(key)\" in \(field.path); \(advice)")
    }

    // MARK: - Scalars

    /// A number written as a plain YAML scalar (`10`, `-2.5`, `1e-3`, `100_000`); nil for anything else.
    static func number(_ node: Node) -> Double? {
        guard case .scalar(let s) = node, s.style == .plain || s.style == .any else { return nil }
        let text = s.string.replacingOccurrences(of: "_", with: "")
        guard !text.isEmpty, text.unicodeScalars.allSatisfy({ "0123456789.eE+-".unicodeScalars.contains($0) }),
            text.unicodeScalars.contains(where: { ("0"..."9").contains($0) }),
            let v = Double(text), v.isFinite
        else { return nil }
        return v
    }

    /// A whole number (an integral plain number such as `10` or `10.0`).
    static func integer(_ node: Node) -> Int? {
        guard let v = number(node), v.rounded() == v, abs(v) < 1e15 else { return nil }
        return Int(v)
    }

    func number(_ field: Field, _ what: String, where valid: (Double) -> Bool) -> Double? {
        guard let v = SpecReader.number(field.value), valid(v) else {
            expected(field, what)
            return nil
        }
        return v
    }

    func integer(_ field: Field, _ what: String, where valid: (Int) -> Bool) -> Int? {
        guard let v = SpecReader.integer(field.value), valid(v) else {
            expected(field, what)
            return nil
        }
        return v
    }

    /// A number within the bounds ``SpecKeys`` gives the key at `path`.
    func number(_ field: Field, _ what: String, in path: String) -> Double? {
        let bounds = SpecKeys.bounds(path)
        return number(field, what, where: bounds.contains)
    }

    /// A whole number within the bounds ``SpecKeys`` gives the key at `path`.
    func integer(_ field: Field, _ what: String, in path: String) -> Int? {
        let bounds = SpecKeys.bounds(path)
        return integer(field, what) { bounds.contains(Double($0)) }
    }

    /// A non-empty scalar string (quoted or not).
    func string(_ field: Field, _ what: String) -> String? {
        guard case .scalar(let s) = field.value, !field.value.isEmptyValue, !s.string.isEmpty else {
            expected(field, what)
            return nil
        }
        return s.string
    }

    /// `true` or `false`.
    func bool(_ field: Field) -> Bool? {
        if case .scalar(let s) = field.value, s.style == .plain || s.style == .any {
            switch s.string {
            case "true", "True", "TRUE": return true
            case "false", "False", "FALSE": return false
            default: break
            }
        }
        expected(field, "true or false")
        return nil
    }

    /// One of an enum's raw values, with a suggestion for a misspelling.
    func choice<E: RawRepresentable & CaseIterable>(_ field: Field, _ type: E.Type, _ what: String = "") -> E?
    where E.RawValue == String {
        let names = E.allCases.map(\.rawValue)
        if case .scalar(let s) = field.value, let v = E(rawValue: s.string) { return v }
        var closest: String?
        if case .scalar(let s) = field.value, !field.value.isEmptyValue {
            closest = Suggestions.closest(to: s.string, in: names)
        }
        let hint = closest.map { "; did you mean \"\($0)\"?" } ?? ""
        report(
            field.mark, field.path,
            "\(field.path): expected \(what)one of \(names.joined(separator: ", ")), got \(field.value.described)\(hint)",
            suggestion: closest)
        return nil
    }

    /// The items of a list, or nil after reporting `what`. Empty lists and overlong lists are reported too.
    func list(_ field: Field, _ what: String, allowEmpty: Bool = false, emptyAdvice: String = "") -> [Node]? {
        guard case .sequence(let seq) = field.value else {
            expected(field, what)
            return nil
        }
        let items = Array(seq)
        if items.isEmpty && !allowEmpty {
            report(field.mark, field.path, "\(field.path): the list is empty; \(emptyAdvice)")
            return nil
        }
        if items.count > SpecLimits.maxListItems {
            report(
                field.mark, field.path,
                "\(field.path): \(items.count) items is more than the limit of \(SpecLimits.maxListItems)")
            return nil
        }
        return items
    }

    /// Formats a bound: `100`, `0.5`.
    static func format(_ v: Double) -> String {
        v.rounded() == v && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }
}

extension Node {
    /// A plain empty or `null`/`~` scalar: a key written with nothing after the colon.
    var isEmptyValue: Bool {
        guard case .scalar(let s) = self, s.style == .plain || s.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(s.string)
    }

    /// How a value is named in messages: `nothing`, `10`, `"ten"`, `a list`, `a mapping`.
    var described: String {
        switch self {
        case .scalar(let s):
            if isEmptyValue { return "nothing" }
            if SpecReader.number(self) != nil { return s.string }
            if s.style == .plain, ["true", "false", "True", "False", "TRUE", "FALSE"].contains(s.string) {
                return s.string
            }
            let text = s.string.count > 40 ? String(s.string.prefix(40)) + "…" : s.string
            return "\"\(text)\""
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }
}

extension SpecReader {
    /// Why a ticker could show as something it is not, or nil. Bidi controls (U+202A–U+202E,
    /// U+2066–U+2069, U+200E/U+200F, U+061C) reorder how text displays, so a report or log line would read
    /// differently from the symbol traded; invisible format characters hide inside it; letters from two
    /// scripts (Latin `A` next to Cyrillic `А`) make look-alikes of real symbols.
    static func deceptiveTicker(_ t: String) -> String? {
        var scripts: Set<String> = []
        for u in t.unicodeScalars {
            if u.properties.isBidiControl { return "contains a bidirectional-text control character" }
            if u.properties.generalCategory == .format { return "contains an invisible formatting character" }
            if u.properties.isAlphabetic, let s = script(of: u) { scripts.insert(s) }
        }
        if scripts.count > 1 {
            return "mixes letters of several scripts (\(scripts.sorted().joined(separator: ", "))), like a look-alike"
        }
        return nil
    }

    /// A coarse script of a letter by Unicode block: enough to tell Latin, Greek and Cyrillic look-alikes
    /// apart; other blocks are named by their range.
    static func script(of u: Unicode.Scalar) -> String? {
        switch u.value {
        case 0x0000...0x024F, 0x1E00...0x1EFF, 0xFF21...0xFF3A, 0xFF41...0xFF5A: return "Latin"
        case 0x0370...0x03FF, 0x1F00...0x1FFF: return "Greek"
        case 0x0400...0x052F, 0x2DE0...0x2DFF, 0xA640...0xA69F: return "Cyrillic"
        case 0x0530...0x058F: return "Armenian"
        case 0x0590...0x05FF: return "Hebrew"
        case 0x0600...0x06FF, 0x0750...0x077F: return "Arabic"
        case 0x3040...0x30FF: return "Kana"
        case 0x4E00...0x9FFF: return "Han"
        case 0xAC00...0xD7AF: return "Hangul"
        default: return "U+\(String(u.value >> 8, radix: 16, uppercase: true))xx"
        }
    }
}
