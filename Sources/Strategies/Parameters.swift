/// A strategy parameter's value. Integers stay integers so `fast=10` prints as `10`, not `10.0`.
public enum ParamValue: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    case int(Int)
    case double(Double)

    public var asDouble: Double {
        switch self {
        case .int(let v): return Double(v)
        case .double(let v): return v
        }
    }

    /// The integer value, when the value is integral.
    public var asInt: Int? {
        switch self {
        case .int(let v): return v
        case .double(let v): return v.rounded() == v && abs(v) < 1e15 ? Int(v) : nil
        }
    }

    /// Canonical text: integers without a decimal point, doubles in Swift's shortest round-trip form.
    public var description: String {
        switch self {
        case .int(let v): return String(v)
        case .double(let v):
            if v.rounded() == v && abs(v) < 1e15 { return String(Int(v)) }
            return String(v)
        }
    }

    public static func < (a: ParamValue, b: ParamValue) -> Bool { a.asDouble < b.asDouble }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) { self = .int(i) } else { self = .double(try c.decode(Double.self)) }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let v): try c.encode(v)
        case .double(let v): try c.encode(v)
        }
    }
}

/// A concrete parameter assignment, kept sorted by name so its text form is canonical. It crosses every
/// seam typed (ranking, reports, execute); the text is what files and messages show.
public struct Parameters: Hashable, Sendable, CustomStringConvertible, Codable {
    public private(set) var values: [String: ParamValue] {
        didSet { text = Self.canonicalText(values) }
    }
    /// `fast=10;slow=20`: names sorted, `;`-separated; empty for a strategy without parameters. Kept beside
    /// the values because every output row prints it.
    public private(set) var text: String

    public init(_ values: [String: ParamValue] = [:]) {
        self.values = values
        text = Self.canonicalText(values)
    }

    /// The parameters whose canonical text is `text` (as results.csv and the run's files hold it); nil for
    /// text that is not canonical (unsorted or repeated names, a value that is not a finite number).
    public init?(canonical text: String) {
        var values: [String: ParamValue] = [:]
        if !text.isEmpty {
            for pair in text.split(separator: ";", omittingEmptySubsequences: false) {
                guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else { return nil }
                let value = pair[pair.index(after: eq)...]
                if let i = Int(value) {
                    values[String(pair[..<eq])] = .int(i)
                } else if let d = Double(value), d.isFinite {
                    values[String(pair[..<eq])] = .double(d)
                } else {
                    return nil
                }
            }
        }
        self.init(values)
        guard self.text == text else { return nil }
    }

    public subscript(name: String) -> ParamValue? {
        get { values[name] }
        set { values[name] = newValue }
    }

    public var sortedNames: [String] { values.keys.sorted() }

    /// No parameters (a strategy such as buy & hold).
    public var isEmpty: Bool { values.isEmpty }

    public var description: String { text }

    private static func canonicalText(_ values: [String: ParamValue]) -> String {
        values.keys.sorted().map { "\($0)=\(values[$0]!)" }.joined(separator: ";")
    }

    enum CodingKeys: String, CodingKey { case values }

    public init(from decoder: Decoder) throws {
        self.init(try decoder.container(keyedBy: CodingKeys.self).decode([String: ParamValue].self, forKey: .values))
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(values, forKey: .values)
    }

    public func int(_ name: String) -> Int { values[name]?.asInt ?? 0 }
    public func double(_ name: String) -> Double { values[name]?.asDouble ?? 0 }
}

/// What a parameter accepts: documented in `stratopt strategies` and enforced by the spec.
public struct ParamSpec: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case int
        case double
    }
    public let name: String
    public let kind: Kind
    public let defaultValue: ParamValue
    /// Inclusive bounds.
    public let minimum: Double
    public let maximum: Double
    public let summary: String

    public init(
        _ name: String, _ kind: Kind, default d: ParamValue, min: Double, max: Double, _ summary: String
    ) {
        self.name = name
        self.kind = kind
        self.defaultValue = d
        self.minimum = min
        self.maximum = max
        self.summary = summary
    }
}

/// A rule between parameters (for example fast < slow). Grid points that break it are skipped.
public struct ParamConstraint: Sendable {
    public let summary: String
    public let isSatisfied: @Sendable (Parameters) -> Bool

    public init(_ summary: String, _ isSatisfied: @escaping @Sendable (Parameters) -> Bool) {
        self.summary = summary
        self.isSatisfied = isSatisfied
    }
}

/// The public face of a strategy: id, parameters, defaults, constraints, warm-up.
public struct StrategyDescriptor: Sendable {
    public let id: String
    public let summary: String
    public let params: [ParamSpec]
    public let constraints: [ParamConstraint]
    /// Human description of the warm-up (bars before the first decision).
    public let warmup: String

    public init(id: String, summary: String, params: [ParamSpec], constraints: [ParamConstraint] = [], warmup: String) {
        self.id = id
        self.summary = summary
        self.params = params
        self.constraints = constraints
        self.warmup = warmup
    }

    /// `given` completed with defaults for every parameter it does not name.
    public func withDefaults(_ given: Parameters) -> Parameters {
        var p = given
        for spec in params where p[spec.name] == nil { p[spec.name] = spec.defaultValue }
        return p
    }

    /// The first constraint `p` breaks, if any.
    public func violatedConstraint(_ p: Parameters) -> ParamConstraint? {
        constraints.first { !$0.isSatisfied(p) }
    }
}
