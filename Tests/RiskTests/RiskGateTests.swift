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
                "MAX_POSITION_SIZE: symbol=A, value_pct=15.0, limit_pct=10.0 [reduce_size: 150->100]",
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
