import Brokers
import Foundation
import Market
import Risk
import Testing

@Suite struct ExecutorTests {
    let session = SessionDate(iso: "2024-01-03")!
    let candidates = [
        StrategyCandidate(symbol: "A", strategy: "sma(fast=10;slow=20)", score: 80, longOnLastBar: true),
        StrategyCandidate(symbol: "B", strategy: "sma(fast=10;slow=20)", score: 40, longOnLastBar: true),
        StrategyCandidate(symbol: "C", strategy: "rsi(period=14)", score: 90, longOnLastBar: true),
    ]
    let settings = ExecuteSettings(
        enabled: true, broker: .paper, mode: .paper, minScore: 50, sizing: .percentOfEquity(30),
        rules: [RiskRule(kind: .maxPositionSize, limit: 20, action: .reduceSize)])
    let prices: [String: Decimal] = ["A": 100, "B": 10, "C": 50]

    @Test func paperRunEndToEndThenRerunSendsNothing() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let events = dir.path("events.jsonl")
        func run() async throws -> ExecutionReport {
            let broker = try BrokerFactory.make(
                settings: settings, confirmLive: false, environment: [:], session: session, lastCloses: prices,
                paperLedgerPath: dir.path("paper.sqlite"))
            return try await Executor(
                settings: settings, notifier: JSONLinesNotifier(path: events), timestamp: "2024-01-03T22:00:00Z"
            ).run(runId: "run-7", session: session, candidates: candidates, broker: broker)
        }
        let first = try await run()
        // B scores below 50. 30 % of 100,000 = 30,000: A 300 at 100, C 600 at 50; max 20 % → A 200, C 400.
        #expect(first.targets.map(\.symbol) == ["A", "C"])
        #expect(first.planned.map(\.shares) == [300, 600])
        #expect(first.outcomes.map(\.shares) == [200, 400])
        #expect(first.outcomes.map(\.status) == [.submitted, .submitted])
        #expect(first.outcomes[0].strategy == "sma(fast=10;slow=20)" && first.outcomes[0].side == .buy)
        #expect(first.outcomes[0].price == 100 && first.outcomes[0].value == 20_000)
        #expect(first.outcomes[0].brokerOrderId == "paper-000001")
        let second = try await run()
        #expect(second.planned.isEmpty)
        #expect(second.outcomes.map(\.status) == [.skipped, .skipped])
        #expect(second.outcomes.map(\.clientOrderId) == first.outcomes.map(\.clientOrderId))
        let broker = try PaperBroker(path: dir.path("paper.sqlite"), session: session, prices: prices)
        // 100,000 − 200 × 100 − 400 × 50 = 60,000 cash; equity unchanged at these prices.
        #expect(try await broker.cashCents() == 6_000_000)
        #expect(try await broker.account().equityHistory == [EquityPoint(date: session, equity: 100_000)])
        let kinds = try String(contentsOfFile: events, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(NotificationEvent.self, from: Data($0.utf8)).kind
        }
        #expect(kinds == [.orderSubmitted, .orderSubmitted, .runComplete, .runComplete])
    }

    @Test func aMissingQuoteFailsTheRunWithAHighPriorityEvent() async throws {
        let broker = try PaperBroker.inMemory(session: session, prices: ["A": 100])
        let notes = RecordingNotifier()
        await #expect(throws: BrokerError.noPrice(symbol: "C")) {
            try await Executor(settings: settings, notifier: notes, timestamp: "t").run(
                runId: "r", session: session, candidates: candidates, broker: broker)
        }
        let e = await notes.events
        #expect(e.map(\.kind) == [.runFailed])
        #expect(e.first?.priority == .high)
        #expect(try await broker.orders().isEmpty)
    }

    @Test func liveWithoutConfirmationOpensNoBroker() {
        var live = settings
        live.broker = .alpaca
        live.mode = .live
        #expect(throws: LiveTradingError.confirmFlagMissing) {
            try BrokerFactory.make(
                settings: live, confirmLive: false,
                environment: ["APCA_API_KEY_ID": "k", "APCA_API_SECRET_KEY": "s"], session: session, lastCloses: [:],
                paperLedgerPath: "/nonexistent/paper.sqlite")
        }
    }
}
