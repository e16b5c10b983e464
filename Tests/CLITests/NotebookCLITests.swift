import Foundation
import Testing

/// Outputs a notebook reads: `reports/<name>/latest`, and (below) the completion scripts `make install` ships.
@Suite struct NotebookCLITests {
    static func run(_ tmp: URL) async throws -> String {
        let r = try await CLI.run([
            "run", "pipelines/example.yaml", "--as-of", "2026-06-30", "--data-dir",
            tmp.appendingPathComponent("data").path,
            "--reports-dir", tmp.appendingPathComponent("reports").path, "--json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        return try #require(doc["run_id"] as? String)
    }

    @Test func latestLinksToTheNewestRunAndFollowsDeletes() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let fm = FileManager.default
        let latest = tmp.appendingPathComponent("reports/example/latest").path
        let first = try await Self.run(tmp)
        #expect(try fm.destinationOfSymbolicLink(atPath: latest) == first)
        let second = try await Self.run(tmp)
        #expect(try fm.destinationOfSymbolicLink(atPath: latest) == second)
        #expect(fm.fileExists(atPath: latest + "/results.csv"))
        // Parameter columns last (after every metric column), for pipelines/example.yaml's sma_crossover and
        // rsi_reversion.
        for file in ["results.csv", "best.csv"] {
            let header = try String(contentsOfFile: latest + "/" + file, encoding: .utf8).components(
                separatedBy: "\r\n")[0]
            #expect(header.hasSuffix(",oos_score,p_fast,p_lower,p_period,p_slow,p_upper"), "\(file): \(header)")
        }
        // The index lists runs, not the link.
        let index = try String(contentsOfFile: tmp.appendingPathComponent("reports/index.html").path, encoding: .utf8)
        #expect(!index.contains("latest/report.html"))

        let data = ["--data-dir", tmp.appendingPathComponent("data").path]
        #expect(try await CLI.run(["delete", second] + data).status == 0)
        #expect(try fm.destinationOfSymbolicLink(atPath: latest) == first)
        #expect(try await CLI.run(["delete", first] + data).status == 0)
        #expect(!LatestLinkProbe.exists(latest))

        // A real folder called latest is the user's: left alone.
        try fm.createDirectory(atPath: latest, withIntermediateDirectories: true)
        try "mine\n".write(toFile: latest + "/notes.txt", atomically: true, encoding: .utf8)
        _ = try await Self.run(tmp)
        #expect(try String(contentsOfFile: latest + "/notes.txt", encoding: .utf8) == "mine\n")
    }

    @Test func completionScriptsCompleteSpecsFoldersAndRunIds() async throws {
        for shell in ["bash", "zsh", "fish"] {
            let r = try await CLI.run(["--generate-completion-script", shell])
            #expect(r.status == 0)
            #expect(r.stdout.contains("yaml"), "\(shell): no *.yaml completion")
            #expect(r.stdout.contains("---completion"), "\(shell): no custom (run id) completion")
        }
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let id = try await Self.run(tmp)
        let data = tmp.appendingPathComponent("data").path
        // What the bash script asks when the user presses Tab after `stratopt show --data-dir DIR 2026`.
        let r = try await CLI.run([
            "---completion", "show", "--", "positional@0", "4", "4", "stratopt", "show", "--data-dir", data,
            String(id.prefix(4)),
        ])
        #expect(r.stdout.split(separator: "\n").map(String.init) == [id])
    }
}

enum LatestLinkProbe {
    /// Whether anything (a link, even a dangling one) is at `path`.
    static func exists(_ path: String) -> Bool {
        (try? FileManager.default.attributesOfItem(atPath: path)) != nil
    }
}

/// docs/reports.md's pandas example, run as written against a real run's folder.
@Suite struct PandasExampleTests {
    static let hasPandas = Tool.pythonHas("pandas")

    @Test(.enabled(if: hasPandas, "pandas is not installed for python3 (pip install pandas; .ci/run does)"))
    func thePandasExampleInDocsReportsRuns() async throws {
        let doc = try String(contentsOf: CLI.repoRoot.appendingPathComponent("docs/reports.md"), encoding: .utf8)
        let start = try #require(doc.range(of: "```python notebook-pandas\n"))
        let end = try #require(doc.range(of: "\n```", range: start.upperBound..<doc.endIndex))
        let script = String(doc[start.upperBound..<end.lowerBound])

        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let run = try await CLI.run(
            [
                "run", CLI.repoRoot.appendingPathComponent("pipelines/example.yaml").path, "--as-of", "2026-06-30",
                "--data-dir", "data", "--reports-dir", "reports", "--quiet",
            ], cwd: tmp)
        #expect(run.status == 0, "\(run.stderr)")
        let file = tmp.appendingPathComponent("example.py")
        try script.write(to: file, atomically: true, encoding: .utf8)
        let r = try await Tool.run("python3", [file.path], cwd: tmp)
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("buy_and_hold"))
    }
}
