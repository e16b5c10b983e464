import Foundation
import Testing

/// A fetch killed with SIGKILL while a provider request is in flight leaves a consistent cache: what
/// was stored is whole and marked covered, what was not is absent, and `cache verify` passes.
@Suite struct CrashDuringFetchTests {
    /// Reads lines from a pipe as they arrive.
    final class LineReader: @unchecked Sendable {
        let handle: FileHandle
        var buffer = ""
        init(_ handle: FileHandle) { self.handle = handle }
        func nextLine() -> String? {
            while !buffer.contains("\n") {
                let data = handle.availableData
                if data.isEmpty { return nil }
                buffer += String(decoding: data, as: UTF8.self)
            }
            let i = buffer.firstIndex(of: "\n")!
            let line = String(buffer[..<i])
            buffer.removeSubrange(...i)
            return line
        }
    }

    @Test(.timeLimit(.minutes(2))) func killedMidFetchLeavesTheCacheConsistent() async throws {
        let tmp = CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        server.arguments = ["python3", CLI.fixtures.appendingPathComponent("stooq_replay.py").path]
        let out = Pipe()
        server.standardOutput = out
        try server.run()
        defer { server.terminate() }
        let lines = LineReader(out.fileHandleForReading)
        let port = try #require(lines.nextLine().flatMap { Int($0) })

        let spec = tmp.appendingPathComponent("fetch.yaml").path
        try """
        version: 1
        name: crash
        data: {provider: stooq, base_url: "http://127.0.0.1:\(port)"}
        universe: {tickers: [FIRST, HOLD]}
        period: {start: 2024-01-02, end: 2024-01-05}
        strategies: [buy_and_hold]
        """.write(toFile: spec, atomically: true, encoding: .utf8)

        let data = tmp.path + "/data"
        let fetch = Process()
        fetch.executableURL = CLI.binary
        fetch.arguments = ["fetch", spec, "--as-of", "2024-01-05", "--data-dir", data]
        fetch.standardOutput = FileHandle.nullDevice
        fetch.standardError = FileHandle.nullDevice
        try fetch.run()

        // Wait until the held request has arrived and FIRST is stored, then kill the fetch mid-request.
        var sawHold = false
        while !sawHold, let line = lines.nextLine() { sawHold = line.hasPrefix("request hold") }
        #expect(sawHold)
        var stored = false
        for _ in 0..<300 where !stored {
            stored = try await CLI.run(["cache", "list", "--data-dir", data]).stdout.contains("FIRST")
            if !stored { try await Task.sleep(nanoseconds: 100_000_000) }
        }
        #expect(stored)
        kill(fetch.processIdentifier, SIGKILL)
        fetch.waitUntilExit()
        #expect(fetch.terminationReason == .uncaughtSignal)

        let list = try await CLI.run(["cache", "list", "--data-dir", data])
        #expect(list.stdout.contains("FIRST\tstooq [adjusted]\t4 bars\tcovered 2024-01-02…2024-01-05"))
        #expect(!list.stdout.contains("HOLD"))
        let verify = try await CLI.run(["cache", "verify", "--data-dir", data])
        #expect(verify.status == 0)
        #expect(verify.stdout == "cache OK\n")
    }
}
