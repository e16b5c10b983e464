// Walk-forward cost: the same run (synthetic universe, the pipeline's whole chain into a temporary report
// folder, no execute stage) without validation and with `validation: walk_forward`, as a ratio.
//
//   cd Benchmarks && swift run -c release walkforward-bench [symbols=100] [years=10] [train=7y] [test=1y]
//
// Defaults: 100 symbols × 10 years of weekday bars × 22 combinations, train 7y / test 1y rolling = 3 folds
// (the issue's goal: at most 3× the plain run for 3 folds). Bars come from the seeded generator of
// BenchSupport, so every run computes the same thing; the fastest of 3 runs after a warm-up is reported.
import BenchSupport
import DataSources
import Foundation
import Market
import Pipeline
import Spec
import Strategies

let args = CommandLine.arguments
let symbolCount = args.count > 1 ? Int(args[1]) ?? 100 : 100
let years = args.count > 2 ? Int(args[2]) ?? 10 : 10
let train = PipelineSpec.WindowLength(parsing: args.count > 3 ? args[3] : "7y")!
let test = PipelineSpec.WindowLength(parsing: args.count > 4 ? args[4] : "1y")!

let universe = syntheticUniverse(symbols: symbolCount, bars: years * 261, seed: 12)
let source = MemoryBarSource(Dictionary(uniqueKeysWithValues: universe.map { ($0.symbol, $0) }))
let first = universe[0].dates.first!
let last = universe[0].dates.last!
let root = NSTemporaryDirectory() + "stratopt-walkforward-bench-\(ProcessInfo.processInfo.processIdentifier)"
defer { try? FileManager.default.removeItem(atPath: root) }

func spec(validation: PipelineSpec.Validation?, dir: String) -> PipelineSpec {
    var s = PipelineSpec(
        name: "wf-bench", universe: .init(tickers: universe.map(\.symbol)),
        period: .init(start: .absolute(first), end: .absolute(last)),
        costs: .init(commission: .fraction(0.001), slippageBps: 2),
        strategies: [
            .init(
                id: "sma_crossover",
                grid: ["fast": [5, 10, 20, 50].map { .int($0) }, "slow": [20, 50, 100, 200].map { .int($0) }]),
            .init(id: "rsi_reversion", grid: ["period": [7, 14, 21].map { .int($0) }]),
            .init(id: "donchian_breakout", grid: ["period": [20, 55].map { .int($0) }]),
            .init(id: "buy_and_hold"),
        ],
        batch: .init(size: 16), report: .init(dir: dir))
    s.validation = validation
    return s
}

func runner() -> PipelineRunner {
    PipelineRunner(
        environment: RunEnvironment(
            dataDirectory: root + "/data", reportsDirectory: root + "/reports", asOf: last.adding(days: 3),
            runId: "bench", toolVersion: "bench"),
        calendar: WeekdayCalendar(), provider: SyntheticProvider(seed: 1, calendar: WeekdayCalendar()),
        barSource: source)
}

var k = 0
@MainActor func timed(_ validation: PipelineSpec.Validation?) async -> (median: Double, best: Double, rows: Int) {
    var rows = 0
    let t = await measure(repeats: 3) {
        k += 1
        let dir = root + "/run\(k)"
        do {
            let outcome = try await runner().run(
                SpecInput(spec: spec(validation: validation, dir: dir), path: "b", text: ""))
            rows = outcome.report.rows.count
        } catch { fatalError("bench run failed: \(error)") }
        try? FileManager.default.removeItem(atPath: dir)
    }
    return (t.median, t.best, rows)
}

let wf = PipelineSpec.Validation(method: .walkForward, train: train, test: test)
let plan = try Planner.plan(
    spec: spec(validation: wf, dir: root), asOf: last.adding(days: 3), calendar: WeekdayCalendar())
print(
    "walkforward-bench: \(symbolCount) symbols × \(years) years × \(plan.combinations.count) combinations, "
        + "train \(train) / test \(test) rolling = \(plan.folds.count) folds, \(ProcessInfo.processInfo.activeProcessorCount) cores"
)
let plain = await timed(nil)
let walk = await timed(wf)
func f(_ x: Double) -> String { String(format: "%.2f", x) }
print("plain run:        best \(f(plain.best)) s, median \(f(plain.median)) s (\(plain.rows) backtests)")
print("walk-forward run: best \(f(walk.best)) s, median \(f(walk.median)) s")
let ratio = walk.best / plain.best
print(
    "ratio (best): \(String(format: "%.2f", ratio))× — goal ≤ 3× for 3 folds: \(ratio <= 3 || plan.folds.count != 3 ? "PASS" : "MISS")"
)
