import Foundation
import Testing

/// `stratopt schema`, `validate --json`, `init` and the pipelines in pipelines/.
@Suite struct SchemaCLITests {
    static let schemaFile = CLI.repoRoot.appendingPathComponent("docs/pipeline.schema.json")
    static let hasValidator = Tool.find("check-jsonschema") != nil
    static let skipReason: Comment = "check-jsonschema is not installed (pip install check-jsonschema; .ci/run does)"

    /// Every spec in pipelines/ except bad.yaml, which is wrong on purpose.
    static func pipelines() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: CLI.repoRoot.appendingPathComponent("pipelines").path)
            .filter { $0.hasSuffix(".yaml") && $0 != "bad.yaml" }.sorted().map { "pipelines/\($0)" }
    }

    @Test func theCommittedSchemaIsWhatTheBinaryPrints() async throws {
        let r = try await CLI.run(["schema"])
        #expect(r.status == 0)
        let committed = try String(contentsOf: Self.schemaFile, encoding: .utf8)
        #expect(
            r.stdout == committed,
            "docs/pipeline.schema.json is stale: run `stratopt schema > docs/pipeline.schema.json`")
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(object?["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        let properties = object?["properties"] as? [String: Any]
        let data = properties?["data"] as? [String: Any]
        let provider = (data?["properties"] as? [String: Any])?["provider"] as? [String: Any]
        #expect(provider?["enum"] as? [String] == ["synthetic", "csv", "alpaca", "yahoo", "stooq"])
        #expect(provider?["default"] as? String == "synthetic")
        #expect((provider?["description"] as? String)?.isEmpty == false)
    }

    @Test func everyPipelineStartsWithTheSchemaLineAndValidates() async throws {
        let specs = try Self.pipelines()
        #expect(specs.count >= 5)
        for name in ["example", "nightly", "csv-folder", "alpaca-paper", "large-grid"] {
            #expect(specs.contains("pipelines/\(name).yaml"))
        }
        for spec in specs + ["pipelines/bad.yaml"] {
            let text = try String(contentsOf: CLI.repoRoot.appendingPathComponent(spec), encoding: .utf8)
            #expect(text.hasPrefix("# yaml-language-server: $schema=../docs/pipeline.schema.json\n"), "\(spec)")
        }
        for spec in specs {
            let r = try await CLI.run(["validate", spec, "--as-of", "2026-11-24"])
            #expect(r.status == 0, "\(spec): \(r.stderr)")
            #expect(r.stdout.hasPrefix("\(spec): valid"))
        }
    }

    @Test func theReadmesBadSpecGivesTheReadmesTwoErrors() async throws {
        let r = try await CLI.run(["validate", "pipelines/bad.yaml"])
        #expect(r.status == 2)
        #expect(
            r.stderr == """
                pipelines/bad.yaml:4:9: unknown key "comission" in costs; did you mean "commission"?
                pipelines/bad.yaml:6:5: unknown strategy "sma_cross"; did you mean "sma_crossover"?
                stratopt: 2 errors in pipelines/bad.yaml; see docs/spec.md

                """)
    }

    @Test func validateJSONGivesEachDiagnosticWithItsPlaceAndSuggestion() async throws {
        let r = try await CLI.run(["validate", "--json", "pipelines/bad.yaml"])
        #expect(r.status == 2)
        #expect(r.stderr.isEmpty)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(doc["valid"] as? Bool == false)
        #expect(doc["file"] as? String == "pipelines/bad.yaml")
        let diagnostics = try #require(doc["diagnostics"] as? [[String: Any]])
        #expect(diagnostics.count == 2)
        let first = diagnostics[0]
        #expect(first["line"] as? Int == 4)
        #expect(first["column"] as? Int == 9)
        #expect(first["key_path"] as? String == "costs.comission")
        #expect(first["suggestion"] as? String == "commission")
        #expect((first["message"] as? String)?.hasPrefix("unknown key \"comission\"") == true)
        #expect(diagnostics[1]["suggestion"] as? String == "sma_crossover")
        #expect(diagnostics[1]["key_path"] as? String == "strategies[0]")

        let ok = try await CLI.run(["validate", "--json", "pipelines/example.yaml", "--as-of", "2026-11-24"])
        #expect(ok.status == 0)
        let valid = try #require(try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any])
        #expect(valid["valid"] as? Bool == true)
        #expect((valid["diagnostics"] as? [Any])?.isEmpty == true)
        let plan = try #require(valid["plan"] as? [String: Any])
        // pipelines/example.yaml: 5 tickers × (3 SMA pairs with fast < slow + 1 RSI + buy_and_hold).
        #expect(plan["symbols"] as? Int == 5)
        #expect(plan["backtests"] as? Int == 5 * 6)
    }

    @Test(.enabled(if: hasValidator, skipReason))
    func everyPipelinePassesTheJSONSchemaAndBadOnesFailIt() async throws {
        let specs = try Self.pipelines()
        let pass = try await Tool.run("check-jsonschema", ["--schemafile", Self.schemaFile.path] + specs)
        #expect(pass.status == 0, "\(pass.stdout)\(pass.stderr)")

        let bad = try await Tool.run("check-jsonschema", ["--schemafile", Self.schemaFile.path, "pipelines/bad.yaml"])
        #expect(bad.status == 1, "\(bad.stdout)\(bad.stderr)")
    }

    /// The structural errors the validator reports are schema errors too.
    @Test(
        .enabled(if: hasValidator, skipReason),
        arguments: [
            ("unknown key", "costs: {comission: 0.001}"),
            ("unknown nested key", "data: {provider: synthetic, quality: {max_gap: 3}}"),
            ("wrong type", "capital: {initial: lots}"),
            ("a list where a number goes", "batch: {size: [5]}"),
            ("bad enum", "data: {provider: yahooo}"),
            ("bad enum in a rule", "execute: {risk: {rules: [{type: max_drawdown, limit_pct: 20, action: halt}]}}"),
            ("out of range", "batch: {size: 0}"),
            ("unknown strategy", "strategies2: [sma_cross]"),
            ("unknown parameter", "strategies2: [{sma_crossover: {fats: 10}}]"),
            ("parameter out of range", "strategies2: [{rsi_reversion: {period: 1}}]"),
        ])
    func aStructuralErrorIsAValidatorErrorAndASchemaError(_ what: String, _ yaml: String) async throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = "version: 1\nname: t\nuniverse: {tickers: [AAPL]}\n"
        // `strategies2:` stands for the spec's strategies list, so the case replaces the valid one.
        if yaml.hasPrefix("strategies2:") {
            text += yaml.replacingOccurrences(of: "strategies2:", with: "strategies:") + "\n"
        } else {
            text += "strategies: [buy_and_hold]\n\(yaml)\n"
        }
        let file = dir.appendingPathComponent("spec.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let validate = try await CLI.run(["validate", file.path])
        #expect(validate.status == 2, "\(what): the validator accepted it")
        let schema = try await Tool.run("check-jsonschema", ["--schemafile", Self.schemaFile.path, file.path])
        #expect(schema.status == 1, "\(what): the schema accepted it: \(schema.stdout)\(schema.stderr)")
    }

    @Test(arguments: ["synthetic", "csv", "alpaca"])
    func initWritesASpecThatValidatesAndNeverOverwritesWithoutForce(_ provider: String) async throws {
        let dir = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("my study.yaml").path
        let r = try await CLI.run(["init", file, "--provider", provider])
        #expect(r.status == 0, "\(r.stderr)")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(text.contains("provider: \(provider)"))
        #expect(text.contains("# "), "the spec is commented")
        let v = try await CLI.run(["validate", "--json", file, "--as-of", "2026-11-24"])
        #expect(v.status == 0, "\(v.stdout)")
        #expect(v.stdout.contains("\"valid\" : true"))
        if Self.hasValidator {
            let schema = try await Tool.run("check-jsonschema", ["--schemafile", Self.schemaFile.path, file])
            #expect(schema.status == 0, "\(schema.stdout)\(schema.stderr)")
        }

        try "keep me\n".write(toFile: file, atomically: true, encoding: .utf8)
        let again = try await CLI.run(["init", file, "--provider", provider])
        #expect(again.status == 2)
        #expect(again.stderr.contains("already exists"))
        #expect(again.stderr.contains("--force"))
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "keep me\n")
        let forced = try await CLI.run(["init", file, "--provider", provider, "--force"])
        #expect(forced.status == 0)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == text)
    }
}
