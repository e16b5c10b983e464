import Engine
import Scoring
import Strategies
import Testing

@Suite struct CompositeScoreTests {
    func metrics(ret: Double, sharpe: Double?, dd: Double, win: Double, trades: Int) -> Metrics {
        Metrics(
            totalReturnPct: ret, cagrPct: 0, volatilityPct: 0, sharpe: sharpe, maxDrawdownPct: dd, winRatePct: win,
            trades: trades, profitFactor: nil, exposurePct: 0, finalEquity: 0)
    }

    @Test func everyComponentAtItsCap() {
        // return ≥ 100 %, Sharpe ≥ 2, no drawdown, all winners, ≥ 10 trades: the full 100.
        let s = CompositeScore.score(metrics(ret: 250, sharpe: 3.5, dd: 0, win: 100, trades: 40))
        #expect(s.returnScore == 30)
        #expect(s.sharpeScore == 30)
        #expect(s.drawdownScore == 20)
        #expect(s.winRateScore == 15)
        #expect(s.activityScore == 5)
        #expect(s.total == 100)
    }

    @Test func componentsBelowTheirCaps() {
        // 50 % return → 0.5·30; Sharpe 1 → 0.5·30; 25 % drawdown → (1 − 25/50)·20; 40 % winners → 0.4·15; 4 trades → 0.4·5.
        let s = CompositeScore.score(metrics(ret: 50, sharpe: 1, dd: 25, win: 40, trades: 4))
        #expect(s.returnScore == 0.5 * 30)
        #expect(s.sharpeScore == 0.5 * 30)
        #expect(s.drawdownScore == 0.5 * 20)
        #expect(s.winRateScore == 0.4 * 15)
        #expect(s.activityScore == 0.4 * 5)
    }

    @Test func negativeComponentsFloorAtZero() {
        // A loss, a negative Sharpe and a drawdown beyond 50 % each score 0, never below.
        let s = CompositeScore.score(metrics(ret: -40, sharpe: -1.2, dd: 75, win: 0, trades: 0))
        #expect(s.returnScore == 0)
        #expect(s.sharpeScore == 0)
        #expect(s.drawdownScore == 0)
        #expect(s.total == 0)
    }

    @Test func undefinedSharpeScoresZero() {
        #expect(CompositeScore.score(metrics(ret: 0, sharpe: nil, dd: 0, win: 0, trades: 0)).sharpeScore == 0)
    }

    @Test func weightsScaleComponents() {
        let w = ScoreWeights(totalReturn: 50, sharpe: 0, drawdown: 0, winRate: 50, activity: 0)
        let s = CompositeScore.score(metrics(ret: 100, sharpe: 2, dd: 10, win: 50, trades: 10), weights: w)
        #expect(s.total == 50 + 25)
    }

    @Test func rankingBreaksTiesOnReturnThenStrategyThenParams() {
        let c = [
            RankCandidate(
                symbol: "A", strategy: "sma_crossover", params: Parameters(canonical: "fast=20;slow=50")!, score: 60,
                totalReturnPct: 5),
            RankCandidate(
                symbol: "A", strategy: "sma_crossover", params: Parameters(canonical: "fast=10;slow=50")!, score: 60,
                totalReturnPct: 5),
            RankCandidate(
                symbol: "A", strategy: "buy_and_hold", params: Parameters(canonical: "")!, score: 60, totalReturnPct: 5),
            RankCandidate(
                symbol: "A", strategy: "rsi_reversion", params: Parameters(canonical: "")!, score: 60, totalReturnPct: 9
            ),
            RankCandidate(
                symbol: "B", strategy: "buy_and_hold", params: Parameters(canonical: "")!, score: 10, totalReturnPct: 1),
            RankCandidate(
                symbol: "A", strategy: "zzz", params: Parameters(canonical: "")!, score: 70, totalReturnPct: -1),
        ]
        #expect(Ranking.ranks(c) == [5, 4, 3, 2, 1, 1])
    }
}
