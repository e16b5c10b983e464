import Foundation
import Risk
import Testing

@Suite struct RiskGateTests {
    let empty = AccountSnapshot(cash: 100_000, equity: 100_000, positions: [])

    func buy(_ symbol: String, _ shares: Int, at price: Decimal) -> PlannedOrder {
        PlannedOrder(symbol: symbol, strategy: "s", side: .buy, shares: shares, price: price, currentShares: 0)
    }

    @Test func laterOrdersSeeEarlierOrdersOfTheSameRun() {
        // position_limit 2: C (third new position) breaks it, evaluated after A and B regardless of input order.
        let gate = RiskGate(rules: [RiskRule(kind: .positionLimit, limit: 2, action: .block)])
        let d = gate.evaluate([buy("C", 1, at: 10), buy("A", 1, at: 10), buy("B", 1, at: 10)], account: empty)
        #expect(d.map(\.order.symbol) == ["A", "B", "C"])
        #expect(d.map(\.disposition) == [.submit, .submit, .block])
        #expect(d[2].verdicts.map(\.description) == ["POSITION_LIMIT: symbol=C, positions=3, max=2"])
    }

    @Test func blockedOrdersDoNotCountTowardsLaterOnes() {
        // Leverage 0.5: A (40,000) passes, B (30,000 → 0.7) is blocked, C (10,000 → 0.5) passes.
        let gate = RiskGate(rules: [RiskRule(kind: .maxLeverage, limit: 0.5, action: .block)])
        let d = gate.evaluate([buy("A", 400, at: 100), buy("B", 300, at: 100), buy("C", 100, at: 100)], account: empty)
        #expect(d.map(\.disposition) == [.submit, .block, .submit])
    }

    @Test func reduceSizeThenLaterRulesSeeTheSmallerOrder() {
        // 150 × 100 = 15 % → reduced to 100 (10 %); then the alert on leverage 0.05 fires on 10,000 / 100,000 = 0.1.
        let gate = RiskGate(rules: [
            RiskRule(kind: .maxPositionSize, limit: 10, action: .reduceSize),
            RiskRule(kind: .maxLeverage, limit: 0.05, action: .alert),
        ])
        let d = gate.evaluate([buy("A", 150, at: 100)], account: empty)[0]
        #expect(d.order.shares == 100)
        #expect(d.requested.shares == 150)
        #expect(d.disposition == .submit)
        #expect(d.isAlert)
        #expect(
            d.verdicts.map(\.detail) == [
                "MAX_POSITION_SIZE: symbol=A, value_pct=15.0, limit_pct=10.0 [reduce_size: 150 -> 100]",
                "MAX_LEVERAGE: symbol=A, leverage=0.1, max=0.05 [alert: submitted]",
            ])
    }

    @Test func closePositionReplacesTheOrderWithASellOfEverythingHeld() {
        let acct = AccountSnapshot(
            cash: 80_000, equity: 100_000, positions: [Position(symbol: "A", shares: 200, price: 100)])
        let gate = RiskGate(rules: [RiskRule(kind: .maxPositionSize, limit: 25, action: .closePosition)])
        let o = PlannedOrder(symbol: "A", strategy: "s", side: .buy, shares: 100, price: 100, currentShares: 200)
        let d = gate.evaluate([o], account: acct)[0]
        #expect(
            d.order
                == PlannedOrder(symbol: "A", strategy: "s", side: .sell, shares: 200, price: 100, currentShares: 200))
        #expect(d.verdicts.first?.resolution == .closed(shares: 200))
    }

    @Test func noRulesMeansEverythingIsSubmittedUnchanged() {
        let o = buy("A", 5, at: 10)
        #expect(
            RiskGate(rules: []).evaluate([o], account: empty) == [
                RiskDecision(requested: o, order: o, disposition: .submit, verdicts: [])
            ])
    }
}

@Suite struct ClosePositionScopeTests {
    let acct = AccountSnapshot(
        cash: 10_000, equity: 80_000,
        positions: [
            Position(symbol: "A", shares: 300, price: 100), Position(symbol: "C", shares: -100, price: 100),
            Position(symbol: "D", shares: 100, price: 100),
        ],
        lastEquity: 100_000)

    @Test func anAccountRuleClosesEveryOpenPositionAndRecordsTheRuleOnEachClosingOrder() {
        // Equity 80,000 vs last close 100,000: a 20 % daily loss > 5 %.
        let gate = RiskGate(rules: [RiskRule(kind: .maxDailyLoss, limit: 5, action: .closePosition)])
        let buyB = PlannedOrder(symbol: "B", strategy: "s", side: .buy, shares: 10, price: 50, currentShares: 0)
        let sellD = PlannedOrder(symbol: "D", strategy: "s", side: .sell, shares: 100, price: 100, currentShares: 100)
        let decisions = gate.evaluate([buyB, sellD], account: acct)
        // B's buy is blocked; A (long 300) is sold, C (short 100) bought back, D sold once (the planned sell is
        // replaced by the closing order, not sent twice).
        let sent = decisions.filter { $0.disposition == .submit }.map(\.order)
        #expect(
            sent.map { "\($0.symbol) \($0.side.rawValue) \($0.shares)" }.sorted() == [
                "A sell 300", "C buy 100", "D sell 100",
            ])
        #expect(decisions.first { $0.order.symbol == "B" }?.disposition == .block)
        #expect(decisions.first { $0.order.symbol == "B" }?.verdicts.first?.resolution == .closedAll(positions: 3))
        for d in decisions where d.disposition == .submit {
            #expect(d.verdicts.count == 1)
            #expect(d.verdicts[0].kind == .maxDailyLoss && d.verdicts[0].action == .closePosition)
            #expect(d.verdicts[0].symbol == d.order.symbol)
            #expect(d.verdicts[0].resolution == .closed(shares: d.order.shares))
        }
    }

    @Test func aSymbolRuleClosesOnlyThatSymbol() {
        // A: (300 + 100) × 100 = 40,000 = 50 % of equity > 25 %.
        let gate = RiskGate(rules: [RiskRule(kind: .maxPositionSize, limit: 25, action: .closePosition)])
        let buyA = PlannedOrder(symbol: "A", strategy: "s", side: .buy, shares: 100, price: 100, currentShares: 300)
        let decisions = gate.evaluate([buyA], account: acct)
        #expect(decisions.count == 1)
        #expect(decisions[0].order.side == .sell && decisions[0].order.shares == 300)
    }
}
