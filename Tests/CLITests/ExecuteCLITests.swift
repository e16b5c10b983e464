import Foundation
import LoopbackSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct ExecuteCLITests {
    func reportDir(_ r: CLIResult) throws -> String {
        let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("report: ") })
        return URL(fileURLWithPath: String(line.dropFirst("report: ".count))).deletingLastPathComponent().path
    }

    @Test func firstRunPlacesOrdersAndAnImmediateRerunPlacesNone() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let spec = CLI.fixtures.appendingPathComponent("execute.yaml").path
        let args = ["run", spec, "--data-dir", tmp.path + "/data", "--reports-dir", tmp.path + "/reports"]

        // buy_and_hold is long on the last bar for all three symbols; position_limit 1 lets the first
        // order (AAPL, symbols are evaluated in order) through and blocks the other two.
        let first = try await CLI.run(args)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("execute: 1 submitted, 2 blocked, 0 failed, 0 skipped"))
        let dir = try reportDir(first)
        let orders = try String(contentsOfFile: dir + "/orders.csv", encoding: .utf8)
        let lines = orders.split(separator: "\r\n").map(String.init)
        #expect(
            lines.first
                == "symbol,strategy,side,shares,price,value,status,broker_order_id,client_order_id,verdicts,error,params"
        )
        #expect(lines.count == 4)
        #expect(lines[1].hasPrefix("AAPL,buy_and_hold,buy,") && lines[1].contains(",submitted,paper-"))
        #expect(lines[2].hasPrefix("MSFT,buy_and_hold,buy,") && lines[2].contains(",blocked,,"))
        #expect(lines[2].contains("POSITION_LIMIT: symbol=MSFT"))
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("POSITION_LIMIT: symbol=NVDA"))
        #expect(FileManager.default.fileExists(atPath: dir + "/events.jsonl"))

        // Same night again: AAPL is already at its target (its earlier order is reported as skipped), MSFT and
        // NVDA are still blocked, nothing is sent.
        let second = try await CLI.run(args)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("execute: 0 submitted, 2 blocked, 0 failed, 1 skipped"))

        // Executing the first run again submits nothing new and reports its earlier order.
        let again = try await CLI.run([
            "execute", URL(fileURLWithPath: dir).lastPathComponent, "--data-dir", tmp.path + "/data", "--reports-dir",
            tmp.path + "/reports",
        ])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("0 submitted"))
        #expect(again.stdout.contains("AAPL buy") && again.stdout.contains("skipped"))
    }

    @Test func liveTradingIsRefusedWithoutBothOptIns() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let spec = CLI.fixtures.appendingPathComponent("live.yaml").path
        let r = try await CLI.run([
            "run", spec, "--data-dir", tmp.path + "/data", "--reports-dir", tmp.path + "/reports",
        ])
        #expect(r.status == 1)
        #expect(r.stderr.contains("live trading refused"))
        #expect(r.stderr.contains("--confirm-live"))
    }

    @Test func dryRunPrintsThePlanAndSubmitsNothing() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let spec = CLI.fixtures.appendingPathComponent("execute.yaml").path
        let r = try await CLI.run([
            "run", spec, "--dry-run", "--data-dir", tmp.path + "/data", "--reports-dir", tmp.path + "/reports",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("nothing is submitted"))
        #expect(r.stdout.contains("POSITION_LIMIT: symbol=MSFT"))
        let dir = try reportDir(r)
        #expect(!FileManager.default.fileExists(atPath: dir + "/orders.csv"))
    }
}

/// The run chain's execute stage through the binary: resume executes, a failed execute fails the run, one
/// JSON document, errors under --quiet, and `execute RUN_ID` for a custom report folder.
@Suite struct ExecuteChainCLITests {
    static func json(_ r: CLIResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    @Test(.timeLimit(.minutes(5))) func aRunKilledMidBacktestAndResumedPlacesItsOrders() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let spec = CLI.fixtures.appendingPathComponent("long-execute.yaml").path
        let data = ["--data-dir", tmp.path + "/data"]
        #expect(try await CLI.run(["fetch", spec, "--as-of", "2025-06-30"] + data).status == 0)
        let victim = try RunningCLI(
            ["run", spec, "--as-of", "2025-06-30", "--no-cache", "--reports-dir", tmp.path + "/reports"] + data)
        #expect(await victim.waitForStderr("(30 %)"))
        victim.signal(SIGKILL)
        #expect(await victim.finish().status == 128 + SIGKILL)
        let history = try await CLI.run(["history", "--json"] + data)
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]])
        let runId = try #require(runs.first?["run_id"] as? String)

        let resumed = try await CLI.run(["resume", runId, "--json"] + data)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let doc = try Self.json(resumed)
        let execute = try #require(doc["execute"] as? [String: Any])
        #expect((execute["submitted"] as? Int ?? 0) > 0)
        let dir = try #require(doc["report_dir"] as? String)
        let orders = try String(contentsOfFile: dir + "/orders.csv", encoding: .utf8)
        #expect(orders.contains(",submitted,paper-"))
    }

    @Test func aFailedExecuteStageFailsTheRunOnStdoutTooAndQuietStillSaysWhy() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let spec = CLI.fixtures.appendingPathComponent("live.yaml").path
        let args = ["run", spec, "--data-dir", tmp.path + "/data", "--reports-dir", tmp.path + "/reports"]
        let r = try await CLI.run(args)
        #expect(r.status == 1)
        #expect(r.stdout.contains("status: failed"))
        #expect(!r.stdout.contains("status: succeeded"))
        let quiet = try await CLI.run(args + ["--quiet"])
        #expect(quiet.status == 1)
        #expect(quiet.stderr.contains("live trading refused"))
        let json = try await CLI.run(args + ["--json"])
        #expect(json.status == 1)
        let doc = try Self.json(json)
        #expect(doc["status"] as? String == "failed")
        #expect(doc["exit_code"] as? Int == 1)
        #expect(((doc["execute"] as? [String: Any])?["error"] as? String)?.contains("live trading refused") == true)
        // The run record agrees with the exit code.
        let history = try await CLI.run(["history", "--json", "--data-dir", tmp.path + "/data"])
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]])
        #expect(runs.allSatisfy { $0["status"] as? String == "failed" })
    }

    @Test func runJSONWithExecuteIsOneJSONDocument() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let spec = CLI.fixtures.appendingPathComponent("execute.yaml").path
        let r = try await CLI.run([
            "run", spec, "--json", "--data-dir", tmp.path + "/data", "--reports-dir", tmp.path + "/reports",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("{"))
        let doc = try Self.json(r)
        let execute = try #require(doc["execute"] as? [String: Any])
        #expect(execute["submitted"] as? Int == 1)
        #expect(execute["blocked"] as? Int == 2)
        #expect((execute["orders"] as? [[String: Any]])?.count == 3)
        #expect(!r.stdout.contains("execute: "))
    }

    @Test func executeRunIdFindsARunWhoseReportDirIsCustom() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let base = try String(
            contentsOf: CLI.fixtures.appendingPathComponent("execute.yaml"), encoding: .utf8)
        let custom = tmp.path + "/elsewhere/night"
        let specPath = tmp.path + "/custom.yaml"
        try (base + "report: {dir: \"\(custom)\"}\n").write(toFile: specPath, atomically: true, encoding: .utf8)
        let data = ["--data-dir", tmp.path + "/data"]
        let run = try await CLI.run(
            ["run", specPath, "--no-execute", "--json", "--reports-dir", tmp.path + "/reports"] + data)
        #expect(run.status == 0, "\(run.stderr)")
        let runId = try #require(try Self.json(run)["run_id"] as? String)
        #expect(!FileManager.default.fileExists(atPath: custom + "/orders.csv"))
        let resultsBefore = try Data(contentsOf: URL(fileURLWithPath: custom + "/results.csv"))

        let exec = try await CLI.run(["execute", runId, "--reports-dir", tmp.path + "/reports"] + data)
        #expect(exec.status == 0, "\(exec.stderr)")
        #expect(exec.stdout.contains("execute: 1 submitted, 2 blocked"))
        #expect(FileManager.default.fileExists(atPath: custom + "/orders.csv"))
        // Through the same chain on the recorded bars: the results are unchanged, the report gains the
        // Execution section.
        #expect(try Data(contentsOf: URL(fileURLWithPath: custom + "/results.csv")) == resultsBefore)
        let html = try String(contentsOfFile: custom + "/report.html", encoding: .utf8)
        #expect(html.contains("POSITION_LIMIT: symbol=MSFT"))
    }
}

/// Every run announces its end, with or without the execute stage: completion (medium) and failure (high)
/// reach events.jsonl and a webhook (a real HTTP server on 127.0.0.1).
@Suite struct RunNotificationCLITests {
    @Test func aRunWithoutExecutePostsItsCompletionAndAFailedRunItsFailure() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let hook = try LoopbackHTTPServer { _ in .respond(status: 200, body: "ok") }
        defer { hook.stop() }
        let url = hook.baseURL.appendingPathComponent("hooks/T000/B000/secret-token").absoluteString
        let good = tmp.path + "/good.yaml"
        try """
        version: 1
        name: notify-demo
        universe: {tickers: [AAPL, MSFT]}
        period: {start: 2024-01-02, end: 2025-06-30}
        strategies: [buy_and_hold]
        notify:
          - {url: "\(url)", min_priority: medium}
        """.write(toFile: good, atomically: true, encoding: .utf8)
        let base = ["--data-dir", tmp.path + "/data", "--reports-dir", tmp.path + "/reports", "--json"]
        let ok = try await CLI.run(["run", good] + base)
        #expect(ok.status == 0, "\(ok.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any])
        let dir = try #require(doc["report_dir"] as? String)
        let events = try String(contentsOfFile: dir + "/events.jsonl", encoding: .utf8)
        #expect(events.contains("\"kind\":\"optimization_complete\""))
        #expect(events.contains("\"priority\":\"medium\""))
        let posted = hook.requests.map { String(decoding: $0.body, as: UTF8.self) }
        #expect(posted.contains { $0.contains("optimization_complete") })
        // The token in the webhook's path is never written into the manifest.
        let manifest = try String(contentsOfFile: dir + "/manifest.json", encoding: .utf8)
        #expect(!manifest.contains("secret-token"))

        // No symbol can be loaded (offline with an empty cache): the run fails, and says so everywhere.
        let bad = try await CLI.run(
            ["run", good, "--offline"] + [
                "--data-dir", tmp.path + "/empty", "--reports-dir", tmp.path + "/r2", "--json",
            ])
        #expect(bad.status == 1)
        let badDoc = try #require(try JSONSerialization.jsonObject(with: Data(bad.stdout.utf8)) as? [String: Any])
        let badDir = try #require(badDoc["report_dir"] as? String)
        let badEvents = try String(contentsOfFile: badDir + "/events.jsonl", encoding: .utf8)
        #expect(badEvents.contains("\"kind\":\"optimization_failed\""))
        #expect(badEvents.contains("\"priority\":\"high\""))
        #expect(hook.requests.contains { String(decoding: $0.body, as: UTF8.self).contains("optimization_failed") })
    }
}
