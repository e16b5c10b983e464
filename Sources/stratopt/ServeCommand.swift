import ArgumentParser
import Foundation
import RunStore
import Serve

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the optimizer over HTTP: six endpoints and a dashboard over the same run store as the CLI.",
        discussion: """
            POST /api/v1/optimizer/analyze queues a spec (YAML) or the dashboard's form (JSON) as a job; jobs are \
            runs in <data dir>/runs.sqlite, so they show in `stratopt history` and `stratopt show`. --workers jobs \
            run at once, the rest wait in order; a server restarted while a job runs resumes it from its \
            checkpoints. Every request needs `Authorization: Bearer <token>`; the --tokens file lists each user's \
            token as SHA-256 (make one with `stratopt serve --hash-token < token.txt`). A user sees only their \
            own jobs. The dashboard is at /, the OpenAPI document at /api/v1/openapi.json. See docs/serve.md.

            Examples:
              $ openssl rand -hex 24 > token.txt
              $ printf -- '- {user: alice, sha256: %s}\\n' "$(stratopt serve --hash-token < token.txt)" > tokens.yaml
              $ stratopt serve --tokens tokens.yaml
              $ curl -H "Authorization: Bearer $(cat token.txt)" http://127.0.0.1:8080/api/v1/optimizer/history
            """)

    @Option(help: ArgumentHelp("Address to listen on, HOST:PORT (port 0: any free port).", valueName: "host:port"))
    var listen = "127.0.0.1:8080"

    @Option(
        help: ArgumentHelp("YAML list of {user: NAME, sha256: HEX}: who may call the server.", valueName: "file"),
        completion: .file(extensions: ["yaml", "yml"]))
    var tokens: String?

    @OptionGroup var data: DataOptions

    @Option(
        name: .customLong("reports-dir"), help: ArgumentHelp("Root folder of report folders.", valueName: "dir"),
        completion: .directory)
    var reportsDir = "reports"

    @Option(help: "Jobs run at once; queued jobs wait for a free worker, oldest first.")
    var workers = 1

    @Option(help: ArgumentHelp("Delete jobs finished longer ago than this (12h, 7d; 0 keeps them).", valueName: "age"))
    var retain = "24h"

    @Option(name: .customLong("max-queued"), help: "Queued jobs one user may have; the next gets 429.")
    var maxQueued = 5

    @Option(
        name: .customLong("form-provider"),
        help: "Bar provider of jobs submitted with the dashboard's form (a YAML spec names its own).")
    var formProvider = "synthetic"

    @Option(
        name: .customLong("cli-user"),
        help: "The user who sees the runs started from the CLI in this data folder (default: nobody).")
    var cliUser: String?

    @Flag(
        name: .customLong("confirm-live"),
        help: "Allow live orders through POST /execute; the spec must also say `execute.mode: live`.")
    var confirmLive = false

    @Flag(name: .customLong("hash-token"), help: "Read a token on stdin, print its SHA-256 for the tokens file, exit.")
    var hashToken = false

    @Flag(help: "Print the OpenAPI 3.1 document of the endpoints and exit.")
    var openapi = false

    func validate() throws {
        guard (1...64).contains(workers) else { throw CLI.usage("--workers must be 1–64, got \(workers)") }
        guard (1...10_000).contains(maxQueued) else {
            throw CLI.usage("--max-queued must be 1–10000, got \(maxQueued)")
        }
    }

    func run() async throws {
        if hashToken {
            let line = readLine(strippingNewline: true) ?? ""
            let token = line.trimmingCharacters(in: .whitespaces)
            guard !token.isEmpty else { throw CLI.usage("--hash-token reads the token on stdin; got an empty line") }
            print(TokenFile.hash(token))
            return
        }
        if openapi {
            print(OpenAPIDocument.json, terminator: "")
            return
        }
        guard let tokens else {
            throw CLI.usage(
                "give --tokens FILE (a YAML list of {user: NAME, sha256: HEX}); make a hash with `stratopt serve --hash-token`"
            )
        }
        let (host, port) = try Self.parseListen(listen)
        let tokenFile: TokenFile
        do { tokenFile = try TokenFile.load(path: tokens) } catch { throw CLIFailure.usage(error.description) }
        var config = ServeConfiguration(dataDir: data.resolvedDataDir, tokens: tokenFile)
        config.host = host
        config.port = port
        config.reportsDir = reportsDir
        config.workers = workers
        if retain != "0" {
            do { config.retainSeconds = try Pruning.parseAge(retain) } catch { throw CLI.usage(error.description) }
        } else {
            config.retainSeconds = nil
        }
        config.maxQueuedPerUser = maxQueued
        config.confirmLive = confirmLive
        config.formProvider = formProvider
        config.cliUser = cliUser
        config.log = { CLI.stderr("stratopt serve: " + $0) }
        if !["127.0.0.1", "::1", "localhost"].contains(host) {
            CLI.stderr("stratopt serve: warning: listening on \(host), reachable from other machines; use TLS in front")
        }
        do {
            try await ServeServer.run(config) { address in
                // One line on stdout, so a script (or a test) learns the port chosen for --listen HOST:0.
                try? FileHandle.standardOutput.write(
                    contentsOf: Data("stratopt serve: listening on http://\(address)\n".utf8))
            }
        } catch let e as ServeSetupError {
            throw CLIFailure.failed(e.description)
        } catch {
            throw CLIFailure.failed("the server stopped: \(error)")
        }
    }

    static func parseListen(_ text: String) throws -> (String, Int) {
        var host = ""
        var portText = ""
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            portText = String(text[close...].dropFirst().drop { $0 == ":" })
        } else if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            portText = String(text[text.index(after: colon)...])
        }
        guard !host.isEmpty, let port = Int(portText), (0...65_535).contains(port) else {
            throw CLI.usage("--listen expects HOST:PORT (127.0.0.1:8080, [::1]:8080), got \"\(text)\"")
        }
        return (host, port)
    }
}
