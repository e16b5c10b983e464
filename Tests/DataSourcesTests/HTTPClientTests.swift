import DataSources
import Foundation
import HTTPTransport
import Testing

// A time limit turns a hang (a manual clock waiting for an advance that never comes) into a failure.
@Suite(.timeLimit(.minutes(5))) struct HTTPClientTests {
    func client(
        _ clock: ManualClock, timeout: Double = 5, retry: RetryPolicy = RetryPolicy(), perMinute: Int? = nil,
        secrets: [String] = [], secretQueryNames: Set<String> = []
    ) -> HTTPClient {
        HTTPClient(
            provider: "test",
            options: HTTPClientOptions(timeout: timeout, retry: retry, requestsPerMinute: perMinute, clock: clock),
            secrets: secrets, secretQueryNames: secretQueryNames)
    }

    @Test func retryAfterSecondsIsHonoured() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/data", .text("Too Many Requests", status: 429, headers: ["Retry-After": "7"]), .json(#"{"ok":true}"#))
            let clock = ManualClock()
            let r = try await client(clock).get(server.baseURL.appendingPathComponent("data"))
            #expect(r.status == 200)
            #expect(String(decoding: r.body, as: UTF8.self) == #"{"ok":true}"#)
            #expect(server.requests.count == 2)
            #expect(clock.recordedSleeps == [7])
        }
    }

    @Test func retryAfterHTTPDateIsHonoured() async throws {
        try await withLoopbackServer { server in
            // The clock starts at 1704402000 = Thu, 04 Jan 2024 21:00:00 GMT; the server asks for 12 s later.
            server.on(
                "/data", .text("busy", status: 503, headers: ["Retry-After": "Thu, 04 Jan 2024 21:00:12 GMT"]),
                .json("{}"))
            let clock = ManualClock(start: 1_704_402_000)
            _ = try await client(clock).get(server.baseURL.appendingPathComponent("data"))
            #expect(clock.recordedSleeps == [12])
        }
    }

    @Test func rateLimitResetHeaderIsHonouredAndCapped() async throws {
        try await withLoopbackServer { server in
            let limited: [String: String] = [
                "X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1704402045",
            ]
            server.on(
                "/a", .json(#"{"code": 42910000, "message": "too many requests"}"#, status: 429, headers: limited),
                .json("{}"))
            server.on("/b", .text("slow down", status: 429, headers: ["Retry-After": "3600"]), .json("{}"))
            let clock = ManualClock(start: 1_704_402_000)
            let c = client(clock, retry: RetryPolicy(maxRateLimitWait: 60))
            _ = try await c.get(server.baseURL.appendingPathComponent("a"))
            #expect(clock.recordedSleeps == [45])  // until X-RateLimit-Reset
            _ = try await c.get(server.baseURL.appendingPathComponent("b"))
            #expect(clock.recordedSleeps == [45, 60])  // Retry-After 3600 capped at 60
            #expect(server.requests.count == 4)
        }
    }

    @Test func exhaustedQuotaPausesTheNextRequestUntilReset() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/a",
                .json("{}", headers: ["X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1704402020"]))
            server.on("/b", .json("{}"))
            let clock = ManualClock(start: 1_704_402_000)
            let c = client(clock)
            _ = try await c.get(server.baseURL.appendingPathComponent("a"))
            #expect(clock.recordedSleeps.isEmpty)
            _ = try await c.get(server.baseURL.appendingPathComponent("b"))
            #expect(clock.recordedSleeps == [20])  // waited for the reset before sending /b
            #expect(server.requests.map(\.path) == ["/a", "/b"])
        }
    }

    @Test func serverErrorThenSuccessBacksOffWithinTheJitterBounds() async throws {
        try await withLoopbackServer { server in
            server.on("/data", .json(#"{"message":"boom"}"#, status: 500), .json("{}"))
            let clock = ManualClock()
            let r = try await client(clock, retry: RetryPolicy(baseDelay: 0.5)).get(
                server.baseURL.appendingPathComponent("data"))
            #expect(r.status == 200)
            #expect(server.requests.count == 2)
            // First backoff: d = 0.5 s, jittered into [d/2, d].
            let sleeps = clock.recordedSleeps
            #expect(sleeps.count == 1)
            #expect(sleeps[0] >= 0.25 && sleeps[0] <= 0.5)
        }
    }

    @Test func exhaustedRetriesReportStatusMessageAndAttempts() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/data", repeatLast: true,
                .json(#"{"code":50010000,"message":"internal server error occurred"}"#, status: 500))
            let clock = ManualClock()
            await #expect {
                _ = try await client(clock, retry: RetryPolicy(maxAttempts: 4, baseDelay: 1, maxDelay: 3)).get(
                    server.baseURL.appendingPathComponent("data"))
            } throws: { error in
                let e = try #require(error as? HTTPError)
                return e.status == 500 && e.attempts == 4
                    && e.summary == "HTTP 500 internal server error occurred, retried 3 times"
            }
            #expect(server.requests.count == 4)
            // Backoffs 1, 2, min(3, 4) = 3 s, each jittered into [d/2, d].
            let s = clock.recordedSleeps
            #expect(s.count == 3)
            for (sleep, d) in zip(s, [1.0, 2.0, 3.0]) { #expect(sleep >= d / 2 && sleep <= d) }
        }
    }

    @Test func sameSeedGivesSameJitter() {
        let p = RetryPolicy(baseDelay: 2, maxDelay: 100)
        #expect(p.backoff(afterAttempt: 1, unit: 0) == 1)
        #expect(p.backoff(afterAttempt: 1, unit: 1) == 2)
        #expect(p.backoff(afterAttempt: 3, unit: 0.5) == 6)  // d = 8, 8 × 0.75
        #expect(p.backoff(afterAttempt: 10, unit: 1) == 100)  // capped
    }

    @Test(arguments: [400, 401, 403, 404, 422])
    func clientErrorsAreNotRetried(status: Int) async throws {
        try await withLoopbackServer { server in
            server.on("/data", .json(#"{"message":"not for you"}"#, status: status), .json("{}"))
            let clock = ManualClock()
            await #expect {
                _ = try await client(clock).get(server.baseURL.appendingPathComponent("data"))
            } throws: { error in
                let e = try #require(error as? HTTPError)
                return e.status == status && e.attempts == 1 && e.providerMessage == "not for you"
                    && e.summary == "HTTP \(status) not for you"
            }
            #expect(server.requests.count == 1)
            #expect(clock.recordedSleeps.isEmpty)
        }
    }

    @Test func timeoutIsRetriedThenSucceeds() async throws {
        try await withLoopbackServer { server in
            // The first request never gets an answer; later ones do (repeated, in case a loaded machine
            // makes a second attempt time out too).
            server.on("/slow", .hang)
            server.on("/slow", repeatLast: true, .json(#"{"ok":1}"#))
            let clock = ManualClock()
            // 2 s: a loaded machine must not make the answered attempts time out as well.
            let r = try await client(clock, timeout: 2).get(server.baseURL.appendingPathComponent("slow"))
            #expect(r.status == 200)
            #expect(String(decoding: r.body, as: UTF8.self) == #"{"ok":1}"#)
            #expect(server.requests.count >= 2)
            #expect(clock.recordedSleeps.count >= 1)
        }
    }

    @Test func timeoutOnEveryAttemptIsATypedError() async throws {
        try await withLoopbackServer { server in
            server.on("/slow", repeatLast: true, .hang)
            let clock = ManualClock()
            await #expect {
                _ = try await client(clock, timeout: 0.3, retry: RetryPolicy(maxAttempts: 2)).get(
                    server.baseURL.appendingPathComponent("slow"))
            } throws: { error in
                let e = try #require(error as? HTTPError)
                return e.failure == .timedOut(0.3) && e.attempts == 2
                    && e.summary == "no complete response within the 0.3 s deadline, retried 1 time"
            }
            // On a loaded machine an attempt can time out before the server has read its request.
            #expect((1...2).contains(server.requests.count))
        }
    }

    @Test func connectionRefusedIsRetriedAndWorded() async throws {
        let clock = ManualClock()
        await #expect {
            _ = try await client(clock, retry: RetryPolicy(maxAttempts: 2)).get(URL(string: "http://127.0.0.1:1/x")!)
        } throws: { error in
            let e = try #require(error as? HTTPError)
            return e.attempts == 2 && e.summary.hasPrefix("could not connect to 127.0.0.1:1")
        }
        #expect(clock.recordedSleeps.count == 1)
    }

    @Test func requestBudgetBlocksUntilTheClockAdvances() async throws {
        try await withLoopbackServer { server in
            server.on("/data", repeatLast: true, .json("{}"))
            let clock = ManualClock(mode: .manual)
            // 2 per minute: a full bucket of 2, then one token every 30 s.
            let c = client(clock, perMinute: 2)
            let url = server.baseURL.appendingPathComponent("data")
            _ = try await c.get(url)
            _ = try await c.get(url)
            let third = Task { try await c.get(url) }
            await clock.waitForSleepers(1)
            #expect(server.requests.count == 2)
            #expect(clock.recordedSleeps == [30])
            clock.advance(by: 29)
            #expect(server.requests.count == 2)
            clock.advance(by: 1)
            let r = try await third.value
            #expect(r.status == 200)
            #expect(server.requests.count == 3)
        }
    }

    @Test func secretsNeverAppearInErrors() async throws {
        let key = "sk-LIVE-0123456789"
        try await withLoopbackServer { server in
            server.on("/q", .json(#"{"message":"invalid api key sk-LIVE-0123456789"}"#, status: 403))
            let c = client(ManualClock(), secrets: [key], secretQueryNames: ["apikey"])
            var url = URLComponents(url: server.baseURL.appendingPathComponent("q"), resolvingAgainstBaseURL: false)!
            url.queryItems = [URLQueryItem(name: "s", value: "aapl.us"), URLQueryItem(name: "apikey", value: key)]
            await #expect {
                _ = try await c.get(url.url!)
            } throws: { error in
                let e = try #require(error as? HTTPError)
                let text = "\(e) \(e.summary) \(String(reflecting: e))"
                return !text.contains(key) && e.redactedURL.hasSuffix("/q?s=aapl.us&apikey=REDACTED")
                    && e.summary == "HTTP 403 invalid api key REDACTED"
            }
            #expect(server.requests.first?.query["apikey"] == key)  // the real key was sent
        }
    }

    @Test func htmlErrorBodiesAreNotQuoted() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/x", .text("<html><body>Will be right back</body></html>", status: 404, contentType: "text/html"))
            await #expect {
                _ = try await client(ManualClock()).get(server.baseURL.appendingPathComponent("x"))
            } throws: { error in
                (error as? HTTPError)?.summary == "HTTP 404 not found"
            }
        }
    }
}
