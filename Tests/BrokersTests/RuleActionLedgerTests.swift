import Brokers
import Foundation
import Market
import Risk
import Testing

/// Every rule × every action, against a paper ledger in a temporary SQLite file.
///
/// Common setup (session 2024-01-02, BBB at 50): 100,000 cash, buy 1,000 BBB (50,000), mark equity
/// 100,000. Next session (2024-01-03) BBB trades at `price2`; the ledger is reopened, the scenario's
/// order is risk-gated and submitted, and the resulting cash is checked.
@Suite struct RuleActionLedgerTests {
    struct Scenario: Sendable, CustomTestStringConvertible {
        var rule: RiskRuleKind
        var limit: Double
        var price2: Decimal
        var order: (symbol: String, shares: Int)
        var verdict: String
        /// Shares bought by `reduce_size` (0 = none passes → blocked).
        var reducedShares: Int
        var testDescription: String { rule.rawValue }
    }

    static let held = 1_000
    static let cashAfterSetup: Decimal = 50_000

    static let scenarios: [Scenario] = [
        // (1,000 + 400) × 50 = 70,000 = 70 % > 60 %; 60 % allows 1,200 shares → 200 more.
        Scenario(
            rule: .maxPositionSize, limit: 60, price2: 50, order: ("BBB", 400),
            verdict: "MAX_POSITION_SIZE: symbol=BBB, value_pct=70.0, limit_pct=60.0", reducedShares: 200),
        // Equity 50,000 + 1,000 × 45 = 95,000 vs last close 100,000 → 5 % loss > 2 %.
        Scenario(
            rule: .maxDailyLoss, limit: 2, price2: 45, order: ("BBB", 100),
            verdict: "MAX_DAILY_LOSS: symbol=BBB, loss_pct=5.0, limit_pct=2.0", reducedShares: 0),
        // Equity 80,000 vs peak 100,000 → 20 % > 10 %.
        Scenario(
            rule: .maxDrawdown, limit: 10, price2: 30, order: ("BBB", 100),
            verdict: "MAX_DRAWDOWN: symbol=BBB, drawdown_pct=20.0, limit_pct=10.0", reducedShares: 0),
        // A second open position with max 1.
        Scenario(
            rule: .positionLimit, limit: 1, price2: 50, order: ("AAA", 10),
            verdict: "POSITION_LIMIT: symbol=AAA, positions=2, max=1", reducedShares: 0),
        // 1,700 × 50 = 85,000 / 100,000 = 0.85 > 0.8; 0.8 allows 1,600 shares → 600 more.
        Scenario(
            rule: .maxLeverage, limit: 0.8, price2: 50, order: ("BBB", 700),
            verdict: "MAX_LEVERAGE: symbol=BBB, leverage=0.85, max=0.8", reducedShares: 600),
    ]

    static let aaaPrice: Decimal = 100

    @Test(arguments: scenarios, RiskAction.allCases)
    func ruleAndAction(s: Scenario, action: RiskAction) async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("paper.sqlite")
        let d1 = SessionDate(iso: "2024-01-02")!
        let d2 = SessionDate(iso: "2024-01-03")!
        do {
            let b = try PaperBroker(path: path, session: d1, prices: ["BBB": 50, "AAA": Self.aaaPrice])
            _ = try await b.submit(OrderRequest(symbol: "BBB", side: .buy, shares: Self.held, clientOrderId: "setup"))
            try await b.markToMarket()
        }
        let broker = try PaperBroker(path: path, session: d2, prices: ["BBB": s.price2, "AAA": Self.aaaPrice])
        let account = try await broker.account()
        let price = s.order.symbol == "BBB" ? s.price2 : Self.aaaPrice
        let heldBefore = s.order.symbol == "BBB" ? Self.held : 0
        let order = PlannedOrder(
            symbol: s.order.symbol, strategy: "sma", side: .buy, shares: s.order.shares, price: price,
            currentShares: heldBefore)
        let decisions = RiskGate(rules: [RiskRule(kind: s.rule, limit: s.limit, action: action)]).evaluate(
            [order], account: account)
        let notes = RecordingNotifier()
        let outcomes = await OrderSubmitter(notifier: notes, timestamp: "2024-01-03T22:00:00Z").submit(
            plan: ExecutionPlan(runId: "run-1", session: d2, targets: [], decisions: decisions), broker: broker)

        // An account rule's close_position adds one closing order per open position (BBB).
        let closesAll = action == .closePosition && s.rule.isAccountLevel
        #expect(outcomes.count == (closesAll ? 2 : 1))
        let o = try #require(closesAll ? outcomes.first { $0.side == .buy } : outcomes.first)
        #expect(o.verdicts.map(\.description) == [s.verdict])
        #expect(o.verdicts.first?.action == action)
        let cash = try await broker.account().cash
        let events = await notes.events
        switch action {
        case .block:
            #expect(o.status == .blocked)
            #expect(cash == Self.cashAfterSetup)
            #expect(events.map(\.kind) == [.riskBlock])
            #expect(events.first?.priority == .high)
        case .alert:
            #expect(o.status == .submitted)
            #expect(o.shares == s.order.shares)
            #expect(cash == Self.cashAfterSetup - Decimal(s.order.shares) * price)
            #expect(events.map(\.kind) == [.orderSubmitted])
            #expect(events.first?.priority == .high)
        case .reduceSize:
            if s.reducedShares == 0 {
                #expect(o.status == .blocked)
                #expect(cash == Self.cashAfterSetup)
                #expect(o.verdicts.first?.resolution == .reducedToZero)
            } else {
                #expect(o.status == .submitted)
                #expect(o.shares == s.reducedShares)
                #expect(cash == Self.cashAfterSetup - Decimal(s.reducedShares) * price)
                #expect(events.first?.priority == .medium)
            }
        case .closePosition where closesAll:
            // The buy is not sent; the whole BBB position (1,000 shares) is sold at price2, recorded with the rule.
            #expect(o.status == .blocked)
            #expect(o.verdicts.first?.resolution == .closedAll(positions: 1))
            let close = try #require(outcomes.first { $0.side == .sell })
            #expect(close.symbol == "BBB" && close.shares == Self.held && close.status == .submitted)
            #expect(close.verdicts.map(\.kind) == [s.rule])
            #expect(close.verdicts.first?.resolution == .closed(shares: Self.held))
            #expect(close.strategy == "close_position (\(s.rule.code))")
            #expect(cash == Self.cashAfterSetup + Decimal(Self.held) * s.price2)
            #expect(try await broker.account().positions.isEmpty)
        case .closePosition:
            if heldBefore == 0 {
                #expect(o.status == .blocked)
                #expect(o.verdicts.first?.resolution == .nothingToClose)
                #expect(cash == Self.cashAfterSetup)
            } else {
                #expect(o.status == .submitted)
                #expect(o.side == .sell)
                #expect(o.shares == Self.held)
                #expect(cash == Self.cashAfterSetup + Decimal(Self.held) * s.price2)
                #expect(try await broker.account().positions.isEmpty)
            }
        }
    }
}
