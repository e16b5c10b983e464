import Engine
import Scoring
import Strategies
import Testing

@Suite struct RankingRulesTests {
    func metrics(ret: Double, cagr: Double = 0, sharpe: Double? = nil, dd: Double = 0, trades: Int) -> Metrics {
        Metrics(
            totalReturnPct: ret, cagrPct: cagr, volatilityPct: 0, sharpe: sharpe, maxDrawdownPct: dd,
            winRatePct: 0, trades: trades, profitFactor: nil, exposurePct: 0, finalEquity: 0)
    }

    @Test func aZeroTradeRowNeverOutranksARowThatTraded() {
        // A flat curve scores the drawdown part alone: 20. A row that lost 5 % with a 30 % drawdown and one
        // trade scores (1 − 30/50)·20 + 1/10·5 = 8.5. By score the flat row would win; it must rank second.
        let flat = CompositeScore.score(metrics(ret: 0, trades: 0))
        let loser = CompositeScore.score(metrics(ret: -5, dd: 30, trades: 1))
        #expect(flat.total == 20)
        #expect(abs(loser.total - 8.5) < 1e-12)
        let c = [
            RankCandidate(
                symbol: "A", strategy: "s", params: Parameters(canonical: "k=1")!, score: flat.total, totalReturnPct: 0,
                trades: 0),
            RankCandidate(
                symbol: "A", strategy: "s", params: Parameters(canonical: "k=2")!, score: loser.total,
                totalReturnPct: -5, trades: 1),
        ]
        #expect(Ranking.ranks(c) == [2, 1])
    }

    @Test func excludedRowsRankAfterEveryRankedRow() {
        // min_trades 3: the 2-trade row scores most but follows both ranked rows; excluded rows keep their
        // own order (score) among themselves.
        let rules = ScoringRules(minTrades: 3)
        #expect(rules.exclusion(metrics(ret: 0, trades: 2)) == "2 trades < scoring.min_trades 3")
        #expect(rules.exclusion(metrics(ret: 0, trades: 3)) == nil)
        let c = [
            RankCandidate(
                symbol: "A", strategy: "s", params: Parameters(canonical: "k=1")!, score: 90, totalReturnPct: 50,
                ranked: false),
            RankCandidate(
                symbol: "A", strategy: "s", params: Parameters(canonical: "k=2")!, score: 10, totalReturnPct: 1),
            RankCandidate(
                symbol: "A", strategy: "s", params: Parameters(canonical: "k=3")!, score: 40, totalReturnPct: 2),
            RankCandidate(
                symbol: "A", strategy: "s", params: Parameters(canonical: "k=4")!, score: 95, totalReturnPct: 60,
                ranked: false),
        ]
        #expect(Ranking.ranks(c) == [4, 2, 1, 3])
    }

    @Test func minTradesZeroRanksEveryRow() {
        #expect(ScoringRules(minTrades: 0).exclusion(metrics(ret: 0, trades: 0)) == nil)
        #expect(ScoringRules.standard.minTrades == 1)
    }

    @Test func cagrBasisCapsTheAnnualRate() {
        // 10 years at +300 % total (CAGR ≈ 14.87 %): total return caps the part at 30, CAGR gives 0.1487·30.
        let m = metrics(ret: 300, cagr: 14.87, trades: 5)
        #expect(CompositeScore.score(m).returnScore == 30)
        #expect(abs(CompositeScore.score(m, returnBasis: .cagr).returnScore - 0.1487 * 30) < 1e-12)
    }
}
