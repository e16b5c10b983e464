import Foundation
import Yams

extension SpecReader {
    func readExecute(_ field: Field, universe: [String]) -> PipelineSpec.Execute {
        var e = PipelineSpec.Execute()
        let keys = SpecKeys.names("execute")
        guard let f = fields(of: field, allowed: keys, expectation: "a mapping such as {enabled: false, broker: paper}")
        else { return e }
        if let v = f["enabled"] { e.enabled = bool(v) ?? false }
        if let v = f["broker"] { e.broker = choice(v, PipelineSpec.Execute.Broker.self) ?? .paper }
        if let v = f["mode"], let mode = choice(v, PipelineSpec.Execute.Mode.self) {
            e.mode = mode
            // An invalid broker is reported where it is read; do not pile a second error on it.
            let brokerIsValid = f["broker"].map { choice(quiet: $0) != nil } ?? true
            if mode == .live && e.broker != .alpaca && brokerIsValid {
                report(
                    v.mark, v.path,
                    "execute.mode: live trading needs broker: alpaca (the paper broker only simulates fills)")
            }
        }
        if let v = f["min_score"] {
            e.minScore = number(v, "a score from 0 to 100", in: "execute.min_score") ?? e.minScore
        }
        if let v = f["symbols"] { e.symbols = readSymbols(v, universe: universe) }
        if let v = f["sizing"] { e.sizing = readExecutionSizing(v) }
        if let v = f["risk"] {
            if let g = fields(
                of: v, allowed: SpecKeys.names("execute.risk"),
                expectation: "a mapping such as {rules: [{type: max_drawdown, limit_pct: 20, action: block}]}"
            ), let r = g["rules"] {
                e.risk.rules = readRiskRules(r)
            }
        }
        return e
    }

    /// The broker field's value when it parses, without reporting (it is reported where it is read).
    private func choice(quiet field: Field) -> PipelineSpec.Execute.Broker? {
        field.value.scalar.flatMap { PipelineSpec.Execute.Broker(rawValue: $0.string) }
    }

    func readSymbols(_ field: Field, universe: [String]) -> PipelineSpec.Execute.Symbols {
        let what = "all or a list of tickers from universe.tickers"
        if case .scalar(let s) = field.value, s.string == "all" { return .all }
        guard case .sequence = field.value else {
            expected(field, what)
            return .all
        }
        guard let items = list(field, what, emptyAdvice: "list at least one ticker, or write symbols: all") else {
            return .all
        }
        let known = Dictionary(universe.map { ($0.uppercased(), $0) }, uniquingKeysWith: { a, _ in a })
        var symbols: [String] = []
        for (i, item) in items.enumerated() {
            let itemField = Field(key: item, value: item, path: "\(field.path)[\(i)]")
            guard let t = string(itemField, "a ticker from universe.tickers") else { continue }
            // Without a valid universe there is nothing to compare with (the universe error says why).
            if universe.isEmpty { continue }
            guard let canonical = known[t.uppercased()] else {
                report(
                    item.mark, itemField.path,
                    "\(itemField.path): \"\(t)\" is not in universe.tickers; add it there or remove it here")
                continue
            }
            if symbols.contains(canonical) {
                report(item.mark, itemField.path, "\(itemField.path): duplicate ticker \"\(t)\"; list each ticker once")
                continue
            }
            symbols.append(canonical)
        }
        return .list(symbols)
    }

    func readExecutionSizing(_ field: Field) -> PipelineSpec.Execute.ExecutionSizing {
        if case .scalar(let s) = field.value, s.string == "auto" { return .auto }
        guard case .mapping(let mapping) = field.value else {
            expected(field, "auto or a mapping such as {percent_of_equity: 10}")
            return .auto
        }
        let f = fields(of: mapping, path: field.path, allowed: SpecKeys.names("execute.sizing"))
        guard let v = f["percent_of_equity"] else {
            if mapping.count == 0 {
                missing("percent_of_equity", in: field, "add e.g. percent_of_equity: 10, or write sizing: auto")
            }
            return .auto
        }
        guard let p = number(v, "a percentage above 0 and at most 100", in: "execute.sizing.percent_of_equity") else {
            return .auto
        }
        return .percentOfEquity(p)
    }

    func readRiskRules(_ field: Field) -> [PipelineSpec.RiskRule] {
        guard
            let items = list(
                field, "a list of rules such as [{type: max_drawdown, limit_pct: 20, action: close_position}]",
                allowEmpty: true)
        else { return [] }
        var rules: [PipelineSpec.RiskRule] = []
        for (i, item) in items.enumerated() {
            let itemField = Field(key: item, value: item, path: "\(field.path)[\(i)]")
            let keys = SpecKeys.riskRuleKeys
            guard
                let f = fields(
                    of: itemField, allowed: keys,
                    expectation: "a mapping such as {type: max_drawdown, limit_pct: 20, action: close_position}")
            else { continue }
            guard let t = f["type"] else {
                missing(
                    "type", in: itemField,
                    "add one of \(PipelineSpec.RiskRuleType.allCases.map(\.rawValue).joined(separator: ", "))")
                continue
            }
            let type = choice(t, PipelineSpec.RiskRuleType.self, "a risk rule type, ")
            var action: PipelineSpec.RiskAction?
            if let a = f["action"] {
                action = choice(a, PipelineSpec.RiskAction.self, "a risk action, ")
            } else {
                missing(
                    "action", in: itemField,
                    "add one of \(PipelineSpec.RiskAction.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let type else { continue }
            let limitKey = type.limitKey
            let otherKey = limitKey == "max" ? "limit_pct" : "max"
            if let other = f[otherKey] {
                report(
                    other.key.mark, other.path,
                    "\(other.path): \(type.rawValue) takes \(limitKey), not \(otherKey); rename the key")
                continue
            }
            guard let l = f[limitKey] else {
                let example = type == .positionLimit ? "max: 10" : type == .maxLeverage ? "max: 1.0" : "limit_pct: 20"
                missing(limitKey, in: itemField, "\(type.rawValue) needs its limit, e.g. \(example)")
                continue
            }
            let limit: Double?
            let bounds = SpecKeys.riskLimitBounds(type)
            switch type {
            case .maxPositionSize, .maxDailyLoss, .maxDrawdown:
                limit = number(l, "a percentage above 0 and at most 100", where: bounds.contains)
            case .positionLimit:
                limit = integer(l, "a whole number of open positions, at least 1") { bounds.contains(Double($0)) }
                    .map(Double.init)
            case .maxLeverage:
                limit = number(
                    l, "a leverage above 0 and at most 100 (gross exposure ÷ equity, 1.0 = no leverage)",
                    where: bounds.contains)
            }
            if let limit, let action { rules.append(PipelineSpec.RiskRule(type: type, limit: limit, action: action)) }
        }
        return rules
    }
}
