import Foundation
import Testing

@Suite struct ExecuteCLITests {
    func reportDir(_ r: CLIResult) throws -> String {
        let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("report: ") })
        return URL(fileURLWithPath: String(line.dropFirst("report: ".count))).deletingLastPathComponent().path
    }

    @Test func firstRunPlacesOrdersAndAnImmediateRerunPlacesNone() throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let spec = CLI.fixtures.appendingPathComponent("execute.yaml").path
        let args = ["run", spec, "--data-dir", tmp.path + "/data", "--reports-dir", tmp.path + "/reports"]

        // buy_and_hold is long on the last bar for all three symbols; position_limit 1 lets the first
        // order (AAPL, symbols are evaluated in order) through and blocks the other two.
        let first = try CLI.run(args)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("execute: 1 submitted, 2 blocked, 0 failed, 0 skipped"))
        let dir = try reportDir(first)
        let orders = try String(contentsOfFile: dir + "/orders.csv", encoding: .utf8)
        let lines = orders.split(separator: "\r\n").map(String.init)
        #expect(
            lines.first
                == "symbol,strategy,side,shares,price,value,status,broker_order_id,client_order_id,verdicts,error")
        #expect(lines.count == 4)
        #expect(lines[1].hasPrefix("AAPL,buy_and_hold,buy,") && lines[1].contains(",submitted,paper-"))
        #expect(lines[2].hasPrefix("MSFT,buy_and_hold,buy,") && lines[2].contains(",blocked,,"))
        #expect(lines[2].contains("POSITION_LIMIT: symbol=MSFT"))
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("POSITION_LIMIT: symbol=NVDA"))
        #expect(FileManager.default.fileExists(atPath: dir + "/events.jsonl"))

        // Same night again: AAPL is already at its target (its earlier order is reported as skipped), MSFT and
        // NVDA are still blocked, nothing is sent.
        let second = try CLI.run(args)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("execute: 0 submitted, 2 blocked, 0 failed, 1 skipped"))

        // Executing the first run again submits nothing new and reports its earlier order.
        let again = try CLI.run([
            "execute", URL(fileURLWithPath: dir).lastPathComponent, "--data-dir", tmp.path + "/data", "--reports-dir",
            tmp.path + "/reports",
        ])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("0 submitted"))
        #expect(again.stdout.contains("AAPL buy") && again.stdout.contains("skipped"))
    }

    @Test func liveTradingIsRefusedWithoutBothOptIns() throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let spec = CLI.fixtures.appendingPathComponent("live.yaml").path
        let r = try CLI.run(["run", spec, "--data-dir", tmp.path + "/data", "--reports-dir", tmp.path + "/reports"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("live trading refused"))
        #expect(r.stderr.contains("--confirm-live"))
    }

    @Test func dryRunPrintsThePlanAndSubmitsNothing() throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let spec = CLI.fixtures.appendingPathComponent("execute.yaml").path
        let r = try CLI.run([
            "run", spec, "--dry-run", "--data-dir", tmp.path + "/data", "--reports-dir", tmp.path + "/reports",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("nothing is submitted"))
        #expect(r.stdout.contains("POSITION_LIMIT: symbol=MSFT"))
        let dir = try reportDir(r)
        #expect(!FileManager.default.fileExists(atPath: dir + "/orders.csv"))
    }
}
