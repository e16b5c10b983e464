import Strategies

extension PipelineSpec.StrategyEntry {
    /// The parameter combinations this entry asks for, in a stable order.
    ///
    /// Order: parameter names sorted, each parameter's values in the order written, cartesian product with the
    /// last name varying fastest (`fast=10;slow=50`, `fast=10;slow=100`, `fast=20;slow=50`, …). Parameters not in
    /// the grid take the strategy's defaults. Combinations that break a constraint of the strategy (for example
    /// `fast < slow`) are left out and listed in `skipped` with the reason `breaks fast < slow`.
    /// An id the registry does not know yields the grid as written, with no defaults and no constraints.
    public func expand() -> (combinations: [Parameters], skipped: [(parameters: Parameters, reason: String)]) {
        let descriptor = StrategyRegistry.descriptor(for: id)
        let names = grid.keys.sorted()
        let columns = names.map { grid[$0]! }
        var combinations: [Parameters] = []
        var skipped: [(parameters: Parameters, reason: String)] = []
        if columns.contains(where: \.isEmpty) { return ([], []) }
        var index = [Int](repeating: 0, count: names.count)
        while true {
            var p = Parameters()
            for (k, name) in names.enumerated() { p[name] = columns[k][index[k]] }
            if let descriptor { p = descriptor.withDefaults(p) }
            if let broken = descriptor?.violatedConstraint(p) {
                skipped.append((p, "breaks \(broken.summary)"))
            } else {
                combinations.append(p)
            }
            // Odometer increment: the last name varies fastest.
            var k = names.count - 1
            while k >= 0 {
                index[k] += 1
                if index[k] < columns[k].count { break }
                index[k] = 0
                k -= 1
            }
            if k < 0 { break }
        }
        return (combinations, skipped)
    }
}
