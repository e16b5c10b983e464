import Foundation
import Market
import Pipeline
import Spec
import Strategies
import Testing

/// Rule and signals strategies through the whole pipeline, checked against the built-ins they restate.
@Suite struct UserStrategyPipelineTests {
    static let start = SessionDate(iso: "2022-01-03")!
    static let end = SessionDate(iso: "2023-12-29")!

    static func spec(_ strategies: [PipelineSpec.StrategyEntry], dir: String, tickers: [String] = ["AAA", "BBB"])
        -> PipelineSpec
    {
        PipelineSpec(
            name: "user", universe: .init(tickers: tickers),
            period: .init(start: .absolute(start), end: .absolute(end)),
            costs: .init(commission: .fraction(0.001), slippageBps: 2), strategies: strategies,
            report: .init(dir: dir))
    }

    /// trades.csv rows of `strategy`, without the strategy and params columns.
    static func trades(_ dir: String, strategy: String) throws -> [String] {
        let text = try String(contentsOfFile: dir + "/trades.csv", encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
            let f = line.split(separator: ",", omittingEmptySubsequences: false)
            guard f.count > 3, f[1] == strategy else { return nil }
            return ([f[0]] + f[3...]).joined(separator: ",")
        }
    }

    /// The decisions `signals` lead to, replayed as a target position per bar (1 long, 0 flat) from the
    /// engine's first decision bar (W + 1 under the default conventions).
    static func positions(_ s: Signals) -> [Bool] {
        var long = false
        var out = [Bool](repeating: false, count: s.entry.count)
        for t in (s.warmup + 1)..<s.entry.count {
            if !long && s.entry[t] { long = true } else if long && s.exit[t] { long = false }
            out[t] = long
        }
        return out
    }

    @Test func signalsFilesOfABuiltInsOwnSignalsReproduceItsTrades() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let sma = Parameters(["fast": .int(5), "slow": .int(20)])
        let rsi = Parameters(["period": .int(14), "lower": .int(30), "upper": .int(70)])
        try FileManager.default.createDirectory(atPath: root + "/flags", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/targets", withIntermediateDirectories: true)
        for symbol in ["AAA", "BBB"] {
            let bars = try await WaveProvider().bars(symbol: symbol, from: Self.start, to: Self.end)
            let series = BarSeries(symbol: symbol, bars: bars)
            let cache = IndicatorCache(series: series)
            let s = SMACrossover(parameters: sma).signals(on: series, indicators: cache)
            var flags = "date,buy,sell\n"
            for t in 0..<series.count { flags += "\(series.dates[t].iso),\(s.entry[t]),\(s.exit[t])\n" }
            try flags.write(toFile: root + "/flags/\(symbol).csv", atomically: true, encoding: .utf8)
            let target = Self.positions(RSIReversion(parameters: rsi).signals(on: series, indicators: cache))
            var positions = "date,position\n"
            for t in 0..<series.count { positions += "\(series.dates[t].iso),\(target[t] ? 1 : 0)\n" }
            try positions.write(toFile: root + "/targets/\(symbol).csv", atomically: true, encoding: .utf8)
        }
        let dir = root + "/out"
        let spec = Self.spec(
            [
                .init(id: "sma_crossover", grid: ["fast": [.int(5)], "slow": [.int(20)]]),
                .init(id: "rsi_reversion", grid: ["period": [.int(14)]]),
                .init(id: "sig_sma", signals: .init(path: root + "/flags", columnEntry: "buy", columnExit: "sell")),
                .init(id: "sig_rsi", signals: .init(path: root + "/targets", columnPosition: "position")),
            ], dir: dir)
        let outcome = try await PipelineRunnerTests.runner(root).run(SpecInput(spec: spec, path: "t.yaml", text: ""))
        #expect(outcome.status == .succeeded)
        let smaTrades = try Self.trades(dir, strategy: "sma_crossover")
        let rsiTrades = try Self.trades(dir, strategy: "rsi_reversion")
        #expect(smaTrades.count >= 4 && rsiTrades.count >= 2)
        #expect(try Self.trades(dir, strategy: "sig_sma") == smaTrades)
        #expect(try Self.trades(dir, strategy: "sig_rsi") == rsiTrades)
        // The files are fingerprinted in the manifest, like bars.
        let manifest = try Manifest.read(from: dir + "/manifest.json")
        #expect(manifest.signals?.map(\.id) == ["sig_rsi", "sig_sma"])
        #expect(manifest.signals?.allSatisfy { $0.sha256.count == 64 } == true)
    }

    @Test func aSignalDatedOffTheBarsFailsOnlyItsSymbol() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/s", withIntermediateDirectories: true)
        // 2022-01-08 is a Saturday inside the period: no bar to act on.
        try "date,entry,exit\n2022-01-07,true,false\n2022-01-08,false,true\n".write(
            toFile: root + "/s/AAA.csv", atomically: true, encoding: .utf8)
        try "date,entry,exit\n2022-01-07,true,false\n".write(
            toFile: root + "/s/BBB.csv", atomically: true, encoding: .utf8)
        let dir = root + "/out"
        let spec = Self.spec(
            [.init(id: "signals", signals: .init(path: root + "/s", columnEntry: "entry", columnExit: "exit"))],
            dir: dir)
        let outcome = try await PipelineRunnerTests.runner(root).run(SpecInput(spec: spec, path: "t.yaml", text: ""))
        #expect(outcome.status == .partial)
        let manifest = try Manifest.read(from: dir + "/manifest.json")
        let aaa = try #require(manifest.symbols.first { $0.symbol == "AAA" })
        #expect(aaa.status == .failed)
        #expect(
            aaa.reason
                == "signals signals: AAA.csv:3: 2022-01-08 is not a bar of AAA (the bar before is 2022-01-07); "
                + "date each signal on the bar whose close decides it")
        #expect(manifest.symbols.first { $0.symbol == "BBB" }?.status == .ok)
    }

    @Test func aSignalTimedAfterTheCloseOfItsBarFailsOnlyItsSymbol() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/s", withIntermediateDirectories: true)
        // 2022-01-07 (a Friday, a regular session closing at 16:00): 15:55 New York time is before the close,
        // 16:30 (21:30 UTC in winter) is after it. BBB's times are all before the close.
        try "date,entry,exit\n2022-01-06T15:55:00-05:00,true,false\n2022-01-07T21:30:00Z,false,true\n".write(
            toFile: root + "/s/AAA.csv", atomically: true, encoding: .utf8)
        try "date,entry,exit\n2022-01-06T20:55:00Z,true,false\n2022-01-07,false,true\n".write(
            toFile: root + "/s/BBB.csv", atomically: true, encoding: .utf8)
        let dir = root + "/out"
        let spec = Self.spec(
            [.init(id: "signals", signals: .init(path: root + "/s", columnEntry: "entry", columnExit: "exit"))],
            dir: dir)
        let outcome = try await PipelineRunnerTests.runner(root).run(SpecInput(spec: spec, path: "t.yaml", text: ""))
        #expect(outcome.status == .partial)
        let manifest = try Manifest.read(from: dir + "/manifest.json")
        let aaa = try #require(manifest.symbols.first { $0.symbol == "AAA" })
        #expect(aaa.status == .failed)
        #expect(
            aaa.reason
                == "signals signals: AAA.csv:3: a signal known at 16:30 New York time is after the 16:00 close of "
                + "2022-01-07, the bar it would act on; date it on the next bar (or give the time it was known at "
                + "the close)")
        #expect(manifest.symbols.first { $0.symbol == "BBB" }?.status == .ok)
    }

    @Test func aRuleRestatingABuiltInGivesItsResultsThroughThePipeline() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/out"
        let spec = Self.spec(
            [
                .init(id: "sma_crossover", grid: ["fast": [.int(5), .int(10)], "slow": [.int(20), .int(30)]]),
                .init(
                    id: "sma_rule", grid: ["fast": [.int(5), .int(10)], "slow": [.int(20), .int(30)]],
                    rule: RuleDefinition(
                        id: "sma_rule", entry: "crosses_above(sma(close, fast), sma(close, slow))",
                        exit: "crosses_below(sma(close, fast), sma(close, slow))")),
            ], dir: dir)
        let outcome = try await PipelineRunnerTests.runner(root).run(SpecInput(spec: spec, path: "t.yaml", text: ""))
        #expect(outcome.status == .succeeded)
        let builtIn = try Self.trades(dir, strategy: "sma_crossover")
        #expect(builtIn.count >= 4)
        #expect(try Self.trades(dir, strategy: "sma_rule") == builtIn)
    }
}

extension UserStrategyPipelineTests {
    /// Planning outside a run (`stratopt validate`) loads warm-up history for a rule like for the built-in it
    /// restates: SMA(50) needs the same sessions either way.
    @Test func planningSeesARulesWarmup() throws {
        var rule = Self.spec(
            [
                .init(
                    id: "r", grid: ["slow": [.int(50)]],
                    rule: RuleDefinition(id: "r", entry: "close > sma(close, slow)", exit: "close < sma(close, slow)"))
            ], dir: "unused")
        var builtIn = Self.spec(
            [.init(id: "sma_crossover", grid: ["fast": [.int(10)], "slow": [.int(50)]])], dir: "unused")
        rule.conventions = .stratopt
        builtIn.conventions = .stratopt
        let asOf = SessionDate(iso: "2024-01-02")!
        let a = try Planner.plan(spec: rule, asOf: asOf, calendar: WeekdayCalendar())
        let b = try Planner.plan(spec: builtIn, asOf: asOf, calendar: WeekdayCalendar())
        #expect(a.historyStart < a.start)
        #expect(a.historyStart == b.historyStart)
    }
}

extension UserStrategyPipelineTests {
    /// A mistyped signals folder fails the symbols with advice instead of giving them a strategy that never trades.
    @Test func aMissingSignalsFolderFailsTheSymbols() async throws {
        let root = PipelineRunnerTests.tempDir()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dir = root + "/out"
        let spec = Self.spec(
            [
                .init(id: "buy_and_hold"),
                .init(id: "signals", signals: .init(path: root + "/nope", columnEntry: "entry", columnExit: "exit")),
            ], dir: dir)
        let outcome = try? await PipelineRunnerTests.runner(root).run(SpecInput(spec: spec, path: "t.yaml", text: ""))
        #expect(outcome?.status != .succeeded)
        let manifest = try Manifest.read(from: dir + "/manifest.json")
        #expect(
            manifest.symbols.map(\.reason)
                == Array(
                    repeating:
                        "signals signals: no folder \(root)/nope; check path (relative to the working directory)",
                    count: 2))
    }
}
