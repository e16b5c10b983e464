import Spec
import Strategies
import Testing

@Suite struct GridExpansionTests {
    @Test func cartesianProductInNameOrderLastNameFastestSkippingBrokenConstraints() {
        // Written slow-first on purpose: the order is by parameter name (fast, slow), values as written.
        let entry = PipelineSpec.StrategyEntry(
            id: "sma_crossover", grid: ["slow": [.int(100), .int(50)], "fast": [.int(10), .int(60), .int(20)]])
        let (combinations, skipped) = entry.expand()
        #expect(
            combinations.map(\.description) == [
                "fast=10;slow=100", "fast=10;slow=50", "fast=60;slow=100", "fast=20;slow=100", "fast=20;slow=50",
            ])
        #expect(skipped.map(\.parameters.description) == ["fast=60;slow=50"])
        #expect(skipped.map(\.reason) == ["breaks fast < slow"])
    }

    @Test func defaultsFillParametersNotInTheGrid() {
        // rsi_reversion defaults: period 14, lower 30, upper 70.
        let entry = PipelineSpec.StrategyEntry(id: "rsi_reversion", grid: ["lower": [.int(25), .double(32.5)]])
        let (combinations, skipped) = entry.expand()
        #expect(combinations.map(\.description) == ["lower=25;period=14;upper=70", "lower=32.5;period=14;upper=70"])
        #expect(skipped.isEmpty)
        // No grid at all: the defaults, once. No parameters at all: one empty assignment.
        #expect(
            PipelineSpec.StrategyEntry(id: "sma_crossover").expand().combinations.map(\.description) == [
                "fast=10;slow=20"
            ])
        #expect(PipelineSpec.StrategyEntry(id: "buy_and_hold").expand().combinations == [Parameters()])
    }

    @Test func rangesFromTheSpecExpandInclusivelyInOrder() throws {
        let spec = try #require(
            parsed(
                header + [
                    "strategies:",
                    "  - sma_crossover: {fast: {from: 5, to: 15, step: 5}, slow: {from: 10, to: 30, step: 10}}",
                ]))
        let (combinations, skipped) = spec.strategies[0].expand()
        // fast 5,10,15 × slow 10,20,30; fast < slow keeps 7 of 9.
        #expect(
            combinations.map(\.description) == [
                "fast=5;slow=10", "fast=5;slow=20", "fast=5;slow=30", "fast=10;slow=20", "fast=10;slow=30",
                "fast=15;slow=20", "fast=15;slow=30",
            ])
        #expect(skipped.map(\.parameters.description) == ["fast=10;slow=10", "fast=15;slow=10"])
    }
}
