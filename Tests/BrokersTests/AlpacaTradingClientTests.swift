import Brokers
import Foundation
import HTTPTransport
import LoopbackSupport
import Market
import Risk
import Testing

/// The Alpaca client against a real HTTP server on 127.0.0.1 (`LoopbackHTTPServer` + `FakeAlpaca`).
@Suite struct AlpacaTradingClientTests {
    static let keyId = "PKTESTKEYID0001"
    static let secret = "s3cr3t-value-never-logged"
    let session = SessionDate(iso: "2024-01-04")!

    struct Harness {
        let fake = FakeAlpaca()
        let server: LoopbackHTTPServer
        let sleeper = RecordingSleeper()

        init() throws {
            let f = fake
            server = try LoopbackHTTPServer { f.handle($0) }
        }

        func client(timeout: Double = 5, lastCloses: [String: Decimal] = [:]) throws -> AlpacaTradingClient {
            try AlpacaTradingClient(
                configuration: AlpacaConfiguration(
                    mode: .paper, tradingBaseURL: server.baseURL, dataBaseURL: server.baseURL, requestTimeout: timeout,
                    retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.5, maxDelay: 2)),
                environment: ["APCA_API_KEY_ID": keyId, "APCA_API_SECRET_KEY": secret], lastCloses: lastCloses,
                sleeper: sleeper)
        }

        var requests: [RecordedRequest] { server.requests }
        func count(_ method: String, _ path: String) -> Int {
            requests.filter { $0.method == method && $0.path == path }.count
        }
    }

    func plan(_ symbol: String = "AAPL", shares: Int = 10) -> ExecutionPlan {
        let o = PlannedOrder(
            symbol: symbol, strategy: "sma", side: .buy, shares: shares, price: 181.91, currentShares: 0)
        return ExecutionPlan(
            runId: "r20240104", session: session, targets: [],
            decisions: [RiskDecision(requested: o, order: o, disposition: .submit, verdicts: [])])
    }

    var cid: String { plan().clientOrderId(symbol: "AAPL", side: .buy) }

    @Test func accountPositionsAndHistoryAreParsedFromDecimalStrings() async throws {
        let h = try Harness()
        defer { h.server.stop() }
        let a = try await h.client().account()
        #expect(a.cash == Decimal(string: "52310.45")!)
        #expect(a.equity == Decimal(string: "101220.17")!)
        #expect(a.lastEquity == Decimal(string: "100874.03")!)
        #expect(a.positions == [Position(symbol: "AAPL", shares: 100, price: Decimal(string: "181.91")!)])
        #expect(
            a.equityHistory == [
                EquityPoint(date: SessionDate(iso: "2024-01-02")!, equity: Decimal(string: "103000.5")!),
                EquityPoint(date: SessionDate(iso: "2024-01-03")!, equity: Decimal(string: "102100.25")!),
            ])
        let r = try #require(h.requests.first)
        #expect(r.target == "/v2/account")
        #expect(r.headers["apca-api-key-id"] == Self.keyId)
        #expect(r.headers["apca-api-secret-key"] == Self.secret)
    }

    @Test func latestPriceIsTheQuoteMidpointOrTheLastClose() async throws {
        let h = try Harness()
        defer { h.server.stop() }
        // (181.95 + 181.90) / 2 = 181.925.
        #expect(try await h.client().latestPrice(symbol: "AAPL") == Decimal(string: "181.925")!)
        #expect(h.requests.last?.target == "/v2/stocks/AAPL/quotes/latest?feed=iex")
        h.fake.quote = #"{"symbol": "AAPL", "quote": {"ap": 0, "bp": 0}}"#
        let c = try h.client(lastCloses: ["AAPL": Decimal(string: "181.91")!])
        #expect(try await c.latestPrice(symbol: "AAPL") == Decimal(string: "181.91")!)
    }

    @Test func submitSendsAMarketDayOrderWithStringQuantity() async throws {
        let h = try Harness()
        defer { h.server.stop() }
        let out = await OrderSubmitter(timestamp: "t").submit(plan: plan(), broker: try h.client())
        #expect(out.map(\.status) == [.submitted])
        #expect(out.first?.brokerOrderId == "ord-1")
        let post = try #require(h.requests.first { $0.method == "POST" })
        let body = try #require(try JSONSerialization.jsonObject(with: post.body) as? [String: String])
        #expect(
            body == [
                "symbol": "AAPL", "qty": "10", "side": "buy", "type": "market", "time_in_force": "day",
                "client_order_id": cid,
            ])
        #expect(post.headers["content-type"] == "application/json")
    }

    @Test func insufficientBuyingPowerIsAFailedOrderWithTheBrokersReason() async throws {
        let h = try Harness()
        defer { h.server.stop() }
        h.fake.inject(
            "POST", "/v2/orders", .status(403, #"{"code": 40310000, "message": "insufficient buying power"}"#))
        let out = await OrderSubmitter(timestamp: "t").submit(plan: plan(), broker: try h.client())
        #expect(out.map(\.status) == [.failed])
        let msg = try #require(out.first?.message)
        #expect(msg.contains("insufficient buying power"))
        #expect(!msg.contains(Self.secret) && !msg.contains(Self.keyId))
        #expect(h.fake.orderCount == 0)
    }

    @Test func duplicateClientOrderIdIsResolvedByLookup() async throws {
        let h = try Harness()
        defer { h.server.stop() }
        // The order already exists, but the first lookup misses it (404): the POST gets 422 40010001.
        h.fake.seedOrder(clientOrderId: cid, symbol: "AAPL", qty: 10, side: "buy")
        h.fake.inject("GET", "/v2/orders:by_client_order_id", .status(404, #"{"message": "order not found"}"#))
        let out = await OrderSubmitter(timestamp: "t").submit(plan: plan(), broker: try h.client())
        #expect(out.map(\.status) == [.submitted])
        #expect(out.first?.brokerOrderId == "ord-1")
        #expect(h.requests.map(\.method) == ["GET", "POST", "GET"])
        #expect(h.fake.orderCount == 1)
    }

    @Test func rateLimitedSubmitIsRetriedAfterBackoff() async throws {
        let h = try Harness()
        defer { h.server.stop() }
        h.fake.inject("POST", "/v2/orders", .status(429, #"{"code": 42910000, "message": "too many requests"}"#))
        let out = await OrderSubmitter(timestamp: "t").submit(plan: plan(), broker: try h.client())
        #expect(out.map(\.status) == [.submitted])
        #expect(h.count("POST", "/v2/orders") == 2)
        #expect(h.fake.orderCount == 1)
        #expect(await h.sleeper.waits == [0.5])
    }

    @Test func rateLimitedAndFailingReadsAreRetried() async throws {
        let h = try Harness()
        defer { h.server.stop() }
        h.fake.inject("GET", "/v2/account", .status(429, #"{"code": 42910000, "message": "too many requests"}"#))
        h.fake.inject(
            "GET", "/v2/account", .status(500, #"{"code": 50010000, "message": "internal server error occurred"}"#))
        let a = try await h.client().account()
        #expect(a.cash == Decimal(string: "52310.45")!)
        #expect(h.count("GET", "/v2/account") == 3)
        #expect(await h.sleeper.waits == [0.5, 1.0])
    }

    @Test func submitThatTimesOutAfterTheServerAcceptedItIsResolvedByLookup() async throws {
        let h = try Harness()
        defer { h.server.stop() }
        h.fake.inject("POST", "/v2/orders", .processThenHold)
        let out = await OrderSubmitter(timestamp: "t").submit(plan: plan(), broker: try h.client(timeout: 1))
        #expect(out.map(\.status) == [.submitted])
        #expect(out.first?.brokerOrderId == "ord-1")
        #expect(out.first?.message?.contains("resolved by lookup") == true)
        #expect(h.count("POST", "/v2/orders") == 1)
        #expect(h.fake.orderCount == 1)
    }

    @Test func serverErrorOnSubmitIsNotRetriedBlindly() async throws {
        let h = try Harness()
        defer { h.server.stop() }
        h.fake.inject(
            "POST", "/v2/orders", .status(500, #"{"code": 50010000, "message": "internal server error occurred"}"#))
        let out = await OrderSubmitter(timestamp: "t").submit(plan: plan(), broker: try h.client())
        #expect(out.map(\.status) == [.failed])
        #expect(out.first?.message?.contains("rerunning execute is safe") == true)
        #expect(h.count("POST", "/v2/orders") == 1)
        #expect(h.fake.orderCount == 0)
    }

    @Test func aSecondSubmitOfTheSamePlanSubmitsNothing() async throws {
        let h = try Harness()
        defer { h.server.stop() }
        let client = try h.client()
        let first = await OrderSubmitter(timestamp: "t").submit(plan: plan(), broker: client)
        let second = await OrderSubmitter(timestamp: "t").submit(plan: plan(), broker: client)
        #expect(first.map(\.status) == [.submitted])
        #expect(second.map(\.status) == [.skipped])
        #expect(second.first?.brokerOrderId == first.first?.brokerOrderId)
        #expect(h.count("POST", "/v2/orders") == 1)
        #expect(h.fake.orderCount == 1)
    }

    @Test func missingCredentialsNameTheVariable() {
        #expect(throws: BrokerError.missingCredentials("APCA_API_SECRET_KEY")) {
            try AlpacaTradingClient(
                configuration: AlpacaConfiguration(mode: .paper), environment: ["APCA_API_KEY_ID": Self.keyId])
        }
        #expect(throws: BrokerError.missingCredentials("APCA_API_KEY_ID")) {
            try AlpacaTradingClient(configuration: AlpacaConfiguration(mode: .paper), environment: [:])
        }
    }

    @Test func liveEndpointOnlyBehindBothOptIns() throws {
        #expect(AlpacaConfiguration(mode: .paper).tradingBaseURL.absoluteString == "https://paper-api.alpaca.markets")
        #expect(AlpacaConfiguration(mode: .live).tradingBaseURL.absoluteString == "https://api.alpaca.markets")
        #expect(throws: LiveTradingError.confirmFlagMissing) {
            try LiveTradingGate.check(mode: .live, confirmLive: false, broker: .alpaca)
        }
        #expect(throws: LiveTradingError.specModeNotLive) {
            try LiveTradingGate.check(mode: .paper, confirmLive: true, broker: .alpaca)
        }
        try LiveTradingGate.check(mode: .live, confirmLive: true, broker: .alpaca)
        let c = try AlpacaTradingClient(
            configuration: AlpacaConfiguration(mode: .live),
            environment: ["APCA_API_KEY_ID": Self.keyId, "APCA_API_SECRET_KEY": Self.secret])
        #expect(c.name == "alpaca-live")
        #expect(!c.description.contains(Self.secret))
    }
}

extension AlpacaTradingClientTests {
    @Test func blockedAccountFailsTheExecuteBeforeAnyOrder() async throws {
        let h = try Harness()
        defer { h.server.stop() }
        h.fake.account = """
            {"status": "ACTIVE", "cash": "1000", "equity": "1000", "last_equity": "1000", "trading_blocked": true}
            """
        let notes = RecordingNotifier()
        let settings = ExecuteSettings(enabled: true, broker: .alpaca, sizing: .percentOfEquity(10))
        await #expect {
            try await Executor(settings: settings, notifier: notes, timestamp: "t").run(
                runId: "r", session: session,
                candidates: [StrategyCandidate(symbol: "AAPL", strategy: "s", score: 1, longOnLastBar: true)],
                broker: try h.client())
        } throws: { e in
            "\(e)".contains("trading_blocked")
        }
        #expect(h.count("POST", "/v2/orders") == 0)
        #expect(await notes.events.map(\.kind) == [.runFailed])
    }
}
