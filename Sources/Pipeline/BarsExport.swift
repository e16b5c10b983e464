import DataSources
import Foundation
import Market
import Spec

extension PipelineRunner {
    /// `stratopt cache export SPEC FILE`: loads the bars the whole plan needs (through the bar cache, calling
    /// the provider only for what is missing) and writes them, their coverage and fingerprints into a new
    /// bars file at `path`. Symbols that fail to load are left out (a worker then fails them as not cached).
    public func exportBars(_ input: SpecInput, to path: String) async throws -> BarsFileInfo {
        guard !FileManager.default.fileExists(atPath: path) else {
            throw RunError("\(path) already exists; stratopt writes a bars file only where there is none")
        }
        let plan: RunPlan
        do { plan = try Planner.plan(spec: input.spec, asOf: environment.asOf, calendar: calendar) } catch {
            throw RunError("\(input.path): \(error.description)")
        }
        let loader = MarketDataLoader(
            provider: provider, calendar: calendar, cache: cache, offline: offline, settledThrough: environment.asOf,
            warn: environment.log, trace: environment.trace)
        let loaded = await loader.load(symbols: plan.symbols, from: plan.historyStart, to: plan.end)
        let temp = path + ".partial"
        try? FileManager.default.removeItem(atPath: temp)
        var symbols: [BarsFileSymbol] = []
        do {
            let file = try BarCache(path: temp)
            for s in loaded {
                switch s.result {
                case .success(let series):
                    let bars = (0..<series.count).map {
                        Bar(
                            date: series.dates[$0], open: series.open[$0], high: series.high[$0], low: series.low[$0],
                            close: series.close[$0], volume: series.volume[$0])
                    }
                    try file.store(
                        bars: bars, covering: plan.historyStart...plan.end, provider: provider.id, symbol: s.symbol,
                        adjustment: provider.cacheVariant)
                    symbols.append(
                        BarsFileSymbol(symbol: s.symbol, bars: series.count, sha256: Hashing.fingerprint(series)))
                case .failure(let e):
                    environment.log("export: \(s.symbol) left out: \(e.description)")
                }
            }
            try BarsFile.writeInfo(
                BarsFileInfo(
                    provider: provider.id, variant: provider.cacheVariant, from: plan.historyStart, to: plan.end,
                    asOf: environment.asOf, symbols: symbols), into: file)
        } catch {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: temp + suffix) }
            throw RunError("cannot write the bars file \(path): \(error)")
        }
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: temp + suffix) }
        do { try FileManager.default.moveItem(atPath: temp, toPath: path) } catch {
            throw RunError("cannot write the bars file \(path): \(error.localizedDescription)")
        }
        return try BarsFile.open(path: path).info
    }

    /// This runner reading its bars from a bars file only (offline: the provider is never called), with the
    /// fingerprint per symbol that the loaded bars must have. Refuses a file exported for another provider,
    /// other dates or without every symbol of the plan.
    public func readingBars(from path: String, input: SpecInput) throws(RunError) -> (
        runner: PipelineRunner, info: BarsFileInfo
    ) {
        let opened: (cache: BarCache, info: BarsFileInfo)
        do { opened = try BarsFile.open(path: path) } catch { throw RunError("--bars: \(error)") }
        let info = opened.info
        guard info.provider == provider.id, info.variant == provider.cacheVariant else {
            throw RunError(
                "--bars \(path) holds bars of provider \(info.provider) (\(info.variant)), the spec reads \(provider.id) (\(provider.cacheVariant)); export the bars of this spec"
            )
        }
        let plan: RunPlan
        do { plan = try Planner.plan(spec: input.spec, asOf: environment.asOf, calendar: calendar) } catch {
            throw RunError("\(input.path): \(error.description)")
        }
        guard info.from == plan.historyStart, info.to == plan.end else {
            throw RunError(
                "--bars \(path) was exported for \(info.from.iso) … \(info.to.iso) (as of \(info.asOf.iso)); this run needs \(plan.historyStart.iso) … \(plan.end.iso): export again with `stratopt cache export SPEC FILE --as-of \(environment.asOf.iso)`"
            )
        }
        var runner = self
        runner.cache = opened.cache
        runner.offline = true
        return (runner, info)
    }
}
