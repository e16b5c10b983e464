import ArgumentParser
import Foundation
import Market
import Pipeline
import Spec

struct Schema: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the JSON Schema (draft 2020-12) of the pipeline spec, for editors and CI.",
        discussion: """
            Generated from the same key table the validator reads: every key with its description, default, \
            allowed values and range. Point an editor at it with a first line such as \
            `# yaml-language-server: $schema=../docs/pipeline.schema.json` (the YAML language server of VS Code, \
            Neovim, Helix, …). The schema checks structure; `stratopt validate` checks more (grid constraints, \
            duplicate tickers, provider-specific keys) and has the better messages.

            Example: stratopt schema > pipeline.schema.json
            """)

    func run() throws {
        print(SpecSchema.text(), terminator: "")
    }
}

/// What `stratopt validate --json` prints: one document, built with an encoder.
struct ValidationReport: Encodable {
    struct Diagnostic: Encodable {
        var file: String
        /// 0 when the problem concerns the whole file.
        var line: Int
        var column: Int
        var keyPath: String
        var message: String
        var suggestion: String?

        init(_ d: SpecDiagnostic) {
            file = d.file
            line = d.line
            column = d.column
            keyPath = d.keyPath
            message = d.message
            suggestion = d.suggestion
        }

        enum CodingKeys: String, CodingKey {
            case file, line, column, keyPath = "key_path", message, suggestion
        }

        func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(file, forKey: .file)
            try c.encode(line, forKey: .line)
            try c.encode(column, forKey: .column)
            try c.encode(keyPath, forKey: .keyPath)
            try c.encode(message, forKey: .message)
            // Always present (null when there is none), so a consumer reads one shape.
            try c.encode(suggestion, forKey: .suggestion)
        }
    }

    struct Plan: Encodable {
        var symbols: Int
        var combinations: Int
        var backtests: Int
        var start: String
        var end: String
        var provider: String
        var batchSize: Int
        var skipped: [String]

        enum CodingKeys: String, CodingKey {
            case symbols, combinations, backtests, start, end, provider, batchSize = "batch_size", skipped
        }
    }

    var file: String
    var valid: Bool
    var diagnostics: [Diagnostic]
    var plan: Plan?

    var text: String {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? e.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}

struct Validate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a pipeline spec and show the plan it expands to, without running it.",
        discussion: """
            Reports every problem at once as file:line:column: message. With --json, prints one JSON document \
            instead: file, valid, diagnostics (file, line, column, key_path, message, suggestion) and, for a \
            valid spec, the plan. Exit 0 if valid, 2 if not.
            """)

    @Argument(
        help: ArgumentHelp("The pipeline spec (YAML).", valueName: "spec"),
        completion: .file(extensions: ["yaml", "yml"]))
    var spec: String

    @Option(
        name: .customLong("as-of"), help: ArgumentHelp("Resolve relative dates as of this date.", valueName: "date"))
    var asOf: String?

    @Flag(help: "Print the diagnostics (or the plan) as one JSON document on stdout.")
    var json = false

    mutating func run() async throws {
        let loaded: LoadedSpec
        if json {
            do { loaded = try SpecLoader.load(path: spec) } catch {
                let diagnostics = error.diagnostics.map(ValidationReport.Diagnostic.init)
                print(ValidationReport(file: spec, valid: false, diagnostics: diagnostics, plan: nil).text)
                throw CLIFailure.exit(.usage)
            }
        } else {
            loaded = try CLI.loadSpec(spec)
        }
        let s = loaded.spec
        let plan: RunPlan
        do {
            plan = try Planner.plan(
                spec: s, asOf: try CLI.asOfDate(asOf, calendar: s.data.calendar),
                calendar: TradingCalendars.make(s.data.calendar))
        } catch {
            throw CLIFailure("\(loaded.displayPath): \(error)", .usage)
        }
        if json {
            let summary = ValidationReport.Plan(
                symbols: plan.symbols.count, combinations: plan.combinations.count, backtests: plan.jobs.count,
                start: plan.start.iso, end: plan.end.iso, provider: s.data.provider.rawValue, batchSize: s.batch.size,
                skipped: plan.skipped)
            print(ValidationReport(file: loaded.displayPath, valid: true, diagnostics: [], plan: summary).text)
            return
        }
        print("\(loaded.displayPath): valid")
        print(
            "  \(Plural.count(plan.symbols.count, "symbol")) × \(Plural.count(plan.combinations.count, "strategy combination")) = \(Plural.count(plan.jobs.count, "backtest"))"
        )
        print(
            "  period \(plan.start.iso) … \(plan.end.iso), provider \(s.data.provider.rawValue), batch size \(s.batch.size)"
        )
        if !plan.skipped.isEmpty {
            print("  \(plan.skipped.count) grid combinations skipped:")
            for line in plan.skipped.prefix(10) { print("    \(line)") }
            if plan.skipped.count > 10 { print("    … and \(plan.skipped.count - 10) more") }
        }
    }
}

/// `init --provider`: the template providers, as an argument type of this module.
enum InitProvider: String, CaseIterable, ExpressibleByArgument {
    case synthetic, csv, alpaca

    var template: SpecTemplate.Provider { SpecTemplate.Provider(rawValue: rawValue) ?? .synthetic }
}

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a commented starter spec that validates as written.",
        discussion: """
            The spec names its study after the file (pipeline.yaml → pipeline) and backtests a small grid of two \
            strategies plus buy_and_hold. --provider synthetic runs offline; csv reads a folder of \
            <SYMBOL>.csv files; alpaca fetches from Alpaca (API keys in the environment) and carries a disabled \
            execute section for an Alpaca paper account. An existing file is never overwritten without --force.

            Examples:
              stratopt init
              stratopt init pipelines/megacaps.yaml --provider alpaca
            """)

    @Argument(
        help: ArgumentHelp("Where to write the spec.", valueName: "file"),
        completion: .file(extensions: ["yaml", "yml"]))
    var file = "pipeline.yaml"

    @Option(help: "The data provider the spec starts with: synthetic, csv or alpaca.")
    var provider: InitProvider = .synthetic

    @Flag(help: "Overwrite the file if it exists.")
    var force = false

    func run() throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: file, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw CLIFailure.usage("\(file) is a folder; name a file such as \(file)/pipeline.yaml")
            }
            if !force { throw CLIFailure.usage("\(file) already exists; choose another name, or pass --force") }
        }
        let stem = ((file as NSString).lastPathComponent as NSString).deletingPathExtension
        let text = SpecTemplate.text(name: stem.isEmpty ? "pipeline" : stem, provider: provider.template)
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: file), options: .atomic)
        } catch {
            throw CLIFailure.failed("cannot write \(file): \(error.localizedDescription)")
        }
        print("wrote \(file); check it with `stratopt validate \(file)`, run it with `stratopt run \(file)`")
    }
}
