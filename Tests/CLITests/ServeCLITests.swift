import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `stratopt serve` as a child process on 127.0.0.1 (port chosen by the system), its stdout and stderr in
/// files so a chatty server never blocks on a pipe.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let root: URL
    let outURL: URL
    let errURL: URL
    private(set) var base = URL(string: "http://127.0.0.1")!

    init(root: URL, _ extra: [String] = [], env: [String: String] = [:]) async throws {
        self.root = root
        let n = UUID().uuidString.prefix(8)
        outURL = root.appendingPathComponent("serve-\(n).out")
        errURL = root.appendingPathComponent("serve-\(n).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        process.executableURL = CLI.binary
        process.arguments =
            [
                "serve", "--listen", "127.0.0.1:0", "--tokens", root.path + "/tokens.yaml", "--data-dir",
                root.path + "/data", "--reports-dir", root.path + "/reports",
            ] + extra
        process.currentDirectoryURL = CLI.repoRoot
        var e = ProcessInfo.processInfo.environment
        e.removeValue(forKey: "STRATOPT_DATA_DIR")
        e["STRATOPT_AS_OF"] = "2025-06-30"
        e.merge(env) { $1 }
        process.environment = e
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        for _ in 0..<1200 {
            let text = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
            if let r = text.range(of: "listening on http://") {
                let address = text[r.upperBound...].prefix { !$0.isNewline }
                base = URL(string: "http://\(address)")!
                return
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServeTestError("the server did not start: \(stderr)")
    }

    var stderr: String { (try? String(contentsOf: errURL, encoding: .utf8)) ?? "" }

    /// Stops the server (SIGTERM, or SIGKILL with `kill9`) and waits for it to exit.
    func stop(kill9: Bool = false) async {
        kill(process.processIdentifier, kill9 ? SIGKILL : SIGTERM)
        let box = UncheckedBox(process)
        await offPool { box.value.waitUntilExit() }
    }
}

struct ServeTestError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

struct HTTPReply: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
    func json() -> [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// Real HTTP requests over loopback (URLSession, no proxy).
enum HTTPCall {
    static let session: URLSession = {
        let c = URLSessionConfiguration.ephemeral
        c.connectionProxyDictionary = [:]
        c.timeoutIntervalForRequest = 120
        return URLSession(configuration: c)
    }()

    static func send(
        _ method: String, _ url: URL, token: String? = nil, type: String? = nil, body: Data? = nil
    ) async throws -> HTTPReply {
        var r = URLRequest(url: url)
        r.httpMethod = method
        if let token { r.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let type { r.setValue(type, forHTTPHeaderField: "Content-Type") }
        r.httpBody = body
        let (data, response) = try await session.data(for: r)
        let h = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (k, v) in h.allHeaderFields { headers["\(k)"] = "\(v)" }
        return HTTPReply(status: h.statusCode, headers: headers, body: data)
    }
}

/// Two users, their tokens and a tokens file made with `stratopt serve --hash-token` (checked against
/// sha256sum, so the file holds the tokens' real SHA-256).
enum ServeFixture {
    static let alice = "alice-token-7f3e9a"
    static let bob = "bob-token-41c2d8"

    static func root() async throws -> URL {
        let root = CLI.tempDir()
        var lines: [String] = []
        for (user, token) in [("alice", alice), ("bob", bob)] {
            let tokenFile = root.appendingPathComponent("\(user).token")
            try Data((token + "\n").utf8).write(to: tokenFile)
            let hash = try await Tool.run(
                "/bin/sh", ["-c", "'\(CLI.binary.path)' serve --hash-token < '\(tokenFile.path)'"])
            #expect(hash.status == 0, "\(hash.stderr)")
            let sum = try await Tool.run("/bin/sh", ["-c", "printf %s '\(token)' | sha256sum"])
            let expected = String(sum.stdout.prefix(64))
            #expect(hash.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == expected)
            lines.append("- {user: \(user), sha256: \(expected)}")
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: root.appendingPathComponent("tokens.yaml"))
        return root
    }

    static func spec(_ name: String) throws -> Data {
        try Data(contentsOf: CLI.fixtures.appendingPathComponent("serve/\(name)"))
    }

    /// Polls a job's status until `done` says so (at most `seconds`).
    static func waitFor(
        _ server: ServeProcess, _ id: String, token: String = alice, seconds: Int = 240,
        until done: ([String: Any]) -> Bool = {
            ["succeeded", "partial", "failed", "interrupted", "cancelled"].contains($0["status"] as? String ?? "")
        }
    ) async throws -> [String: Any] {
        let url = server.base.appendingPathComponent("api/v1/optimizer/status/\(id)")
        for _ in 0..<(seconds * 10) {
            let r = try await HTTPCall.send("GET", url, token: token)
            if r.status == 200, done(r.json()) { return r.json() }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ServeTestError("job \(id) did not get there in \(seconds) s; server: \(server.stderr)")
    }

    static func submit(_ server: ServeProcess, _ spec: Data, token: String = alice) async throws -> HTTPReply {
        try await HTTPCall.send(
            "POST", server.base.appendingPathComponent("api/v1/optimizer/analyze"), token: token,
            type: "application/yaml", body: spec)
    }
}

@Suite(.serialized, .timeLimit(.minutes(5))) struct ServeCLITests {
    let api = "api/v1/optimizer"

    @Test func everyEndpointOverLoopbackWithAuthAndOwnership() async throws {
        let root = try await ServeFixture.root()
        defer { try? FileManager.default.removeItem(at: root) }
        let server = try await ServeProcess(root: root)
        defer { Task { await server.stop() } }
        let b = server.base

        // 401 without a token or with a wrong one; the OpenAPI document is the committed one.
        let none = try await HTTPCall.send("GET", b.appendingPathComponent("\(api)/history"))
        #expect(none.status == 401)
        #expect(none.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
        #expect((none.json()["error"] as? [String: Any])?["code"] as? String == "unauthorized")
        #expect(try await HTTPCall.send("GET", b.appendingPathComponent("\(api)/history"), token: "nope").status == 401)
        let doc = try await HTTPCall.send("GET", b.appendingPathComponent("api/v1/openapi.json"))
        #expect(doc.status == 200)
        #expect(doc.body == (try Data(contentsOf: CLI.repoRoot.appendingPathComponent("docs/openapi.json"))))

        // 422 with the line and column `stratopt validate` reports: `- sma_crossovr` is line 6, column 5.
        let bad = try await ServeFixture.submit(server, try ServeFixture.spec("invalid.yaml"))
        #expect(bad.status == 422)
        let diags = ((bad.json()["error"] as? [String: Any])?["diagnostics"] as? [[String: Any]]) ?? []
        #expect(diags.contains { $0["line"] as? Int == 6 && $0["column"] as? Int == 5 })
        let validate = try await CLI.run([
            "validate", "--json", CLI.fixtures.appendingPathComponent("serve/invalid.yaml").path,
        ])
        let cliDiags =
            ((try? JSONSerialization.jsonObject(with: Data(validate.stdout.utf8))) as? [String: Any])?["diagnostics"]
            as? [[String: Any]] ?? []
        #expect(
            diags.map { "\($0["line"]!):\($0["column"]!) \($0["message"]!)" }
                == cliDiags.map { "\($0["line"]!):\($0["column"]!) \($0["message"]!)" })
        // A server-side path is refused at its key: `dir:` is line 8, column 3.
        let escape = try await ServeFixture.submit(server, try ServeFixture.spec("report-dir.yaml"))
        #expect(escape.status == 422)
        let ed = ((escape.json()["error"] as? [String: Any])?["diagnostics"] as? [[String: Any]])?.first
        #expect(ed?["line"] as? Int == 8 && ed?["column"] as? Int == 3)
        #expect(!FileManager.default.fileExists(atPath: "/tmp/stratopt-serve-escape"))
        let wrongType = try await HTTPCall.send(
            "POST", b.appendingPathComponent("\(api)/analyze"), token: ServeFixture.alice, type: "text/plain",
            body: Data("x".utf8))
        #expect(wrongType.status == 415)

        // 202, then the job runs to its end.
        let accepted = try await ServeFixture.submit(server, try ServeFixture.spec("small.yaml"))
        #expect(accepted.status == 202, "\(accepted.text)")
        let id = try #require(accepted.json()["job_id"] as? String)
        let final = try await ServeFixture.waitFor(server, id)
        #expect(final["status"] as? String == "succeeded", "\(final) \(server.stderr)")
        // 2 symbols × (2 × 2 sma pairs + buy_and_hold).
        #expect(final["backtests"] as? Int == 2 * (4 + 1))

        // Events: a status stream ending with the final status.
        let events = try await HTTPCall.send(
            "GET", b.appendingPathComponent("\(api)/status/\(id)/events"), token: ServeFixture.alice)
        #expect(events.status == 200)
        #expect(events.header("Content-Type")?.hasPrefix("text/event-stream") == true)
        #expect(events.text.hasPrefix("event: status\ndata: {"))
        #expect(events.text.contains("\"status\":\"succeeded\""))

        // Results: the run's results.json, every symbol of the spec.
        let results = try await HTTPCall.send(
            "GET", b.appendingPathComponent("\(api)/results/\(id)"), token: ServeFixture.alice)
        #expect(results.status == 200)
        let rows = results.json()["results"] as? [[String: Any]] ?? []
        #expect(Set(rows.compactMap { $0["symbol"] as? String }) == ["AAA", "BBB"])
        #expect(rows.count == 10)
        let onDisk = try Data(
            contentsOf: root.appendingPathComponent("reports/servetest/\(id)/results.json"))
        #expect(results.body == onDisk)
        let report = try await HTTPCall.send(
            "GET", b.appendingPathComponent("\(api)/jobs/\(id)/report.html"), token: ServeFixture.alice)
        #expect(report.status == 200 && report.text.contains("<html"))

        // Another user's job is not found, whatever the endpoint.
        for (method, path) in [
            ("GET", "\(api)/status/\(id)"), ("GET", "\(api)/results/\(id)"), ("DELETE", "\(api)/jobs/\(id)"),
            ("GET", "\(api)/status/\(id)/events"), ("GET", "\(api)/jobs/\(id)/report.html"),
        ] {
            let r = try await HTTPCall.send(method, b.appendingPathComponent(path), token: ServeFixture.bob)
            #expect(r.status == 404, "\(method) \(path)")
        }
        let bobExec = try await HTTPCall.send(
            "POST", b.appendingPathComponent("\(api)/execute"), token: ServeFixture.bob, type: "application/json",
            body: Data("{\"job_id\": \"\(id)\"}".utf8))
        #expect(bobExec.status == 404)
        let bobHistory = try await HTTPCall.send(
            "GET", b.appendingPathComponent("\(api)/history"), token: ServeFixture.bob)
        #expect((bobHistory.json()["jobs"] as? [Any])?.isEmpty == true)

        // Delete as `stratopt delete`: the record and the report folder go.
        let del = try await HTTPCall.send(
            "DELETE", b.appendingPathComponent("\(api)/jobs/\(id)"), token: ServeFixture.alice)
        #expect(del.status == 200, "\(del.text)")
        #expect(!FileManager.default.fileExists(atPath: root.path + "/reports/servetest/\(id)"))
        let gone = try await HTTPCall.send(
            "GET", b.appendingPathComponent("\(api)/status/\(id)"), token: ServeFixture.alice)
        #expect(gone.status == 404)
        let after = try await CLI.run(["history", "--json", "--data-dir", root.path + "/data"])
        #expect(!after.stdout.contains(id))
    }

    @Test func theCLIAndTheServerShareOneRunStoreAndExecuteIsExactlyOnce() async throws {
        let root = try await ServeFixture.root()
        defer { try? FileManager.default.removeItem(at: root) }
        let server = try await ServeProcess(root: root, ["--cli-user", "alice"])
        defer { Task { await server.stop() } }
        let b = server.base
        let accepted = try await ServeFixture.submit(server, try ServeFixture.spec("small.yaml"))
        let id = try #require(accepted.json()["job_id"] as? String, "\(accepted.text)")
        let final = try await ServeFixture.waitFor(server, id)
        #expect(final["status"] as? String == "succeeded", "\(final) \(server.stderr)")

        // The same run store: the job is in `stratopt history`, and a CLI run is in alice's (--cli-user) history.
        let history = try await CLI.run(["history", "--json", "--data-dir", root.path + "/data"])
        let cliRuns = (try? JSONSerialization.jsonObject(with: Data(history.stdout.utf8))) as? [[String: Any]] ?? []
        #expect(cliRuns.contains { $0["run_id"] as? String == id && $0["status"] as? String == "succeeded" })
        let cliRun = try await CLI.run([
            "run", CLI.fixtures.appendingPathComponent("serve/small.yaml").path, "--as-of", "2025-06-30", "--data-dir",
            root.path + "/data", "--reports-dir", root.path + "/reports", "--json", "--wait",
        ])
        #expect(cliRun.status == 0, "\(cliRun.stderr)")
        let cliId = try #require(
            ((try? JSONSerialization.jsonObject(with: Data(cliRun.stdout.utf8))) as? [String: Any])?["run_id"]
                as? String)
        let page1 = try await HTTPCall.send(
            "GET", URL(string: "\(b.absoluteString)/\(api)/history?page=1&per_page=1")!, token: ServeFixture.alice)
        #expect(page1.status == 200)
        #expect(page1.json()["total"] as? Int == 2)
        #expect((page1.json()["jobs"] as? [[String: Any]])?.first?["job_id"] as? String == cliId)
        let page2 = try await HTTPCall.send(
            "GET", URL(string: "\(b.absoluteString)/\(api)/history?page=2&per_page=1")!, token: ServeFixture.alice)
        #expect((page2.json()["jobs"] as? [[String: Any]])?.first?["job_id"] as? String == id)
        let badPage = try await HTTPCall.send(
            "GET", URL(string: "\(b.absoluteString)/\(api)/history?per_page=0")!, token: ServeFixture.alice)
        #expect(badPage.status == 422)

        // Execute on the paper broker: every order has a status; executing again sends nothing new.
        let exec = try await HTTPCall.send(
            "POST", b.appendingPathComponent("\(api)/execute"), token: ServeFixture.alice, type: "application/json",
            body: Data("{\"job_id\": \"\(id)\"}".utf8))
        #expect(exec.status == 200, "\(exec.text) \(server.stderr)")
        let e1 = exec.json()
        let orders = e1["orders"] as? [[String: Any]] ?? []
        let counts = ["submitted", "blocked", "failed", "skipped"].map { e1[$0] as? Int ?? -1 }
        #expect(counts.reduce(0, +) == orders.count)
        #expect(
            orders.allSatisfy { ["submitted", "blocked", "failed", "skipped"].contains($0["status"] as? String ?? "") })
        let again = try await HTTPCall.send(
            "POST", b.appendingPathComponent("\(api)/execute"), token: ServeFixture.alice, type: "application/json",
            body: Data("{\"job_id\": \"\(id)\"}".utf8))
        #expect(again.status == 200)
        #expect(again.json()["submitted"] as? Int == 0)
        #expect(again.json()["skipped"] as? Int == e1["submitted"] as? Int)

        // Deleting the executed job removes what execute added too (orders.csv, events.jsonl), and the folder.
        let del = try await HTTPCall.send(
            "DELETE", b.appendingPathComponent("\(api)/jobs/\(id)"), token: ServeFixture.alice)
        #expect(del.status == 200, "\(del.text)")
        #expect(!FileManager.default.fileExists(atPath: root.path + "/reports/servetest/\(id)"))
        let after = try await CLI.run(["history", "--json", "--data-dir", root.path + "/data"])
        #expect(!after.stdout.contains(id))
        #expect(after.stdout.contains(cliId))
    }

    @Test func aUserPastTheQueuedLimitGets429AndACancelledJobStopsAfterItsBatch() async throws {
        let root = try await ServeFixture.root()
        defer { try? FileManager.default.removeItem(at: root) }
        let server = try await ServeProcess(root: root, ["--max-queued", "1"])
        defer { Task { await server.stop() } }
        let slow = try ServeFixture.spec("slow.yaml")
        // One worker: of three jobs at most one runs, so with one queued job allowed at least one is refused.
        var replies: [HTTPReply] = []
        for _ in 0..<3 { replies.append(try await ServeFixture.submit(server, slow)) }
        let refused = try #require(replies.first { $0.status == 429 }, "\(replies.map(\.status))")
        #expect((refused.json()["error"] as? [String: Any])?["code"] as? String == "too_many_queued")
        #expect(refused.header("Retry-After") != nil)
        #expect(replies.allSatisfy { $0.status == 202 || $0.status == 429 })
        // The limit is per user.
        let bobs = try await ServeFixture.submit(server, try ServeFixture.spec("small.yaml"), token: ServeFixture.bob)
        #expect(bobs.status == 202)

        let ids = replies.filter { $0.status == 202 }.compactMap { $0.json()["job_id"] as? String }
        let first = try #require(ids.first)
        _ = try await ServeFixture.waitFor(server, first) {
            ($0["done"] as? Int ?? 0) > 0
                || ($0["status"] as? String) != "queued" && ($0["status"] as? String) != "running"
        }
        let cancel = try await HTTPCall.send(
            "DELETE", server.base.appendingPathComponent("\(api)/jobs/\(first)"), token: ServeFixture.alice)
        #expect(cancel.status == 202, "\(cancel.text)")
        #expect(cancel.json()["status"] as? String == "cancelling")
        let stopped = try await ServeFixture.waitFor(server, first)
        #expect(stopped["status"] as? String == "cancelled", "\(stopped)")
        #expect((stopped["done"] as? Int ?? 0) < (stopped["total"] as? Int ?? 0))
        // A queued job is deleted outright.
        for id in ids.dropFirst() {
            let d = try await HTTPCall.send(
                "DELETE", server.base.appendingPathComponent("\(api)/jobs/\(id)"), token: ServeFixture.alice)
            #expect(d.status == 200 || d.status == 202)
        }
        let removed = try await HTTPCall.send(
            "DELETE", server.base.appendingPathComponent("\(api)/jobs/\(first)"), token: ServeFixture.alice)
        #expect(removed.status == 200, "\(removed.text)")
    }

    @Test func aServerKilledDuringAJobResumesItWhenStartedAgain() async throws {
        let root = try await ServeFixture.root()
        defer { try? FileManager.default.removeItem(at: root) }
        var server = try await ServeProcess(root: root)
        let accepted = try await ServeFixture.submit(server, try ServeFixture.spec("slow.yaml"))
        #expect(accepted.status == 202)
        let id = try #require(accepted.json()["job_id"] as? String)
        let mid = try await ServeFixture.waitFor(server, id) {
            ($0["done"] as? Int ?? 0) > 0 || ["succeeded", "failed"].contains($0["status"] as? String ?? "")
        }
        #expect(mid["status"] as? String == "running", "the job finished before the kill; make slow.yaml slower")
        await server.stop(kill9: true)

        server = try await ServeProcess(root: root)
        defer { Task { [server] in await server.stop() } }
        let final = try await ServeFixture.waitFor(server, id)
        #expect(final["status"] as? String == "succeeded", "\(final) \(server.stderr)")
        // 20 symbols × (6 × 5 sma pairs + 3 × 2 ema pairs), nothing lost or doubled by the kill.
        #expect(final["backtests"] as? Int == 20 * (30 + 6))
        #expect(server.stderr.contains("job \(id): resuming"))
        let history = try await CLI.run(["history", "--json", "--data-dir", root.path + "/data"])
        #expect(history.stdout.contains(id))
    }

    @Test func aLiveSpecCannotTradeOverHTTPWithoutConfirmLive() async throws {
        let root = try await ServeFixture.root()
        defer { try? FileManager.default.removeItem(at: root) }
        let server = try await ServeProcess(root: root)
        defer { Task { await server.stop() } }
        let accepted = try await ServeFixture.submit(server, try ServeFixture.spec("live.yaml"))
        let id = try #require(accepted.json()["job_id"] as? String, "\(accepted.text)")
        let final = try await ServeFixture.waitFor(server, id)
        #expect(final["status"] as? String == "succeeded", "\(final)")
        let exec = try await HTTPCall.send(
            "POST", server.base.appendingPathComponent("\(api)/execute"), token: ServeFixture.alice,
            type: "application/json", body: Data("{\"job_id\": \"\(id)\"}".utf8))
        #expect(exec.status == 422, "\(exec.text)")
        let message = (exec.json()["error"] as? [String: Any])?["message"] as? String ?? ""
        #expect(message.contains("live trading refused") && message.contains("--confirm-live"), "\(message)")
        #expect(!FileManager.default.fileExists(atPath: root.path + "/reports/livetest/\(id)/orders.csv"))
    }

    @Test func theDashboardIsOnePageWithItsOwnScriptAndACSP() async throws {
        let root = try await ServeFixture.root()
        defer { try? FileManager.default.removeItem(at: root) }
        let server = try await ServeProcess(root: root)
        defer { Task { await server.stop() } }
        let page = try await HTTPCall.send("GET", server.base)
        #expect(page.status == 200)
        let csp = page.header("Content-Security-Policy") ?? ""
        #expect(csp.contains("default-src 'none'") && csp.contains("script-src 'self'"))
        for path in ["", "dashboard.js", "dashboard.css"] {
            let r = try await HTTPCall.send("GET", server.base.appendingPathComponent(path))
            #expect(r.status == 200)
            // Self-contained: nothing is loaded from another origin.
            #expect(!r.text.contains("http://") && !r.text.contains("https://"), "\(path)")
        }
        #expect(page.text.contains("id=\"tickers\"") && page.text.contains("<option value=\"sma_crossover\">"))
        // The script writes values with textContent only.
        let js = try await HTTPCall.send("GET", server.base.appendingPathComponent("dashboard.js"))
        #expect(!js.text.contains("innerHTML"))
    }
}
