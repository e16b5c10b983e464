import Strategies
import Testing

@testable import Spec

@Suite struct SuggestionsTests {
    @Test func distanceCountsEditsAndAdjacentTranspositions() {
        // Classic textbook values: kitten → sitting is 3 edits; a swap of neighbours is 1.
        #expect(Suggestions.distance(Array("kitten"), Array("sitting")) == 3)
        #expect(Suggestions.distance(Array("fsat"), Array("fast")) == 1)
        #expect(Suggestions.distance(Array(""), Array("abc")) == 3)
        #expect(Suggestions.distance(Array("same"), Array("same")) == 0)
    }

    @Test func suggestsOnlyPlausibleTypos() {
        #expect(Suggestions.closest(to: "comission", in: ["commission", "slippage_bps"]) == "commission")
        #expect(Suggestions.closest(to: "strategy", in: SpecReader.topLevelKeys) == "strategies")
        #expect(Suggestions.closest(to: "sma_cross", in: ["sma_crossover", "rsi_reversion"]) == "sma_crossover")
        #expect(Suggestions.closest(to: "YAHOO", in: ["yahoo", "stooq"]) == "yahoo")
        #expect(Suggestions.closest(to: "x", in: ["iex", "sip"]) == nil)
        #expect(Suggestions.closest(to: "foo", in: SpecReader.topLevelKeys) == nil)
        #expect(Suggestions.closest(to: "", in: ["a"]) == nil)
    }
}
