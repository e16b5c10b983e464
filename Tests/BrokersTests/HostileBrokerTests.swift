import Brokers
import Foundation
import HTTPTransport
import LoopbackSupport
import Testing

/// Issue 14 item 2 for the trading client: a redirect must not carry the API keys to another host.
@Suite struct HostileBrokerTests {
    static let keyId = "PKHOSTILEKEYID01"
    static let secret = "hostile-s3cr3t-never-sent"

    func client(_ base: URL) throws -> AlpacaTradingClient {
        try AlpacaTradingClient(
            configuration: AlpacaConfiguration(
                mode: .paper, tradingBaseURL: base, dataBaseURL: base, requestTimeout: 5,
                retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.5, maxDelay: 2)),
            environment: ["APCA_API_KEY_ID": Self.keyId, "APCA_API_SECRET_KEY": Self.secret],
            sleeper: RecordingSleeper())
    }

    @Test func aRedirectToAnotherHostDoesNotReceiveTheKeys() async throws {
        let thief = try LoopbackHTTPServer { _ in .respond(status: 200, body: "{}") }
        defer { thief.stop() }
        let server = try LoopbackHTTPServer { _ in
            .respond(status: 302, body: "", headers: ["Location": "http://127.0.0.1:\(thief.port)/v2/account"])
        }
        defer { server.stop() }
        await #expect {
            _ = try await client(server.baseURL).account()
        } throws: { error in
            let text = "\(error)"
            return text.contains("redirected to another host, 127.0.0.1:\(thief.port)") && !text.contains(Self.secret)
        }
        #expect(thief.requests.isEmpty)
        #expect(server.requests.allSatisfy { $0.headers["apca-api-key-id"] == Self.keyId })
    }

    @Test func anOrderPOSTRedirectedElsewhereIsAnUnknownOutcomeNotASecondOrder() async throws {
        let thief = try LoopbackHTTPServer { _ in .respond(status: 200, body: "{}") }
        defer { thief.stop() }
        let server = try LoopbackHTTPServer { _ in
            .respond(status: 307, body: "", headers: ["Location": "http://127.0.0.1:\(thief.port)/v2/orders"])
        }
        defer { server.stop() }
        let order = OrderRequest(symbol: "AAPL", side: .buy, shares: 1, clientOrderId: "c-1")
        await #expect {
            _ = try await client(server.baseURL).submit(order)
        } throws: { error in
            guard case BrokerError.outcomeUnknown(let m) = error else { return false }
            return m.contains("redirected to another host")
        }
        #expect(thief.requests.isEmpty)
        #expect(server.requests.count == 1)
    }
}
