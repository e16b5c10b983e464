import Foundation
import Spec

/// The dashboard's form (`POST /analyze` with JSON): tickers, dates, capital, position size and strategies,
/// turned into a pipeline spec's YAML so it is validated and run exactly like a spec sent as YAML.
public struct AnalyzeForm: Decodable, Sendable {
    public var tickers: [String]
    public var start: String
    public var end: String
    public var initialCapital: Double?
    public var positionSizePct: Double?
    /// Strategy ids, or `["all"]` / `"all"`.
    public var strategies: [String]

    enum CodingKeys: String, CodingKey {
        case tickers, start, end, strategies
        case initialCapital = "initial_capital"
        case positionSizePct = "position_size_pct"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let list = try? c.decode([String].self, forKey: .tickers) {
            tickers = list
        } else {
            let text = try c.decode(String.self, forKey: .tickers)
            tickers = text.split(whereSeparator: { $0 == "," || $0 == " " || $0.isNewline }).map(String.init)
        }
        start = try c.decode(String.self, forKey: .start)
        end = try c.decode(String.self, forKey: .end)
        initialCapital = try c.decodeIfPresent(Double.self, forKey: .initialCapital)
        positionSizePct = try c.decodeIfPresent(Double.self, forKey: .positionSizePct)
        if let word = try? c.decode(String.self, forKey: .strategies) {
            strategies = [word]
        } else {
            strategies = try c.decodeIfPresent([String].self, forKey: .strategies) ?? ["all"]
        }
    }

    /// The spec's YAML: every value written as a JSON string or number (valid YAML flow scalars), so no form
    /// value can add a key. Values the spec rules refuse are refused by the same validator as a YAML spec.
    public func yaml(provider: String) throws(ServeFailure) -> String {
        guard (1...ServeLimits.maxTickers).contains(tickers.count) else {
            throw ServeFailure(
                422, "invalid_form", "tickers: give 1 to \(ServeLimits.maxTickers) tickers, got \(tickers.count)")
        }
        guard !strategies.isEmpty, strategies.count <= 100 else {
            throw ServeFailure(422, "invalid_form", "strategies: give `all` or 1 to 100 strategy ids")
        }
        let capital = initialCapital ?? 100_000
        let pct = positionSizePct ?? 10
        guard capital.isFinite, pct.isFinite else {
            throw ServeFailure(422, "invalid_form", "initial_capital and position_size_pct must be numbers")
        }
        func q(_ s: String) -> String {
            let data = (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        }
        var y = "version: 1\nname: dashboard\n"
        y += "data: {provider: \(q(provider))}\n"
        y += "universe: {tickers: [\(tickers.map(q).joined(separator: ", "))]}\n"
        y += "period: {start: \(q(start)), end: \(q(end))}\n"
        y += "capital: {initial: \(capital)}\n"
        y += "sizing: {percent_of_equity: \(pct)}\n"
        if strategies == ["all"] {
            y += "strategies: all\n"
        } else {
            y += "strategies: [\(strategies.map(q).joined(separator: ", "))]\n"
        }
        // Executed only through POST /execute; every symbol's best strategy is a candidate, sized like the form.
        y += "execute: {enabled: false, broker: paper, min_score: 0, sizing: {percent_of_equity: \(pct)}}\n"
        return y
    }

    /// The form field a diagnostic of the generated spec is about.
    static func field(of keyPath: String) -> String {
        let map = [
            "universe": "tickers", "period.start": "start", "period.end": "end", "period": "start",
            "capital": "initial_capital", "sizing": "position_size_pct", "strategies": "strategies",
            "execute": "position_size_pct",
        ]
        for (prefix, field) in map.sorted(by: { $0.key.count > $1.key.count }) where keyPath.hasPrefix(prefix) {
            return field
        }
        return keyPath
    }
}
