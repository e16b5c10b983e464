import Foundation
import Testing

/// Rule strategies through the real binary: the example spec validates and runs, and the rule restating
/// `sma_crossover` ranks with exactly the built-in's metrics and trades.
@Suite struct RuleCLITests {
    @Test func theRulesExampleValidatesAndRunsWithTheBuiltInsResults() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let v = try await CLI.run(["validate", "pipelines/rules-example.yaml", "--as-of", "2025-06-30"])
        #expect(v.status == 0, "\(v.stderr)")
        // 4 sma_crossover + 4 restated + 2 × 2 × 2 × 1 trend_pullback + buy_and_hold.
        #expect(v.stdout.contains("3 symbols × 17 strategy combinations = 51 backtests"))
        let r = try await CLI.run([
            "run", "pipelines/rules-example.yaml", "--as-of", "2025-06-30", "--data-dir", tmp.path + "/data",
            "--reports-dir", tmp.path + "/reports",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let reportLine = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("report: ") })
        let dir = URL(fileURLWithPath: String(reportLine.dropFirst("report: ".count))).deletingLastPathComponent()
        func rows(_ file: String, _ strategy: String, dropRank: Bool = false) throws -> [String] {
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            let lines = text.split(whereSeparator: \.isNewline)
            let header = lines.first.map { $0.split(separator: ",").map(String.init) } ?? []
            // Rank differs between equal scores (and the symbol's overfitting statistics sit on its rank-1 row
            // only), so they are left out when asked.
            let ranked = dropRank ? Set(["rank", "dsr", "pbo"].compactMap { header.firstIndex(of: $0) }) : []
            return lines.dropFirst().compactMap { line in
                let f = line.split(separator: ",", omittingEmptySubsequences: false)
                guard f.count > 3, f[1] == strategy else { return nil }
                // Symbol, params and every other value.
                let rest = f.indices.dropFirst(3).filter { !ranked.contains($0) }.map { f[$0] }
                return ([f[0], f[2]] + rest).joined(separator: ",")
            }
        }
        let builtIn = try rows("results.csv", "sma_crossover", dropRank: true)
        #expect(builtIn.count == 12)
        #expect(try rows("results.csv", "sma_cross_rule", dropRank: true) == builtIn)
        let trades = try rows("trades.csv", "sma_crossover")
        #expect(!trades.isEmpty)
        #expect(try rows("trades.csv", "sma_cross_rule") == trades)
        #expect(try rows("results.csv", "trend_pullback").count == 24)
    }

    @Test func aMalformedRuleIsAUsageErrorPointingInsideTheExpression() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let spec = tmp.appendingPathComponent("bad.yaml")
        try """
        version: 1
        name: bad
        universe: {tickers: [AAPL]}
        strategies:
          - rule: {id: r, entry: "sma(close, 10) > smaa(close, 50)", exit: "close < 1"}
        """.write(to: spec, atomically: true, encoding: .utf8)
        let r = try await CLI.run(["validate", spec.path])
        #expect(r.status == 2)
        // `  - rule: {id: r, entry: "` is 26 characters; `smaa` is at character 17 of the expression.
        #expect(
            r.stderr.contains(
                "\(spec.path):5:44: strategies[0].rule.entry: unknown function \"smaa\"; did you mean \"sma\"?"),
            "\(r.stderr)")
    }

    @Test func strategiesListsTheRuleFunctions() async throws {
        let r = try await CLI.run(["strategies"])
        #expect(r.status == 0)
        for f in [
            "sma(x, n)", "crosses_above(a, b)", "shift(x, n)", "bb_lower(x, n, k)",
            "macd_signal(x, fast, slow, signal)",
        ] {
            #expect(r.stdout.contains(f), "\(f)")
        }
    }
}
