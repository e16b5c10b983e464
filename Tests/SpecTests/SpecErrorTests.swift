import Foundation
import Spec
import Testing

/// Invalid specs. Every expected message, line and column is written by hand from the YAML above it.
@Suite struct SpecErrorTests {
    @Test func yamlSyntaxError() {
        let yaml = ["version: 1", "name: t", "universe: {tickers: [AAPL, MSFT}", "strategies: [buy_and_hold]"]
        #expect(
            problems(yaml) == [
                "p.yaml:3:32: YAML syntax error: did not find expected ',' or ']' "
                    + "(while parsing a flow sequence that starts at line 3, column 21)"
            ])
    }

    @Test func tabIndentationIsNamed() {
        #expect(
            problems(yaml: "version: 1\n\tname: x\n") == [
                "p.yaml:2:1: YAML syntax error: a tab character; indent YAML with spaces, not tabs"
            ])
        #expect(
            problems(yaml: "\tversion: 1\n") == [
                "p.yaml:1:1: YAML syntax error: a tab character; indent YAML with spaces, not tabs"
            ])
    }

    @Test func duplicateKeyIsReportedWhereItIsRepeated() {
        let yaml = header + ["strategies: [buy_and_hold]", "name: b"]
        #expect(
            problems(yaml) == [
                #"p.yaml:5:1: duplicate key "name" (already set at line 2, column 1); keep only one of them"#
            ])
    }

    @Test func unknownTopLevelKeySuggestsTheClosestOne() {
        let yaml = header + ["strategy: [buy_and_hold]"]
        #expect(
            problems(yaml) == [
                #"p.yaml:1:1: missing required key "strategies"; add a list of strategies, e.g. strategies: [buy_and_hold]"#,
                #"p.yaml:4:1: unknown top-level key "strategy"; did you mean "strategies"?"#,
            ])
    }

    @Test func unknownStrategySuggestsTheClosestId() {
        let yaml = header + ["strategies:", "  - sma_cross: {fast: 10}", "  - buy_and_hold", "  - frobnicate"]
        #expect(
            problems(yaml) == [
                #"p.yaml:5:5: unknown strategy "sma_cross"; did you mean "sma_crossover"?"#,
                #"p.yaml:7:5: unknown strategy "frobnicate"; expected one of: sma_crossover, ema_crossover, rsi_reversion, macd_crossover, bollinger_reversion, donchian_breakout, momentum, buy_and_hold"#,
            ])
    }

    @Test func unknownParameterSuggestsTheClosestName() {
        let yaml = header + ["strategies:", "  - sma_crossover:", "      fsat: 10", "  - buy_and_hold: {fast: 1}"]
        #expect(
            problems(yaml) == [
                #"p.yaml:6:7: unknown parameter "fsat" for sma_crossover; did you mean "fast"?"#,
                #"p.yaml:7:20: unknown parameter "fast" for buy_and_hold; buy_and_hold takes no parameters"#,
            ])
    }

    @Test func wrongTypeForASectionIsOneClearError() {
        let yaml = ["version: 1", "name: t", "universe: AAPL", "strategies: [buy_and_hold]"]
        #expect(
            problems(yaml) == [
                #"p.yaml:3:11: universe: expected a mapping with tickers, e.g. universe: {tickers: [AAPL, MSFT]}, got "AAPL""#
            ])
    }

    @Test func commissionMustBeAFractionBelowOne() {
        let expectation =
            "costs.commission: expected a number between 0 and 1 (a fraction of traded value, 0.001 = 0.1 %), "
            + "{per_share: X, minimum: Y} or {fixed: X}, got"
        #expect(
            problems(header + ["strategies: [buy_and_hold]", "costs:", "  commission: ten"])
                == ["p.yaml:6:15: \(expectation) \"ten\""])
        #expect(
            problems(header + ["strategies: [buy_and_hold]", "costs: {commission: 1.5}"])
                == ["p.yaml:5:21: \(expectation) 1.5"])
    }

    @Test func capitalMustBePositive() {
        let yaml = header + ["capital: {initial: -5000}", "strategies: [buy_and_hold]"]
        #expect(
            problems(yaml) == [
                "p.yaml:4:20: capital.initial: expected a positive amount of cash up to 1000000000000 (1e12) "
                    + "(e.g. 100000), got -5000"
            ])
    }

    @Test func tickersMustBeNonEmptyAndUnique() {
        let empty = ["version: 1", "name: t", "universe: {tickers: []}", "strategies: [buy_and_hold]"]
        #expect(
            problems(empty) == [
                "p.yaml:3:21: universe.tickers: the list is empty; add at least one ticker symbol, e.g. [AAPL]"
            ])
        let duplicate = [
            "version: 1", "name: t", "universe: {tickers: [AAPL, MSFT, AAPL]}", "strategies: [buy_and_hold]",
        ]
        #expect(
            problems(duplicate) == [
                #"p.yaml:3:34: universe.tickers[2]: duplicate ticker "AAPL" (first listed at line 3, column 22); list each ticker once"#
            ])
    }

    @Test func datesMustBeRealAndInOrder() {
        let bad = header + ["strategies: [buy_and_hold]", "period: {start: 2023-02-30, end: today}"]
        #expect(
            problems(bad) == [
                #"p.yaml:5:17: period.start: expected a date: YYYY-MM-DD, today, or an offset such as -2y, -6m, -30d, got "2023-02-30""#
            ])
        let reversed = header + ["strategies: [buy_and_hold]", "period: {start: 2024-01-01, end: 2023-06-30}"]
        #expect(
            problems(reversed) == [
                "p.yaml:5:34: period.end: 2023-06-30 is not after period.start 2024-01-01; the period must run forward in time"
            ])
    }

    @Test func versionMustBeOne() {
        let yaml = ["version: 2", "name: t", "universe: {tickers: [AAPL]}", "strategies: [buy_and_hold]"]
        #expect(
            problems(yaml) == ["p.yaml:1:10: version: expected 1 (the only spec version this stratopt reads), got 2"])
    }

    @Test func nameIsRequiredAndPrintable() {
        let missing = ["version: 1", "universe: {tickers: [AAPL]}", "strategies: [buy_and_hold]"]
        #expect(
            problems(missing) == [
                #"p.yaml:1:1: missing required key "name"; add name: followed by a folder-safe name, e.g. name: megacaps"#
            ])
        // Any text names a run (its folder name is made safe separately), but not one with control characters.
        let control = ["version: 1", #"name: "a\tb""#, "universe: {tickers: [AAPL]}", "strategies: [buy_and_hold]"]
        #expect(
            problems(control) == [
                "p.yaml:2:7: name: expected a non-empty name (it names the report folder; unsafe characters become '_') of at most 200 characters without control characters"
            ])
        let markup = ["version: 1", "name: <b>../etc</b>", "universe: {tickers: [AAPL]}", "strategies: [buy_and_hold]"]
        #expect(problems(markup) == [])
    }

    @Test func batchSizeMustBeAtLeastOne() {
        let yaml = header + ["strategies: [buy_and_hold]", "batch: {size: 0}"]
        #expect(
            problems(yaml) == [
                "p.yaml:5:15: batch.size: expected a whole number from 1 to 1024 (backtests run concurrently per batch), got 0"
            ])
    }

    @Test func executeSymbolsMustComeFromTheUniverse() {
        let yaml = header + ["strategies: [buy_and_hold]", "execute:", "  enabled: true", "  symbols: [AAPL, AMZN]"]
        #expect(
            problems(yaml) == [
                #"p.yaml:7:19: execute.symbols[1]: "AMZN" is not in universe.tickers; add it there or remove it here"#
            ])
    }

    @Test func riskRulesNeedKnownTypesActionsAndLimitKeys() {
        let yaml =
            header + [
                "strategies: [buy_and_hold]",
                "execute:",
                "  risk:",
                "    rules:",
                "      - {type: max_drawdwn, limit_pct: 20, action: close_position}",
                "      - {type: max_daily_loss, limit_pct: 3, action: halt}",
                "      - {type: position_limit, limit_pct: 5, action: block}",
            ]
        #expect(
            problems(yaml) == [
                "p.yaml:8:16: execute.risk.rules[0].type: expected a risk rule type, one of max_position_size, "
                    + #"max_daily_loss, max_drawdown, position_limit, max_leverage, got "max_drawdwn"; did you mean "max_drawdown"?"#,
                "p.yaml:9:54: execute.risk.rules[1].action: expected a risk action, one of block, reduce_size, "
                    + #"close_position, alert, got "halt""#,
                "p.yaml:10:32: execute.risk.rules[2].limit_pct: position_limit takes max, not limit_pct; rename the key",
            ])
    }

    @Test func everyErrorIsReportedAtOnceInFileOrder() {
        let yaml = [
            "version: 1",
            "name: t",
            "universe: {tickers: [AAPL]}",
            "costs: {comission: 0.001, slippage_bps: -2}",
            "sizing: {percent_of_equity: 150}",
            "strategies:",
            "  - sma_crossover: {fast: 50, slow: 20}",
            "  - rsi_reversion: {period: 2.5}",
            "batch: {size: 2000}",
        ]
        #expect(
            problems(yaml) == [
                #"p.yaml:4:9: unknown key "comission" in costs; did you mean "commission"?"#,
                "p.yaml:4:41: costs.slippage_bps: expected basis points, at least 0 and below 10000 (2 = 0.02 %), got -2",
                "p.yaml:5:29: sizing.percent_of_equity: expected a percentage above 0 and at most 100, got 150",
                "p.yaml:7:5: strategies[0].sma_crossover: every combination is skipped (breaks fast < slow); change the values",
                "p.yaml:8:29: strategies[1].rsi_reversion.period: expected a whole number from 2 to 1000 (RSI window, in bars), got 2.5",
                "p.yaml:9:15: batch.size: expected a whole number from 1 to 1024 (backtests run concurrently per batch), got 2000",
            ])
    }

    @Test func diagnosticsCarryTheKeyPath() throws {
        let yaml = header + ["strategies:", "  - sma_crossover: {fast: [10, x]}"]
        do {
            _ = try SpecLoader.parse(yaml: yaml.joined(separator: "\n"), displayPath: "pipelines/x.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(
                error.diagnostics == [
                    SpecDiagnostic(
                        file: "pipelines/x.yaml", line: 5, column: 32, keyPath: "strategies[0].sma_crossover.fast[1]",
                        message:
                            #"strategies[0].sma_crossover.fast[1]: expected a whole number from 1 to 10000 (fast SMA window, in bars), got "x""#
                    )
                ])
        }
    }

    @Test func sectionValueErrors() {
        let base = header + ["strategies: [buy_and_hold]"]
        #expect(
            problems(base + ["execute: {mode: live}"]) == [
                "p.yaml:5:17: execute.mode: live trading needs broker: alpaca (the paper broker only simulates fills)"
            ])
        #expect(
            problems(base + ["sizing: {fixed_cash: 1000, percent_of_equity: 50}"]) == [
                "p.yaml:5:9: sizing: choose exactly one of percent_of_equity, fixed_cash, fixed_shares, "
                    + "volatility_target; found percent_of_equity and fixed_cash"
            ])
        #expect(
            problems(base + [#"notify: [{url: "ftp://x"}]"#]) == [
                #"p.yaml:5:16: notify[0].url: expected an http:// or https:// URL, got "ftp://x""#
            ])
        #expect(
            problems(base + ["data: {provider: yahooo}"]) == [
                "p.yaml:5:18: data.provider: expected one of synthetic, csv, alpaca, yahoo, stooq, "
                    + #"got "yahooo"; did you mean "yahoo"?"#
            ])
    }

    @Test func theSameBacktestCannotBeAskedForTwice() {
        let yaml =
            header + [
                "strategies:",
                "  - sma_crossover: {fast: [10, 20], slow: 50}",
                "  - sma_crossover: {fast: 20, slow: [50, 60]}",
                "  - buy_and_hold",
                "  - buy_and_hold",
            ]
        #expect(
            problems(yaml) == [
                "p.yaml:6:5: strategies[1].sma_crossover: repeats 1 combination of earlier entries "
                    + "(first: sma_crossover fast=20;slow=50 from strategies[0].sma_crossover); remove the overlap",
                "p.yaml:8:5: strategies[3]: repeats 1 combination of earlier entries "
                    + "(first: buy_and_hold from strategies[2]); remove the overlap",
            ])
    }

    @Test func moreThanOneDocumentIsRefused() {
        #expect(
            problems(yaml: "version: 1\n---\nname: x\n") == [
                "p.yaml:2:1: the spec holds more than one YAML document (a second '---'); keep only one"
            ])
    }

    @Test func providerOptionsMustMatchTheProvider() {
        let yaml = header + ["strategies: [buy_and_hold]", "data:", "  provider: csv", "  seed: 7"]
        #expect(
            problems(yaml) == [
                #"p.yaml:5:1: missing key "path" in data; provider csv reads <SYMBOL>.csv files from a folder; add e.g. path: data/bars"#,
                "p.yaml:7:3: data.seed: only provider synthetic uses seed; remove it (provider is csv)",
            ])
    }
}

/// Input meant to break the loader must give clean errors, never a crash or a hang.
@Suite struct HostileSpecTests {
    @Test func hugeGridsAreRefusedBeforeExpansion() {
        let yaml =
            header + [
                "strategies:",
                "  - sma_crossover: {fast: {from: 1, to: 10000, step: 1}, slow: {from: 2, to: 10000, step: 1}}",
                "  - rsi_reversion: {lower: {from: 0, to: 100, step: 0.0001}}",
            ]
        #expect(
            problems(yaml) == [
                "p.yaml:5:5: strategies[0].sma_crossover: the grid has 99990000 combinations (10000 × 9999); "
                    + "the limit is 100000; use fewer values or larger steps",
                "p.yaml:6:28: strategies[1].rsi_reversion.lower: the range from 0 to 100 step 0.0001 has 1000001 values; "
                    + "the limit is 10000 per parameter; use a larger step or a narrower range",
            ])
    }

    @Test func theWholeSpecHasACombinationLimitToo() {
        // 300 × 300 = 90000 (fast always below slow), then 100 × 101 = 10100: 100100 in total.
        let yaml =
            header + [
                "strategies:",
                "  - sma_crossover: {fast: {from: 1, to: 300, step: 1}, slow: {from: 301, to: 600, step: 1}}",
                "  - sma_crossover: {fast: {from: 1, to: 100, step: 1}, slow: {from: 601, to: 701, step: 1}}",
            ]
        #expect(
            problems(yaml) == [
                "p.yaml:4:1: strategies: the grids ask for 100100 combinations in total; the limit is 100000; "
                    + "use fewer values or larger steps"
            ])
    }

    @Test func deeplyNestedBracketsAreRefused() {
        let yaml = "version: 1\nname: " + String(repeating: "[", count: 5_000) + "\n"
        // The 65th bracket opens at column 6 + 65.
        #expect(
            problems(yaml: yaml) == [
                "p.yaml:2:71: brackets nest more than 64 levels deep; a pipeline spec needs at most 4"
            ])
    }

    @Test func deeplyNestedBlockListsGiveACleanError() {
        let yaml = String(repeating: "- ", count: 990) + "x\n"
        #expect(
            problems(yaml: yaml) == [
                "p.yaml:1:1: expected a mapping of pipeline keys (version, name, universe, strategies, …), got a list"
            ])
    }

    @Test func aliasesAreRefusedSoTheyCannotExpandExponentially() {
        var yaml = ["version: 1", "name: t", "l0: &l0 [x, x, x, x, x, x, x, x, x]"]
        for level in 1...9 {
            yaml.append(
                "l\(level): &l\(level) [" + Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", ") + "]")
        }
        yaml.append("? *l9")
        yaml.append(": 1")
        // Line 4 is `l1: &l1 [*l0, …]`: the first alias starts at column 10.
        #expect(
            problems(yaml) == [
                "p.yaml:4:10: YAML aliases (*l0) are not supported in pipeline specs; write the value out in full"
            ])
    }

    @Test func nestingBeyondLibyamlsLimitGivesACleanError() {
        let yaml = String(repeating: "- ", count: 5_000) + "x\n"
        do {
            _ = try SpecLoader.parse(yaml: yaml, displayPath: "p.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(
                error.diagnostics.map(\.message) == [
                    "the spec nests more than 1000 levels deep; a pipeline spec needs at most 6"
                ])
            #expect(error.diagnostics.map(\.line) == [1])
        }
    }

    @Test func anAsteriskInsideTextIsNotAnAlias() throws {
        let spec = try #require(
            parsed([
                "version: 1", "name: a*b", "universe: {tickers: [AAPL]}", "strategies: [buy_and_hold]",
                "report: {dir: x *y}",
            ]))
        #expect(spec.name == "a*b")
        #expect(spec.report.dir == "x *y")
    }

    @Test func bytesThatAreNotUTF8AreLocated() {
        var data = Data("version: 1\nname: ".utf8)
        data.append(contentsOf: [0xFF, 0xFE, 0x0A])
        do {
            _ = try SpecLoader.parse(data: data, displayPath: "p.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "p.yaml:2:7: the spec is not UTF-8 text (byte 0xFF); save it as UTF-8 YAML")
        }
        do {
            _ = try SpecLoader.load(path: fixtureURL("binary.png").path)
            Issue.record("expected an error")
        } catch {
            #expect(
                error.diagnostics.map(\.message) == ["the spec is not UTF-8 text (byte 0x89); save it as UTF-8 YAML"])
            #expect(error.diagnostics.map(\.line) == [1])
        }
    }

    @Test func controlCharactersAreLocated() {
        #expect(
            problems(yaml: "version: 1\nname: a\u{01}b\n") == [
                "p.yaml:2:8: invalid character U+0001: control characters are not allowed; remove it"
            ])
    }

    @Test func emptyAndCommentOnlyFilesAreReportedAsEmpty() {
        let message =
            "p.yaml:1:1: the spec is empty; expected a mapping with at least version, name, universe and strategies "
            + "(see pipelines/example.yaml)"
        #expect(problems(yaml: "") == [message])
        #expect(problems(yaml: "# nothing here\n\n") == [message])
    }

    @Test func aMissingFileNamesThePathAsTyped() {
        do {
            _ = try SpecLoader.load(path: "nope/missing.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(
                error.description
                    == "nope/missing.yaml: cannot read the spec: no such file; check the path (specs usually live in pipelines/)"
            )
        }
    }
}
