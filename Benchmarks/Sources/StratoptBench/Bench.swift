// Engine throughput: backtests/s and bar-steps/s (bars × backtests / seconds), the same sections as
// ../shared/reference/peers-bench.md so the figures compare as ratios (E: a rule strategy against the built-in
// it restates). Release build only:
//   cd Benchmarks && swift run -c release stratopt-bench [path/to/GOOG.csv, default Tests/Fixtures/reference/data]
import BenchSupport
import DataSources
import Engine
import Foundation
import Market
import Strategies

// MARK: - Data

/// Reads the reference `date,open,high,low,close,volume` CSV with the project's CSV provider (libcsv).
func readDailyCSV(_ path: String) -> BarSeries? {
    let url = URL(fileURLWithPath: path)
    let provider = CSVFolderProvider(folder: url.deletingLastPathComponent().path)
    guard let bars = try? provider.allBars(symbol: url.deletingPathExtension().lastPathComponent) else { return nil }
    return BarSeries(symbol: "GOOG", bars: bars)
}

// MARK: - Timing

struct Row {
    var section: String
    var variant: String
    var backtests: Int
    var bars: Int
    var seconds: Double
    var best: Double
    var note: String
}

/// Every row reported so far, for the comparison with the peers.
@MainActor var reported: [Row] = []

@MainActor func report(_ r: Row) {
    reported.append(r)
    let work = Double(r.backtests * r.bars)
    print(
        "[\(r.section)] \(r.variant): \(r.backtests) backtests × \(r.bars) bars; median "
            + String(
                format:
                    "%.4f s → %.0f backtests/s, %.3g bar-steps/s; best %.4f s → %.0f backtests/s, %.3g bar-steps/s  %@",
                r.seconds, Double(r.backtests) / r.seconds, work / r.seconds, r.best, Double(r.backtests) / r.best,
                work / r.best, r.note))
}

// MARK: - Sections

@main @MainActor
enum StratoptBench {
    static func main() async {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let config = BacktestConfig()
        let here = URL(fileURLWithPath: #filePath)
        // The in-repo copy of the reference GOOG series (Tests/Fixtures/README.md), so a clone benchmarks as is.
        let defaultGOOG = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tests/Fixtures/reference/data/GOOG.csv").path
        // Arguments: [GOOG.csv] [--peers out/bench_results.json of ../shared/peers/run_bench.py, same session]
        var args = Array(CommandLine.arguments.dropFirst())
        var peersPath: String?
        if let i = args.firstIndex(of: "--peers"), i + 1 < args.count {
            peersPath = args[i + 1]
            args.removeSubrange(i...(i + 1))
        }
        let googPath = args.first ?? defaultGOOG
        guard let goog = readDailyCSV(googPath) else {
            print("cannot read \(googPath): pass the path to a GOOG.csv (Tests/Fixtures/reference/data/GOOG.csv)")
            return
        }
        print("stratopt engine benchmark — \(cores) active cores, GOOG \(goog.count) bars")

        // A: one SMA(10,20) backtest on GOOG, indicators included (fresh cache each run).
        do {
            let s = StrategyRegistry.make(
                id: "sma_crossover", parameters: Parameters(["fast": .int(10), "slow": .int(20)]))!
            var final = 0.0
            let n = 2_000
            let t = await measure(repeats: 5) {
                for _ in 0..<n {
                    let r = Backtester.run(
                        series: goog, signals: s.signals(on: goog, indicators: IndicatorCache(series: goog)),
                        config: config)
                    final = r.metrics.finalEquity
                }
            }
            report(
                Row(
                    section: "A", variant: "sma_crossover(10,20), signals+simulation+metrics", backtests: n,
                    bars: goog.count,
                    seconds: t.median, best: t.best, note: String(format: "final equity %.5f", final)))
        }

        // B: the 174-combination grid on GOOG, indicators included (fresh cache each repetition).
        let pairs = smaGrid174()
        do {
            var best = ""
            let t = await measure(repeats: 51) {
                let r = await GridRunner.run(series: goog, strategies: pairs, config: config, keepCurves: false)
                let i = r.indices.max { r[$0].metrics.finalEquity < r[$1].metrics.finalEquity }!
                best = "\(pairs[i].parameters) → \(String(format: "%.5f", r[i].metrics.finalEquity))"
            }
            report(
                Row(
                    section: "B", variant: "GridRunner.run, \(cores) cores", backtests: pairs.count, bars: goog.count,
                    seconds: t.median, best: t.best, note: "best \(best)"))
            let t1 = await measure(repeats: 51) {
                _ = GridRunner.runSerial(series: goog, strategies: pairs, config: config, keepCurves: false)
            }
            report(
                Row(
                    section: "B", variant: "GridRunner.runSerial, 1 core", backtests: pairs.count, bars: goog.count,
                    seconds: t1.median, best: t1.best, note: ""))
        }

        // E: the same 174 combinations as a rule restating sma_crossover (parsed once, compiled once per
        // combination into column operations), against the built-in on one thread, measured alternately so
        // drift on a shared machine hits both. Results are identical (Tests/StrategiesTests); this is the cost.
        do {
            let definition = RuleDefinition(
                id: "sma_rule", entry: "crosses_above(sma(close, fast), sma(close, slow))",
                exit: "crosses_below(sma(close, fast), sma(close, slow))")
            guard let program = try? RuleProgram(definition, parameters: ["fast", "slow"]) else {
                print("[E] the sma rule does not check")
                return
            }
            let rules = pairs.compactMap { try? program.compile($0.parameters) as any Strategy }
            var builtIn: [Double] = []
            var rule: [Double] = []
            for _ in 0..<11 {
                builtIn.append(
                    await measure(repeats: 3) {
                        _ = GridRunner.runSerial(series: goog, strategies: pairs, config: config, keepCurves: false)
                    }.median)
                rule.append(
                    await measure(repeats: 3) {
                        _ = GridRunner.runSerial(series: goog, strategies: rules, config: config, keepCurves: false)
                    }.median)
            }
            let b = builtIn.sorted()[builtIn.count / 2]
            let r = rule.sorted()[rule.count / 2]
            report(
                Row(
                    section: "E", variant: "sma_crossover built-in, 174 combos, 1 core", backtests: pairs.count,
                    bars: goog.count, seconds: b, best: builtIn.min()!, note: ""))
            report(
                Row(
                    section: "E", variant: "rule restating sma_crossover, 174 combos, 1 core", backtests: rules.count,
                    bars: goog.count, seconds: r, best: rule.min()!,
                    note: String(format: "rule/built-in bar-steps/s %.2f (goal ≥ 0.50)", b / r)))
        }

        // C: 100 synthetic symbols × 2 520 bars × 20 combinations, one task per symbol.
        let universe = syntheticUniverse(symbols: 100, bars: 2_520, seed: 20_240_601)
        func runUniverse(_ jobs: [any Strategy]) async -> Double {
            await withTaskGroup(of: Double.self) { group in
                var next = 0
                var total = 0.0
                for _ in 0..<min(cores, universe.count) {
                    let s = universe[next]
                    next += 1
                    group.addTask {
                        GridRunner.runSerial(series: s, strategies: jobs, config: config, keepCurves: false).last!
                            .metrics
                            .finalEquity
                    }
                }
                for await v in group {
                    total += v
                    if next < universe.count {
                        let s = universe[next]
                        next += 1
                        group.addTask {
                            GridRunner.runSerial(series: s, strategies: jobs, config: config, keepCurves: false).last!
                                .metrics
                                .finalEquity
                        }
                    }
                }
                return total
            }
        }
        let scaleSMA = grid("sma_crossover", "fast", ints([5, 10, 15, 20, 25]), "slow", ints([50, 100, 150, 200]))
        do {
            let t = await measure(repeats: 7) { _ = await runUniverse(scaleSMA) }
            report(
                Row(
                    section: "C", variant: "sma_crossover 20-combo grid, 100 symbols, one task per symbol",
                    backtests: scaleSMA.count * universe.count, bars: 2_520, seconds: t.median, best: t.best, note: ""))
        }

        // D: a 20-combination grid of every strategy on the same universe.
        let perStrategy: [(String, [any Strategy])] = [
            ("sma_crossover", scaleSMA),
            (
                "ema_crossover",
                grid("ema_crossover", "fast", ints([5, 10, 15, 20, 25]), "slow", ints([50, 100, 150, 200]))
            ),
            (
                "rsi_reversion",
                grid("rsi_reversion", "period", ints([7, 14, 21, 28]), "lower", ints([20, 25, 30, 35, 40]))
            ),
            (
                "macd_crossover",
                grid("macd_crossover", "fast", ints([6, 8, 10, 12, 14]), "slow", ints([20, 26, 32, 40]))
            ),
            (
                "bollinger_reversion",
                grid("bollinger_reversion", "period", ints([10, 15, 20, 25, 30]), "k", doubles([1.5, 2, 2.5, 3]))
            ),
            (
                "donchian_breakout",
                grid("donchian_breakout", "entry", ints([10, 20, 30, 40, 55]), "exit", ints([5, 10, 15, 20]))
            ),
            ("momentum", grid("momentum", "period", ints([10, 20, 40, 60, 120]), "threshold", ints([0, 2, 5, 10]))),
            ("buy_and_hold", [StrategyRegistry.make(id: "buy_and_hold", parameters: Parameters())!]),
        ]
        for (id, jobs) in perStrategy {
            let t = await measure(repeats: 7) { _ = await runUniverse(jobs) }
            report(
                Row(
                    section: "D", variant: "\(id) \(jobs.count)-combo grid, 100 symbols",
                    backtests: jobs.count * universe.count,
                    bars: 2_520, seconds: t.median, best: t.best, note: ""))
        }
        if let peersPath { comparePeers(peersPath) }
    }

    /// Ratios of our median bar-steps/s to each peer row of the same section (A, B, C), from the JSON that
    /// `run_bench.py` writes. Run both in the same session: absolute times drift on shared machines.
    static func comparePeers(_ path: String) {
        guard let data = FileManager.default.contents(atPath: path),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let rows = json["rows"] as? [[String: Any]]
        else {
            print("cannot read peers' results \(path) (expected run_bench.py's out/bench_results.json)")
            return
        }
        print("\nratios against the peers (\(path)), bar-steps/s, median:")
        for section in ["A", "B", "C"] {
            guard
                let ours = reported.filter({ $0.section == section }).map({
                    Double($0.backtests * $0.bars) / $0.seconds
                }).max()
            else { continue }
            for peer in rows where (peer["section"] as? String) == section {
                guard let rate = peer["bar_steps_per_s"] as? Double, rate > 0 else { continue }
                let name = "\(peer["engine"] as? String ?? "?") \(peer["variant"] as? String ?? "")"
                print(String(format: "[%@] stratopt %.3g vs %@ %.3g → %.0f×", section, ours, name, rate, ours / rate))
            }
        }
    }
}
