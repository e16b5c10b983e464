import Foundation
import Spec
import Strategies
import Testing

@Suite struct SpecKeysTests {
    @Test func strategiesAllRunsEveryBuiltInStrategyWithItsDefaultGrid() throws {
        let spec = try #require(parsed(header + ["strategies: all"]))
        // The eight strategies the README and docs/strategies.md name.
        #expect(
            spec.strategies.map(\.id).sorted() == [
                "bollinger_reversion", "buy_and_hold", "donchian_breakout", "ema_crossover", "macd_crossover",
                "momentum", "rsi_reversion", "sma_crossover",
            ])
        // docs/spec.md's table: 16 + 9 + 12 + 4 + 9 + 9 + 6 + 1 combinations, none skipped.
        let counts = Dictionary(uniqueKeysWithValues: spec.strategies.map { ($0.id, $0.expand()) })
        #expect(counts.values.allSatisfy { $0.skipped.isEmpty })
        #expect(counts["sma_crossover"]?.combinations.count == 16)
        #expect(counts["rsi_reversion"]?.combinations.count == 12)
        #expect(counts["buy_and_hold"]?.combinations.count == 1)
        #expect(counts.values.map(\.combinations.count).reduce(0, +) == 66)
        #expect(counts["bollinger_reversion"]?.combinations.map(\.description).contains("k=1.5;period=10") == true)
        // `all` is a word, not any text: a quoted "all" or another word is still an error.
        #expect(problems(header + ["strategies: alll"]).count == 1)
    }

    @Test func aMisspeltKeyValueOrStrategyCarriesItsSuggestion() throws {
        do {
            _ = try SpecLoader.parse(
                yaml: (header + [
                    "strategies: [sma_crosover, {rsi_reversion: {perod: 14}}]", "costs: {comission: 0.001}",
                    "data: {provider: synthetik}", "sizing: {nonsense_key_here: 1}",
                ]).joined(separator: "\n"), displayPath: "p.yaml")
            Issue.record("the spec was accepted")
        } catch {
            let byPath = Dictionary(
                error.diagnostics.map { ($0.keyPath, $0.suggestion) }, uniquingKeysWith: { a, _ in a })
            #expect(byPath["strategies[0]"] == .some("sma_crossover"))
            #expect(byPath["strategies[1].rsi_reversion.perod"] == .some("period"))
            #expect(byPath["costs.comission"] == .some("commission"))
            #expect(byPath["data.provider"] == .some("synthetic"))
            #expect(byPath["sizing.nonsense_key_here"] == .some(nil))
        }
    }

    @Test(arguments: SpecTemplate.Provider.allCases)
    func theInitTemplateValidatesAsWritten(_ provider: SpecTemplate.Provider) throws {
        let name = #"my "study": \ one"#
        let loaded = try SpecLoader.parse(
            yaml: SpecTemplate.text(name: name, provider: provider), displayPath: "p.yaml")
        #expect(loaded.spec.name == name)
        #expect(loaded.spec.data.provider.rawValue == provider.rawValue)
    }

    @Test func theSchemaHasADescriptionForEveryKeyAndTheRangesOfTheValidator() throws {
        let schema = try #require(
            try JSONSerialization.jsonObject(with: Data(SpecSchema.text().utf8)) as? [String: Any])
        func walk(_ node: [String: Any], _ path: String, _ visit: (String, [String: Any]) -> Void) {
            for (k, v) in node["properties"] as? [String: [String: Any]] ?? [:] {
                visit(path.isEmpty ? k : "\(path).\(k)", v)
                walk(v, path.isEmpty ? k : "\(path).\(k)", visit)
                for alt in v["anyOf"] as? [[String: Any]] ?? [] { walk(alt, path.isEmpty ? k : "\(path).\(k)", visit) }
                if let items = v["items"] as? [String: Any] {
                    walk(items, "\(path.isEmpty ? k : "\(path).\(k)")[]", visit)
                    for alt in items["anyOf"] as? [[String: Any]] ?? [] {
                        walk(alt, "\(path.isEmpty ? k : "\(path).\(k)")[]", visit)
                    }
                }
            }
        }
        var seen: [String: [String: Any]] = [:]
        walk(schema, "") { path, node in seen[path] = node }
        for (path, node) in seen where !path.contains("from") && !path.hasSuffix(".to") && !path.hasSuffix(".step") {
            #expect((node["description"] as? String)?.isEmpty == false, "\(path) has no description")
        }
        // Spot checks against docs/spec.md's stated ranges, not against the table.
        #expect(seen["batch.size"]?["minimum"] as? Double == 1)
        #expect(seen["batch.size"]?["maximum"] as? Double == 1024)
        #expect(seen["batch.size"]?["default"] as? Int == 5)
        #expect(seen["costs.slippage_bps"]?["exclusiveMaximum"] as? Double == 10000)
        #expect(seen["execute.min_score"]?["default"] as? Double == 50)
        #expect(seen["sizing.percent_of_equity"]?["exclusiveMinimum"] as? Double == 0)
        #expect(seen["data.quality.max_jump_pct"]?["default"] as? Double == 40)
    }

    @Test func theValidatorRefusesExactlyWhatTheSchemaBoundsRefuse() {
        // One boundary per kind of bound, checked through the validator.
        #expect(problems(header + ["strategies: [buy_and_hold]", "batch: {size: 1024}"]).isEmpty)
        #expect(problems(header + ["strategies: [buy_and_hold]", "batch: {size: 1025}"]).count == 1)
        #expect(problems(header + ["strategies: [buy_and_hold]", "costs: {slippage_bps: 9999.5}"]).isEmpty)
        #expect(problems(header + ["strategies: [buy_and_hold]", "costs: {slippage_bps: 10000}"]).count == 1)
        #expect(problems(header + ["strategies: [buy_and_hold]", "sizing: {percent_of_equity: 0}"]).count == 1)
        #expect(problems(header + ["strategies: [buy_and_hold]", "sizing: {percent_of_equity: 100}"]).isEmpty)
    }
}
