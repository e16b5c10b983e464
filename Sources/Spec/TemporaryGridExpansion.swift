import Strategies

// Replaced by the Spec module's own expansion when the spec branch lands.
extension PipelineSpec.StrategyEntry {
    public func expand() -> (combinations: [Parameters], skipped: [(parameters: Parameters, reason: String)]) {
        guard let d = StrategyRegistry.descriptor(for: id) else { return ([], []) }
        var combos: [Parameters] = [Parameters()]
        for name in grid.keys.sorted() {
            combos = combos.flatMap { p in
                grid[name]!.map { v in
                    var q = p; q[name] = v; return q
                }
            }
        }
        var kept: [Parameters] = []
        var skipped: [(Parameters, String)] = []
        for p in combos.map(d.withDefaults) {
            if let c = d.violatedConstraint(p) { skipped.append((p, c.summary)) } else { kept.append(p) }
        }
        return (kept, skipped.map { (parameters: $0.0, reason: $0.1) })
    }
}
