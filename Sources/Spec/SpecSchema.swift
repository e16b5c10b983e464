import Foundation
import Strategies

/// A JSON value built in code and written by `JSONEncoder` (never by string concatenation).
public indirect enum JSONValue: Sendable, Equatable, Encodable {
    case string(String)
    case number(Double)
    case integer(Int)
    case bool(Bool)
    case array([JSONValue])
    case object([String: JSONValue])
    case null

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .number(let d):
            // Integral values print without a fraction (`100`, not `100.0`), as a person would write them.
            if d.rounded() == d, abs(d) < 9e15 { try c.encode(Int64(d)) } else { try c.encode(d) }
        case .integer(let i): try c.encode(i)
        case .bool(let b): try c.encode(b)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        case .null: try c.encodeNil()
        }
    }
}

/// The JSON Schema (draft 2020-12) of the pipeline spec, generated from ``SpecKeys`` and the strategy
/// registry, so the editor's checks and the validator's cannot disagree on keys, types, enums or ranges.
///
/// The schema checks structure; the validator checks more (grid constraints such as `fast < slow`,
/// duplicate tickers, provider-specific keys, `period.start` before `end`), with better messages.
public enum SpecSchema {
    public static let dialect = "https://json-schema.org/draft/2020-12/schema"

    /// The schema document.
    public static func document() -> JSONValue {
        guard case .object(var o) = schema(for: SpecKeys.root.value) else { return .null }
        o["$schema"] = .string(dialect)
        o["title"] = .string("stratopt pipeline spec")
        o["description"] = .string(SpecKeys.root.summary)
        return .object(o)
    }

    /// The document as pretty-printed JSON with sorted keys, ending in a newline: same binary, same bytes.
    public static func text() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding a tree of strings, numbers and containers cannot fail.
        let data = (try? encoder.encode(document())) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func schema(for value: SpecValue) -> JSONValue {
        switch value {
        case .text(let pattern, let maxLength):
            var o: [String: JSONValue] = ["type": .string("string"), "minLength": .integer(1)]
            if let pattern { o["pattern"] = .string(pattern) }
            if let maxLength { o["maxLength"] = .integer(maxLength) }
            return .object(o)
        case .integer(let b): return .object(bounds(b, into: ["type": .string("integer")]))
        case .number(let b): return .object(bounds(b, into: ["type": .string("number")]))
        case .boolean: return .object(["type": .string("boolean")])
        case .choice(let names):
            return .object(["type": .string("string"), "enum": .array(names.map(JSONValue.string))])
        case .word(let w): return .object(["const": .string(w)])
        case .nothing: return .object(["type": .string("null")])
        case .mapping(let keys):
            var properties: [String: JSONValue] = [:]
            for k in keys { properties[k.name] = property(k) }
            var o: [String: JSONValue] = [
                "type": .string("object"), "properties": .object(properties), "additionalProperties": .bool(false),
            ]
            let required = keys.filter(\.required).map(\.name)
            if !required.isEmpty { o["required"] = .array(required.map(JSONValue.string)) }
            return .object(o)
        case .list(let item, let minItems):
            var o: [String: JSONValue] = [
                "type": .string("array"), "items": schema(for: item), "maxItems": .integer(SpecLimits.maxListItems),
            ]
            if minItems > 0 { o["minItems"] = .integer(minItems) }
            return .object(o)
        case .oneOf(let alternatives): return .object(["anyOf": .array(alternatives.map(schema(for:)))])
        case .strategyEntry(let forms): return .object(["anyOf": .array(forms.flatMap(strategyEntries))])
        case .ruleParameters:
            let number = JSONValue.object(["type": .string("number")])
            let value = JSONValue.object([
                "anyOf": .array([
                    number,
                    .object([
                        "type": .string("array"), "items": number, "minItems": .integer(1),
                        "uniqueItems": .bool(true), "maxItems": .integer(SpecLimits.maxGridAxisValues),
                    ]),
                    .object([
                        "type": .string("object"),
                        "properties": .object(["from": number, "to": number, "step": number]),
                        "required": .array([.string("from"), .string("to"), .string("step")]),
                        "additionalProperties": .bool(false),
                    ]),
                ])
            ])
            return .object([
                "type": .string("object"), "propertyNames": .object(["pattern": .string("^[A-Za-z_][A-Za-z0-9_]*$")]),
                "additionalProperties": value,
            ])
        }
    }

    static func property(_ key: SpecKey) -> JSONValue {
        guard case .object(var o) = schema(for: key.value) else { return .null }
        o["description"] = .string(key.summary)
        if let d = key.defaultValue { o["default"] = json(d) }
        return .object(o)
    }

    static func json(_ d: SpecDefault) -> JSONValue {
        switch d {
        case .integer(let i): return .integer(i)
        case .number(let n): return .number(n)
        case .text(let s): return .string(s)
        case .boolean(let b): return .bool(b)
        case .emptyList: return .array([])
        }
    }

    static func bounds(_ b: SpecBounds, into o: [String: JSONValue]) -> [String: JSONValue] {
        var o = o
        if let lo = b.minimum { o[b.minimumExclusive ? "exclusiveMinimum" : "minimum"] = .number(lo) }
        if let hi = b.maximum { o[b.maximumExclusive ? "exclusiveMaximum" : "maximum"] = .number(hi) }
        return o
    }

    // MARK: - strategies

    static func strategyEntries(_ form: StrategyEntryForm) -> [JSONValue] {
        switch form {
        case .builtin:
            let ids = JSONValue.object([
                "type": .string("string"), "enum": .array(StrategyRegistry.ids.map(JSONValue.string)),
                "description": .string("A strategy with its default parameters (stratopt strategies lists them)."),
            ])
            return [ids] + StrategyRegistry.all.map { strategy($0.descriptor) }
        case .rule: return [entryForm("rule", SpecKeys.rule, "A strategy written in the rule language.")]
        case .signals: return [entryForm("signals", SpecKeys.signals, "Entry and exit signals read from files.")]
        }
    }

    /// `{name: {keys…}}`: a strategy entry form other than a built-in.
    static func entryForm(_ name: String, _ keys: [SpecKey], _ summary: String) -> JSONValue {
        guard case .object(var body) = schema(for: .mapping(keys)) else { return .null }
        body["description"] = .string(summary)
        return .object([
            "type": .string("object"), "properties": .object([name: .object(body)]),
            "required": .array([.string(name)]), "additionalProperties": .bool(false),
        ])
    }

    /// `{id: {param: value | [values] | {from, to, step}}}`; the parameters may be left empty.
    static func strategy(_ d: StrategyDescriptor) -> JSONValue {
        var params: [String: JSONValue] = [:]
        for p in d.params { params[p.name] = parameter(p) }
        let grid = JSONValue.object([
            "anyOf": .array([
                .object(["type": .string("null")]),
                .object([
                    "type": .string("object"), "properties": .object(params), "additionalProperties": .bool(false),
                ]),
            ]),
            "description": .string(d.summary),
        ])
        return .object([
            "type": .string("object"), "properties": .object([d.id: grid]), "required": .array([.string(d.id)]),
            "additionalProperties": .bool(false),
        ])
    }

    static func parameter(_ p: ParamSpec) -> JSONValue {
        let type = JSONValue.string(p.kind == .int ? "integer" : "number")
        let one = JSONValue.object(["type": type, "minimum": .number(p.minimum), "maximum": .number(p.maximum)])
        let step = JSONValue.object(["type": type, "exclusiveMinimum": .integer(0)])
        return .object([
            "anyOf": .array([
                one,
                .object([
                    "type": .string("array"), "items": one, "minItems": .integer(1), "uniqueItems": .bool(true),
                    "maxItems": .integer(SpecLimits.maxGridAxisValues),
                ]),
                .object([
                    "type": .string("object"), "properties": .object(["from": one, "to": one, "step": step]),
                    "required": .array([.string("from"), .string("to"), .string("step")]),
                    "additionalProperties": .bool(false),
                ]),
            ]),
            "description": .string(p.summary),
            "default": p.defaultValue.asInt.map(JSONValue.integer) ?? .number(p.defaultValue.asDouble),
        ])
    }
}
