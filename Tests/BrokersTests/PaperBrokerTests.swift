import Brokers
import Foundation
import Market
import Risk
import Testing

@Suite struct PaperBrokerTests {
    let d1 = SessionDate(iso: "2024-01-02")!
    let d2 = SessionDate(iso: "2024-01-03")!

    @Test func ledgerPersistsAcrossReopen() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("paper.sqlite")
        do {
            let b = try PaperBroker(path: path, session: d1, prices: ["AAA": 100, "BBB": 50])
            _ = try await b.submit(OrderRequest(symbol: "AAA", side: .buy, shares: 10, clientOrderId: "c1"))
            _ = try await b.submit(OrderRequest(symbol: "BBB", side: .buy, shares: 20, clientOrderId: "c2"))
            try await b.markToMarket()
        }
        // Reopen on the next session with new prices; a different initialCash must be ignored.
        let b = try PaperBroker(
            path: path, session: d2, prices: ["AAA": 110, "BBB": 45], config: PaperBrokerConfig(initialCash: 1))
        let a = try await b.account()
        // cash = 100,000 − 10×100 − 20×50 = 98,000; equity = 98,000 + 10×110 + 20×45 = 100,000.
        #expect(a.cash == 98_000)
        #expect(a.equity == 100_000)
        #expect(
            a.positions == [
                Position(symbol: "AAA", shares: 10, price: 110), Position(symbol: "BBB", shares: 20, price: 45),
            ])
        #expect(a.equityHistory == [EquityPoint(date: d1, equity: 100_000)])
        #expect(a.lastEquity == 100_000)
        #expect(try await b.orders().map(\.clientOrderId) == ["c1", "c2"])
        #expect(try await b.order(clientOrderId: "c2")?.id == "paper-000002")
    }

    @Test func moneyIsExactInCentsAfterManyFills() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let price = Decimal(string: "33.33")!
        let b = try PaperBroker(
            path: dir.path("paper.sqlite"), session: d1, prices: ["X": price],
            config: PaperBrokerConfig(initialCash: 100_000, slippageBps: 7, commissionRate: Decimal(string: "0.001")!))
        for i in 0..<100 {
            _ = try await b.submit(OrderRequest(symbol: "X", side: .buy, shares: 3, clientOrderId: "b\(i)"))
            _ = try await b.submit(OrderRequest(symbol: "X", side: .sell, shares: 3, clientOrderId: "s\(i)"))
        }
        // Buy fill: 33.33 × 1.0007 = 33.353331 → up → 33.36; 3 × 33.36 = 100.08; commission 0.10008 → up → 0.11.
        // Sell fill: 33.33 × 0.9993 = 33.306669 → down → 33.30; 3 × 33.30 = 99.90; commission 0.0999 → up → 0.10.
        // Each round trip: −100.19 + 99.80 = −0.39; 100 round trips = −39.00.
        #expect(try await b.cashCents() == 10_000_000 - 3_900)
        let fills = try await b.fills()
        #expect(fills.count == 200)
        #expect(
            fills[0]
                == PaperFill(
                    orderId: "paper-000001", shares: 3, priceCents: 3336, commissionCents: 11, cashDeltaCents: -10_019))
        #expect(fills[1].priceCents == 3330)
        #expect(fills[1].cashDeltaCents == 9_980)
        #expect(try await b.account().positions.isEmpty)
    }

    @Test func duplicateClientOrderIdIsRefusedAndNothingChanges() async throws {
        let b = try PaperBroker.inMemory(session: d1, prices: ["AAA": 100])
        _ = try await b.submit(OrderRequest(symbol: "AAA", side: .buy, shares: 1, clientOrderId: "same"))
        await #expect(throws: BrokerError.duplicateClientOrderId("same")) {
            try await b.submit(OrderRequest(symbol: "AAA", side: .buy, shares: 5, clientOrderId: "same"))
        }
        #expect(try await b.cashCents() == 10_000_000 - 10_000)
        #expect(try await b.orders().count == 1)
    }

    @Test func insufficientBuyingPowerAndShortSalesAreRejected() async throws {
        let b = try PaperBroker.inMemory(
            session: d1, prices: ["AAA": 100], config: PaperBrokerConfig(initialCash: 1_000))
        await #expect {
            try await b.submit(OrderRequest(symbol: "AAA", side: .buy, shares: 11, clientOrderId: "x"))
        } throws: { e in
            guard case BrokerError.rejected(let s, let m) = e else { return false }
            return s == "AAA" && m.contains("insufficient buying power")
        }
        await #expect {
            try await b.submit(OrderRequest(symbol: "AAA", side: .sell, shares: 1, clientOrderId: "y"))
        } throws: { e in
            guard case BrokerError.rejected(_, let m) = e else { return false }
            return m.contains("insufficient qty")
        }
        // Exactly the cash: 10 × 100 = 1,000 passes.
        _ = try await b.submit(OrderRequest(symbol: "AAA", side: .buy, shares: 10, clientOrderId: "z"))
        #expect(try await b.cashCents() == 0)
        #expect(try await b.orders().map(\.clientOrderId) == ["z"])
    }

    @Test func markToMarketReplacesTheSameSessionAndFeedsLastEquity() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("paper.sqlite")
        let b1 = try PaperBroker(path: path, session: d1, prices: ["AAA": 100])
        _ = try await b1.submit(OrderRequest(symbol: "AAA", side: .buy, shares: 100, clientOrderId: "a"))
        try await b1.markToMarket()
        let b1b = try PaperBroker(path: path, session: d1, prices: ["AAA": 90])
        // Marking d1 again at 90: 90,000 + 9,000 = 99,000 replaces 100,000.
        #expect(try await b1b.markToMarket() == EquityPoint(date: d1, equity: 99_000))
        let b2 = try PaperBroker(path: path, session: d2, prices: ["AAA": 80])
        let a = try await b2.account()
        #expect(a.equityHistory == [EquityPoint(date: d1, equity: 99_000)])
        #expect(a.lastEquity == 99_000)
        #expect(a.equity == 98_000)
        // On d1 itself there is no earlier close.
        #expect(try await b1b.account().lastEquity == nil)
    }

    @Test func missingPriceIsAnError() async throws {
        let b = try PaperBroker.inMemory(session: d1, prices: [:])
        await #expect(throws: BrokerError.noPrice(symbol: "QQQ")) { try await b.latestPrice(symbol: "QQQ") }
    }
}

/// The paper broker charges the spec's commission model, in cents rounded up (real SQLite file).
@Suite struct PaperCommissionModelTests {
    let session = SessionDate(iso: "2024-01-02")!

    func buy(_ commission: PaperCommission, shares: Int, at price: Decimal) async throws -> PaperFill {
        let dir = try TempDir()
        defer { dir.remove() }
        let b = try PaperBroker(
            path: dir.path("paper.sqlite"), session: session, prices: ["AAA": price],
            config: PaperBrokerConfig(initialCash: 100_000, slippageBps: 0, commission: commission))
        _ = try await b.submit(OrderRequest(symbol: "AAA", side: .buy, shares: shares, clientOrderId: "c1"))
        return try #require(try await b.fills().first)
    }

    @Test func fractionOfValue() async throws {
        // 33 × 10.01 = 330.33; × 0.001 = 0.33033 → 34 cents (rounded up).
        let f = try await buy(.fraction(Decimal(string: "0.001")!), shares: 33, at: Decimal(string: "10.01")!)
        #expect(f.commissionCents == 34)
        #expect(f.cashDeltaCents == -(33_033 + 34))
    }

    @Test func perShareWithAMinimum() async throws {
        // 100 × 0.005 = 0.50 < minimum 1.00 → 100 cents; 1,000 × 0.005 = 5.00 → 500 cents.
        #expect(
            try await buy(.perShare(rate: Decimal(string: "0.005")!, minimum: 1), shares: 100, at: 20).commissionCents
                == 100)
        #expect(
            try await buy(.perShare(rate: Decimal(string: "0.005")!, minimum: 1), shares: 1_000, at: 20)
                .commissionCents == 500)
    }

    @Test func fixedPerOrder() async throws {
        let f = try await buy(.fixed(Decimal(string: "4.95")!), shares: 7, at: 20)
        #expect(f.commissionCents == 495)
        #expect(f.cashDeltaCents == -(14_000 + 495))
    }
}
