import Brokers
import Foundation
import Market
import Risk
import Testing

/// `stratopt paper`'s library side, on a real ledger file.
@Suite struct PaperStatementTests {
    @Test func cashPositionsHistoryAndRealisedPnLComeFromTheLedger() async throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let path = dir.path("paper.sqlite")
        let config = PaperBrokerConfig(
            initialCash: 100_000, slippageBps: 0, commission: .fraction(Decimal(string: "0.001")!))
        do {
            let b = try PaperBroker(
                path: path, session: SessionDate(iso: "2024-01-02")!, prices: ["AAA": 50], config: config)
            // 100 × 50 = 5,000.00 + 5.00 commission.
            _ = try await b.submit(OrderRequest(symbol: "AAA", side: .buy, shares: 100, clientOrderId: "b1"))
            try await b.markToMarket()
        }
        do {
            let b = try PaperBroker(
                path: path, session: SessionDate(iso: "2024-01-03")!, prices: ["AAA": 60], config: config)
            // 40 × 60 = 2,400.00 − 2.40 commission = 2,397.60 for 40/100 of the 5,005.00 basis (2,002.00).
            _ = try await b.submit(OrderRequest(symbol: "AAA", side: .sell, shares: 40, clientOrderId: "s1"))
            try await b.markToMarket()
        }
        let s = try PaperStatement.read(path: path)
        #expect(s.initialCashCents == 10_000_000)
        #expect(s.cashCents == 10_000_000 - 500_500 + 239_760)
        #expect(s.realisedCents == 39_560)  // 2,397.60 − 2,002.00
        #expect(s.commissionCents == 740)
        #expect(s.orderCount == 2)
        #expect(
            s.positions == [
                PaperStatement.Holding(
                    symbol: "AAA", shares: 60, costCents: 300_300, lastPriceCents: 6_000, marketValueCents: 360_000,
                    unrealisedCents: 59_700)
            ])
        #expect(s.equityCents == s.cashCents + 360_000)
        #expect(s.equityHistory.map(\.session) == ["2024-01-02", "2024-01-03"])
        #expect(s.equityHistory[0].equityCents == 10_000_000 - 500)  // 94,995.00 cash + 5,000.00 AAA
        #expect(s.text.contains("realised P&L 395.60"))
        #expect(s.text.contains("AAA") && s.text.contains("3600.00"))

        #expect(try PaperStatement.reset(path: path))
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(throws: BrokerError.self) { try PaperStatement.read(path: path) }
        #expect(try PaperStatement.reset(path: path) == false)
    }
}
