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
        // One grid expansion for the project (Strategies' `ParameterGrid`); a spec's order is the sorted names.
        let (combinations, skipped) = ParameterGrid.expand(id: id, axes: grid.keys.sorted().map { ($0, grid[$0]!) })
        return (combinations, skipped.map { ($0.parameters, "breaks \($0.constraint.summary)") })
    }
}
