import Foundation
import Testing

/// The command-line conventions of issue 16: suggestions, aligned tables, reading commands that only read,
/// JSON from encoders, help that wraps at the terminal's width, a closed stderr that does not kill a run.
@Suite struct ConventionsCLITests {
    @Test(arguments: [("rn", "run"), ("valdate", "validate"), ("histroy", "history"), ("strategy", "strategies")])
    func aMisspeltCommandSuggestsTheClosestOne(_ typed: String, _ meant: String) async throws {
        let r = try await CLI.run([typed, "pipelines/example.yaml"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("unknown command \"\(typed)\"; did you mean \"\(meant)\"?"), "\(r.stderr)")
        #expect(r.stdout.isEmpty)
    }

    @Test func strategiesAlignsEveryColumnAcrossStrategies() async throws {
        let r = try await CLI.run(["strategies"])
        #expect(r.status == 0)
        let params = r.stdout.split(separator: "\n").map(String.init).filter { $0.contains(" default ") }
        #expect(params.count > 10)
        // Columns are separated by two or more spaces; within a column words have one space between them.
        func columnStarts(_ line: String) -> [Int] {
            var starts: [Int] = []
            var spaces = 2
            for (i, ch) in line.enumerated() {
                if ch == " " {
                    spaces += 1
                } else {
                    if spaces >= 2 { starts.append(i) }
                    spaces = 0
                }
            }
            return starts
        }
        let layouts = Set(params.map(columnStarts))
        #expect(layouts.count == 1, "columns start at \(layouts) in:\n\(params.joined(separator: "\n"))")
        #expect(layouts.first?.count == 5)
        // The longest parameter name (exit_threshold) keeps a gap before its type.
        let exitLine = try #require(params.first { $0.contains("exit_threshold") })
        #expect(exitLine.contains("exit_threshold  "))
    }

    @Test func strategiesJSONIsTypedNotText() async throws {
        let r = try await CLI.run(["strategies", "--json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        let sma = try #require(list.first { $0["id"] as? String == "sma_crossover" })
        let fast = try #require((sma["params"] as? [[String: Any]])?.first { $0["name"] as? String == "fast" })
        #expect(fast["default"] as? Int == 10)
        #expect(fast["min"] as? Int == 1)
        #expect(list.count == 8)
    }

    @Test func readingCommandsOnAFreshDataFolderCreateNothing() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let data = tmp.appendingPathComponent("data").path
        let commands: [[String]] = [
            ["history"], ["history", "--json"], ["status"], ["status", "--json"], ["status", "20261125"],
            ["show", "20261125"], ["show", "20261125", "--json"], ["cache", "list"], ["cache", "list", "--json"],
        ]
        for c in commands {
            let r = try await CLI.run(c + ["--data-dir", data])
            #expect(r.status == 0 || r.status == 2, "\(c): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: data), "\(c) created \(data)")
        }
        for c in [["strategies"], ["strategies", "--json"], ["schema"], ["validate", "pipelines/example.yaml"]] {
            let r = try await CLI.run(c, env: ["STRATOPT_DATA_DIR": data])
            #expect(r.status == 0, "\(c): \(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: data), "\(c) created \(data)")
        }
        let history = try await CLI.run(["history", "--json", "--data-dir", data])
        #expect(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [Any] != nil)
        let show = try await CLI.run(["show", "20261125", "--data-dir", data])
        #expect(show.status == 2)
        #expect(show.stderr.contains("no runs are recorded"))
    }

    @Test func historyShowsTheAsOfDateAndEveryReadingCommandsJSONNestsObjectsNotText() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let data = tmp.appendingPathComponent("data").path
        let run = try await CLI.run([
            "run", "pipelines/example.yaml", "--as-of", "2026-06-30", "--data-dir", data, "--reports-dir",
            tmp.appendingPathComponent("reports").path, "--quiet",
        ])
        #expect(run.status == 0, "\(run.stderr)")

        let table = try await CLI.run(["history", "--data-dir", data])
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("AS OF") == true)
        #expect(lines.dropFirst().first?.contains("2026-06-30") == true)

        let history = try await CLI.run(["history", "--json", "--data-dir", data])
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [[String: Any]])
        let first = try #require(runs.first)
        #expect(first["as_of"] as? String == "2026-06-30")
        // The recorded options are an object, not a JSON document inside a string.
        let options = try #require(first["options"] as? [String: Any])
        #expect(options["offline"] as? Bool == false)
        let runId = try #require(first["run_id"] as? String)

        let status = try await CLI.run(["status", "--json", "--data-dir", data])
        let folder = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(folder["locked"] as? Bool == false)
        #expect((folder["latest"] as? [String: Any])?["run_id"] as? String == runId)

        let show = try await CLI.run(["show", runId, "--json", "--data-dir", data])
        #expect(show.status == 0)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        let best = try #require(doc["best"] as? [[String: String]])
        #expect(Set(best.compactMap { $0["symbol"] }) == ["AAPL", "MSFT", "GOOGL", "TSLA", "NVDA"])
        #expect(best.allSatisfy { $0["rank"] == "1" })

        let cache = try await CLI.run(["cache", "list", "--json", "--data-dir", data])
        let series = try #require(try JSONSerialization.jsonObject(with: Data(cache.stdout.utf8)) as? [[String: Any]])
        #expect(series.count == 5)
        #expect((series.first?["covered"] as? [[String: String]])?.first?["last"] != nil)
    }

    /// At a very wide terminal every paragraph of every help text is one line: nothing was wrapped in the
    /// source. A hard-wrapped sentence shows as a line continued by one that starts in lower case. (Before the
    /// fix, `resume --help` broke "its manifest records" / "the resolved spec…".)
    @Test func helpTextsAreNotHardWrapped() async throws {
        let commands: [[String]] = [
            [], ["run"], ["resume"], ["rerun"], ["history"], ["show"], ["report"], ["status"], ["delete"], ["prune"],
            ["validate"],
            ["schema"], ["init"], ["strategies"], ["fetch"], ["cache", "list"], ["cache", "verify"], ["execute"],
            ["paper"], ["serve"],
        ]
        for c in commands {
            let r = try await CLI.run(c + ["--help"], env: ["COLUMNS": "1000"])
            #expect(r.status == 0, "\(c)")
            let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for (a, b) in zip(lines, lines.dropFirst()) {
                let indentA = a.prefix { $0 == " " }.count
                let indentB = b.prefix { $0 == " " }.count
                let continued =
                    !a.trimmingCharacters(in: .whitespaces).isEmpty && indentA == indentB
                    && b.dropFirst(indentB).first.map { $0.isLowercase } == true
                    && !b.dropFirst(indentB).hasPrefix("stratopt ")
                    // A listing row (`  run    Run a pipeline…`) has a column gap; wrapped prose has none.
                    && !b.dropFirst(indentB).contains("  ")
                #expect(!continued, "stratopt \(c.joined(separator: " ")) --help wraps \"\(a)\" into \"\(b)\"")
            }
        }
    }

    @Test func aClosedStderrDoesNotKillARun() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = [
            "run", "pipelines/example.yaml", "--as-of", "2026-06-30", "--data-dir",
            tmp.appendingPathComponent("d").path,
            "--reports-dir", tmp.appendingPathComponent("r").path,
        ]
        p.currentDirectoryURL = CLI.repoRoot
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Nobody will ever read stderr: every progress line the run writes meets a closed pipe.
        try err.fileHandleForReading.close()
        try? err.fileHandleForWriting.close()
        let box = UncheckedBox((p, out))
        let (status, stdout) = await offPool {
            let (p, out) = box.value
            let o = out.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: o, as: UTF8.self))
        }
        #expect(status == 0)
        #expect(stdout.contains("status: succeeded"))
    }

    @Test func noColorIsHonouredAndNothingPrintsEscapeSequences() async throws {
        let r = try await CLI.run(["validate", "pipelines/bad.yaml"], env: ["NO_COLOR": "1"])
        #expect(r.status == 2)
        #expect(!r.stderr.contains("\u{1B}") && !r.stdout.contains("\u{1B}"))
        let help = try await CLI.run(["--help"], env: ["NO_COLOR": "1"])
        #expect(!help.stdout.contains("\u{1B}"))
    }

    @Test func verboseShowsStageTimesAndCacheDecisionsAndLogFormatJSONWritesObjects() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let args = [
            "run", "pipelines/example.yaml", "--as-of", "2026-06-30", "--data-dir",
            tmp.appendingPathComponent("d").path,
            "--reports-dir", tmp.appendingPathComponent("r").path,
        ]
        let verbose = try await CLI.run(args + ["-v"])
        #expect(verbose.status == 0, "\(verbose.stderr)")
        #expect(verbose.stderr.contains("result cache: 30 computed, 0 hits, 30 misses, 0 restored from checkpoints"))
        #expect(verbose.stderr.contains("backtest: done 30/30 in "))

        let json = try await CLI.run(args + ["--log-format", "json", "--verbose"])
        #expect(json.status == 0, "\(json.stderr)")
        #expect(json.stdout.contains("status: succeeded"), "stdout is unchanged")
        let lines = json.stderr.split(separator: "\n")
        #expect(lines.count > 5)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(Set(object?.keys.map { $0 } ?? []) == ["time", "level", "message"], "\(line)")
        }
        #expect(json.stderr.contains(#""message":"stratopt: result cache: 0 computed, 30 hits, 0 misses"#))
    }
}
