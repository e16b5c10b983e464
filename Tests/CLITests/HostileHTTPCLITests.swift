import Foundation
import LoopbackSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The hostile HTTP corpus of issue 14 against the real binary: a Stooq-format server on 127.0.0.1 answers
/// one good symbol and attacks with the other. Every attack must fail only its symbol (exit 3, partial),
/// with an error that says what happened, in bounded time, with the child's peak RSS under 1 GiB.
@Suite struct HostileHTTPCLITests {
    /// The NYSE sessions of January 2024 (1 Jan and 15 Jan, Martin Luther King Day, are holidays).
    static let sessions: [String] = (2...31).compactMap { d in
        let date = String(format: "2024-01-%02d", d)
        let weekday = d % 7  // 2024-01-01 was a Monday: d % 7 == 6 → Saturday, 0 → Sunday
        return weekday == 6 || weekday == 0 || d == 15 ? nil : date
    }

    static func csv(_ rows: [String]) -> Data {
        Data(("Date,Open,High,Low,Close,Volume\n" + rows.map { $0 + "\n" }.joined()).utf8)
    }

    static let goodCSV = csv(
        sessions.enumerated().map { i, d in "\(d),\(100 + i),\(102 + i),\(99 + i),\(101 + i),1000" })

    enum Attack: String, CaseIterable, Sendable {
        case trickle, gzipBomb, declaredHugeBody, streamedHugeBody, closedMidBody, conflictingDuplicateBars
        case farOutOfRangeBar
    }

    /// What stderr must say about BAD.
    static func expectedError(_ a: Attack, port: UInt16) -> String {
        switch a {
        case .trickle: "no complete response within the 1 s deadline, retried 3 times"
        case .gzipBomb, .streamedHugeBody: "the response from 127.0.0.1:\(port) passed the 64 MiB limit (decoded size)"
        case .declaredHugeBody: "127.0.0.1:\(port) announced a 104857600-byte response, above the 64 MiB limit"
        case .closedMidBody: "connection to 127.0.0.1:\(port) closed after 0 of 512 bytes"
        case .conflictingDuplicateBars: "the provider sent two different bars for 2024-01-03"
        case .farOutOfRangeBar: "the provider sent a bar for 1999-01-04, outside the requested"
        }
    }

    /// 512 MiB of zeros, gzip-compressed (about 0.5 MiB): decoded whole it would take the process past 512 MiB.
    static func gzipBomb(_ dir: URL) throws -> Data {
        let path = dir.appendingPathComponent("bomb.gz").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [
            "python3", "-c",
            "import zlib,sys\nc=zlib.compressobj(9,zlib.DEFLATED,31)\nf=open(sys.argv[1],'wb')\nz=bytes(1<<20)\n"
                + "for _ in range(512): f.write(c.compress(z))\nf.write(c.flush())\n",
            path,
        ]
        try p.run()
        p.waitUntilExit()
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    static func behave(_ a: Attack, _ c: HostileConnection, bomb: Data) {
        switch a {
        case .trickle:
            // Headers at once, then one byte a second: each attempt is cut at the 1 s deadline.
            guard c.head(200, [("Content-Length", "512")]) else { return }
            for _ in 0..<60 {
                guard c.send("x") else { return }
                c.pause(1)
            }
        case .gzipBomb:
            c.respond(200, [("Content-Encoding", "gzip"), ("Content-Type", "text/csv")], body: bomb)
        case .declaredHugeBody:
            guard c.head(200, [("Content-Length", "104857600"), ("Connection", "close")]) else { return }
            c.send(Data(count: 64 * 1024))
        case .streamedHugeBody:
            // 100 MiB without a Content-Length: the body ends when the connection closes.
            guard c.head(200, [("Connection", "close")]) else { return }
            let chunk = Data(count: 1 << 20)
            for _ in 0..<100 { guard c.send(chunk) else { return } }
        case .closedMidBody:
            c.head(200, [("Content-Length", "512")])
        case .conflictingDuplicateBars:
            c.respond(
                200,
                body: csv([
                    "2024-01-02,100,102,99,101,1000", "2024-01-03,101,103,100,102,1000",
                    "2024-01-03,150,153,149,152,1000",
                ]))
        case .farOutOfRangeBar:
            c.respond(200, body: csv(["1999-01-04,100,102,99,101,1000", "2024-01-02,100,102,99,101,1000"]))
        }
    }

    /// The largest peak RSS of any child this test process has waited for, in bytes.
    static func childrenPeakRSS() -> Int {
        var u = rusage()
        #if os(Linux)
            getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &u)
            return Int(u.ru_maxrss) * 1024
        #else
            getrusage(RUSAGE_CHILDREN, &u)
            return Int(u.ru_maxrss)
        #endif
    }

    @Test(.timeLimit(.minutes(5)), arguments: Attack.allCases)
    func aHostileServerFailsOnlyItsSymbolWithAClearError(_ attack: Attack) async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let bomb = attack == .gzipBomb ? try Self.gzipBomb(tmp) : Data()
        let server = try HostileServer { r, c in
            if r.target.contains("s=good.us") {
                c.respond(200, [("Content-Type", "text/csv")], body: Self.goodCSV)
            } else {
                Self.behave(attack, c, bomb: bomb)
            }
        }
        defer { server.stop() }
        // The trickle is cut by a 1 s deadline; every other attack must be stopped by what it attacks (the size
        // limit, the closed connection, the data checks) well before a generous 60 s one, however loaded the
        // machine.
        let timeout = attack == .trickle ? 1 : 60
        let spec = tmp.path + "/hostile.yaml"
        try """
        version: 1
        name: hostile-\(attack.rawValue)
        data: {provider: stooq, base_url: "\(server.baseURL.absoluteString)", timeout_seconds: \(timeout)}
        universe: {tickers: [GOOD, BAD]}
        period: {start: 2024-01-02, end: 2024-01-31}
        strategies: [buy_and_hold]
        """.write(toFile: spec, atomically: true, encoding: .utf8)
        let start = ContinuousClock.now
        let r = try await CLI.run([
            "run", spec, "--as-of", "2024-02-01", "--json", "--no-cache", "--data-dir", tmp.path + "/data",
            "--reports-dir", tmp.path + "/reports",
        ])
        let elapsed = ContinuousClock.now - start
        #expect(r.status == 3, "\(attack): \(r.stderr)")
        let expected = Self.expectedError(attack, port: server.port)
        #expect(r.stderr.contains("fetch: BAD failed: "), "\(attack): \(r.stderr)")
        #expect(r.stderr.contains(expected), "\(attack): \(r.stderr)")
        #expect(!r.stderr.contains("fetch: GOOD failed"), "\(attack): \(r.stderr)")
        // Bounded: messages stay short, the run ends well before the 300 s fetch budget (a generous bound
        // for a loaded machine; the deadline itself is 1 s per attempt), memory stays far below the bomb.
        #expect(r.stderr.utf8.count < 20_000)
        #expect(elapsed < .seconds(120), "\(attack): \(elapsed)")
        #expect(Self.childrenPeakRSS() < 1 << 30)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(doc["status"] as? String == "partial")
        let dir = try #require(doc["report_dir"] as? String)
        let best = try String(contentsOfFile: dir + "/best.csv", encoding: .utf8)
        #expect(best.contains("GOOD,buy_and_hold"))
        #expect(!best.contains("BAD,"))
    }

    /// 12 symbols against a server that answers every request with 429 and `Retry-After: 1`: the provider's
    /// circuit breaker opens after 12 consecutive refusals, so 12 requests are all the storm costs (without it:
    /// 48, four attempts per symbol, each after a wait), and the symbols not yet started fail at once.
    @Test(.timeLimit(.minutes(5))) func a429StormTripsTheProvidersCircuitBreaker() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let server = try HostileServer { _, c in
            c.respond(429, [("Retry-After", "1")], body: Data("Too Many Requests".utf8))
        }
        defer { server.stop() }
        let tickers = (1...12).map { String(format: "S%02d", $0) }
        let spec = tmp.path + "/storm.yaml"
        try """
        version: 1
        name: storm
        data: {provider: stooq, base_url: "\(server.baseURL.absoluteString)"}
        universe: {tickers: [\(tickers.joined(separator: ", "))]}
        period: {start: 2024-01-02, end: 2024-01-31}
        strategies: [buy_and_hold]
        """.write(toFile: spec, atomically: true, encoding: .utf8)
        let r = try await CLI.run([
            "fetch", spec, "--as-of", "2024-02-01", "--data-dir", tmp.path + "/data",
        ])
        #expect(r.status == 1, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 12)
        let open = "not sent: the last 12 requests to this provider failed (429/5xx or no answer)"
        #expect(lines.allSatisfy { $0.contains(open) || $0.contains("HTTP 429 ") }, "\(lines)")
        // Four symbols load at once, so up to four were under way when the breaker opened; the rest never
        // sent a request.
        #expect(lines.filter { $0.contains(open) }.count >= 8, "\(lines)")
        #expect(server.requests.count == 12)
    }

    /// `--verbose` shows every HTTP exchange (redacted URL, status, size, time) and each bar-cache decision:
    /// the first run fetches the missing range, the second reads it from the cache and sends nothing.
    @Test(.timeLimit(.minutes(5))) func verboseShowsHTTPRequestsAndBarCacheDecisions() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let server = try HostileServer { _, c in c.respond(200, body: Self.goodCSV) }
        defer { server.stop() }
        let spec = tmp.path + "/verbose.yaml"
        try """
        version: 1
        name: verbose
        data: {provider: stooq, base_url: "\(server.baseURL.absoluteString)"}
        universe: {tickers: [AAA]}
        period: {start: 2024-01-02, end: 2024-01-31}
        strategies: [buy_and_hold]
        """.write(toFile: spec, atomically: true, encoding: .utf8)
        let args = [
            "run", spec, "--as-of", "2024-02-01", "--data-dir", tmp.path + "/data", "--reports-dir",
            tmp.path + "/reports",
        ]
        let first = try await CLI.run(args + ["-v"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(
            first.stderr.contains("cache: AAA (stooq) 2024-01-02…2024-01-31: missing 2024-01-02…2024-01-31, fetching"))
        #expect(first.stderr.contains("fetch: GET http://127.0.0.1:\(server.port)/"), "\(first.stderr)")
        #expect(first.stderr.contains("→ HTTP 200, \(Self.goodCSV.count) bytes in "), "\(first.stderr)")
        let requests = server.requests.count
        #expect(requests >= 1)

        let second = try await CLI.run(args + ["--verbose"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("cache: AAA (stooq) 2024-01-02…2024-01-31: covered, read from the cache"))
        #expect(!second.stderr.contains("fetch: GET"))
        #expect(server.requests.count == requests)

        let quiet = try await CLI.run(args)
        #expect(quiet.status == 0, "\(quiet.stderr)")
        #expect(!quiet.stderr.contains("cache: AAA"))
    }

    /// A server that keeps answering 503 with `Retry-After` cannot keep a symbol's fetch going past its time
    /// budget (`data.fetch_budget_seconds`): the symbol fails naming the budget and the last failure, and the
    /// binary stops asking once the next wait would not fit.
    @Test(.timeLimit(.minutes(5))) func aSymbolsFetchStopsAtItsTimeBudget() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let server = try HostileServer { _, c in
            c.respond(503, [("Retry-After", "2")], body: Data("busy".utf8))
        }
        defer { server.stop() }
        let spec = tmp.path + "/budget.yaml"
        try """
        version: 1
        name: budget
        data: {provider: stooq, base_url: "\(server.baseURL.absoluteString)", fetch_budget_seconds: 5}
        universe: {tickers: [AAA]}
        period: {start: 2024-01-02, end: 2024-01-31}
        strategies: [buy_and_hold]
        """.write(toFile: spec, atomically: true, encoding: .utf8)
        let started = Date()
        let r = try await CLI.run(["fetch", spec, "--as-of", "2024-02-01", "--data-dir", tmp.path + "/data"])
        let seconds = Date().timeIntervalSince(started)
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stdout.contains("gave up after the 5 s time budget of this fetch"), "\(r.stdout)")
        #expect(r.stdout.contains("503"), "\(r.stdout)")
        // Waits of 2 s each (with jitter) fit in 5 s at most twice, so at most three requests are sent; without
        // the budget the default retry policy would keep going.
        #expect((1...3).contains(server.requests.count), "\(server.requests.count) requests")
        // A generous bound (a loaded machine): the budget, not a retry count or a hang, ended it.
        #expect(seconds < 60)
    }

    /// Alpaca data keys never follow a redirect to another host: the 302 is refused (naming both hosts), the
    /// other host receives nothing, and no output holds a key.
    @Test(.timeLimit(.minutes(5))) func alpacaKeysDoNotFollowACrossHostRedirect() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let thief = try HostileServer { _, c in c.respond(200, body: Data(#"{"bars": {}}"#.utf8)) }
        defer { thief.stop() }
        let server = try HostileServer { _, c in
            c.respond(302, [("Location", "http://127.0.0.1:\(thief.port)/steal")])
        }
        defer { server.stop() }
        let spec = tmp.path + "/redirect.yaml"
        try """
        version: 1
        name: redirect
        data: {provider: alpaca, base_url: "\(server.baseURL.absoluteString)"}
        universe: {tickers: [AAPL]}
        period: {start: 2024-01-02, end: 2024-01-31}
        strategies: [buy_and_hold]
        """.write(toFile: spec, atomically: true, encoding: .utf8)
        let key = "PKREDIRECTKEY0001", secret = "redirect-secret-never-sent-elsewhere"
        let r = try await CLI.run(
            ["run", spec, "--as-of", "2024-02-01", "--data-dir", tmp.path + "/data", "--reports-dir", tmp.path + "/r"],
            env: ["APCA_API_KEY_ID": key, "APCA_API_SECRET_KEY": secret])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(
            r.stderr.contains(
                "127.0.0.1:\(server.port) redirected to another host, 127.0.0.1:\(thief.port); refused to follow it"),
            "\(r.stderr)")
        #expect(thief.requests.isEmpty)
        #expect(server.requests.count == 1)
        #expect(server.requests.first?.headers["apca-api-key-id"] == key)
        #expect(!(r.stdout + r.stderr).contains(secret) && !(r.stdout + r.stderr).contains(key))
    }

    /// The trading API's keys never follow a redirect either: a broker answering 302 to another host fails the
    /// execute stage (exit 1) naming both hosts, and the other host receives nothing.
    @Test(.timeLimit(.minutes(5))) func brokerKeysDoNotFollowACrossHostRedirect() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let thief = try HostileServer { _, c in c.respond(200, body: Data("{}".utf8)) }
        defer { thief.stop() }
        let broker = try HostileServer { r, c in
            c.respond(302, [("Location", "http://127.0.0.1:\(thief.port)\(r.target)")])
        }
        defer { broker.stop() }
        let spec = tmp.path + "/execute.yaml"
        try """
        version: 1
        name: broker-redirect
        universe: {tickers: [AAPL]}
        period: {start: 2024-01-02, end: 2025-06-30}
        strategies: [buy_and_hold]
        execute: {enabled: true, broker: alpaca, mode: paper, min_score: 0}
        """.write(toFile: spec, atomically: true, encoding: .utf8)
        let key = "PKBROKERREDIRECT01", secret = "broker-secret-stays-home"
        let r = try await CLI.run(
            ["run", spec, "--data-dir", tmp.path + "/data", "--reports-dir", tmp.path + "/r"],
            env: [
                "APCA_API_KEY_ID": key, "APCA_API_SECRET_KEY": secret,
                "APCA_API_BASE_URL": broker.baseURL.absoluteString, "APCA_API_DATA_URL": broker.baseURL.absoluteString,
            ])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(
            r.stderr.contains("127.0.0.1:\(broker.port) redirected to another host, 127.0.0.1:\(thief.port)"),
            "\(r.stderr)")
        #expect(thief.requests.isEmpty)
        #expect(!broker.requests.contains { $0.method == "POST" })
        #expect(!(r.stdout + r.stderr).contains(secret) && !(r.stdout + r.stderr).contains(key))
    }
}
