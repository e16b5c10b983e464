import Foundation
import GRDB
import LoopbackSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Sends SIGTERM to the run from the server's own thread when the first `POST /v2/orders` arrives, then
/// holds that order for 3 s (well inside the client's 10 s deadline) before answering: the signal lands
/// while an order is in flight, whatever the load on the test's own threads.
final class FirstOrderSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var first = true
    private var pid: Int32 = 0
    private(set) var signalled = false

    func target(_ p: Int32) { lock.withLock { pid = p } }

    func pass(_ r: RecordedRequest) {
        guard r.method == "POST", r.path == "/v2/orders" else { return }
        let victim: Int32? = lock.withLock {
            guard first, pid > 0 else { return nil }
            first = false
            return pid
        }
        guard let victim else { return }
        kill(victim, SIGTERM)
        lock.withLock { signalled = true }
        Thread.sleep(forTimeInterval: 3)
    }
}

/// Issue 14 item 10 through the real binary: faults around the execute stage and the data folder.
@Suite struct HostileFaultCLITests {
    static func json(_ r: CLIResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    /// SIGTERM while the first of three orders is at the broker: that order completes, no other is sent,
    /// the run exits 130 recorded as interrupted, and `resume` sends the other two without repeating the
    /// first.
    @Test(.timeLimit(.minutes(5))) func sigtermDuringExecuteStopsAfterTheCurrentOrderExits130AndResumes()
        async throws
    {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let fake = FakeAlpaca()
        fake.positions = "[]"
        let gate = FirstOrderSignal()
        let server = try LoopbackHTTPServer { r in
            gate.pass(r)
            return fake.handle(r)
        }
        defer { server.stop() }
        let spec = tmp.path + "/interrupt.yaml"
        try """
        version: 1
        name: interrupt-execute
        universe: {tickers: [AAPL, MSFT, NVDA]}
        period: {start: 2024-01-02, end: 2025-06-30}
        strategies: [buy_and_hold]
        execute: {enabled: true, broker: alpaca, mode: paper, min_score: 0}
        """.write(toFile: spec, atomically: true, encoding: .utf8)
        let env = [
            "APCA_API_KEY_ID": "PKTESTKEYID0001", "APCA_API_SECRET_KEY": "s3cr3t-value-never-logged",
            "APCA_API_BASE_URL": server.baseURL.absoluteString, "APCA_API_DATA_URL": server.baseURL.absoluteString,
        ]
        let data = ["--data-dir", tmp.path + "/data"]
        let run = try RunningCLI(
            ["run", spec, "--json", "--reports-dir", tmp.path + "/reports"] + data, environment: env)
        gate.target(run.pid)
        let r = await run.finish()
        #expect(gate.signalled)
        #expect(r.stderr.contains("stratopt: interrupted: stopping"), "\(r.stderr)")

        #expect(r.status == 130, "\(r.stderr)")
        let doc = try Self.json(r)
        #expect(doc["status"] as? String == "interrupted")
        #expect(doc["exit_code"] as? Int == 130)
        let message = try #require(doc["error"] as? String)
        #expect(message.contains("interrupted in the execute stage after 1 of 3 orders"), "\(message)")
        #expect(fake.orderCount == 1)
        let runId = try #require(doc["run_id"] as? String)
        let status = try await CLI.run(["status", runId] + data)
        #expect(status.stdout.contains("status:    interrupted"))
        #expect(status.stdout.contains("exit code: 130"))

        let resumed = try await CLI.run(["resume", runId, "--json"] + data, env: env)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let execute = try #require(try Self.json(resumed)["execute"] as? [String: Any])
        #expect(execute["submitted"] as? Int == 2)
        #expect(execute["skipped"] as? Int == 1)
        for s in ["AAPL", "MSFT", "NVDA"] { #expect(fake.orderCount(symbol: s) == 1, "\(s)") }
        #expect(server.requests.filter { $0.method == "POST" && $0.path == "/v2/orders" }.count == 3)
    }

    /// Every file under `dir` (relative path) with its size, modification time and bytes: a read-only
    /// command must leave this exactly as it was (no new `-wal`/`-shm`, no migrated or touched file).
    static func snapshot(_ dir: String) throws -> [String: String] {
        let fm = FileManager.default
        var out: [String: String] = [:]
        for name in try fm.subpathsOfDirectory(atPath: dir).sorted() {
            let path = dir + "/" + name
            let a = try fm.attributesOfItem(atPath: path)
            let mtime = (a[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
            out[name] = "\(a[.size] ?? 0) \(mtime) \(bytes.hashValue) \(bytes.count)"
        }
        return out
    }

    static func setWritable(_ dir: String, _ writable: Bool) throws {
        let fm = FileManager.default
        let files = try fm.subpathsOfDirectory(atPath: dir).map { dir + "/" + $0 }
        for f in files { try fm.setAttributes([.posixPermissions: writable ? 0o644 : 0o444], ofItemAtPath: f) }
        try fm.setAttributes([.posixPermissions: writable ? 0o755 : 0o555], ofItemAtPath: dir)
    }

    /// `history`, `status`, `show`, `cache list` and `cache verify` on a data folder whose files and folder are
    /// read-only: each answers, and not one byte or file of the folder changes. Tests may run as root, for
    /// whom the permissions block nothing, so the folder is compared file by file before and after; as root
    /// with `setpriv` available the commands also run as `nobody`, for whom the permissions are real.
    @Test(.timeLimit(.minutes(5))) func aReadOnlyDataFolderStillAnswersReadOnlyCommandsAndIsNotTouched()
        async throws
    {
        let tmp = CLI.tempDir()
        let data = tmp.path + "/data"
        defer {
            try? Self.setWritable(data, true)
            try? FileManager.default.removeItem(at: tmp)
        }
        let run = try await CLI.run([
            "run", "pipelines/example.yaml", "--as-of", "2025-06-30", "--data-dir", data, "--reports-dir",
            tmp.path + "/reports", "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let runId = try #require(try Self.json(run)["run_id"] as? String)
        var launchers: [[String]] = [[]]
        let setpriv = "/usr/bin/setpriv"
        if geteuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv) {
            launchers.append([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"])
        }
        func check(_ phase: String, spec: String) async throws {
            try Self.setWritable(data, false)
            defer { try? Self.setWritable(data, true) }
            let before = try Self.snapshot(data)
            #expect(before["cache.sqlite"] != nil && before["runs.sqlite"] != nil)
            if geteuid() != 0 {
                // Not root: the permissions are real for this process too; prove it.
                #expect(!FileManager.default.isWritableFile(atPath: data + "/runs.sqlite"))
            }
            for via in launchers {
                let who = "\(phase), \(via.isEmpty ? "this user" : "nobody")"
                let d = ["--data-dir", data]
                let history = try await CLI.run(["history"] + d, via: via)
                #expect(history.status == 0, "\(who): \(history.stderr)")
                #expect(history.stdout.contains("\(runId)  succeeded  \(spec)"), "\(who): \(history.stdout)")
                let historyJSON = try await CLI.run(["history", "--json"] + d, via: via)
                #expect(historyJSON.status == 0, "\(who): \(historyJSON.stderr)")
                #expect(historyJSON.stdout.contains(runId))
                let status = try await CLI.run(["status"] + d, via: via)
                #expect(status.status == 0, "\(who): \(status.stderr)")
                #expect(status.stdout.contains("is free") && status.stdout.contains("status:    succeeded"))
                let one = try await CLI.run(["status", String(runId.prefix(18))] + d, via: via)
                #expect(one.status == 0, "\(who): \(one.stderr)")
                #expect(one.stdout.contains("run:       \(runId)"))
                let show = try await CLI.run(["show", runId] + d, via: via)
                #expect(show.status == 0, "\(who): \(show.stderr)")
                let list = try await CLI.run(["cache", "list"] + d, via: via)
                #expect(list.status == 0, "\(who): \(list.stderr)")
                // example.yaml: five symbols, 2023-06-30 … 2025-06-30.
                #expect(list.stdout.split(separator: "\n").count == 5, "\(who): \(list.stdout)")
                #expect(list.stdout.contains("MSFT\tsynthetic"))
                let verify = try await CLI.run(["cache", "verify"] + d, via: via)
                #expect(verify.status == 0, "\(who): \(verify.stderr)")
                #expect(verify.stdout == "cache OK\n")
                let after = try Self.snapshot(data)
                #expect(after == before, "\(who): the data folder changed: \(before) → \(after)")
            }
        }
        // The run closed its files: nothing beside the databases.
        try await check("closed", spec: "example")
        // A writer still has runs.sqlite open, with a change only in its -wal (as while a run goes on): the
        // read-only commands see the change and still write nothing, not even to the -shm.
        let writer = try DatabaseQueue(path: data + "/runs.sqlite")
        try await writer.write { db in try db.execute(sql: "UPDATE runs SET spec_name = 'example-in-wal'") }
        #expect(FileManager.default.fileExists(atPath: data + "/runs.sqlite-wal"))
        try await check("writer open", spec: "example-in-wal")
        try writer.close()

        // A data folder that does not exist is reported as empty and is not created.
        let none = tmp.path + "/none"
        let empty = try await CLI.run(["history", "--data-dir", none])
        #expect(empty.status == 0, "\(empty.stderr)")
        #expect(empty.stdout.contains("no runs recorded"))
        #expect(try await CLI.run(["cache", "list", "--data-dir", none]).stdout.contains("holds no bars"))
        #expect(try await CLI.run(["cache", "verify", "--data-dir", none]).stdout == "cache OK\n")
        #expect(try await CLI.run(["status", "--data-dir", none]).stdout.contains("no runs recorded"))
        #expect(!FileManager.default.fileExists(atPath: none))
    }

    /// A cached bar edited on disk (still a valid bar, so the schema's CHECK constraints let it through) is
    /// found by its checksum: `cache verify` names it, an offline run refuses the symbol, and an online run
    /// drops the symbol's cached bars, fetches them again and reproduces the untouched run's results.
    @Test(.timeLimit(.minutes(5))) func aCachedBarAlteredOnDiskIsDetectedReportedAndFetchedAgain() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let data = tmp.path + "/data"
        let args = [
            "run", "pipelines/example.yaml", "--as-of", "2025-06-30", "--data-dir", data, "--reports-dir",
            tmp.path + "/reports", "--json", "--no-cache",
        ]
        let first = try await CLI.run(args)
        #expect(first.status == 0, "\(first.stderr)")
        let firstDir = try #require(try Self.json(first)["report_dir"] as? String)
        let reference = try Data(contentsOf: URL(fileURLWithPath: firstDir + "/results.csv"))

        let db = try DatabaseQueue(path: data + "/cache.sqlite")
        try await db.write { db in
            try db.execute(
                sql:
                    "UPDATE bar SET volume = volume + 1 WHERE series = (SELECT id FROM series WHERE symbol = 'MSFT') AND date = '2025-03-03'"
            )
            #expect(db.changesCount == 1)
        }
        let verify = try await CLI.run(["cache", "verify", "--data-dir", data])
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("MSFT (synthetic) 2025-03-03: the row's checksum does not match"))

        let offline = try await CLI.run(args + ["--offline"])
        #expect(offline.status == 3, "\(offline.stderr)")
        #expect(offline.stderr.contains("MSFT"))
        #expect(offline.stderr.contains("1 cached bar(s) of MSFT (synthetic)"))
        #expect(offline.stderr.contains("were altered outside stratopt (2025-03-03); they are not used"))

        let online = try await CLI.run(args)
        #expect(online.status == 0, "\(online.stderr)")
        #expect(online.stderr.contains("dropped its cached bars and fetched them again"))
        let dir = try #require(try Self.json(online)["report_dir"] as? String)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/results.csv")) == reference)
        #expect(try await CLI.run(["cache", "verify", "--data-dir", data]).stdout == "cache OK\n")
    }

    /// A 429 storm from the broker trips the trading client's circuit breaker: the orders after it fail at
    /// once with a message that says why, nothing is placed twice (nothing is placed at all), and the number
    /// of requests the storm costs is bounded.
    @Test(.timeLimit(.minutes(5))) func aBrokerRateLimitStormTripsTheCircuitBreakerAndLaterOrdersFailFast()
        async throws
    {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let fake = FakeAlpaca()
        fake.positions = "[]"
        // Account, positions, history, open orders and quotes answer; every order lookup and submit is a 429.
        let server = try LoopbackHTTPServer { r in
            if r.path.hasPrefix("/v2/orders") && !(r.query ?? "").contains("status=open") {
                return .respond(
                    status: 429, body: #"{"code": 42910000, "message": "rate limit exceeded"}"#,
                    headers: ["Retry-After": "5"])
            }
            return fake.handle(r)
        }
        defer { server.stop() }
        let spec = tmp.path + "/storm.yaml"
        try """
        version: 1
        name: broker-storm
        universe: {tickers: [AAPL, AMZN, GOOGL, MSFT, NVDA]}
        period: {start: 2024-01-02, end: 2025-06-30}
        strategies: [buy_and_hold]
        execute: {enabled: true, broker: alpaca, mode: paper, min_score: 0}
        """.write(toFile: spec, atomically: true, encoding: .utf8)
        let env = [
            "APCA_API_KEY_ID": "PKTESTKEYID0001", "APCA_API_SECRET_KEY": "s3cr3t-value-never-logged",
            "APCA_API_BASE_URL": server.baseURL.absoluteString, "APCA_API_DATA_URL": server.baseURL.absoluteString,
        ]
        let r = try await CLI.run(
            ["run", spec, "--json", "--data-dir", tmp.path + "/data", "--reports-dir", tmp.path + "/reports"], env: env)
        #expect(r.status == 3, "\(r.stderr)")
        let execute = try #require(try Self.json(r)["execute"] as? [String: Any])
        #expect(execute["failed"] as? Int == 5)
        #expect(execute["submitted"] as? Int == 0)
        let orders = try #require(execute["orders"] as? [[String: Any]])
        let messages = orders.compactMap { $0["error"] as? String }
        #expect(messages.count == 5)
        // The breaker opens after 6 consecutive failures (4 attempts for the first order's lookup, 2 for the
        // second's): the last three orders never reach the server.
        #expect(messages.filter { $0.contains("so the rest of this execute fails fast") }.count >= 3, "\(messages)")
        #expect(fake.orderCount == 0)
        let stormRequests = server.requests.filter {
            $0.path.hasPrefix("/v2/orders") && !($0.query ?? "").contains("status=open")
        }
        #expect(stormRequests.count == 6, "\(stormRequests.map(\.target))")
    }

    /// `notify[].allow_link_local`: a link-local webhook is refused by default with advice naming the key, the
    /// key lets it through (delivery is attempted), and a non-boolean value is a located spec error.
    @Test(.timeLimit(.minutes(5))) func aLinkLocalWebhookIsRefusedUnlessTheSpecAllowsIt() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        func spec(_ extra: String) throws -> String {
            let path = tmp.path + "/hook-\(UUID().uuidString.prefix(8)).yaml"
            try """
            version: 1
            name: link-local-hook
            universe: {tickers: [AAPL]}
            period: {start: 2024-01-02, end: 2025-06-30}
            strategies: [buy_and_hold]
            notify:
              - {url: "http://169.254.0.1:9/hook/secret-token"\(extra)}
            """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let base = ["--as-of", "2025-06-30", "--data-dir", tmp.path + "/data", "--reports-dir", tmp.path + "/reports"]
        let refused = try await CLI.run(["run", try spec("")] + base)
        #expect(refused.status == 0, "\(refused.stderr)")
        #expect(
            refused.stderr.contains("webhook to 169.254.0.1 refused: 169.254.0.1 is a link-local or metadata address"))
        #expect(refused.stderr.contains("add allow_link_local: true to this notify entry"))

        let allowed = try await CLI.run(["run", try spec(", allow_link_local: true")] + base)
        #expect(allowed.status == 0, "\(allowed.stderr)")
        #expect(!allowed.stderr.contains("refused"), "\(allowed.stderr)")
        #expect(allowed.stderr.contains("webhook to 169.254.0.1"), "\(allowed.stderr)")
        #expect(!allowed.stderr.contains("secret-token"))

        let badPath = try spec(", allow_link_local: yes please")
        let bad = try await CLI.run(["validate", badPath])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("\(badPath):7:"), "\(bad.stderr)")
        #expect(bad.stderr.contains("true or false"), "\(bad.stderr)")
    }

    /// A webhook that answers with a redirect to another host is not followed (the other host receives
    /// nothing) and a 3xx is not a delivery: the run says so and goes on.
    @Test(.timeLimit(.minutes(5))) func aWebhookRedirectIsNotFollowedNorCountedAsDelivered() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let other = try LoopbackHTTPServer { _ in .respond(status: 204, body: "") }
        defer { other.stop() }
        let redirecting = try LoopbackHTTPServer { _ in
            .respond(status: 307, body: "", headers: ["Location": "http://127.0.0.1:\(other.port)/collect"])
        }
        defer { redirecting.stop() }
        let choosing = try LoopbackHTTPServer { _ in .respond(status: 300, body: "choose") }
        defer { choosing.stop() }
        let spec = tmp.path + "/hooks.yaml"
        try """
        version: 1
        name: redirecting-hooks
        universe: {tickers: [AAPL]}
        period: {start: 2024-01-02, end: 2025-06-30}
        strategies: [buy_and_hold]
        notify:
          - {url: "\(redirecting.baseURL.absoluteString)/hook", min_priority: low}
          - {url: "\(choosing.baseURL.absoluteString)/hook", min_priority: low}
        """.write(toFile: spec, atomically: true, encoding: .utf8)
        let r = try await CLI.run([
            "run", spec, "--as-of", "2025-06-30", "--data-dir", tmp.path + "/data", "--reports-dir",
            tmp.path + "/reports",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!redirecting.requests.isEmpty)
        #expect(!choosing.requests.isEmpty)
        #expect(other.requests.isEmpty)
        #expect(r.stderr.contains("redirected to another host"), "\(r.stderr)")
        #expect(r.stderr.contains("HTTP 300"), "\(r.stderr)")
    }

    /// A file of the user's that carries one of stratopt's names (`orders.csv` in a folder a run without an
    /// execute stage writes into) is not the run's: `delete` removes exactly the files the run recorded
    /// writing and keeps that one, and the folder with it.
    @Test func deleteRemovesOnlyTheFilesTheRunRecordedWriting() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let fm = FileManager.default
        let custom = tmp.path + "/night"
        try fm.createDirectory(atPath: custom, withIntermediateDirectories: true)
        try "my own orders\n".write(toFile: custom + "/orders.csv", atomically: true, encoding: .utf8)
        let base = try String(
            contentsOf: CLI.repoRoot.appendingPathComponent("pipelines/example.yaml"), encoding: .utf8)
        let spec = tmp.path + "/custom.yaml"
        try (base + "report: {dir: \"\(custom)\"}\n").write(toFile: spec, atomically: true, encoding: .utf8)
        let data = ["--data-dir", tmp.path + "/data"]
        let r = try await CLI.run(
            ["run", spec, "--as-of", "2025-06-30", "--json", "--reports-dir", tmp.path + "/reports"] + data)
        #expect(r.status == 0, "\(r.stderr)")
        let runId = try #require(try Self.json(r)["run_id"] as? String)
        let history = try await CLI.run(["history", "--json"] + data)
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]])
        let written = try #require(runs.first?["written_files"] as? [String])
        #expect(written.contains("results.csv") && written.contains("manifest.json"))
        #expect(!written.contains("orders.csv"))

        let deleted = try await CLI.run(["delete", runId] + data)
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(
            deleted.stdout.contains("kept the folder and what stratopt did not write (orders.csv)"), "\(deleted.stdout)"
        )
        #expect(try String(contentsOfFile: custom + "/orders.csv", encoding: .utf8) == "my own orders\n")
        #expect(try fm.contentsOfDirectory(atPath: custom) == ["orders.csv"])
    }
}
