import Foundation
import Market
import Risk
import Testing

@Suite struct RiskRuleTests {
    // Account: equity 100,000; cash 50,000; 1,000 BBB at 50 (50,000 gross).
    let account = AccountSnapshot(
        cash: 50_000, equity: 100_000, positions: [Position(symbol: "BBB", shares: 1_000, price: 50)],
        lastEquity: 104_000,
        equityHistory: [
            EquityPoint(date: SessionDate(iso: "2024-01-02")!, equity: 125_000),
            EquityPoint(date: SessionDate(iso: "2024-01-03")!, equity: 104_000),
        ])

    func buy(_ symbol: String, _ shares: Int, at price: Decimal, held: Int = 0) -> PlannedOrder {
        PlannedOrder(symbol: symbol, strategy: "s", side: .buy, shares: shares, price: price, currentShares: held)
    }

    @Test func maxPositionSizeMeasuresThePositionAfterTheOrder() {
        // 1,000 + 400 = 1,400 × 50 = 70,000 = 70 % of equity.
        let rule = RiskRule(kind: .maxPositionSize, limit: 60, action: .reduceSize)
        let o = buy("BBB", 400, at: 50, held: 1_000)
        #expect(rule.measure(o, account: account) == RiskMeasurement(value: 70, passes: false))
        // 60 % of 100,000 / 50 = 1,200 shares in total → 200 more.
        #expect(rule.largestPassingShares(o, account: account) == 200)
        #expect(rule.measure(buy("BBB", 200, at: 50, held: 1_000), account: account).passes)
    }

    @Test func dailyLossComparesEquityWithTheLastClose() {
        // (104,000 − 100,000) / 104,000 = 3.846 %.
        let m = RiskRule(kind: .maxDailyLoss, limit: 3, action: .block).measure(buy("AAA", 1, at: 10), account: account)
        #expect(!m.passes)
        #expect(abs(m.value - 4_000.0 / 104_000.0 * 100) < 1e-9)
        #expect(
            RiskRule(kind: .maxDailyLoss, limit: 4, action: .block).measure(buy("AAA", 1, at: 10), account: account)
                .passes)
    }

    @Test func drawdownComparesEquityWithThePeakOfTheHistory() {
        // (125,000 − 100,000) / 125,000 = 20 %.
        let rule = RiskRule(kind: .maxDrawdown, limit: 15, action: .reduceSize)
        #expect(rule.measure(buy("AAA", 1, at: 10), account: account) == RiskMeasurement(value: 20, passes: false))
        #expect(rule.largestPassingShares(buy("AAA", 1, at: 10), account: account) == 0)
    }

    @Test func positionLimitCountsOnlyNewPositions() {
        let rule = RiskRule(kind: .positionLimit, limit: 1, action: .block)
        #expect(rule.measure(buy("AAA", 1, at: 10), account: account) == RiskMeasurement(value: 2, passes: false))
        #expect(rule.measure(buy("BBB", 1, at: 50, held: 1_000), account: account).passes)
    }

    @Test func leverageIsGrossExposureOverEquity() {
        // (1,000 + 700) × 50 = 85,000 / 100,000 = 0.85; at 0.8 the whole position may be 1,600 shares.
        let rule = RiskRule(kind: .maxLeverage, limit: 0.8, action: .reduceSize)
        let o = buy("BBB", 700, at: 50, held: 1_000)
        #expect(rule.measure(o, account: account) == RiskMeasurement(value: 0.85, passes: false))
        #expect(rule.largestPassingShares(o, account: account) == 600)
        // A new symbol: others = 50,000, room = 80,000 − 50,000 = 30,000 / 40 = 750 shares.
        #expect(rule.largestPassingShares(buy("AAA", 1_000, at: 40), account: account) == 750)
    }

    @Test(arguments: RiskRuleKind.allCases)
    func ordersThatReduceExposureAlwaysPass(kind: RiskRuleKind) {
        let sell = PlannedOrder(symbol: "BBB", strategy: "s", side: .sell, shares: 400, price: 50, currentShares: 1_000)
        #expect(RiskRule(kind: kind, limit: 0, action: .block).measure(sell, account: account).passes)
    }

    @Test func verdictTextHasTheStableCodeValueAndLimit() {
        let v = RiskVerdict(
            kind: .maxPositionSize, symbol: "TSLA", value: 18, limit: 10, action: .block, resolution: .blocked)
        #expect(v.description == "MAX_POSITION_SIZE: symbol=TSLA, value_pct=18.0, limit_pct=10.0")
        #expect(v.detail == "MAX_POSITION_SIZE: symbol=TSLA, value_pct=18.0, limit_pct=10.0 [block: blocked]")
        let p = RiskVerdict(
            kind: .positionLimit, symbol: "AAA", value: 11, limit: 10, action: .reduceSize, resolution: .reducedToZero)
        #expect(p.description == "POSITION_LIMIT: symbol=AAA, positions=11, max=10")
        let l = RiskVerdict(
            kind: .maxLeverage, symbol: "X", value: 1.2345, limit: 1.5, action: .reduceSize,
            resolution: .reduced(from: 12, to: 5))
        #expect(l.detail == "MAX_LEVERAGE: symbol=X, leverage=1.23, max=1.5 [reduce_size: 12 -> 5]")
    }
}
