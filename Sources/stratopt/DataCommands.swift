import ArgumentParser
import BuildInfo
import DataSources
import Foundation
import Market
import Pipeline

struct Fetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fill the bar cache for a spec's universe and period, without backtesting.",
        discussion: """
            Asks the provider only for ranges the cache does not cover yet, so a nightly fetch asks for the new \
            day(s) only. Holds the data folder's lock like a run. Exit 0 when every symbol loaded, 3 when some \
            failed, 1 when all failed, 2 when the data folder is busy.
            """)

    @Argument(
        help: ArgumentHelp("The pipeline spec (YAML).", valueName: "spec"),
        completion: .file(extensions: ["yaml", "yml"]))
    var spec: String

    @OptionGroup var data: DataOptions

    @Option(
        name: .customLong("as-of"), help: ArgumentHelp("Resolve relative dates as of this date.", valueName: "date"))
    var asOf: String?

    @Flag(help: "If a run holds the data folder, wait for it instead of failing.")
    var wait = false

    mutating func run() async throws {
        let loaded = try CLI.loadSpec(spec)
        let runId = "fetch-" + CLI.newRunId()
        let lock = try CLI.lockDataFolder(data.resolvedDataDir, runId: runId, wait: wait)
        defer { lock.release() }
        let env = RunEnvironment(
            dataDirectory: data.resolvedDataDir, reportsDirectory: "reports",
            asOf: try CLI.asOfDate(asOf, calendar: loaded.spec.data.calendar),
            runId: runId, toolVersion: ToolVersion.current, log: { CLI.stderr("stratopt: " + $0) })
        let results: [SymbolBars]
        do {
            let runner = try PipelineRunner.standard(environment: env, spec: loaded.spec, specPath: loaded.displayPath)
            (_, results) = try await runner.fetchOnly(loaded.spec, specPath: loaded.displayPath)
        } catch {
            throw CLIFailure("stratopt: error: \(error.description)", .failed)
        }
        var failed = 0
        for r in results {
            switch r.result {
            case .success(let s):
                print("\(r.symbol): \(s.count) bars, \(s.dates.first?.iso ?? "–") … \(s.dates.last?.iso ?? "–")")
            case .failure(let e):
                failed += 1
                print("\(r.symbol): failed: \(e.description)")
            }
        }
        if failed == results.count && failed > 0 { throw CLIFailure.exit(.failed) }
        if failed > 0 { throw CLIFailure.exit(.partial) }
    }
}

struct Cache: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect, check, clear, export or import the SQLite bar cache.",
        subcommands: [List.self, Verify.self, Clear.self, Export.self, Import.self])

    /// The cache for `list` and `verify`: read-only, nothing created or migrated; nil when there is none.
    static func openReadOnly(_ data: DataOptions) throws -> BarCache? {
        do { return try BarCache.openReadOnly(dataDir: data.resolvedDataDir) } catch {
            throw CLIFailure("stratopt: cannot read the bar cache in \(data.resolvedDataDir)/: \(error)", .failed)
        }
    }

    static func open(_ data: DataOptions) throws -> BarCache {
        do { return try BarCache(dataDir: data.resolvedDataDir) } catch {
            throw CLIFailure("stratopt: cannot open the bar cache in \(data.resolvedDataDir)/: \(error)", .failed)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List cached symbols with their covered ranges.")
        @OptionGroup var data: DataOptions
        @Argument(help: "Only this symbol.") var symbol: String?
        @Flag(help: "Print JSON: symbol, provider, adjustment, bars and covered ranges per cached series.")
        var json = false

        func run() throws {
            let rows = try (Cache.openReadOnly(data)?.list() ?? []).filter { symbol == nil || $0.symbol == symbol }
            if json {
                print(
                    RunJSON.encode(
                        rows.map {
                            CachedSeriesView(
                                symbol: $0.symbol, provider: $0.provider, adjustment: $0.adjustment, bars: $0.barCount,
                                covered: $0.ranges.map { .init(first: $0.lowerBound.iso, last: $0.upperBound.iso) })
                        }))
                return
            }
            if rows.isEmpty {
                print("the cache in \(data.resolvedDataDir)/ holds no bars\(symbol.map { " for \($0)" } ?? "")")
                return
            }
            for r in rows {
                let ranges = r.ranges.map { "\($0.lowerBound.iso)…\($0.upperBound.iso)" }.joined(separator: ", ")
                print("\(r.symbol)\t\(r.provider) [\(r.adjustment)]\t\(r.barCount) bars\tcovered \(ranges)")
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-check every cached bar (prices, high/low consistency, volume, coverage).",
            discussion: "Exit 0 when the cache is sound, 1 when a problem is found (clear the symbol and fetch again).")
        @OptionGroup var data: DataOptions
        @Argument(help: "Only this symbol.") var symbol: String?

        func run() throws {
            let problems = try (Cache.openReadOnly(data)?.verify() ?? []).filter {
                symbol == nil || $0.symbol == symbol
            }
            if problems.isEmpty {
                print("cache OK")
                return
            }
            for p in problems { print(p.description) }
            throw CLIFailure(
                "stratopt: \(problems.count) problem(s) in the cache; run `stratopt cache clear SYMBOL` and fetch again",
                .failed)
        }
    }

    struct Clear: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove cached bars (all, or one symbol's).")
        @OptionGroup var data: DataOptions
        @Argument(help: "Only this symbol.") var symbol: String?

        func run() throws {
            let lock = try CLI.lockDataFolder(data.resolvedDataDir, runId: "cache-clear-" + CLI.newRunId(), wait: false)
            defer { lock.release() }
            try Cache.open(data).clear(symbol: symbol)
            print("cleared \(symbol ?? "every symbol") from \(data.resolvedDataDir)/cache.sqlite")
        }
    }
}
