import Foundation
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

    init(file: String) { self.file = file }

    func report(_ mark: Mark?, _ keyPath: String, _ message: String) {
        diagnostics.append(
            SpecDiagnostic(
                file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, keyPath: keyPath, message: message))
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
                let hint = Suggestions.closest(to: name, in: allowed).map { "; did you mean \"\($0)\"?" }
                report(
                    key.mark, SpecReader.child(path, name),
                    "\(place) \"\(name)\"\(suffix)"
                        + (hint ?? "; expected one of: \(allowed.joined(separator: ", "))"))
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
        var hint = ""
        if case .scalar(let s) = field.value, !field.value.isEmptyValue {
            hint = Suggestions.hint(for: s.string, in: names)
        }
        report(
            field.mark, field.path,
            "\(field.path): expected \(what)one of \(names.joined(separator: ", ")), got \(field.value.described)\(hint)"
        )
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
