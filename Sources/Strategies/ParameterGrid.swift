/// Expansion of a parameter grid into combinations: the one implementation behind the spec's strategy
/// entries (`PipelineSpec.StrategyEntry.expand`) and `GridRunner.strategies(id:axes:)`, so a grid in a spec
/// and a grid in code give the same points in the same order.
public enum ParameterGrid {
    /// The cartesian product of `axes` in row-major order (the first axis varies slowest, the last fastest),
    /// each point with the strategy's defaults filled in. Points that break one of its constraints (for
    /// example `fast < slow`) go to `skipped` with that constraint. An id the registry does not know yields
    /// the grid as written, with no defaults and no constraints. An axis with no values yields nothing.
    public static func expand(
        id: String, axes: [(name: String, values: [ParamValue])]
    ) -> (combinations: [Parameters], skipped: [(parameters: Parameters, constraint: ParamConstraint)]) {
        let descriptor = StrategyRegistry.descriptor(for: id)
        var points: [Parameters] = [Parameters()]
        for axis in axes {
            points = points.flatMap { p in
                axis.values.map { v in
                    var q = p
                    q[axis.name] = v
                    return q
                }
            }
        }
        var combinations: [Parameters] = []
        var skipped: [(parameters: Parameters, constraint: ParamConstraint)] = []
        for point in points {
            let p = descriptor?.withDefaults(point) ?? point
            if let broken = descriptor?.violatedConstraint(p) {
                skipped.append((p, broken))
            } else {
                combinations.append(p)
            }
        }
        return (combinations, skipped)
    }
}
