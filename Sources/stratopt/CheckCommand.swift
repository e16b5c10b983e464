import ArgumentParser
import BuildInfo
import Foundation
import Pipeline

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a spec's strategies for look-ahead: decisions must not change when later bars are removed.",
        discussion: """
            Runs every strategy combination on each symbol's bars and again on the bars truncated at seeded \
            random cut points; any signal or position before a cut that changes is a decision that read the \
            future, and fails the check. With validation, each fold is also rerun on the bars up to its test \
            window's end and must not change. Reads bars like a run (through the cache in the data folder). \
            Exit codes: 0 passed, 1 look-ahead found or bars could not be loaded, 2 spec or usage error.
            """)

    @Argument(help: ArgumentHelp("The pipeline spec (YAML).", valueName: "spec"))
    var spec: String

    @OptionGroup var data: DataOptions

    @Option(
        name: .customLong("as-of"), help: ArgumentHelp("Resolve relative dates as of this date.", valueName: "date"))
    var asOf: String?

    @Option(help: ArgumentHelp("Cut points per symbol (1–1000).", valueName: "n"))
    var cuts = 5

    @Option(help: ArgumentHelp("Seed of the cut points (same seed, same cuts).", valueName: "n"))
    var seed: UInt64 = 1

    mutating func run() async throws {
        guard (1...1_000).contains(cuts) else { throw CLIFailure.usage("--cuts must be from 1 to 1000, got \(cuts)") }
        let loaded = try CLI.loadSpec(spec)
        let env = RunEnvironment(
            dataDirectory: data.resolvedDataDir, reportsDirectory: "reports",
            asOf: try CLI.asOfDate(asOf, calendar: loaded.spec.data.calendar), runId: "check-" + CLI.newRunId(),
            toolVersion: ToolVersion.current, log: { CLI.stderr("stratopt: " + $0) })
        let report: LookaheadReport
        do {
            let runner = try PipelineRunner.standard(environment: env, spec: loaded.spec, specPath: loaded.displayPath)
            report = try await runner.checkLookahead(
                SpecInput(spec: loaded.spec, path: loaded.displayPath, text: loaded.sourceText), cuts: cuts, seed: seed)
        } catch {
            throw CLIFailure.failed(error.description)
        }
        guard report.symbols > 0 else {
            throw CLIFailure.failed("no symbol's bars could be loaded; nothing was checked")
        }
        let summary =
            "\(Plural.count(report.comparisons, "comparison")) on \(Plural.count(report.symbols, "symbol")), seed \(seed)"
        guard report.violations.isEmpty else {
            throw CLIFailure(
                lines: report.violations.map { "stratopt: look-ahead: " + $0 } + [
                    "stratopt: error: look-ahead check FAILED: \(Plural.count(report.violations.count, "decision")) changed (\(summary))"
                ], .failed)
        }
        print("\(loaded.displayPath): no look-ahead: \(summary)")
    }
}
