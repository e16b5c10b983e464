import DataSources
import Market
import Spec

extension PipelineRunner {
    /// The fetch stage alone (`stratopt fetch`): plans the period and fills the cache, no backtests.
    public func fetchOnly(_ spec: PipelineSpec, specPath: String) async throws(RunError) -> (RunPlan, [SymbolBars]) {
        let plan: RunPlan
        do { plan = try Planner.plan(spec: spec, asOf: environment.asOf, calendar: calendar) } catch {
            throw RunError("\(specPath): \(error.description)")
        }
        let loader = MarketDataLoader(
            provider: provider, calendar: calendar, cache: cache, offline: offline, settledThrough: environment.asOf,
            warn: environment.log, trace: environment.trace)
        return (plan, await loader.load(symbols: plan.symbols, from: plan.historyStart, to: plan.end))
    }
}
