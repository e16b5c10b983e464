import Foundation
import LoopbackSupport
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

    func write(_ text: String, _ dir: URL, _ name: String) throws -> String {
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// An alias the old text pre-scan missed would reach a valid spec; refused on the event stream instead,
    /// as are tags outside the core schema.
    @Test func anAliasIntoAValidSpecAndANonCoreTagAreRefusedWithTheirLocation() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let alias = try write(
            "version: 1\nname: &n aliased\nuniverse: {tickers: [AAPL]}\nstrategies: [buy_and_hold]\nreport: {title: *n}\n",
            tmp, "alias.yaml")
        let a = try await CLI.run(["validate", alias])
        #expect(a.status == 2)
        #expect(
            a.stderr.contains("alias.yaml:5:17: YAML aliases (*n) are not supported in pipeline specs"), "\(a.stderr)")
        let tag = try write(
            "version: 1\nname: !!python/object:os.system tagged\nuniverse: {tickers: [AAPL]}\nstrategies: [buy_and_hold]\n",
            tmp, "tag.yaml")
        let t = try await CLI.run(["validate", tag])
        #expect(t.status == 2)
        #expect(t.stderr.contains("tag.yaml:2:7: YAML tag !!python/object:os.system is not supported"), "\(t.stderr)")
    }

    /// Tickers that would display as something else are refused with their location: a right-to-left
    /// override, and a Cyrillic А inside a Latin symbol.
    @Test func bidiOverrideAndMixedScriptTickersAreRefused() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let spec = try write(
            "version: 1\nname: deceptive\nuniverse:\n  tickers:\n    - \"LPPA\u{202E}\"\n    - \"\u{0410}APL\"\nstrategies: [buy_and_hold]\n",
            tmp, "deceptive.yaml")
        let r = try await CLI.run(["validate", spec])
        #expect(r.status == 2)
        #expect(r.stderr.contains("deceptive.yaml:5:7:"), "\(r.stderr)")
        #expect(r.stderr.contains("contains a bidirectional-text control character"), "\(r.stderr)")
        #expect(r.stderr.contains("deceptive.yaml:6:7:"), "\(r.stderr)")
        #expect(r.stderr.contains("mixes letters of several scripts (Cyrillic, Latin)"), "\(r.stderr)")
    }

    /// A CSV file whose first line is 5 MB fails only its symbol, and no message, log, manifest or report
    /// repeats more than 200 characters of it (it once made a 100 MB manifest and a 50 MB report).
    @Test func aHugeFirstLineInACSVFileIsNotEchoedIntoMessagesOrReports() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let bars = tmp.appendingPathComponent("bars")
        try FileManager.default.createDirectory(at: bars, withIntermediateDirectories: true)
        // NYSE sessions of 2–5 January 2024.
        let rows = [
            "2024-01-02,100,102,99,101,1000", "2024-01-03,101,103,100,102,1000",
            "2024-01-04,102,104,101,103,1000", "2024-01-05,103,105,102,104,1000",
        ]
        _ = try write("date,open,high,low,close,volume\n" + rows.joined(separator: "\n") + "\n", bars, "GOOD.csv")
        _ = try write(String(repeating: "h", count: 5_000_000) + "\n" + rows[0] + "\n", bars, "HUGE.csv")
        let spec = try write(
            "version: 1\nname: hugeline\ndata: {provider: csv, path: bars}\nuniverse: {tickers: [GOOD, HUGE]}\n"
                + "period: {start: 2024-01-02, end: 2024-01-05}\nstrategies: [buy_and_hold]\n", tmp, "hugeline.yaml")
        let r = try await CLI.run([
            "run", spec, "--as-of", "2024-01-05", "--json", "--data-dir", tmp.path + "/data", "--reports-dir",
            tmp.path + "/reports",
        ])
        #expect(r.status == 3, "\(r.stderr.prefix(2000))")
        #expect(r.stderr.contains("fetch: HUGE failed: "))
        #expect(r.stderr.contains(String(repeating: "h", count: 200) + "…"))
        #expect(!r.stderr.contains(String(repeating: "h", count: 201)))
        #expect(r.stderr.utf8.count < 20_000 && r.stdout.utf8.count < 20_000)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let dir = try #require(doc["report_dir"] as? String)
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
            let text = try String(contentsOfFile: dir + "/" + name, encoding: .utf8)
            #expect(!text.contains(String(repeating: "h", count: 201)), "\(name)")
            #expect(text.utf8.count < 1_000_000, "\(name): \(text.utf8.count) bytes")
        }
    }

    /// A webhook that never answers does not delay the orders: they all reach the broker before the webhook
    /// has seen more than its first held delivery (once each order waited out three webhook attempts), and
    /// the run ends after the bounded flush.
    @Test(.timeLimit(.minutes(5))) func aHangingWebhookDoesNotDelayOrderSubmission() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let timeline = RequestTimeline()
        let hook = try LoopbackHTTPServer { _ in
            timeline.append("hook")
            return .hold
        }
        defer { hook.stop() }
        let fake = FakeAlpaca()
        fake.positions = "[]"
        let broker = try LoopbackHTTPServer { r in
            if r.method == "POST" && r.path == "/v2/orders" { timeline.append("order") }
            return fake.handle(r)
        }
        defer { broker.stop() }
        let spec = try write(
            """
            version: 1
            name: hanging-hook
            universe: {tickers: [AAPL, MSFT, NVDA]}
            period: {start: 2024-01-02, end: 2025-06-30}
            strategies: [buy_and_hold]
            execute: {enabled: true, broker: alpaca, mode: paper, min_score: 0}
            notify:
              - {url: "\(hook.baseURL.absoluteString)/hook", min_priority: low}
            """, tmp, "hook.yaml")
        let env = [
            "APCA_API_KEY_ID": "PKTESTKEYID0001", "APCA_API_SECRET_KEY": "s3cr3t-value-never-logged",
            "APCA_API_BASE_URL": broker.baseURL.absoluteString, "APCA_API_DATA_URL": broker.baseURL.absoluteString,
        ]
        let r = try await CLI.run(
            ["run", spec, "--data-dir", tmp.path + "/data", "--reports-dir", tmp.path + "/reports"], env: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("execute: 3 submitted"))
        let events = timeline.events
        let lastOrder = try #require(events.lastIndex(of: "order"))
        #expect(events.filter { $0 == "order" }.count == 3)
        #expect(events[..<lastOrder].filter { $0 == "hook" }.count <= 2, "\(events)")
        #expect(r.stderr.contains("not delivered within the 15.0 s flush deadline"), "\(r.stderr)")
    }
}

/// The order in which two loopback servers saw their requests.
final class RequestTimeline: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [String] = []
    func append(_ e: String) { lock.withLock { list.append(e) } }
    var events: [String] { lock.withLock { list } }
}
