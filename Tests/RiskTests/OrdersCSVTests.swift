import Foundation
import Risk
import Testing

@Suite struct OrdersCSVTests {
    @Test func headerListsTheColumnsInOrder() {
        #expect(
            OrdersCSV.header
                == "symbol,strategy,side,shares,price,value,status,broker_order_id,client_order_id,verdicts\r\n")
    }

    @Test func rowQuotesFieldsWithCommasAndQuotes() {
        let v1 = RiskVerdict(
            kind: .maxPositionSize, symbol: "TSLA", value: 18, limit: 10, action: .reduceSize,
            resolution: .reduced(from: 18, to: 10))
        let v2 = RiskVerdict(
            kind: .maxLeverage, symbol: "TSLA", value: 1.6, limit: 1.5, action: .alert, resolution: .alerted)
        let o = OrderOutcome(
            symbol: "TSLA", strategy: #"sma_crossover(fast=10;slow=20) "v2""#, side: .buy, shares: 10,
            price: Decimal(string: "181.925")!, status: .submitted, brokerOrderId: "ord-1",
            clientOrderId: "so-x-20240104",
            verdicts: [v1, v2])
        // value = 10 × 181.925 = 1819.25.
        let expected =
            #"TSLA,"sma_crossover(fast=10;slow=20) ""v2""",buy,10,181.925,1819.25,submitted,ord-1,so-x-20240104,"#
            + #""MAX_POSITION_SIZE: symbol=TSLA, value_pct=18.0, limit_pct=10.0 [reduce_size: 18->10]; "#
            + #"MAX_LEVERAGE: symbol=TSLA, leverage=1.6, max=1.5 [alert: submitted]""# + "\r\n"
        #expect(OrdersCSV.row(o) == expected)
    }

    @Test func blockedRowHasNoBrokerIdAndTwoDecimalValue() {
        let o = OrderOutcome(
            symbol: "A", strategy: "s", side: .sell, shares: 3, price: Decimal(string: "0.3333")!, status: .blocked,
            brokerOrderId: nil, clientOrderId: "c", verdicts: [])
        // 3 × 0.3333 = 0.9999 → 1.00 (half up).
        #expect(OrdersCSV.row(o) == "A,s,sell,3,0.3333,1.00,blocked,,c,\r\n")
    }

    @Test func moneyRoundingIsExplicit() {
        #expect(Money.cents(Decimal(string: "0.125")!, .halfUp) == 13)
        #expect(Money.cents(Decimal(string: "33.353331")!, .up) == 3336)
        #expect(Money.cents(Decimal(string: "33.306669")!, .down) == 3330)
        #expect(Money.format2(Decimal(string: "-1.5")!) == "-1.50")
        #expect(Money.exact(0.1) == Decimal(string: "0.1")!)
    }
}
