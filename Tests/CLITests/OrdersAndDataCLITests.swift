import Foundation
import LoopbackSupport
import Testing

/// Issue 11 through the real binary: exactly once across runs of one night against a loopback Alpaca,
/// risk effects in orders.csv and the dry-run table, edited CSV files, calendars, a future --as-of.
@Suite struct OrdersAndDataCLITests {
    func reportDir(_ r: CLIResult) throws -> String {
        let line = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("report: ") })
        return URL(fileURLWithPath: String(line.dropFirst("report: ".count))).deletingLastPathComponent().path
    }

    func write(_ text: String, _ path: String) throws {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func threeRunsOfOneNightAgainstAlpacaSendOneOrderPerSymbol() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let fake = FakeAlpaca()
        fake.positions = "[]"
        let server = try LoopbackHTTPServer { fake.handle($0) }
        defer { server.stop() }
        let spec = tmp.path + "/nightly.yaml"
        try write(
            """
            version: 1
            name: nightly-alpaca
            universe: {tickers: [AAPL, MSFT, NVDA]}
            period: {start: 2024-01-02, end: 2025-06-30}
            strategies: [buy_and_hold]
            execute: {enabled: true, broker: alpaca, mode: paper, min_score: 0}
            """, spec)
        let env = [
            "APCA_API_KEY_ID": "PKTESTKEYID0001", "APCA_API_SECRET_KEY": "s3cr3t-value-never-logged",
            "APCA_API_BASE_URL": server.baseURL.absoluteString, "APCA_API_DATA_URL": server.baseURL.absoluteString,
        ]
        let args = ["run", spec, "--data-dir", tmp.path + "/data", "--reports-dir", tmp.path + "/reports"]
        var outputs: [CLIResult] = []
        for _ in 0..<3 {
            let r = try await CLI.run(args, env: env)
            #expect(r.status == 0, "\(r.stderr)")
            outputs.append(r)
        }
        // Alpaca leaves the after-close market orders `accepted`: the position stays 0, yet only the first
        // run sends, because open orders count and the ids of one night collide.
        for s in ["AAPL", "MSFT", "NVDA"] { #expect(fake.orderCount(symbol: s) == 1, "\(s)") }
        #expect(server.requests.filter { $0.method == "POST" && $0.path == "/v2/orders" }.count == 3)
        #expect(outputs[0].stdout.contains("execute: 3 submitted, 0 blocked, 0 failed, 0 skipped"))
        for r in outputs.dropFirst() {
            #expect(r.stdout.contains("execute: 0 submitted, 0 blocked, 0 failed, 3 skipped"), "\(r.stdout)")
        }
        #expect(server.requests.contains { $0.method == "GET" && $0.target.hasPrefix("/v2/orders?status=open") })
        #expect(Set(try outputs.map(reportDir)).count == 3)  // three different runs
    }

    @Test func reduceSizeShowsRequestedAndReducedSharesAndTheDryRunIsATable() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let spec = tmp.path + "/reduce.yaml"
        try write(
            """
            version: 1
            name: reduce-demo
            universe: {tickers: [AAPL, MSFT]}
            period: {start: 2024-01-02, end: 2025-06-30}
            strategies: [buy_and_hold]
            execute:
              enabled: true
              min_score: 0
              risk:
                rules:
                  - {type: max_position_size, limit_pct: 5, action: reduce_size}
            """, spec)
        let base = ["--data-dir", tmp.path + "/data", "--reports-dir", tmp.path + "/reports"]
        let dry = try await CLI.run(["run", spec, "--dry-run"] + base)
        #expect(dry.status == 0, "\(dry.stderr)")
        let lines = dry.stdout.split(separator: "\n").map(String.init)
        let headerAt = try #require(lines.firstIndex { $0.hasPrefix("symbol") })
        let header = lines[headerAt]
        for column in ["side", "shares", "price", "value", "action", "verdicts"] {
            #expect(header.contains(column))
        }
        // The plan table follows the ranking on stdout.
        let aapl = try #require(lines[headerAt...].first { $0.hasPrefix("AAPL ") })
        // auto sizing: half of 100,000 each; 5 % of equity allows a tenth of that.
        #expect(aapl.contains(" buy ") && aapl.contains(" -> ") && aapl.contains("would submit"))
        #expect(aapl.contains("[reduce_size: "))
        #expect(!dry.stdout.contains("RiskDecision(") && !dry.stdout.contains("PlannedOrder("))

        let run = try await CLI.run(["run", spec] + base)
        #expect(run.status == 0, "\(run.stderr)")
        let dir = try reportDir(run)
        let orders = try String(contentsOfFile: dir + "/orders.csv", encoding: .utf8).split(separator: "\r\n")
        let line = String(try #require(orders.first { $0.hasPrefix("AAPL,") }))
        // symbol,strategy,side,shares,price,value,status,broker_order_id,client_order_id,"verdicts",error
        let row = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        let shares = try #require(Int(row[3]))
        #expect(row[6] == "submitted")
        let verdicts = String(line.split(separator: "\"")[1])
        #expect(verdicts.hasPrefix("MAX_POSITION_SIZE: symbol=AAPL, "))
        #expect(verdicts.hasSuffix(" -> \(shares)]"))
        let requested = try #require(Int(verdicts.split(separator: "[reduce_size: ")[1].split(separator: " ")[0]))
        #expect(requested > shares && shares > 0)
        // Value after the cut is at most 5 % of 100,000.
        #expect(try #require(Double(row[5])) <= 5_000)
        let events = try String(contentsOfFile: dir + "/events.jsonl", encoding: .utf8)
        #expect(events.contains("reduced from \(requested) to \(shares) shares by MAX_POSITION_SIZE"))
    }

    /// A CSV file with one bar per date, close `f(i)`.
    func csv(days: [String], close f: (Int) -> Double) -> String {
        var out = "date,open,high,low,close,volume\n"
        for (i, d) in days.enumerated() {
            let c = f(i)
            out += "\(d),\(c),\(c * 1.01),\(c * 0.99),\(c),1000\n"
        }
        return out
    }

    /// `count` dates from `start`: every day, or (`sessionsOnly`) NYSE sessions of early 2024 (no weekends,
    /// MLK Day or Presidents' Day).
    func dates(from start: String, count: Int, sessionsOnly: Bool) -> [String] {
        let fmt = ISO8601DateFormatter()
        fmt.formatOptions = [.withFullDate]
        var d = fmt.date(from: start)!
        var out: [String] = []
        while out.count < count {
            let weekday = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: d)
                .weekday!
            let text = fmt.string(from: d)
            let weekend = weekday == 1 || weekday == 7
            if !sessionsOnly || (!weekend && !["2024-01-15", "2024-02-19"].contains(text)) { out.append(text) }
            d = d.addingTimeInterval(86_400)
        }
        return out
    }

    @Test func anEditedCSVFileChangesTheResults() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        try FileManager.default.createDirectory(atPath: tmp.path + "/prices", withIntermediateDirectories: true)
        let days = dates(from: "2024-01-02", count: 40, sessionsOnly: true)
        try write(csv(days: days) { 100 + Double($0) }, tmp.path + "/prices/AAA.csv")
        let spec = tmp.path + "/csv.yaml"
        try write(
            """
            version: 1
            name: csv-edit
            data: {provider: csv, path: prices}
            universe: {tickers: [AAA]}
            period: {start: 2024-01-02, end: \(days.last!)}
            strategies: [buy_and_hold]
            """, spec)
        let args = [
            "run", spec, "--as-of", days.last!, "--data-dir", tmp.path + "/data", "--reports-dir",
            tmp.path + "/reports",
        ]
        let first = try await CLI.run(args)
        #expect(first.status == 0, "\(first.stderr)")
        let trades1 = try String(contentsOfFile: try reportDir(first) + "/trades.csv", encoding: .utf8)
        // Double every price.
        try write(csv(days: days) { 2 * (100 + Double($0)) }, tmp.path + "/prices/AAA.csv")
        let second = try await CLI.run(args)
        #expect(second.status == 0, "\(second.stderr)")
        let trades2 = try String(contentsOfFile: try reportDir(second) + "/trades.csv", encoding: .utf8)
        // trades.csv: symbol,strategy,params,entry_date,entry_price,exit_date,exit_price,… — the same entry and
        // exit dates, at exactly twice the prices.
        func fill(_ trades: String) throws -> (String, Double, Double) {
            let row = try #require(trades.split(separator: "\r\n").dropFirst().first).split(
                separator: ",", omittingEmptySubsequences: false)
            return (String(row[3]), try #require(Double(row[4])), try #require(Double(row[6])))
        }
        let (date1, entry1, exit1) = try fill(trades1)
        let (date2, entry2, exit2) = try fill(trades2)
        #expect(date1 == date2)
        #expect(entry2 == 2 * entry1 && exit2 == 2 * exit1)
        #expect(entry1 >= 100 && entry1 < 140)
    }

    @Test func aSevenDaySeriesRunsUnderTheTwentyFourSevenCalendar() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        try FileManager.default.createDirectory(atPath: tmp.path + "/prices", withIntermediateDirectories: true)
        // Every day, weekends and 2024-01-15 (MLK Day) included.
        let days = dates(from: "2024-01-01", count: 60, sessionsOnly: false)
        try write(csv(days: days) { 30_000 + 10 * Double($0) }, tmp.path + "/prices/BTCUSD.csv")
        func spec(_ calendar: String) throws -> String {
            let path = tmp.path + "/crypto-\(calendar).yaml"
            try write(
                """
                version: 1
                name: crypto-\(calendar == "24x7" ? "all" : calendar)
                data: {provider: csv, path: prices, calendar: \(calendar)}
                universe: {tickers: [BTCUSD]}
                period: {start: 2024-01-01, end: \(days.last!)}
                strategies: [buy_and_hold]
                """, path)
            return path
        }
        let base = ["--as-of", days.last!, "--data-dir", tmp.path + "/data", "--reports-dir", tmp.path + "/reports"]
        let always = try await CLI.run(["run", try spec("24x7")] + base)
        #expect(always.status == 0, "\(always.stderr)")
        let equity = try String(contentsOfFile: try reportDir(always) + "/equity.csv", encoding: .utf8)
        #expect(equity.contains("2024-01-06") && equity.contains("2024-01-07"))  // a Saturday and a Sunday
        // Under nyse the weekend bars are off-calendar and the symbol is rejected.
        let nyse = try await CLI.run(["run", try spec("nyse")] + base)
        #expect(nyse.status != 0)
        #expect((nyse.stdout + nyse.stderr).contains("BTCUSD"))
    }

    @Test func thePaperAccountCanBeShownAsTextAndJSONAndReset() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let data = ["--data-dir", tmp.path + "/data"]
        let none = try await CLI.run(["paper"] + data)
        #expect(none.status == 1)
        #expect(none.stderr.contains("no paper ledger"))
        let spec = CLI.fixtures.appendingPathComponent("execute.yaml").path
        let run = try await CLI.run(["run", spec, "--reports-dir", tmp.path + "/reports"] + data)
        #expect(run.status == 0, "\(run.stderr)")
        let text = try await CLI.run(["paper"] + data)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("paper account: cash "))
        #expect(text.stdout.contains("market value"))
        #expect(text.stdout.split(separator: "\n").contains { $0.hasPrefix("AAPL ") })
        #expect(text.stdout.contains("equity history:"))
        let json = try await CLI.run(["paper", "--json"] + data)
        #expect(json.status == 0)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let positions = try #require(obj["positions"] as? [[String: Any]])
        #expect(positions.map { $0["symbol"] as? String } == ["AAPL"])
        #expect((obj["initial_cash_cents"] as? Int) == 10_000_000)
        #expect((obj["realised_cents"] as? Int) == 0)
        let refused = try await CLI.run(["paper", "reset"] + data)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("--yes"))
        let reset = try await CLI.run(["paper", "reset", "--yes"] + data)
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(!FileManager.default.fileExists(atPath: tmp.path + "/data/paper.sqlite"))
    }

    @Test func aFutureAsOfIsAUsageError() async throws {
        let r = try await CLI.run(["validate", "pipelines/example.yaml", "--as-of", "2999-01-04"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--as-of 2999-01-04 is after the last completed session"))
    }
}
