import Brokers
import Foundation
import Market
import Risk
import Testing

@Suite struct OrderSubmitterTests {
    let session = SessionDate(iso: "2024-01-03")!

    @Test func clientOrderIdIsDeterministicAndShort() {
        // printf 'run-1|BBB|buy|2024-01-03' | sha256sum → 8553e372a94021a4cf20cb70…
        let id = ClientOrderID.make(runId: "run-1", symbol: "BBB", side: .buy, session: session)
        #expect(id == "so-8553e372a94021a4cf20-20240103")
        #expect(id.count == 32)
        #expect(ClientOrderID.make(runId: "run-1", symbol: "BBB", side: .sell, session: session) != id)
    }

    @Test func rerunningTheSameRunSubmitsNothingAndReportsTheEarlierOrders() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("paper.sqlite")
        let targets = [
            PositionTarget(symbol: "AAA", strategy: "sma", direction: .long),
            PositionTarget(symbol: "BBB", strategy: "rsi", direction: .long),
        ]
        let prices: [String: Decimal] = ["AAA": 100, "BBB": 40]
        let gate = RiskGate(rules: [RiskRule(kind: .positionLimit, limit: 10, action: .block)])

        func execute() async throws -> [OrderOutcome] {
            let broker = try PaperBroker(path: path, session: session, prices: prices)
            let account = try await broker.account()
            let orders = try OrderPlanner.plan(targets: targets, account: account, quotes: prices, sizing: .auto)
            let plan = ExecutionPlan(
                runId: "run-1", session: session, targets: targets,
                decisions: gate.evaluate(orders, account: account))
            return await OrderSubmitter(timestamp: "t").submit(plan: plan, broker: broker)
        }

        let first = try await execute()
        // auto: 100,000 / 2 = 50,000 each → 500 AAA, 1,250 BBB.
        #expect(first.map(\.status) == [.submitted, .submitted])
        #expect(first.map(\.shares) == [500, 1_250])
        let second = try await execute()
        #expect(second.map(\.status) == [.skipped, .skipped])
        #expect(second.map(\.brokerOrderId) == first.map(\.brokerOrderId))
        #expect(second.map(\.clientOrderId) == first.map(\.clientOrderId))
        let broker = try PaperBroker(path: path, session: session, prices: prices)
        #expect(try await broker.orders().count == 2)
    }

    @Test func theSamePlanSubmittedTwiceSendsOnce() async throws {
        let broker = try PaperBroker.inMemory(session: session, prices: ["AAA": 10])
        let o = PlannedOrder(symbol: "AAA", strategy: "s", side: .buy, shares: 5, price: 10, currentShares: 0)
        let plan = ExecutionPlan(
            runId: "r", session: session, targets: [],
            decisions: [RiskDecision(requested: o, order: o, disposition: .submit, verdicts: [])])
        let submitter = OrderSubmitter(timestamp: "t")
        let a = await submitter.submit(plan: plan, broker: broker)
        let b = await submitter.submit(plan: plan, broker: broker)
        #expect(a.map(\.status) == [.submitted])
        #expect(b.map(\.status) == [.skipped])
        #expect(a[0].brokerOrderId == b[0].brokerOrderId)
        #expect(try await broker.cashCents() == 10_000_000 - 5_000)
    }

    @Test func brokerRefusalIsAFailedOutcomeWithTheReason() async throws {
        let broker = try PaperBroker.inMemory(
            session: session, prices: ["AAA": 10], config: PaperBrokerConfig(initialCash: 10))
        let o = PlannedOrder(symbol: "AAA", strategy: "s", side: .buy, shares: 5, price: 10, currentShares: 0)
        let notes = RecordingNotifier()
        let out = await OrderSubmitter(notifier: notes, timestamp: "t").submit(
            plan: ExecutionPlan(
                runId: "r", session: session, targets: [],
                decisions: [RiskDecision(requested: o, order: o, disposition: .submit, verdicts: [])]),
            broker: broker)
        #expect(out.map(\.status) == [.failed])
        #expect(out[0].message?.contains("insufficient buying power") == true)
        #expect(await notes.events.map(\.kind) == [.orderFailed])
    }
}
