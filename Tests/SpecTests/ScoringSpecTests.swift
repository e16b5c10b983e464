import Foundation
import Spec
import Testing

/// `scoring.min_trades` and `scoring.return_basis`; messages, lines and columns written from the YAML.
@Suite struct ScoringSpecTests {
    @Test func defaultsRankRowsWithAtLeastOneTradeOnTotalReturn() throws {
        let spec = try #require(parsed(header + ["strategies: [buy_and_hold]"]))
        #expect(spec.scoring.minTrades == 1)
        #expect(spec.scoring.returnBasis == .totalReturn)
    }

    @Test func minTradesAndReturnBasisAreRead() throws {
        let spec = try #require(
            parsed(header + ["strategies: [buy_and_hold]", "scoring: {min_trades: 5, return_basis: cagr}"]))
        #expect(spec.scoring.minTrades == 5)
        #expect(spec.scoring.returnBasis == .cagr)
    }

    @Test func invalidValuesAreRefusedWhereTheyAre() {
        // Line 5: `scoring: {min_trades: -1, return_basis: cgar}`; -1 at column 23, cgar at column 41.
        let yaml = header + ["strategies: [buy_and_hold]", "scoring: {min_trades: -1, return_basis: cgar}"]
        #expect(
            problems(yaml) == [
                "p.yaml:5:23: scoring.min_trades: expected a whole number of closed trades from 0 to 1000000 (0 ranks every row), got -1",
                #"p.yaml:5:41: scoring.return_basis: expected what the return part of the score caps at +100 %, one of total_return, cagr, got "cgar"; did you mean "cagr"?"#,
            ])
    }

    @Test func anUnknownScoringKeySuggestsTheClosest() {
        let yaml = header + ["strategies: [buy_and_hold]", "scoring: {min_trade: 2}"]
        #expect(problems(yaml).first?.contains(#"did you mean "min_trades"?"#) == true)
        #expect(problems(yaml).first?.hasPrefix("p.yaml:5:11:") == true)
    }

    @Test func aSpecRecordedBeforeTheseKeysDecodesWithTheirDefaults() throws {
        let json = #"{"weights":{"totalReturn":30,"sharpe":30,"drawdown":20,"winRate":15,"activity":5}}"#
        let s = try JSONDecoder().decode(PipelineSpec.Scoring.self, from: Data(json.utf8))
        #expect(s.minTrades == 1 && s.returnBasis == .totalReturn)
    }
}
