import DataSources
import Foundation
import HTTPTransport
import Market
import Testing

/// Issue 14 attacks against the HTTP providers and their shared client, on real 127.0.0.1 servers.
// A time limit turns a hang (a manual clock waiting for an advance that never comes) into a failure.
@Suite(.timeLimit(.minutes(5))) struct HostileProviderTests {
    static let keyID = "PKHOSTILE7Q2RZ4EXAMPLE"
    static let secret = "hostileS3CR3Tsecret0123456789abcdefEXAMPLE"
    static let env = ["APCA_API_KEY_ID": keyID, "APCA_API_SECRET_KEY": secret]
    let jan2 = SessionDate(iso: "2024-01-02")!
    let jan4 = SessionDate(iso: "2024-01-04")!

    @Test func alpacaKeysAreNotSentAcrossARedirect() async throws {
        try await withLoopbackServer { thief in
            thief.on("/steal", repeatLast: true, .json(#"{"bars": {}, "next_page_token": null}"#))
            try await withLoopbackServer { server in
                server.on(
                    "/v2/stocks/bars", repeatLast: true,
                    .text("", status: 302, headers: ["Location": "http://127.0.0.1:\(thief.port)/steal"]))
                let p = AlpacaBarsProvider(
                    baseURL: server.baseURL, environment: Self.env,
                    options: HTTPClientOptions(timeout: 5, clock: ManualClock()))
                let r = await p.bars(symbols: ["AAPL"], from: jan2, to: jan4)
                guard case .failure(let e) = r["AAPL"] else {
                    Issue.record("expected a failure, got \(String(describing: r["AAPL"]))")
                    return
                }
                #expect(
                    e.message.contains("127.0.0.1:\(server.port) redirected to another host, 127.0.0.1:\(thief.port)"))
                // Refused, not retried: one request, nothing at the other host.
                #expect(server.requests.count == 1)
                #expect(thief.requests.isEmpty)
                #expect(!e.description.contains(Self.secret) && !e.description.contains(Self.keyID))
            }
        }
    }

    @Test func a429StormTripsTheCircuitBreaker() async throws {
        try await withLoopbackServer { server in
            server.on("/q/d/l/", repeatLast: true, .text("Too Many Requests", status: 429))
            let clock = ManualClock()
            let p = StooqProvider(
                baseURL: server.baseURL, environment: [:],
                options: HTTPClientOptions(
                    timeout: 5, retry: RetryPolicy(maxAttempts: 3), circuitBreakerThreshold: 4, clock: clock))
            var messages: [String] = []
            for symbol in ["AAA", "BBB", "CCC", "DDD", "EEE"] {
                do {
                    _ = try await p.bars(symbol: symbol, from: jan2, to: jan4)
                    Issue.record("\(symbol) should fail")
                } catch {
                    messages.append("\(error)")
                }
            }
            // 3 attempts for AAA, the 4th consecutive 429 (BBB's first) opens the breaker; the rest send nothing.
            #expect(server.requests.count == 4)
            #expect(messages.count == 5)
            #expect(messages[0].contains("HTTP 429"))
            for m in messages.dropFirst(2) {
                #expect(m.contains("the last 4 requests to this provider failed"), "\(m)")
            }
        }
    }

    @Test func retriesStopAtTheFetchBudget() async throws {
        try await withLoopbackServer { server in
            server.on("/data", repeatLast: true, .text("busy", status: 503, headers: ["Retry-After": "400"]))
            let clock = ManualClock()
            let c = HTTPClient(
                provider: "test",
                options: HTTPClientOptions(
                    timeout: 5, retry: RetryPolicy(maxAttempts: 100, maxRateLimitWait: 500), fetchBudget: 1000,
                    circuitBreakerThreshold: 0, clock: clock))
            await #expect {
                _ = try await c.get(server.baseURL.appendingPathComponent("data"))
            } throws: { error in
                let e = try #require(error as? HTTPError)
                return e.failure == .budgetExhausted(1000) && e.summary.contains("last failure: HTTP 503 busy")
            }
            // Waits of 400 s + 400 s (on the manual clock) fit in 1000 s; a third would not.
            #expect(clock.recordedSleeps == [400, 400])
            #expect(server.requests.count == 3)
        }
    }

    @Test func hugeErrorBodiesAreClippedInMessages() async throws {
        try await withLoopbackServer { server in
            let long = String(repeating: "A", count: 5_000)
            server.on("/data", .json(#"{"message": "\#(long)"}"#, status: 400))
            let c = HTTPClient(provider: "test", options: HTTPClientOptions(timeout: 5, clock: ManualClock()))
            await #expect {
                _ = try await c.get(server.baseURL.appendingPathComponent("data"))
            } throws: { error in
                let e = try #require(error as? HTTPError)
                return e.providerMessage == String(repeating: "A", count: 200) + "…"
            }
        }
    }

    @Test func oversizedResponseFailsTheSymbolClearly() async throws {
        try await withLoopbackServer { server in
            server.on("/q/d/l/", .text(String(repeating: "2024-01-02,1,1,1,1,1\n", count: 10_000)))
            let p = StooqProvider(
                baseURL: server.baseURL, environment: [:],
                options: HTTPClientOptions(timeout: 5, maxResponseBytes: 64 * 1024, clock: ManualClock()))
            await #expect {
                _ = try await p.bars(symbol: "AAPL", from: jan2, to: jan4)
            } throws: { error in
                let m = "\(error)"
                return m.contains("AAPL") && m.contains("above the 64 KiB limit")
            }
            #expect(server.requests.count == 1)  // not retried
        }
    }

    @Test func conflictingDuplicateBarsAreRefused() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/q/d/l/",
                .text("Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,1.5,10\n2024-01-02,1,2,1,1.9,10\n"))
            let p = StooqProvider(
                baseURL: server.baseURL, environment: [:], options: HTTPClientOptions(timeout: 5, clock: ManualClock()))
            await #expect {
                _ = try await p.bars(symbol: "AAPL", from: jan2, to: jan4)
            } throws: { error in
                "\(error)".contains("two different bars for 2024-01-02")
            }
        }
    }

    @Test func barsOutsideTheAskedRangeAreRefused() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/q/d/l/",
                .text("Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,1.5,10\n2031-06-02,1,2,1,1.9,10\n"))
            let p = StooqProvider(
                baseURL: server.baseURL, environment: [:], options: HTTPClientOptions(timeout: 5, clock: ManualClock()))
            await #expect {
                _ = try await p.bars(symbol: "AAPL", from: jan2, to: jan4)
            } throws: { error in
                "\(error)".contains("2031-06-02, outside the requested 2024-01-02…2024-01-04")
            }
        }
    }

    @Test func aHugeCSVHeaderLineIsClippedInTheError() async throws {
        // The first line is 2 MB of one column name: the error quotes at most 200 characters of it.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-csv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let header = String(repeating: "h", count: 2_000_000)
        try Data((header + "\n2024-01-02,1,1,1,1,1\n").utf8).write(to: dir.appendingPathComponent("HUGE.csv"))
        let p = CSVFolderProvider(folder: dir.path)
        await #expect {
            _ = try await p.bars(symbol: "HUGE", from: jan2, to: jan4)
        } throws: { error in
            let m = "\(error)"
            return m.count < 600 && m.contains(String(repeating: "h", count: 200) + "…")
                && m.contains("header has no 'date' column")
        }
    }
}
