import Foundation
import GRDB
import Testing

/// Runs the real `stratopt` binary, as a user or cron would.
struct CLIResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CLI {
    static let binary: URL = {
        #if os(macOS)
            for b in Bundle.allBundles where b.bundlePath.hasSuffix(".xctest") {
                return b.bundleURL.deletingLastPathComponent().appendingPathComponent("stratopt")
            }
        #endif
        return Bundle.main.bundleURL.appendingPathComponent("stratopt")
    }()

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs the binary to completion. Async, and the waiting happens on a thread of its own: a test blocked
    /// on a child process must not hold one of the few threads of Swift's cooperative pool (two on a 2-core
    /// machine), or every other test of the suite stalls behind it.
    /// `via` runs the binary through a launcher (e.g. `["/usr/bin/setpriv", "--reuid=65534", …]`).
    static func run(
        _ args: [String], cwd: URL = repoRoot, env extra: [String: String] = [:], via launcher: [String] = []
    ) async throws -> CLIResult {
        let p = Process()
        if let first = launcher.first {
            p.executableURL = URL(fileURLWithPath: first)
            p.arguments = Array(launcher.dropFirst()) + [binary.path] + args
        } else {
            p.executableURL = binary
            p.arguments = args
        }
        p.currentDirectoryURL = cwd
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "STRATOPT_DATA_DIR")
        env.removeValue(forKey: "STRATOPT_AS_OF")
        for k in ["APCA_API_BASE_URL", "APCA_API_DATA_URL", "APCA_API_KEY_ID", "APCA_API_SECRET_KEY"] {
            env.removeValue(forKey: k)
        }
        env.merge(extra) { $1 }
        p.environment = env
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let box = UncheckedBox((p, out, err))
        return await offPool {
            let (p, out, err) = box.value
            // Drain stderr on its own thread so a chatty child never blocks on a full pipe.
            let errData = OffPoolRead(err.fileHandleForReading)
            let o = out.fileHandleForReading.readDataToEndOfFile()
            let e = errData.wait()
            p.waitUntilExit()
            return CLIResult(
                status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                stderr: String(decoding: e, as: UTF8.self))
        }
    }

    static func tempDir() -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("stratopt-cli-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }
}

@Suite struct CLITests {
    @Test func anInvalidSpecExitsTwoWithEveryErrorAtItsLineAndColumn() async throws {
        let spec = CLI.fixtures.appendingPathComponent("invalid.yaml").path
        let r = try await CLI.run(["run", spec])
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains("\(spec):6:31: unknown parameter \"slwo\" for sma_crossover; did you mean \"slow\"?"))
        #expect(
            lines.contains {
                $0.hasPrefix("\(spec):7:5: unknown strategy \"rsi_reversal\"; did you mean \"rsi_reversion\"?")
            })
        #expect(r.stdout.isEmpty)
        #expect(try await CLI.run(["validate", spec]).status == 2)
    }

    @Test func theExamplePipelineWritesTheFiveFilesAndExitsZero() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let r = try await CLI.run([
            "run", "pipelines/example.yaml", "--as-of", "2025-06-30", "--data-dir", tmp.path + "/data", "--reports-dir",
            tmp.path + "/reports",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("(synthetic data)"))
        let reportLine = try #require(r.stdout.split(separator: "\n").first { $0.hasPrefix("report: ") })
        let dir = URL(fileURLWithPath: String(reportLine.dropFirst("report: ".count))).deletingLastPathComponent()
        for f in ["results.csv", "best.csv", "trades.csv", "report.html", "manifest.json"] {
            let size =
                (try? FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(f).path)[.size] as? Int)
                ?? 0
            #expect(size > 0, "\(f) missing or empty")
        }
        // The run id lives in the manifest only, never in the result files.
        let manifest = try String(contentsOf: dir.appendingPathComponent("manifest.json"), encoding: .utf8)
        let runId = dir.lastPathComponent
        #expect(manifest.contains("\"run_id\" : \"\(runId)\""))
        for f in ["results.csv", "best.csv", "trades.csv"] {
            #expect(!(try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8)).contains(runId))
        }
    }

    @Test func aMissingSymbolMakesAPartialRunExitThree() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let r = try await CLI.run([
            "run", CLI.fixtures.appendingPathComponent("partial.yaml").path, "--data-dir", tmp.path + "/data",
            "--reports-dir", tmp.path + "/reports",
        ])
        #expect(r.status == 3, "\(r.stderr)")
        #expect(r.stdout.contains("NOPE failed: NOPE (csv): no file"))
        #expect(r.stdout.contains("GOOG    1. "))
        #expect(r.stdout.contains("status: partial"))
    }

    @Test func strategiesListsEveryRegisteredStrategy() async throws {
        let r = try await CLI.run(["strategies", "--json"])
        #expect(r.status == 0)
        let list = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]
        let ids = list?.compactMap { $0["id"] as? String } ?? []
        #expect(ids.contains("sma_crossover") && ids.contains("rsi_reversion") && ids.contains("buy_and_hold"))
    }

    @Test func anUnknownOptionIsAUsageErrorExitingTwo() async throws {
        let r = try await CLI.run(["run", "pipelines/example.yaml", "--bogus"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("Unknown option '--bogus'"))
    }
}

@Suite struct RunIndexCLITests {
    @Test func theReportsIndexListsEveryRunAfterEachRun() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        var ids: [String] = []
        for _ in 0..<2 {
            let r = try await CLI.run([
                "run", "pipelines/example.yaml", "--as-of", "2025-06-30", "--quiet", "--data-dir", tmp.path + "/data",
                "--reports-dir", tmp.path + "/reports",
            ])
            #expect(r.status == 0, "\(r.stderr)")
            ids.append(URL(fileURLWithPath: r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).lastPathComponent)
        }
        let index = try String(contentsOfFile: tmp.path + "/reports/index.html", encoding: .utf8)
        for id in ids {
            #expect(index.contains(id))
            #expect(index.contains("example/\(id)/report.html"))
        }
    }

    /// The index remembers what it read of each run (`.stratopt-index.json`) and reads a run again only
    /// when its manifest or best.csv changed: an edited manifest, a deleted run and a damaged memory file
    /// all show in the next index, exactly as a rebuild from every manifest would show them.
    @Test func theIndexReadsAgainOnlyWhatChangedAndNeverShowsAStaleRun() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let reports = tmp.path + "/reports"
        let args = [
            "run", "pipelines/example.yaml", "--as-of", "2025-06-30", "--quiet", "--no-cache", "--data-dir",
            tmp.path + "/data", "--reports-dir", reports,
        ]
        var ids: [String] = []
        for _ in 0..<3 {
            let r = try await CLI.run(args)
            #expect(r.status == 0, "\(r.stderr)")
            ids.append(URL(fileURLWithPath: r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)).lastPathComponent)
        }
        #expect(FileManager.default.fileExists(atPath: reports + "/.stratopt-index.json"))
        func index() throws -> String { try String(contentsOfFile: reports + "/index.html", encoding: .utf8) }
        #expect(try index().components(separatedBy: "badge submitted").count - 1 == 3)

        // The first run's manifest edited in place, keeping its size and modification time: the index
        // must read it again (its change time moved), not serve what it remembered.
        let manifest = reports + "/example/\(ids[0])/manifest.json"
        let attributes = try FileManager.default.attributesOfItem(atPath: manifest)
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        #expect(text.contains("\"succeeded\""))
        let edited = text.replacingOccurrences(of: "\"succeeded\"", with: "\"failed\"   ")
        #expect(edited.utf8.count == text.utf8.count)
        let handle = try #require(FileHandle(forWritingAtPath: manifest))
        try handle.write(contentsOf: Data(edited.utf8))
        try handle.close()
        try FileManager.default.setAttributes(
            [.modificationDate: attributes[.modificationDate]!], ofItemAtPath: manifest)
        let deleted = try await CLI.run(["delete", ids[1], "--data-dir", tmp.path + "/data"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        let after = try index()
        #expect(after.contains(">failed<"), "the edited manifest's status is not shown")
        #expect(!after.contains(ids[1]), "a deleted run is still listed")
        #expect(after.contains(ids[0]) && after.contains(ids[2]))

        // A damaged memory file is ignored and replaced: the index is rebuilt from the manifests.
        try Data("{\"format\": 7, \"runs\": [".utf8).write(to: URL(fileURLWithPath: reports + "/.stratopt-index.json"))
        let r = try await CLI.run(args)
        #expect(r.status == 0, "\(r.stderr)")
        let rebuilt = try index()
        #expect(rebuilt.contains(">failed<") && !rebuilt.contains(ids[1]) && rebuilt.contains(ids[2]))
        #expect(rebuilt.components(separatedBy: "badge submitted").count - 1 == 2)
    }
}

@Suite struct MarkupCLITests {
    @Test func markupInTheSpecNameAndTickersIsEscapedAndStaysInsideTheReportsFolder() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let r = try await CLI.run([
            "run", CLI.fixtures.appendingPathComponent("markup.yaml").path, "--quiet", "--data-dir",
            tmp.path + "/data", "--reports-dir", tmp.path + "/reports",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let dir = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        // The folder is derived from the name but cannot leave reports/<name>/.
        #expect(dir.hasPrefix(tmp.path + "/reports/"))
        #expect(
            URL(fileURLWithPath: dir).deletingLastPathComponent().deletingLastPathComponent().path == tmp.path
                + "/reports")
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(!html.contains("<script>alert(1)</script>"))
        #expect(!html.contains("<b>AAPL</b>"))
        #expect(!html.contains("\"onload=alert(2)"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(html.contains("&lt;b&gt;AAPL&lt;/b&gt;"))
        // CSV quotes the ticker with a quote in it (RFC 4180).
        let results = try String(contentsOfFile: dir + "/results.csv", encoding: .utf8)
        #expect(results.contains("\"MSFT\"\"onload=alert(2)\",buy_and_hold"))
    }
}

@Suite struct CacheCLITests {
    @Test func cacheVerifyReportsABarCorruptedBehindItsBack() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let data = tmp.path + "/data"
        let fetch = try await CLI.run(["fetch", "pipelines/example.yaml", "--as-of", "2025-06-30", "--data-dir", data])
        #expect(fetch.status == 0, "\(fetch.stderr)")
        #expect(try await CLI.run(["cache", "verify", "--data-dir", data]).stdout == "cache OK\n")

        // Plant a bar whose high is below its low, bypassing the cache's own writes.
        let db = try DatabaseQueue(path: data + "/cache.sqlite")
        try await db.write { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(
                sql:
                    "UPDATE bar SET high = low - 1 WHERE series = (SELECT id FROM series WHERE symbol = 'MSFT') AND date = '2025-03-03'"
            )
            #expect(db.changesCount == 1)
        }
        let verify = try await CLI.run(["cache", "verify", "--data-dir", data])
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("MSFT (synthetic) 2025-03-03"))
        #expect(verify.stderr.contains("stratopt cache clear SYMBOL"))
    }
}

/// A cold run backtests the provider's bars while the cache stores them in the background: the run must not
/// end before they are stored, and a store that fails must cost only the next run's fetch.
@Suite struct ColdCacheCLITests {
    @Test func aColdRunLeavesEveryBarCachedSoAnOfflineRunGivesTheSameFiles() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let data = tmp.path + "/data"
        let common = ["pipelines/example.yaml", "--as-of", "2025-06-30", "--data-dir", data, "--no-cache"]
        let cold = try await CLI.run(["run"] + common + ["--reports-dir", tmp.path + "/a"])
        #expect(cold.status == 0, "\(cold.stderr)")
        #expect(!cold.stderr.contains("not cached"), "\(cold.stderr)")
        #expect(try await CLI.run(["cache", "verify", "--data-dir", data]).stdout == "cache OK\n")
        let list = try await CLI.run(["cache", "list", "--data-dir", data, "--json"])
        for symbol in ["AAPL", "MSFT", "GOOGL", "TSLA", "NVDA"] {
            #expect(list.stdout.contains("\"\(symbol)\""), "\(list.stdout)")
        }
        // Offline fails any symbol whose range is not fully covered; every one must be.
        let offline = try await CLI.run(["run"] + common + ["--offline", "--reports-dir", tmp.path + "/b"])
        #expect(offline.status == 0, "\(offline.stderr)")
        for file in ["results.csv", "best.csv", "trades.csv", "equity.csv"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: tmp.path + "/a/example/latest/" + file))
            let b = try Data(contentsOf: URL(fileURLWithPath: tmp.path + "/b/example/latest/" + file))
            #expect(a == b, "\(file) differs between the cold run and the offline run")
        }
    }

    @Test func aBarStoreThatFailsStillBacktestsTheSymbolAndLeavesNoHalfStoredRange() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let data = tmp.path + "/data"
        let common = ["pipelines/example.yaml", "--as-of", "2025-06-30", "--data-dir", data, "--no-cache"]
        // A cache file with its schema, and a trigger standing in for a full disk on MSFT's inserts.
        let fill = try await CLI.run(["fetch", "pipelines/example.yaml", "--as-of", "2025-06-30", "--data-dir", data])
        #expect(fill.status == 0, "\(fill.stderr)")
        #expect(try await CLI.run(["cache", "clear", "--data-dir", data]).status == 0)
        let db = try DatabaseQueue(path: data + "/cache.sqlite")
        try await db.write { db in
            try db.execute(
                sql: """
                    CREATE TRIGGER full_disk BEFORE INSERT ON bar WHEN NEW.series = (SELECT id FROM series WHERE symbol = 'MSFT')
                    BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END
                    """)
        }
        let run = try await CLI.run(["run"] + common + ["--reports-dir", tmp.path + "/a"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("MSFT: its bars were used but not cached"), "\(run.stderr)")
        #expect(run.stderr.contains("database or disk is full"), "\(run.stderr)")
        let results = try String(contentsOfFile: tmp.path + "/a/example/latest/results.csv", encoding: .utf8)
        #expect(results.contains("MSFT,"))
        // Bars and coverage are one transaction: MSFT's range is not marked covered without its bars.
        let msft = try await CLI.run(["cache", "list", "MSFT", "--data-dir", data, "--json"])
        #expect(!msft.stdout.contains("\"MSFT\""), "\(msft.stdout)")
        let aapl = try await CLI.run(["cache", "list", "AAPL", "--data-dir", data, "--json"])
        #expect(aapl.stdout.contains("\"AAPL\""), "\(aapl.stdout)")
        // Once the disk has room again, the next run fetches MSFT and stores it.
        try await db.write { db in try db.execute(sql: "DROP TRIGGER full_disk") }
        let again = try await CLI.run(["run"] + common + ["--reports-dir", tmp.path + "/b"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(!again.stderr.contains("not cached"), "\(again.stderr)")
        #expect(try await CLI.run(["cache", "list", "MSFT", "--data-dir", data, "--json"]).stdout.contains("\"MSFT\""))
    }
}

/// Runs blocking work on a new thread and resumes the caller when it is done.
func offPool<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { c in Thread { c.resume(returning: body()) }.start() }
}

/// A value handed to another thread that the compiler cannot prove sendable (Process, Pipe); the handover is
/// one-way, so it is never used from two threads at once.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Reads a file handle to its end on a thread of its own.
final class OffPoolRead: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var data = Data()
    init(_ handle: FileHandle) {
        Thread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }.start()
    }
    func wait() -> Data {
        done.wait()
        return data
    }
}
