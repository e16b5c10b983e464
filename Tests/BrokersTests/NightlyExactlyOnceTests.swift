import Brokers
import Foundation
import LoopbackSupport
import Market
import Risk
import Testing

/// Several runs of one spec on one night against a loopback Alpaca whose market orders stay `accepted`
/// (placed after the close): only the first sends orders.
@Suite struct NightlyExactlyOnceTests {
    let session = SessionDate(iso: "2024-01-04")!
    let env = ["APCA_API_KEY_ID": "PKTESTKEYID0001", "APCA_API_SECRET_KEY": "s3cr3t-value-never-logged"]

    func client(_ server: LoopbackHTTPServer) throws -> AlpacaTradingClient {
        try AlpacaTradingClient(
            configuration: AlpacaConfiguration(
                mode: .paper, tradingBaseURL: server.baseURL, dataBaseURL: server.baseURL),
            environment: env, sleeper: RecordingSleeper())
    }

    let candidates = [
        StrategyCandidate(symbol: "AAPL", strategy: "buy_and_hold", score: 60, longOnLastBar: true),
        StrategyCandidate(symbol: "MSFT", strategy: "buy_and_hold", score: 55, longOnLastBar: true),
    ]

    @Test func threeRunsOfOneNightWithDifferentRunIdsSendOneBuyPerSymbol() async throws {
        let fake = FakeAlpaca()
        fake.positions = "[]"
        let server = try LoopbackHTTPServer { fake.handle($0) }
        defer { server.stop() }
        let executor = Executor(settings: ExecuteSettings(enabled: true, broker: .alpaca), timestamp: "t")
        var reports: [ExecutionReport] = []
        for runId in ["20240104T2130Z-aaaa", "20240104T2205Z-bbbb", "20240104T2350Z-cccc"] {
            reports.append(
                try await executor.run(
                    runId: runId, orderKey: "nightly", session: session, candidates: candidates,
                    broker: try client(server)))
        }
        #expect(fake.orderCount(symbol: "AAPL") == 1)
        #expect(fake.orderCount(symbol: "MSFT") == 1)
        #expect(server.requests.filter { $0.method == "POST" && $0.path == "/v2/orders" }.count == 2)
        #expect(reports[0].count(.submitted) == 2)
        for later in reports.dropFirst() {
            #expect(later.count(.submitted) == 0)
            // The pending buys count as the position, so nothing is planned; the earlier orders are reported.
            #expect(later.planned.isEmpty)
            #expect(later.count(.skipped) == 2)
            #expect(later.account.shares(of: "AAPL") > 0)
        }
    }

    @Test func anOpenOrderPlacedByHandCountsTowardsThePosition() async throws {
        let fake = FakeAlpaca()
        fake.positions = "[]"
        // An order with a client_order_id no run derives (placed by hand or by another tool).
        fake.seedOrder(clientOrderId: "manual-1", symbol: "AAPL", qty: 30, side: "buy")
        let server = try LoopbackHTTPServer { fake.handle($0) }
        defer { server.stop() }
        let broker = try client(server)
        let account = try await Executor.accountIncludingOpenOrders(broker)
        #expect(account.shares(of: "AAPL") == 30)
        // Cash is reduced by the pending value at the quote midpoint (181.95 + 181.9) / 2 = 181.925.
        #expect(account.cash == Decimal(string: "52310.45")! - 30 * Decimal(string: "181.925")!)
        let report = try await Executor(settings: ExecuteSettings(enabled: true, broker: .alpaca), timestamp: "t")
            .run(runId: "r1", orderKey: "nightly", session: session, candidates: candidates, broker: broker)
        #expect(report.outcomes.map(\.symbol) == ["MSFT"])
        #expect(fake.orderCount(symbol: "AAPL") == 1)
    }

    @Test func clientOrderIdsDependOnTheSpecNotTheRun() {
        let a = ClientOrderID.make(key: "nightly", symbol: "AAPL", side: .buy, session: session)
        let p1 = ExecutionPlan(runId: "run-1", orderKey: "nightly", session: session, targets: [], decisions: [])
        let p2 = ExecutionPlan(runId: "run-2", orderKey: "nightly", session: session, targets: [], decisions: [])
        #expect(p1.clientOrderId(symbol: "AAPL", side: .buy) == a)
        #expect(p2.clientOrderId(symbol: "AAPL", side: .buy) == a)
        #expect(a != ClientOrderID.make(key: "other-spec", symbol: "AAPL", side: .buy, session: session))
        #expect(a != ClientOrderID.make(key: "nightly", symbol: "AAPL", side: .buy, session: session.adding(days: 1)))
        #expect(a.hasPrefix("so-") && a.hasSuffix("-20240104") && a.count == 32)
    }
}

@Suite struct AlpacaEndpointTests {
    @Test func endpointsComeFromTheEnvironmentByAlpacasConvention() throws {
        let paper = try AlpacaConfiguration.fromEnvironment(mode: .paper, environment: [:], confirmLive: false)
        #expect(paper.tradingBaseURL == AlpacaConfiguration.paperURL)
        #expect(paper.dataBaseURL.absoluteString == "https://data.alpaca.markets")
        let live = try AlpacaConfiguration.fromEnvironment(mode: .live, environment: [:], confirmLive: true)
        #expect(live.tradingBaseURL.absoluteString == "https://api.alpaca.markets")
        let custom = try AlpacaConfiguration.fromEnvironment(
            mode: .paper,
            environment: ["APCA_API_BASE_URL": "http://127.0.0.1:8080", "APCA_API_DATA_URL": "http://127.0.0.1:8081"],
            confirmLive: false)
        #expect(custom.tradingBaseURL.absoluteString == "http://127.0.0.1:8080")
        #expect(custom.dataBaseURL.absoluteString == "http://127.0.0.1:8081")
    }

    @Test func aPaperSpecNeverReachesTheLiveHostAndLiveNeedsConfirmationForAnotherHost() {
        #expect(throws: BrokerError.self) {
            try AlpacaConfiguration.fromEnvironment(
                mode: .paper, environment: ["APCA_API_BASE_URL": "https://api.alpaca.markets"], confirmLive: true)
        }
        let env = ["APCA_API_BASE_URL": "https://broker-proxy.internal:9443"]
        do {
            _ = try AlpacaConfiguration.fromEnvironment(mode: .live, environment: env, confirmLive: false)
            Issue.record("a live run on a non-live base URL must be refused without --confirm-live")
        } catch {
            #expect("\(error)".contains("--confirm-live"))
            #expect("\(error)".contains("https://broker-proxy.internal:9443"))
        }
        #expect(
            (try? AlpacaConfiguration.fromEnvironment(mode: .live, environment: env, confirmLive: true))?
                .tradingBaseURL.host == "broker-proxy.internal")
    }

    @Test func aMalformedEndpointIsRefusedWithoutEchoingItsSecrets() {
        do {
            _ = try AlpacaConfiguration.fromEnvironment(
                mode: .paper, environment: ["APCA_API_DATA_URL": "ftp://u:pw@x.example/y?token=abc"],
                confirmLive: false)
            Issue.record("expected a refusal")
        } catch {
            let text = "\(error)"
            #expect(text.contains("APCA_API_DATA_URL"))
            #expect(!text.contains("pw") && !text.contains("token=abc"))
        }
    }
}
