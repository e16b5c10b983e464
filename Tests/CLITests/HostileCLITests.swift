import Foundation
import Testing

/// Issue 14 through the real binary: the hostile spec corpus in Fixtures/hostile.
@Suite struct HostileCLITests {
    func fixture(_ name: String) -> String { CLI.fixtures.appendingPathComponent("hostile/" + name).path }

    @Test func anAliasBombFailsValidateFastWithALocatedError() async throws {
        let started = ContinuousClock.now
        let r = try await CLI.run(["validate", fixture("alias-bomb-cr-line-breaks.yaml")])
        // Expanding the grid would need 48 GB and abort; counting first answers in seconds (the bound only
        // guards against a hang, loosely, for a loaded machine running a debug build).
        #expect(ContinuousClock.now - started < .seconds(120))
        #expect(r.status == 2)
        #expect(
            r.stderr.contains(
                "alias-bomb-cr-line-breaks.yaml:5:1: YAML aliases (*l0) are not supported in pipeline specs"))
    }

    @Test func aSpecWithAByteOrderMarkValidates() async throws {
        let r = try await CLI.run(["validate", fixture("bom.yaml")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("bom.yaml: valid"))
    }

    @Test func capitalNearDoubleMaxIsRefusedNotCrashed() async throws {
        // Once rc 132 in the chart code; now a spec error (exit 2) before anything runs.
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let r = try await CLI.run([
            "run", fixture("capital-extreme.yaml"), "--as-of", "2025-06-30", "--quiet", "--data-dir",
            tmp.path + "/data", "--reports-dir", tmp.path + "/reports",
        ])
        #expect(r.status == 2)
        #expect(
            r.stderr.contains("capital-extreme.yaml:5:20: capital.initial: expected a positive amount of cash up to"))
    }

    @Test func theLargestAllowedCapitalRunsAndReports() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let r = try await CLI.run([
            "run", fixture("capital-max.yaml"), "--as-of", "2025-06-30", "--quiet", "--data-dir", tmp.path + "/data",
            "--reports-dir", tmp.path + "/reports",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        // The run folder, beside the `latest` link to it.
        let runs = try FileManager.default.contentsOfDirectory(atPath: tmp.path + "/reports/maxcapital").filter {
            $0 != "latest"
        }
        #expect(runs.count == 1)
        let html = try String(contentsOfFile: tmp.path + "/reports/maxcapital/\(runs[0])/report.html", encoding: .utf8)
        #expect(html.contains("<svg"))
    }

    @Test func tooManyBacktestsFailValidateInsteadOfAllocating() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let tickers = (0..<10_000).map { "T\($0)" }.joined(separator: ", ")
        let spec =
            [
                "version: 1", "name: huge", "universe: {tickers: [\(tickers)]}", "strategies:",
                "  - sma_crossover: {fast: {from: 1, to: 1000, step: 1}, slow: {from: 1001, to: 1100, step: 1}}",
            ].joined(separator: "\n") + "\n"
        let path = tmp.appendingPathComponent("huge.yaml").path
        try spec.write(toFile: path, atomically: true, encoding: .utf8)
        let started = ContinuousClock.now
        let r = try await CLI.run(["validate", path])
        // Expanding the grid would need 48 GB and abort; counting first answers in seconds (the bound only
        // guards against a hang, loosely, for a loaded machine running a debug build).
        #expect(ContinuousClock.now - started < .seconds(120))
        #expect(r.status == 2)
        #expect(
            r.stderr.contains(
                "huge.yaml:4:1: the spec asks for 10000 tickers × 100000 combinations = 1000000000 backtests"))
        #expect(r.stderr.contains("split the universe into specs of at most 50 tickers each"))
    }
}
