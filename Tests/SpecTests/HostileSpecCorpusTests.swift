import Foundation
import Spec
import Testing

/// Issue 14 attacks on the spec loader (items 5, 6, 8, 9, 10). Specs that are files live in
/// Fixtures/hostile; each must fail fast with a located diagnostic, never hang, crash or allocate gigabytes.
@Suite struct HostileSpecCorpusTests {
    func timed<T>(_ body: () -> T) -> (T, Duration) {
        let start = ContinuousClock.now
        let r = body()
        return (r, ContinuousClock.now - start)
    }

    @Test func aliasBombHiddenBehindCarriageReturnsIsRefusedAtTheFirstAlias() throws {
        // 567 bytes. Lines broken by a lone CR (a YAML line break) hide every `*` from a text scan that
        // splits lines on LF only, and the `{*l9 : 1}` key alone would make Yams hash 9^9 nodes while
        // composing.
        let url = try #require(Bundle.module.resourceURL).appendingPathComponent(
            "Fixtures/hostile/alias-bomb-cr-line-breaks.yaml")
        let data = try Data(contentsOf: url)
        let (result, took) = timed { () -> [String] in
            do {
                _ = try SpecLoader.parse(data: data, displayPath: "bomb.yaml")
                return []
            } catch let error as SpecError {
                return error.diagnostics.map(\.description)
            } catch {
                return ["\(error)"]
            }
        }
        #expect(
            result == [
                "bomb.yaml:5:1: YAML aliases (*l0) are not supported in pipeline specs; write the value out in full"
            ])
        // Expanding the bomb would never finish; refusing it is immediate (loose bound: loaded CI, debug build).
        #expect(took < .seconds(60))
    }

    @Test func anAliasCannotReachAValidSpec() {
        let yaml = [
            "version: 1", "name: &n t", "universe: {tickers: [AAPL,\r*n]}", "strategies: [buy_and_hold]",
        ]
        // Without the rule the alias is the ticker "t" and the spec is valid.
        #expect(
            problems(yaml) == [
                "p.yaml:4:1: YAML aliases (*n) are not supported in pipeline specs; write the value out in full"
            ])
    }

    @Test(arguments: [
        ("name: !!binary dA==", "!!binary"), ("name: !local t", "!local"),
        ("name: !!python/object:os.system t", "!!python/object:os.system"),
    ])
    func nonCoreTagsAreRefused(line: String, tag: String) {
        let yaml = ["version: 1", line, "universe: {tickers: [AAPL]}", "strategies: [buy_and_hold]"]
        #expect(
            problems(yaml) == [
                "p.yaml:2:7: YAML tag \(tag) is not supported; pipeline specs use plain values (only the core "
                    + "tags !!str, !!int, !!float, !!bool, !!null, !!seq and !!map); remove it"
            ])
    }

    @Test func coreTagsAreAccepted() throws {
        let spec = parsed([
            "version: !!int 1", "name: !!str t", "universe: {tickers: [AAPL]}", "strategies: [buy_and_hold]",
        ])
        #expect(spec?.name == "t")
    }

    @Test func aUTF8ByteOrderMarkIsAccepted() throws {
        var data = Data([0xEF, 0xBB, 0xBF])
        data.append(Data("version: 1\nname: t\nuniverse: {tickers: [AAPL]}\nstrategies: [buy_and_hold]\n".utf8))
        let loaded = try SpecLoader.parse(data: data, displayPath: "bom.yaml")
        #expect(loaded.spec.name == "t")
        #expect(loaded.spec.universe.tickers == ["AAPL"])
    }

    @Test func tooManyBacktestsAreCountedNotExpanded() {
        // 10 000 tickers × (1000 × 100) combinations = 10^9 backtests, 48 GB of jobs if expanded.
        let tickers = (0..<10_000).map { "T\($0)" }.joined(separator: ", ")
        let yaml = [
            "version: 1", "name: t", "universe: {tickers: [\(tickers)]}",
            "strategies:",
            "  - sma_crossover: {fast: {from: 1, to: 1000, step: 1}, slow: {from: 1001, to: 1100, step: 1}}",
        ]
        let (result, took) = timed { problems(yaml) }
        #expect(
            result == [
                "p.yaml:4:1: the spec asks for 10000 tickers × 100000 combinations = 1000000000 backtests; "
                    + "the limit is 5000000 per run; split the universe into specs of at most 50 tickers each "
                    + "and run them one after the other (see docs/spec.md, Limits), or use fewer grid values"
            ])
        // Expanding would allocate 48 GB; counting first is immediate (loose bound: loaded CI, debug build).
        #expect(took < .seconds(120))
    }

    @Test func tooManyTickersAreRefused() {
        let tickers = (0..<10_001).map { "T\($0)" }.joined(separator: ", ")
        let yaml = ["version: 1", "name: t", "universe: {tickers: [\(tickers)]}", "strategies: [buy_and_hold]"]
        #expect(
            problems(yaml) == [
                "p.yaml:3:21: universe.tickers: 10001 tickers is more than the limit of 10000 per spec; "
                    + "split the universe over several specs (see docs/spec.md, Limits)"
            ])
    }

    @Test(arguments: ["1.7e308", "1e13", ".inf"])
    func capitalBeyondTheDocumentedRangeIsRefused(value: String) {
        let yaml = [
            "version: 1", "name: t", "universe: {tickers: [AAPL]}", "capital: {initial: \(value)}",
            "strategies: [buy_and_hold]",
        ]
        let p = problems(yaml)
        #expect(p.count == 1)
        #expect(
            p.first?.hasPrefix("p.yaml:4:20: capital.initial: expected a positive amount of cash up to 1000000000000")
                == true)
    }

    @Test func fixedSharesBeyondTheRangeAreRefused() {
        let yaml = [
            "version: 1", "name: t", "universe: {tickers: [AAPL]}", "sizing: {fixed_shares: 1e12}",
            "strategies: [buy_and_hold]",
        ]
        #expect(problems(yaml).first?.contains("up to 1000000000 (1e9)") == true)
    }

    @Test(arguments: [
        ("\"AAPL\u{202E}\"", "contains a bidirectional-text control character"),
        ("\"A\u{0410}PL\"", "mixes letters of several scripts (Cyrillic, Latin), like a look-alike"),
        ("\"AA\u{200B}PL\"", "contains an invisible formatting character"),
    ])
    func deceptiveTickersAreRefused(ticker: String, why: String) {
        let yaml = ["version: 1", "name: t", "universe: {tickers: [MSFT, \(ticker)]}", "strategies: [buy_and_hold]"]
        let p = problems(yaml)
        #expect(p.count == 1)
        #expect(p.first?.hasPrefix("p.yaml:3:28: universe.tickers[1]: ") == true)
        #expect(p.first?.contains(why) == true, "\(p)")
    }

    @Test func aHugeValueIsClippedInTheMessage() {
        let huge = String(repeating: "X", count: 100_000)
        let yaml = ["version: 1", "name: t", "universe: {tickers: [\"\(huge)\"]}", "strategies: [buy_and_hold]"]
        let p = problems(yaml)
        #expect(p.count == 1)
        #expect(p.first?.contains(String(repeating: "X", count: 40) + "…\"") == true)
        #expect((p.first?.count ?? 0) < 400)
    }
}
