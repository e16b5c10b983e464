import Foundation
import Market
import Pipeline
import Spec
import Synchronization
import Testing

/// Rankings that cannot be won by not trading, with overfitting statistics and warm-up warnings.
@Suite struct RankingFitToTradeTests {
    /// One SMA pair too slow to decide in the period (slow 600 > ~520 sessions) next to pairs that trade.
    static func spec(dir: String, minTrades: Int = 1) -> PipelineSpec {
        var s = PipelineRunnerTests.spec(batch: 4, dir: dir)
        s.strategies = [
            .init(id: "sma_crossover", grid: ["fast": [.int(5), .int(10)], "slow": [.int(20), .int(600)]]),
            .init(id: "rsi_reversion", grid: ["period": [.int(14)]]),
        ]
        s.scoring.minTrades = minTrades
        return s
    }

    func csv(_ path: String) throws -> [[String: String]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let header = lines[0].components(separatedBy: ",")
        // No field of these files holds a comma (params use `;`).
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0.components(separatedBy: ","))) }
    }

    @Test func zeroTradeRowsAreListedButNeverRankFirst() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/r"
        let outcome = try await PipelineRunnerTests.runner(root).run(
            SpecInput(spec: Self.spec(dir: dir), path: "t.yaml", text: ""))
        #expect(outcome.status == .succeeded)
        let rows = try csv(dir + "/results.csv")
        #expect(rows.count == 3 * 5)
        let idle = rows.filter { $0["trades"] == "0" }
        #expect(idle.count >= 3)  // the slow-600 pairs of every symbol
        for r in idle {
            #expect(r["ranked"] == "false")
            #expect(r["excluded_reason"] == "0 trades < scoring.min_trades 1")
            #expect(r["rank"] != "1")
        }
        for r in rows where r["trades"] != "0" { #expect(r["ranked"] == "true") }
        // best.csv: every symbol's winner traded and carries its DSR and PBO, both probabilities.
        let best = try csv(dir + "/best.csv")
        #expect(best.count == 3)
        for b in best {
            #expect(b["trades"] != "0")
            let dsr = try #require(Double(b["dsr"] ?? ""))
            let pbo = try #require(Double(b["pbo"] ?? ""))
            #expect((0...1).contains(dsr) && (0...1).contains(pbo))
        }
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("not ranked"))
        #expect(html.contains("PBO "))
        #expect(html.contains("DSR "))
    }

    @Test func minTradesZeroRanksEveryRowButTradedRowsStillComeFirst() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/r"
        _ = try await PipelineRunnerTests.runner(root).run(
            SpecInput(spec: Self.spec(dir: dir, minTrades: 0), path: "t.yaml", text: ""))
        let rows = try csv(dir + "/results.csv")
        #expect(rows.allSatisfy { $0["ranked"] == "true" })
        for sym in ["AAA", "BBB", "CCC"] {
            let mine = rows.filter { $0["symbol"] == sym }
            let traded = mine.filter { $0["trades"] != "0" }.compactMap { Int($0["rank"] ?? "") }
            let idle = mine.filter { $0["trades"] == "0" }.compactMap { Int($0["rank"] ?? "") }
            #expect(!traded.isEmpty && !idle.isEmpty)
            #expect(traded.max()! < idle.min()!)
        }
    }

    @Test func aPeriodShorterThanTheWarmupIsWarnedAtPlanAndInTheReport() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/r"
        let spec = Self.spec(dir: dir)
        let plan = try Planner.plan(spec: spec, asOf: SessionDate(iso: "2024-01-02")!, calendar: WeekdayCalendar())
        // 2022-01-03 … 2023-12-29 on weekdays: 520 sessions; slow = 600 needs 599 + 1 + 1.
        #expect(plan.warnings.count == 1)
        #expect(plan.warnings.first?.hasPrefix("sma_crossover: 2 of 4 combinations") == true)
        #expect(plan.warnings.first?.contains("period's 520") == true)
        #expect(plan.warnings.first?.contains("needs 601") == true)
        let logged = Mutex<[String]>([])
        var runner = PipelineRunnerTests.runner(root)
        runner.environment.log = { line in logged.withLock { $0.append(line) } }
        _ = try await runner.run(SpecInput(spec: spec, path: "t.yaml", text: ""))
        #expect(logged.withLock { $0 }.contains { $0.hasPrefix("plan: warning: sma_crossover") })
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("<h3>Warnings</h3>"))
        // The stratopt conventions load the warm-up before the period: no warning.
        var early = spec
        early.conventions = .stratopt
        #expect(
            try Planner.plan(spec: early, asOf: SessionDate(iso: "2024-01-02")!, calendar: WeekdayCalendar()).warnings
                .isEmpty)
    }
}
