import Foundation
import Risk
import Testing

@Suite struct OrderPlannerTests {
    let equity: Decimal = 100_000

    func account(_ positions: [Position] = [], cash: Decimal? = nil) -> AccountSnapshot {
        AccountSnapshot(cash: cash ?? equity, equity: equity, positions: positions)
    }

    @Test func longTargetBuysPercentOfEquityInWholeShares() throws {
        // 10 % of 100,000 = 10,000; 10,000 / 333.33 = 30.0003 → 30 whole shares.
        let orders = try OrderPlanner.plan(
            targets: [PositionTarget(symbol: "TSLA", strategy: "s", direction: .long)], account: account(),
            quotes: ["TSLA": Decimal(string: "333.33")!], sizing: .percentOfEquity(10))
        #expect(orders.count == 1)
        #expect(orders[0].side == .buy)
        #expect(orders[0].shares == 30)
        #expect(orders[0].currentShares == 0)
    }

    /// One symbol at 100 % of equity must still fit its cash once slippage and commission are paid (a
    /// paper run refused exactly that order: cost 100 072.56 > cash 100 000).
    @Test func sizingLeavesRoomForSlippageAndCommission() throws {
        let target = [PositionTarget(symbol: "AAPL", strategy: "s", direction: .long)]
        let quote: [String: Decimal] = ["AAPL": Decimal(string: "96.3")!]
        // Without costs: 100 000 / 96.3 = 1 038.4 → 1 038 shares, 99 959.40 before costs.
        #expect(
            try OrderPlanner.plan(targets: target, account: account(), quotes: quote, sizing: .auto)[0].shares == 1038)
        // 2 bps slippage + 0.1 % commission: 100 000 / (96.3 × 1.0012) = 1 037.17 → 1 037 shares,
        // 1 037 × 96.3 × 1.0012 = 99 982.46 ≤ 100 000.
        let fraction = try OrderPlanner.plan(
            targets: target, account: account(), quotes: quote, sizing: .auto,
            costs: OrderCosts(fraction: Decimal(string: "0.0012")!))
        #expect(fraction[0].shares == 1037)
        // $0.005 a share with a $1 minimum: (100 000 − 1) / (96.3 + 0.005) = 1 038.35 → 1 038.
        let perShare = try OrderPlanner.plan(
            targets: target, account: account(), quotes: quote, sizing: .auto,
            costs: OrderCosts(perShare: Decimal(string: "0.005")!, perOrder: 1))
        #expect(perShare[0].shares == 1038)
        // A fixed $50 an order: 99 950 / 96.3 = 1 037.9 → 1 037.
        let fixed = try OrderPlanner.plan(
            targets: target, account: account(), quotes: quote, sizing: .auto, costs: OrderCosts(perOrder: 50))
        #expect(fixed[0].shares == 1037)
    }

    @Test func autoSizingSplitsEquityAcrossTargets() throws {
        // 4 targets → 25,000 each; at 100 → 250 shares; at 70 → 357.14 → 357.
        let targets = ["A", "B", "C", "D"].map { PositionTarget(symbol: $0, strategy: "s", direction: .long) }
        let orders = try OrderPlanner.plan(
            targets: targets, account: account(), quotes: ["A": 100, "B": 70, "C": 100, "D": 100], sizing: .auto)
        #expect(orders.map(\.shares) == [250, 357, 250, 250])
        #expect(orders.map(\.symbol) == ["A", "B", "C", "D"])
    }

    @Test func flatTargetSellsTheWholePositionAndLongHeldSendsNothing() throws {
        let held = account([Position(symbol: "A", shares: 40, price: 10), Position(symbol: "B", shares: 7, price: 20)])
        let orders = try OrderPlanner.plan(
            targets: [
                PositionTarget(symbol: "A", strategy: "s", direction: .flat),
                PositionTarget(symbol: "B", strategy: "s", direction: .long),
                PositionTarget(symbol: "C", strategy: "s", direction: .flat),
            ], account: held, quotes: ["A": 11], sizing: .percentOfEquity(10))
        #expect(
            orders == [PlannedOrder(symbol: "A", strategy: "s", side: .sell, shares: 40, price: 11, currentShares: 40)])
    }

    @Test func shortPositionWithLongTargetBuysToCoverPlusTheSizedLong() throws {
        // 5 % of 100,000 at 50 = 100 shares long; −30 held → buy 130.
        let orders = try OrderPlanner.plan(
            targets: [PositionTarget(symbol: "A", strategy: "s", direction: .long)],
            account: account([Position(symbol: "A", shares: -30, price: 50)]), quotes: ["A": 50],
            sizing: .percentOfEquity(5))
        #expect(orders.first?.shares == 130)
        #expect(orders.first?.side == .buy)
    }

    @Test func aSecondPlanAfterTheFirstFilledIsEmpty() throws {
        let targets = [
            PositionTarget(symbol: "A", strategy: "s", direction: .long),
            PositionTarget(symbol: "B", strategy: "s", direction: .flat),
        ]
        let start = account([Position(symbol: "B", shares: 12, price: 9)])
        let quotes: [String: Decimal] = ["A": 25, "B": 9]
        let first = try OrderPlanner.plan(targets: targets, account: start, quotes: quotes, sizing: .auto)
        #expect(first.count == 2)
        let after = first.reduce(start) { $0.applying($1) }
        #expect(try OrderPlanner.plan(targets: targets, account: after, quotes: quotes, sizing: .auto).isEmpty)
    }

    @Test func missingQuoteIsAnErrorNamingTheSymbol() {
        #expect(throws: PlanningError.missingQuote(symbol: "ZZZ")) {
            try OrderPlanner.plan(
                targets: [PositionTarget(symbol: "ZZZ", strategy: "s", direction: .long)], account: account(),
                quotes: [:], sizing: .auto)
        }
        #expect(PlanningError.missingQuote(symbol: "ZZZ").description.contains("ZZZ"))
    }

    @Test func targetSelectorTakesTheBestQualifyingStrategyPerSymbol() {
        let c = [
            StrategyCandidate(symbol: "B", strategy: "sma", score: 70, longOnLastBar: false),
            StrategyCandidate(symbol: "B", strategy: "rsi", score: 80, longOnLastBar: true),
            StrategyCandidate(symbol: "A", strategy: "zz", score: 60, longOnLastBar: true),
            StrategyCandidate(symbol: "A", strategy: "aa", score: 60, longOnLastBar: false),
            StrategyCandidate(symbol: "C", strategy: "sma", score: 40, longOnLastBar: true),
            StrategyCandidate(symbol: "D", strategy: "sma", score: 99, longOnLastBar: true),
        ]
        let t = TargetSelector.targets(candidates: c, minScore: 50, symbols: ["A", "B", "C"])
        #expect(
            t == [
                PositionTarget(symbol: "A", strategy: "aa", direction: .flat),
                PositionTarget(symbol: "B", strategy: "rsi", direction: .long),
            ])
        #expect(TargetSelector.targets(candidates: c, minScore: 50, symbols: []).map(\.symbol) == ["A", "B", "D"])
    }
}
