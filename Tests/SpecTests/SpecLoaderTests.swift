import Foundation
import Market
import Spec
import Strategies
import Testing

@Suite struct SpecLoaderTests {
    @Test func exampleSpecParsesToTheDocumentedValues() throws {
        let path = repoRoot.appendingPathComponent("pipelines/example.yaml").path
        let loaded = try SpecLoader.load(path: path)
        #expect(loaded.displayPath == path)
        #expect(loaded.sourceText == (try String(contentsOfFile: path, encoding: .utf8)))
        let expected = PipelineSpec(
            version: 1, name: "example", data: .init(provider: .synthetic, seed: 42),
            universe: .init(tickers: ["AAPL", "MSFT", "GOOGL", "TSLA", "NVDA"]),
            period: .init(start: .relative(years: -2, months: 0, days: 0), end: .today),
            capital: .init(initial: 100_000),
            costs: .init(commission: .fraction(0.001), slippageBps: 2),
            sizing: .init(rule: .percentOfEquity(100), fractionalShares: false),
            conventions: .backtestingPy,
            strategies: [
                .init(id: "sma_crossover", grid: ["fast": [.int(10), .int(20)], "slow": [.int(50), .int(100)]]),
                .init(id: "rsi_reversion", grid: ["period": [.int(14)], "lower": [.int(30)], "upper": [.int(70)]]),
                .init(id: "buy_and_hold"),
            ],
            batch: .init(size: 5))
        #expect(loaded.spec == expected)
    }

    @Test func omittedSectionsTakeTheirDefaults() throws {
        let spec = try #require(parsed(header + ["strategies: [buy_and_hold]"]))
        #expect(spec.version == 1)
        #expect(spec.name == "t")
        #expect(spec.data == PipelineSpec.DataSpec(provider: .synthetic, path: nil, seed: 42, baseURL: nil))
        #expect(spec.data.quality == PipelineSpec.DataQuality(maxGapDays: nil, maxStaleDays: nil))
        #expect(spec.universe.tickers == ["AAPL", "MSFT"])
        #expect(spec.period.start == .relative(years: -2, months: 0, days: 0))
        #expect(spec.period.end == .today)
        #expect(spec.capital.initial == 100_000)
        #expect(spec.costs.commission == .fraction(0.001))
        #expect(spec.costs.slippageBps == 0)
        #expect(spec.sizing.rule == .percentOfEquity(100))
        #expect(spec.sizing.fractionalShares == false)
        #expect(spec.conventions == .backtestingPy)
        #expect(spec.strategies == [PipelineSpec.StrategyEntry(id: "buy_and_hold", grid: [:])])
        let w = spec.scoring.weights
        #expect([w.totalReturn, w.sharpe, w.drawdown, w.winRate, w.activity] == [30, 30, 20, 15, 5])
        #expect(spec.batch.size == 5)
        #expect(spec.report.dir == nil)
        #expect(spec.execute.enabled == false)
        #expect(spec.execute.broker == .paper)
        #expect(spec.execute.mode == .paper)
        #expect(spec.execute.minScore == 50)
        #expect(spec.execute.symbols == .all)
        #expect(spec.execute.sizing == .auto)
        #expect(spec.execute.risk.rules.isEmpty)
        #expect(spec.notify.isEmpty)
    }

    @Test func everySectionIsRead() throws {
        let loaded = try SpecLoader.load(path: fixtureURL("full.yaml").path)
        let s = loaded.spec
        #expect(s.name == "full-spec_2.0")
        #expect(s.data.provider == .alpaca)
        #expect(s.data.baseURL == "http://127.0.0.1:8080")
        #expect(s.data.adjustment == .split)
        #expect(s.data.feed == .sip)
        #expect(s.data.quality == .init(maxGapDays: 5, maxStaleDays: 3, maxJumpPct: 40.5, maxZeroVolumeRun: 2))
        #expect(s.universe.tickers == ["AAPL", "BRK.B", "^GSPC"])
        #expect(s.period.start == .absolute(SessionDate(year: 2020, month: 1, day: 2)!))
        #expect(s.period.end == .absolute(SessionDate(year: 2024, month: 12, day: 31)!))
        #expect(s.capital.initial == 25_000.5)
        #expect(s.costs.commission == .perShare(rate: 0.005, minimum: 1))
        #expect(s.costs.slippageBps == 1.5)
        #expect(s.sizing.rule == .volatilityTarget(targetPct: 1, atrPeriod: 20, maxPercent: 100))
        #expect(s.sizing.fractionalShares)
        // from 20 to 30 step 2.5, inclusive; integral values stay integers.
        #expect(
            s.strategies == [
                .init(
                    id: "rsi_reversion",
                    grid: [
                        "lower": [.int(20), .double(22.5), .int(25), .double(27.5), .int(30)], "upper": [.int(75)],
                    ])
            ])
        let w = s.scoring.weights
        #expect([w.totalReturn, w.sharpe, w.drawdown, w.winRate, w.activity] == [50, 30, 20, 15, 0])
        #expect(s.batch.size == 8)
        #expect(s.report.dir == "reports/custom")
        #expect(s.execute.enabled)
        #expect(s.execute.broker == .alpaca)
        #expect(s.execute.mode == .live)
        #expect(s.execute.minScore == 65.5)
        #expect(s.execute.symbols == .list(["BRK.B", "AAPL"]))
        #expect(s.execute.sizing == .percentOfEquity(10))
        #expect(
            s.execute.risk.rules == [
                .init(type: .maxPositionSize, limit: 10, action: .reduceSize),
                .init(type: .maxDailyLoss, limit: 3, action: .block),
                .init(type: .maxDrawdown, limit: 20, action: .closePosition),
                .init(type: .positionLimit, limit: 10, action: .block),
                .init(type: .maxLeverage, limit: 1.5, action: .alert),
            ])
        #expect(
            s.notify == [
                .init(url: "http://127.0.0.1:9000/hook", minPriority: .high),
                .init(url: "https://example.org/x", minPriority: .medium),
            ])
    }

    @Test func otherValueForms() throws {
        let spec = try #require(
            parsed(
                header + [
                    "data: {provider: csv, path: data/bars}",
                    "period: {start: -6m, end: -30d}",
                    "costs: {commission: {fixed: 1.0}}",
                    "sizing: {fixed_shares: 10}",
                    "strategies:",
                    "  - rsi_reversion:",
                    "  - sma_crossover: {fast: {from: 1, to: 10, step: 4}, slow: 30}",
                    "execute: {symbols: all, sizing: auto}",
                ]))
        #expect(spec.data.provider == .csv)
        #expect(spec.data.path == "data/bars")
        #expect(spec.period.start == .relative(years: 0, months: -6, days: 0))
        #expect(spec.period.end == .relative(years: 0, months: 0, days: -30))
        #expect(spec.costs.commission == .fixed(1))
        #expect(spec.sizing.rule == .fixedShares(10))
        #expect(spec.strategies[0] == .init(id: "rsi_reversion", grid: [:]))
        #expect(
            spec.strategies[1]
                == .init(id: "sma_crossover", grid: ["fast": [.int(1), .int(5), .int(9)], "slow": [.int(30)]]))
    }

    @Test func dateExpressionsPrintAsTextThatParsesBack() {
        let cases: [(PipelineSpec.DateExpression, String)] = [
            (.relative(years: -2, months: 0, days: 0), "-2y"),
            (.relative(years: 0, months: 6, days: 0), "+6m"),
            (.relative(years: 0, months: 0, days: 0), "+0d"),
            (.today, "today"),
            (.absolute(SessionDate(year: 2021, month: 3, day: 4)!), "2021-03-04"),
        ]
        for (expression, text) in cases {
            #expect(expression.description == text)
            #expect(PipelineSpec.DateExpression(parsing: text) == expression)
        }
    }

    @Test func seedsUseTheFullUnsignedRange() throws {
        let spec = try #require(parsed(header + ["strategies: [buy_and_hold]", "data: {seed: 18446744073709551615}"]))
        #expect(spec.data.seed == UInt64.max)
    }

    @Test func resolvedSpecEncodesDeterministicallyAndRoundTrips() throws {
        let spec = try SpecLoader.load(path: fixtureURL("full.yaml").path).spec
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let a = try encoder.encode(spec)
        let b = try encoder.encode(spec)
        #expect(a == b)
        #expect(try JSONDecoder().decode(PipelineSpec.self, from: a) == spec)
        let text = String(decoding: a, as: UTF8.self)
        #expect(text.contains(#""commission":{"minimum":1,"model":"per_share","rate":0.005}"#))
        #expect(text.contains(#""start":"2020-01-02""#))
    }
}
