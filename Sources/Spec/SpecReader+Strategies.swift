import Foundation
import Strategies
import Yams

extension SpecReader {
    func readStrategies(_ field: Field) -> [PipelineSpec.StrategyEntry] {
        // `strategies: all`: every built-in strategy with its default grid (`StrategyRegistry.defaultGrids`).
        if case .scalar(let s) = field.value, s.string == "all", s.style == .plain || s.style == .any {
            return StrategyRegistry.ids.map {
                PipelineSpec.StrategyEntry(id: $0, grid: StrategyRegistry.defaultGrids[$0] ?? [:])
            }
        }
        guard
            let items = list(
                field, "all or a list of strategies, e.g. [buy_and_hold, {sma_crossover: {fast: 10, slow: 50}}]",
                emptyAdvice: "add at least one strategy (stratopt strategies lists them)")
        else { return [] }
        var entries: [PipelineSpec.StrategyEntry] = []
        var total = 0.0
        // "id parameters" → the entry that first asked for it, to catch the same backtest asked for twice.
        var firstEntry: [String: String] = [:]
        func register(_ entry: PipelineSpec.StrategyEntry, _ combinations: [Parameters], path: String, at mark: Mark?) {
            var repeats: [(parameters: Parameters, first: String)] = []
            for p in combinations {
                let key = "\(entry.id) \(p)"
                if let first = firstEntry[key] { repeats.append((p, first)) } else { firstEntry[key] = path }
            }
            if let r = repeats.first {
                let what = repeats.count == 1 ? "combination" : "combinations"
                let label = r.parameters.description.isEmpty ? entry.id : "\(entry.id) \(r.parameters)"
                report(
                    mark, path,
                    "\(path): repeats \(repeats.count) \(what) of earlier entries (first: \(label) from \(r.first)); "
                        + "remove the overlap")
            }
            entries.append(entry)
        }
        for (i, item) in items.enumerated() {
            let path = "strategies[\(i)]"
            switch item {
            case .scalar where !item.isEmptyValue:
                guard let id = item.string, let d = strategy(id, at: item, path: path) else { continue }
                let entry = PipelineSpec.StrategyEntry(id: d.id)
                total += 1
                if total <= Double(SpecLimits.maxCombinations) {
                    register(entry, entry.expand().combinations, path: path, at: item.mark)
                }
            case .mapping(let mapping)
            where mapping.count == 1 && ["rule", "signals"].contains(mapping.keys.first?.string):
                let (key, value) = mapping[mapping.startIndex]
                let entryField = Field(key: key, value: value, path: "\(path).\(key.string ?? "")")
                let read = key.string == "rule" ? readRule(entryField) : readSignals(entryField)
                guard let entry = read else { continue }
                if StrategyRegistry.descriptor(for: entry.id) != nil || entries.contains(where: { $0.id == entry.id }) {
                    let what =
                        StrategyRegistry.descriptor(for: entry.id) != nil ? "a built-in strategy" : "an earlier entry"
                    report(
                        value.mark, "\(entryField.path).id",
                        "\(entryField.path).id: \"\(entry.id)\" is already the id of \(what); give this one its own id")
                    continue
                }
                let combinations = entry.expand().combinations
                total += Double(combinations.count)
                if total <= Double(SpecLimits.maxCombinations) {
                    register(entry, combinations, path: entryField.path, at: key.mark)
                }
            case .mapping(let mapping) where mapping.count == 1:
                let (key, value) = mapping[mapping.startIndex]
                guard case .scalar(let k) = key, let d = strategy(k.string, at: key, path: path) else { continue }
                let entryField = Field(key: key, value: value, path: "\(path).\(d.id)")
                guard let grid = readGrid(entryField, descriptor: d) else { continue }
                let entry = PipelineSpec.StrategyEntry(id: d.id, grid: grid)
                let count = grid.values.reduce(1.0) { $0 * Double($1.count) }
                if count > Double(SpecLimits.maxCombinations) {
                    let sizes = grid.keys.sorted().map { String(grid[$0]!.count) }.joined(separator: " × ")
                    report(
                        key.mark, entryField.path,
                        "\(entryField.path): the grid has \(SpecReader.format(count)) combinations (\(sizes)); "
                            + "the limit is \(SpecLimits.maxCombinations); use fewer values or larger steps")
                    continue
                }
                // Once the total is over the limit (reported below), stop expanding: count only.
                guard total + count <= Double(SpecLimits.maxCombinations) else {
                    total += count
                    continue
                }
                let expanded = entry.expand()
                if expanded.combinations.isEmpty {
                    let broken = Set(expanded.skipped.map(\.reason)).sorted().joined(separator: ", ")
                    report(
                        key.mark, entryField.path,
                        "\(entryField.path): every combination is skipped (\(broken)); change the values")
                    continue
                }
                total += Double(expanded.combinations.count)
                register(entry, expanded.combinations, path: entryField.path, at: key.mark)
            case .mapping(let mapping) where mapping.count > 1:
                let ids = mapping.keys.map { $0.string ?? "?" }.joined(separator: ", ")
                report(
                    item.mark, path,
                    "\(path): expected one strategy per list item, found \(mapping.count) (\(ids)); "
                        + "start each strategy with its own \"- \"")
            default:
                report(
                    item.mark ?? field.mark, path,
                    "\(path): expected a strategy id such as buy_and_hold or a mapping such as "
                        + "{sma_crossover: {fast: 10, slow: 50}}, got \(item.described)")
            }
        }
        if total > Double(SpecLimits.maxCombinations) {
            report(
                field.key.mark, field.path,
                "strategies: the grids ask for \(SpecReader.format(total)) combinations in total; "
                    + "the limit is \(SpecLimits.maxCombinations); use fewer values or larger steps")
        }
        return entries
    }

    /// The registered strategy named `id`, or nil after reporting it as unknown.
    func strategy(_ id: String, at node: Node, path: String) -> StrategyDescriptor? {
        if let d = StrategyRegistry.descriptor(for: id) { return d }
        let ids = StrategyRegistry.ids
        let closest = Suggestions.closest(to: id, in: ids)
        let hint = closest.map { "; did you mean \"\($0)\"?" }
        report(
            node.mark, path,
            "unknown strategy \"\(id)\"" + (hint ?? "; expected one of: \(ids.joined(separator: ", "))"),
            suggestion: closest)
        return nil
    }

    /// Parameter name → candidate values; nil when something was reported.
    func readGrid(_ field: Field, descriptor d: StrategyDescriptor) -> [String: [ParamValue]]? {
        if field.value.isEmptyValue { return [:] }
        guard case .mapping(let mapping) = field.value else {
            let example =
                d.params.isEmpty
                ? "" : ", e.g. {\(d.params.map { "\($0.name): \($0.defaultValue)" }.joined(separator: ", "))}"
            report(
                field.mark, field.path,
                "\(field.path): expected a mapping of parameters\(example), got \(field.value.described)")
            return nil
        }
        let before = diagnostics.count
        var grid: [String: [ParamValue]] = [:]
        let names = d.params.map(\.name)
        for (key, value) in mapping {
            let name = key.string ?? ""
            guard case .scalar = key, let spec = d.params.first(where: { $0.name == name }) else {
                let path = "\(field.path).\(name)"
                let closest = Suggestions.closest(to: name, in: names)
                let takes =
                    names.isEmpty
                    ? "; \(d.id) takes no parameters"
                    : closest.map { "; did you mean \"\($0)\"?" } ?? "; \(d.id) takes: \(names.joined(separator: ", "))"
                report(key.mark, path, "unknown parameter \"\(name)\" for \(d.id)\(takes)", suggestion: closest)
                continue
            }
            let valueField = Field(key: key, value: value, path: "\(field.path).\(name)")
            if let values = readParamValues(valueField, spec: spec) { grid[name] = values }
        }
        return diagnostics.count == before ? grid : nil
    }

    func readParamValues(_ field: Field, spec: ParamSpec) -> [ParamValue]? {
        switch field.value {
        case .sequence:
            guard
                let items = list(
                    field, "a list of values", emptyAdvice: "give at least one value, e.g. [\(spec.defaultValue)]")
            else { return nil }
            var values: [ParamValue] = []
            var seen: Set<Double> = []
            var ok = true
            for (i, item) in items.enumerated() {
                let itemField = Field(key: item, value: item, path: "\(field.path)[\(i)]")
                guard let v = paramValue(itemField, spec: spec) else {
                    ok = false
                    continue
                }
                guard seen.insert(v.asDouble).inserted else {
                    report(item.mark, itemField.path, "\(itemField.path): duplicate value \(v); list each value once")
                    ok = false
                    continue
                }
                values.append(v)
            }
            return ok ? values : nil
        case .mapping:
            return readRange(field, spec: spec)
        default:
            return paramValue(field, spec: spec).map { [$0] }
        }
    }

    /// What a parameter accepts, for messages: `a whole number from 1 to 10000 (fast SMA window, in bars)`.
    static func expectation(_ spec: ParamSpec) -> String {
        let kind = spec.kind == .int ? "a whole number" : "a number"
        return "\(kind) from \(format(spec.minimum)) to \(format(spec.maximum)) (\(spec.summary))"
    }

    /// One value checked against the parameter's kind and bounds. Integral values are kept as `.int`.
    func paramValue(_ field: Field, spec: ParamSpec) -> ParamValue? {
        guard let v = SpecReader.number(field.value), v >= spec.minimum, v <= spec.maximum,
            spec.kind == .double || v.rounded() == v
        else {
            var what = SpecReader.expectation(spec)
            if case .sequence = field.value { what += "; lists cannot nest" }
            if case .mapping = field.value { what += " or a range {from, to, step}" }
            expected(field, what)
            return nil
        }
        return SpecReader.paramValue(v)
    }

    static func paramValue(_ v: Double) -> ParamValue {
        v.rounded() == v && abs(v) < 1e15 ? .int(Int(v)) : .double(v)
    }

    /// `{from: 5, to: 50, step: 5}`: every value from `from` up to `to` inclusive.
    func readRange(_ field: Field, spec: ParamSpec) -> [ParamValue]? {
        guard case .mapping(let mapping) = field.value else { return nil }
        let f = fields(of: mapping, path: field.path, allowed: ["from", "to", "step"])
        var missingKeys: [String] = []
        for key in ["from", "to", "step"] where f[key] == nil { missingKeys.append(key) }
        if !missingKeys.isEmpty {
            let list = missingKeys.map { "\"\($0)\"" }.joined(separator: ", ")
            report(
                field.mark, field.path,
                "\(field.path): a range needs from, to and step; missing \(list), "
                    + "e.g. {from: \(spec.defaultValue), to: \(SpecReader.format(spec.maximum)), step: 1}")
            return nil
        }
        guard mapping.count == 3 else { return nil }  // unknown keys were reported
        let from = paramValue(f["from"]!, spec: spec)
        let to = paramValue(f["to"]!, spec: spec)
        let stepWhat = spec.kind == .int ? "a whole number above 0" : "a number above 0"
        let step = number(f["step"]!, stepWhat) { $0 > 0 && (spec.kind == .double || $0.rounded() == $0) }
        guard let from, let to, let step else { return nil }
        let a = from.asDouble
        let b = to.asDouble
        guard a <= b else {
            report(
                field.mark, field.path,
                "\(field.path): from \(from) is above to \(to); a range counts upward, so swap them")
            return nil
        }
        let count = ((b - a) / step + 1e-9).rounded(.down) + 1
        guard count <= Double(SpecLimits.maxGridAxisValues) else {
            report(
                field.mark, field.path,
                "\(field.path): the range from \(from) to \(to) step \(SpecReader.format(step)) has "
                    + "\(SpecReader.format(count)) values; the limit is \(SpecLimits.maxGridAxisValues) per parameter; "
                    + "use a larger step or a narrower range")
            return nil
        }
        return (0..<Int(count)).map { i in
            // Rounded to 10 decimals so 0.1 steps give 0.3, not 0.30000000000000004.
            let v = a + Double(i) * step
            return SpecReader.paramValue(spec.kind == .int ? v.rounded() : (v * 1e10).rounded() / 1e10)
        }
    }
}
