import Foundation
import HTTPTransport
import LoopbackSupport
import Testing

/// Each test reproduces one attack from issue 14 against a real server on 127.0.0.1 and checks that the
/// one HTTP exchange every client uses ends it: in bounded time, with bounded memory, with an error that
/// says what happened, and without sending anything where it should not go.
@Suite struct HostileHTTPTests {
    let secretHeaders = [("APCA-API-KEY-ID", "key-id-123"), ("APCA-API-SECRET-KEY", "secret-456")]

    func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    @Test func crossHostRedirectIsRefusedAndCredentialsStayHome() async throws {
        let thief = try HostileServer { _, c in c.respond(200, body: Data("stolen".utf8)) }
        defer { thief.stop() }
        let origin = try HostileServer { _, c in
            c.respond(302, [("Location", "http://127.0.0.1:\(thief.port)/steal")])
        }
        defer { origin.stop() }
        let t = HTTPSessionTransport(limits: HTTPLimits(deadline: 120))
        await #expect {
            _ = try await t.send(
                HTTPRequest(url: origin.baseURL.appendingPathComponent("bars"), headers: secretHeaders))
        } throws: { error in
            guard let e = error as? TransportFailure else { return false }
            return e == .crossHostRedirect(from: "127.0.0.1:\(origin.port)", to: "127.0.0.1:\(thief.port)")
                && e.description.contains(
                    "127.0.0.1:\(origin.port) redirected to another host, 127.0.0.1:\(thief.port)")
        }
        #expect(origin.requests.count == 1)
        #expect(origin.requests.first?.headers["apca-api-key-id"] == "key-id-123")
        #expect(thief.requests.isEmpty)
    }

    @Test func sameHostRedirectIsFollowed() async throws {
        let server = try HostileServer { r, c in
            if r.target == "/old" {
                c.respond(301, [("Location", "/new")])
            } else {
                c.respond(200, body: Data("here".utf8))
            }
        }
        defer { server.stop() }
        let t = HTTPSessionTransport(limits: HTTPLimits(deadline: 120))
        let r = try await t.send(HTTPRequest(url: server.baseURL.appendingPathComponent("old"), headers: secretHeaders))
        #expect(r.status == 200)
        #expect(String(decoding: r.body, as: UTF8.self) == "here")
        #expect(server.requests.map(\.target) == ["/old", "/new"])
    }

    @Test func tricklingServerIsCutOffAtTheTotalDeadline() async throws {
        // One byte every 0.2 s of a 100-byte body: each byte resets an idle timeout, never the deadline.
        let server = try HostileServer { _, c in
            guard c.head(200, [("Content-Length", "100")]) else { return }
            for _ in 0..<100 {
                guard c.send("x") else { return }
                c.pause(0.2)
            }
        }
        defer { server.stop() }
        let t = HTTPSessionTransport(limits: HTTPLimits(deadline: 1))
        let started = ContinuousClock.now
        await #expect {
            _ = try await t.send(HTTPRequest(url: server.baseURL))
        } throws: { error in
            // Cut off after about 5 of the 100 bytes (20 s of trickle); `received` is taken when the deadline
            // fires, so it does not depend on how busy the machine is afterwards.
            guard case .deadlineExceeded(let host, let s, let received) = error as? TransportFailure else {
                return false
            }
            return host == "127.0.0.1:\(server.port)" && s == 1 && received < 50
        }
        #expect(seconds(ContinuousClock.now - started) >= 0.9)
    }

    @Test func declaredHugeBodyIsRefusedBeforeReading() async throws {
        let server = try HostileServer { _, c in
            guard c.head(200, [("Content-Length", "104857600")]) else { return }
            _ = c.send(Data(count: 64 * 1024))
        }
        defer { server.stop() }
        let t = HTTPSessionTransport(limits: HTTPLimits(deadline: 120, maxResponseBytes: 1 << 20))
        await #expect {
            _ = try await t.send(HTTPRequest(url: server.baseURL))
        } throws: { error in
            let e = error as? TransportFailure
            return e == .responseTooLarge(host: "127.0.0.1:\(server.port)", limit: 1 << 20, declared: 104_857_600)
                && e?.description.contains("above the 1 MiB limit") == true
        }
    }

    @Test func undeclaredHugeBodyIsCutAtTheLimit() async throws {
        // No Content-Length: the body ends when the connection closes. 8 MiB offered, 1 MiB allowed.
        let server = try HostileServer { _, c in
            guard c.head(200, [("Connection", "close")]) else { return }
            let chunk = Data(count: 64 * 1024)
            for _ in 0..<128 { guard c.send(chunk) else { return } }
        }
        defer { server.stop() }
        let t = HTTPSessionTransport(limits: HTTPLimits(deadline: 120, maxResponseBytes: 1 << 20))
        await #expect {
            _ = try await t.send(HTTPRequest(url: server.baseURL))
        } throws: { error in
            (error as? TransportFailure)
                == .responseTooLarge(host: "127.0.0.1:\(server.port)", limit: 1 << 20, declared: nil)
        }
    }

    @Test func gzipBombIsStoppedByTheDecodedSize() async throws {
        // 16 KB on the wire, 16 MiB decoded; the limit is 1 MiB, far above the wire size.
        let bomb = try corpus("bomb-16MiB-zeros.gz")
        #expect(bomb.count < 64 * 1024)
        let server = try HostileServer { _, c in
            c.respond(200, [("Content-Encoding", "gzip"), ("Content-Type", "application/json")], body: bomb)
        }
        defer { server.stop() }
        let t = HTTPSessionTransport(limits: HTTPLimits(deadline: 120, maxResponseBytes: 1 << 20))
        await #expect {
            _ = try await t.send(HTTPRequest(url: server.baseURL))
        } throws: { error in
            (error as? TransportFailure)
                == .responseTooLarge(host: "127.0.0.1:\(server.port)", limit: 1 << 20, declared: nil)
        }
    }

    // Tests whose expected outcome is not the deadline give a generous one: a loaded CI machine running a
    // debug build must not turn a size or redirect verdict into a timeout.
    @Test func gzipBodyUnderTheLimitIsDecoded() async throws {
        let bomb = try corpus("bomb-16MiB-zeros.gz")
        let server = try HostileServer { _, c in c.respond(200, [("Content-Encoding", "gzip")], body: bomb) }
        defer { server.stop() }
        let t = HTTPSessionTransport(limits: HTTPLimits(deadline: 120, maxResponseBytes: 32 << 20))
        let r = try await t.send(HTTPRequest(url: server.baseURL))
        #expect(r.body.count == 16 << 20)
        #expect(r.body.allSatisfy { $0 == 0 })
    }

    @Test func connectionClosedMidBodyReadsAsAdvice() async throws {
        let server = try HostileServer { _, c in
            _ = c.head(200, [("Content-Length", "512")])
        }
        defer { server.stop() }
        let t = HTTPSessionTransport(limits: HTTPLimits(deadline: 120))
        await #expect {
            _ = try await t.send(HTTPRequest(url: server.baseURL))
        } throws: { error in
            guard let e = error as? TransportFailure else { return false }
            return e.description == "connection to 127.0.0.1:\(server.port) closed after 0 of 512 bytes"
        }
    }

    @Test func refusedConnectionNamesTheHost() async throws {
        let t = HTTPSessionTransport(limits: HTTPLimits(deadline: 120))
        await #expect {
            _ = try await t.send(HTTPRequest(url: URL(string: "http://127.0.0.1:1/x")!))
        } throws: { error in
            guard let e = error as? TransportFailure else { return false }
            return e.description == "could not connect to 127.0.0.1:1 (connection refused; is the server up?)"
                && !e.isAmbiguous
        }
    }

    @Test func statusesComeBackAsValues() async throws {
        let server = try HostileServer { _, c in c.respond(429, [("Retry-After", "3")], body: Data("slow down".utf8)) }
        defer { server.stop() }
        let r = try await HTTPSessionTransport(limits: HTTPLimits(deadline: 120)).send(HTTPRequest(url: server.baseURL))
        #expect(r.status == 429)
        #expect(r.header("retry-after") == "3")
        #expect(String(decoding: r.body, as: UTF8.self) == "slow down")
    }
}

@Suite struct RetryPolicyTests {
    @Test func circuitBreakerOpensAfterTheThresholdAndClosesOnSuccess() {
        var b = CircuitBreaker(threshold: 3)
        b.recordFailure()
        b.recordFailure()
        #expect(!b.isOpen)
        b.recordFailure()
        #expect(b.isOpen)
        b.recordSuccess()
        #expect(!b.isOpen)
        #expect(!CircuitBreaker(threshold: 0).isOpen)
    }

    @Test func backoffDoublesUpToTheCap() {
        let p = RetryPolicy(maxAttempts: 5, baseDelay: 0.5, maxDelay: 2)
        #expect((1...4).map(p.delay(afterAttempt:)) == [0.5, 1, 2, 2])
    }

    @Test func budgetCountsWaits() {
        let b = TimeBudget(seconds: 10)
        #expect(b.spend(wait: 6))
        #expect(!b.fits(5))
        #expect(!b.spend(wait: 5))
        #expect(b.spend(wait: 3))
    }
}
