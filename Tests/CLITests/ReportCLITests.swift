import Foundation
import Testing

/// `stratopt report` and the report pages the real pipeline writes: every backtest's detail with its
/// recomputed curve, inline for the example and on per-symbol pages for a larger run.
@Suite(.timeLimit(.minutes(5))) struct ReportCLITests {
    static func runExample(_ root: URL, spec: String = "pipelines/example.yaml") async throws -> (String, String) {
        let r = try await CLI.run([
            "run", spec, "--as-of", "2025-06-30", "--data-dir", root.path + "/data", "--reports-dir",
            root.path + "/reports",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let id = try await NightlyCLITests.onlyRunId(root)
        let dir = try #require(
            r.stdout.split(separator: "\n").first { $0.hasPrefix("report: ") }.map {
                String($0.dropFirst("report: ".count).dropLast("/report.html".count))
            })
        return (id, dir)
    }

    @Test func everyBacktestOfTheExampleHasItsDetailWithItsOwnCurve() async throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let (id, dir) = try await Self.runExample(root)
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        let csv = try String(contentsOfFile: dir + "/results.csv", encoding: .utf8)
        let rows = csv.components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }
        #expect(rows.count == 30)
        for n in 1...rows.count {
            #expect(html.contains("<a href=\"#bt-\(n)\">\(n)</a>"))
            let detail = try #require(
                html.components(separatedBy: "id=\"bt-\(n)\"").dropFirst().first?.components(
                    separatedBy: "<section class=\"det card\"")[0])
            // The engine recomputed the curve of every backtest, not only each symbol's best.
            #expect(!detail.contains("No equity curve recorded"), "bt-\(n) has no curve")
            #expect(detail.contains("class=\"px\""))
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/symbols"))

        let where_ = try await CLI.run(["report", id, "--data-dir", root.path + "/data"])
        #expect(where_.status == 0, "\(where_.stderr)")
        #expect(where_.stdout == dir + "/report.html\n")

        // --pdf without Chromium: a clear message, exit 1, no file.
        let missing = try await CLI.run(
            ["report", id, "--pdf", "--data-dir", root.path + "/data"],
            env: ["STRATOPT_CHROMIUM": root.path + "/no-such-chromium"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("--pdf needs headless Chromium, which is not installed"))
        #expect(missing.stderr.contains("apt-get install chromium"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/report.pdf"))
    }

    @Test func aLargerRunWritesOnePagePerSymbolLinkedFromTheIndex() async throws {
        let root = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: root) }
        let spec = root.appendingPathComponent("big.yaml")
        try """
        version: 1
        name: pages
        data: {provider: synthetic, seed: 3}
        universe: {tickers: [AAPL, BRK.B]}
        period: {start: 2023-01-02, end: 2024-12-31}
        capital: {initial: 100000}
        strategies: all
        """.write(to: spec, atomically: true, encoding: .utf8)
        let (id, dir) = try await Self.runExample(root, spec: spec.path)
        let index = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        let pages = try FileManager.default.contentsOfDirectory(atPath: dir + "/symbols").sorted()
        #expect(pages.count == 2)
        #expect(pages.contains("AAPL.html"))
        let brk = try #require(pages.first { $0.hasPrefix("BRK_B-") })
        for p in pages { #expect(index.contains("href=\"symbols/\(p)\"")) }
        let page = try String(contentsOfFile: dir + "/symbols/" + brk, encoding: .utf8)
        let csv = try String(contentsOfFile: dir + "/results.csv", encoding: .utf8)
        let all = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let rankColumn = try #require(all[0].components(separatedBy: ",").firstIndex(of: "rank"))
        let lines = all.dropFirst()
        let brkRows = lines.enumerated().filter { $0.element.hasPrefix("BRK.B,") }.map {
            (n: $0.offset + 1, rank: Int($0.element.components(separatedBy: ",")[rankColumn]) ?? 0)
        }
        #expect(brkRows.count == 66)
        // Every row has a detail and links to it, whatever its rank.
        for row in brkRows {
            #expect(page.contains("id=\"bt-\(row.n)\""), "bt-\(row.n) (rank \(row.rank)) in \(brk)")
            #expect(page.contains("<a href=\"#bt-\(row.n)\">"), "bt-\(row.n) (rank \(row.rank)) in \(brk)")
        }
        #expect(page.components(separatedBy: "<section class=\"det card\"").count - 1 == 66)
        #expect(!page.contains("No equity curve recorded"))
        #expect(!index.contains("class=\"det card\""))
        // The pages are the run's own files: `delete` removes them and the folder (it once kept `symbols/`,
        // and `execute RUN_ID` refused the folder as holding files stratopt did not write).
        let deleted = try await CLI.run(["delete", id, "--data-dir", root.path + "/data"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(deleted.stdout.contains("removed \(dir)\n"), "\(deleted.stdout)")
        #expect(!FileManager.default.fileExists(atPath: dir))
    }
}
