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

/// `validation:`; messages, lines and columns written from the YAML.
@Suite struct ValidationSpecTests {
    @Test func walkForwardIsRead() throws {
        let spec = try #require(
            parsed(
                header + [
                    "strategies: [buy_and_hold]", "validation:", "  method: walk_forward", "  train: 3y", "  test: 6m",
                    "  window: anchored",
                ]))
        #expect(
            spec.validation
                == PipelineSpec.Validation(
                    method: .walkForward, train: .init(count: 3, unit: .years), test: .init(count: 6, unit: .months),
                    window: .anchored))
    }

    @Test func noneAndAbsentMeanNoValidation() throws {
        #expect(try #require(parsed(header + ["strategies: [buy_and_hold]"])).validation == nil)
        #expect(
            try #require(parsed(header + ["strategies: [buy_and_hold]", "validation: {method: none}"])).validation
                == nil)
    }

    @Test func mistakesAreReportedWhereTheyAre() {
        // Line 6 `  method: walk_froward` (value at column 11); line 7 `  train: 3 years` (column 10); line 5
        // `validation: {method: holdout, train: 2y, …}`: `train` at column 31. Problems are listed by position.
        let yaml = header + ["strategies: [buy_and_hold]", "validation:", "  method: walk_froward", "  train: 3 years"]
        #expect(
            problems(yaml) == [
                #"p.yaml:6:11: validation.method: expected a validation method, one of none, holdout, walk_forward, got "walk_froward"; did you mean "walk_forward"?"#
            ])
        let missing =
            header + ["strategies: [buy_and_hold]", "validation:", "  method: walk_forward", "  train: 3 years"]
        #expect(
            problems(missing) == [
                #"p.yaml:5:1: missing key "test" in validation; add the length of each test window, e.g. test: 1y"#,
                #"p.yaml:7:10: validation.train: expected a length such as 3y, 6m or 90d (years, months or calendar days, 1 to 9999), got "3 years""#,
            ])
        let holdout = header + ["strategies: [buy_and_hold]", "validation: {method: holdout, train: 2y, test: 1y}"]
        #expect(
            problems(holdout) == [
                "p.yaml:5:31: validation.train: holdout trains on every bar before its test window, so it takes no train length; remove it"
            ])
    }
}
