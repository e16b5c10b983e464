import Foundation
import Testing

/// `stratopt check SPEC`: the look-ahead check through the real binary.
@Suite struct CheckCLITests {
    @Test func theExamplePipelineHasNoLookahead() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let r = try await CLI.run([
            "check", "pipelines/example.yaml", "--as-of", "2025-06-30", "--data-dir", tmp.path + "/data", "--cuts", "3",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        // 5 symbols × 6 combinations × 3 cuts.
        #expect(r.stdout == "pipelines/example.yaml: no look-ahead: 90 comparisons on 5 symbols, seed 1\n")
    }

    @Test func aValidatedSpecAlsoChecksItsFolds() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let spec = tmp.appendingPathComponent("wf.yaml")
        try """
        version: 1
        name: wf
        universe: {tickers: [AAPL]}
        period: {start: 2021-01-04, end: 2024-12-31}
        strategies:
          - sma_crossover: {fast: [5, 10], slow: [20, 40]}
        validation: {method: walk_forward, train: 2y, test: 1y}
        """.write(to: spec, atomically: true, encoding: .utf8)
        let r = try await CLI.run([
            "check", spec.path, "--as-of", "2025-06-30", "--data-dir", tmp.path + "/data", "--cuts", "2",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        // 4 combinations × 2 cuts, plus the first fold (test 2023, the only one ending before the data does).
        #expect(r.stdout.hasSuffix(": no look-ahead: 9 comparisons on 1 symbol, seed 1\n"))
    }

    @Test func badCutsAreAUsageError() async throws {
        let r = try await CLI.run(["check", "pipelines/example.yaml", "--cuts", "0"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--cuts must be from 1 to 1000, got 0"))
    }
}
