import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// `stratopt serve`: the optimizer's endpoints, the dashboard and the OpenAPI document over Hummingbird.
/// Every handler is a thin adapter: it authenticates, bounds and decodes the request, calls `JobService`
/// and encodes the answer; errors are JSON `{"error": {"code", "message", "diagnostics"?}}`.
public enum ServeServer {
    /// Runs the server and its workers until SIGINT/SIGTERM. `onListening` gets the bound address
    /// (`127.0.0.1:8080`; with port 0 the port the system chose).
    public static func run(
        _ config: ServeConfiguration, onListening: @escaping @Sendable (String) -> Void
    ) async throws {
        let service = try JobService(config: config)
        let router = makeRouter(service)
        var logger = Logger(label: "stratopt-serve")
        logger.logLevel = .error
        let app = Application(
            router: router,
            // Idle connections are closed: a client that opens sockets and sends nothing holds none for long.
            server: .http1(configuration: .init(idleTimeout: .seconds(60))),
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: "stratopt"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? config.port
                onListening("\(config.host):\(port)")
            },
            logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await service.runWorkers() }
            group.addTask { try await app.runService() }
            // The server returns on SIGINT/SIGTERM; the process then ends, and a job it was running is resumed
            // from its checkpoints by the next server.
            try await group.next()
            group.cancelAll()
        }
    }

    static func makeRouter(_ service: JobService) -> Router<BasicRequestContext> {
        let router = Router()
        let streams = StreamCounter()
        let api = "/api/v1/optimizer"

        router.get("/") { _, _ in Self.page(Dashboard.html, type: "text/html; charset=utf-8") }
        router.get("/dashboard.js") { _, _ in Self.page(Dashboard.script, type: "text/javascript; charset=utf-8") }
        router.get("/dashboard.css") { _, _ in Self.page(Dashboard.style, type: "text/css; charset=utf-8") }
        router.get("/api/v1/openapi.json") { _, _ in
            Self.bytes(Data(OpenAPIDocument.json.utf8), type: "application/json")
        }

        router.post("\(api)/analyze") { request, _ in
            await Self.handle(request, service) { user, request in
                var request = request
                let type = request.headers[.contentType]?.lowercased() ?? ""
                let id: String
                if type.hasPrefix("application/json") {
                    let body = try await Self.body(&request, limit: ServeLimits.jsonBytes)
                    let form: AnalyzeForm
                    do { form = try JSONDecoder().decode(AnalyzeForm.self, from: body) } catch {
                        throw ServeFailure(
                            422, "invalid_form",
                            "expected {tickers, start, end, initial_capital?, position_size_pct?, strategies?}: \(Self.decodingText(error))"
                        )
                    }
                    let yaml = try form.yaml(provider: service.config.formProvider)
                    do { id = try service.submit(user: user, yaml: yaml, displayName: "form") } catch let failure
                        as ServeFailure
                    {
                        var e = failure
                        e.diagnostics = e.diagnostics?.map {
                            var d = $0
                            d.keyPath = AnalyzeForm.field(of: d.keyPath)
                            return d
                        }
                        throw e
                    }
                } else if type.hasPrefix("application/yaml") || type.hasPrefix("application/x-yaml")
                    || type.hasPrefix("text/yaml")
                {
                    let body = try await Self.body(&request, limit: ServeLimits.specBytes)
                    guard let text = String(data: body, encoding: .utf8) else {
                        throw ServeFailure(422, "invalid_spec", "the spec is not UTF-8 text")
                    }
                    id = try service.submit(user: user, yaml: text)
                } else {
                    throw ServeFailure(
                        415, "unsupported_media_type",
                        "send a pipeline spec as Content-Type: application/yaml, or the form as application/json")
                }
                return Self.json(["job_id": id], status: 202)
            }
        }

        router.get("\(api)/status/{job_id}") { request, context in
            await Self.handle(request, service) { user, _ in
                Self.json(try service.status(context.parameters.get("job_id") ?? "", user: user))
            }
        }

        router.get("\(api)/status/{job_id}/events") { request, context in
            await Self.handle(request, service) { user, _ in
                let id = context.parameters.get("job_id") ?? ""
                _ = try service.status(id, user: user)
                guard streams.open() else {
                    throw ServeFailure(503, "too_many_streams", "too many event streams are open; poll the status")
                }
                return Self.events(service, id: id, user: user, streams: streams)
            }
        }

        router.get("\(api)/results/{job_id}") { request, context in
            await Self.handle(request, service) { user, _ in
                let data = try service.reportFile(
                    context.parameters.get("job_id") ?? "", user: user, name: "results.json")
                return Self.bytes(data, type: "application/json")
            }
        }

        router.get("\(api)/jobs/{job_id}/report.html") { request, context in
            await Self.handle(request, service, cookie: true) { user, _ in
                let data = try service.reportFile(
                    context.parameters.get("job_id") ?? "", user: user, name: "report.html")
                var r = Self.bytes(data, type: "text/html; charset=utf-8")
                // report.html is self-contained: its own inline style and script, nothing fetched.
                r.headers[.contentSecurityPolicy] =
                    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
                return r
            }
        }

        router.post("\(api)/execute") { request, _ in
            await Self.handle(request, service) { user, request in
                var request = request
                guard request.headers[.contentType]?.lowercased().hasPrefix("application/json") == true else {
                    throw ServeFailure(
                        415, "unsupported_media_type", "send {job_id, symbols?, dry_run?} as application/json")
                }
                let body = try await Self.body(&request, limit: ServeLimits.jsonBytes)
                let req: ExecuteRequestBody
                do { req = try JSONDecoder().decode(ExecuteRequestBody.self, from: body) } catch {
                    throw ServeFailure(
                        422, "invalid_request", "expected {job_id, symbols?, dry_run?}: \(Self.decodingText(error))")
                }
                let symbols = req.symbols ?? []
                guard symbols.count <= ServeLimits.maxTickers, symbols.allSatisfy({ (1...32).contains($0.utf8.count) })
                else {
                    throw ServeFailure(422, "invalid_request", "symbols: at most \(ServeLimits.maxTickers) tickers")
                }
                return Self.json(
                    try await service.execute(
                        user: user, jobId: req.jobId, symbols: symbols, dryRun: req.dryRun ?? false))
            }
        }

        router.get("\(api)/history") { request, _ in
            await Self.handle(request, service) { user, request in
                let q = request.uri.queryParameters
                let page = try Self.intParameter(q.get("page"), name: "page", default: 1, range: 1...1_000_000)
                let perPage = try Self.intParameter(
                    q.get("per_page"), name: "per_page", default: 20, range: 1...ServeLimits.maxPageSize)
                let h = try service.history(user: user, page: page, perPage: perPage)
                return Self.json(HistoryView(jobs: h.jobs, page: page, perPage: perPage, total: h.total))
            }
        }

        router.delete("\(api)/jobs/{job_id}") { request, context in
            await Self.handle(request, service) { user, _ in
                let id = context.parameters.get("job_id") ?? ""
                switch try service.delete(id, user: user) {
                case .cancelling:
                    return Self.json(DeleteView(jobId: id, status: "cancelling", folder: nil), status: 202)
                case .deleted(let folder):
                    return Self.json(DeleteView(jobId: id, status: "deleted", folder: folder))
                }
            }
        }
        return router
    }

    // MARK: - helpers

    /// Authenticates, runs `body`, and turns a `ServeFailure` (or anything else) into a JSON error.
    static func handle(
        _ request: Request, _ service: JobService, cookie: Bool = false,
        _ body: (String, Request) async throws -> Response
    ) async -> Response {
        guard let user = user(request, service.config.tokens, cookie: cookie) else {
            var r = error(
                ServeFailure(
                    401, "unauthorized",
                    "send Authorization: Bearer <token>; tokens are listed (as SHA-256) in the server's --tokens file"))
            r.headers[.wwwAuthenticate] = "Bearer realm=\"stratopt\""
            return r
        }
        do {
            return try await body(user, request)
        } catch let e as ServeFailure {
            return error(e)
        } catch let e as HTTPError {
            return error(ServeFailure(Int(e.status.code), "bad_request", e.body ?? e.status.reasonPhrase))
        } catch {
            return Self.error(ServeFailure(500, "internal", "\(error)"))
        }
    }

    /// The user of the request's bearer token; for `cookie` routes (report links the browser follows) also the
    /// dashboard's SameSite=Strict `stratopt_token` cookie.
    static func user(_ request: Request, _ tokens: TokenFile, cookie: Bool) -> String? {
        if let auth = request.headers[.authorization], auth.count <= 4200 {
            let parts = auth.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return tokens.user(forToken: String(parts[1]).trimmingCharacters(in: .whitespaces))
            }
            return nil
        }
        guard cookie, let header = request.headers[.cookie], header.count <= 8192 else { return nil }
        for part in header.split(separator: ";") {
            let kv = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
            if kv.count == 2, kv[0] == "stratopt_token" {
                return tokens.user(forToken: String(kv[1]).removingPercentEncoding ?? "")
            }
        }
        return nil
    }

    static func body(_ request: inout Request, limit: Int) async throws -> Data {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw ServeFailure(413, "too_large", "the body is \(length) bytes; at most \(limit) are accepted")
        }
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch {
            throw ServeFailure(413, "too_large", "the body is larger than \(limit) bytes")
        }
    }

    static func intParameter(_ text: String?, name: String, default d: Int, range: ClosedRange<Int>)
        throws(ServeFailure)
        -> Int
    {
        guard let text else { return d }
        guard let n = Int(text), range.contains(n) else {
            throw ServeFailure(
                422, "invalid_request",
                "\(name) must be a whole number \(range.lowerBound)–\(range.upperBound), got \"\(text.prefix(40))\"")
        }
        return n
    }

    static func decodingText(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing \(key.stringValue)"
        case DecodingError.typeMismatch(_, let c), DecodingError.valueNotFound(_, let c):
            return "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let c):
            return c.codingPath.isEmpty
                ? "not JSON" : "bad value at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        default: return "not JSON"
        }
    }

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }()

    static func json(_ value: some Encodable, status: Int = 200) -> Response {
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        var r = bytes(data, type: "application/json")
        r.status = HTTPResponse.Status(code: status)
        return r
    }

    static func error(_ f: ServeFailure) -> Response {
        var r = json(
            ErrorView(error: .init(code: f.code, message: f.message, diagnostics: f.diagnostics)), status: f.status)
        if let s = f.retryAfter { r.headers[.retryAfter] = String(s) }
        return r
    }

    static func bytes(_ data: Data, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-store"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func page(_ text: String, type: String) -> Response {
        var r = bytes(Data(text.utf8), type: type)
        r.headers[.contentSecurityPolicy] = Dashboard.contentSecurityPolicy
        r.headers[.init("Referrer-Policy")!] = "no-referrer"
        r.headers[.init("X-Frame-Options")!] = "DENY"
        return r
    }

    /// Server-Sent Events: one `status` event whenever the job's status changes (polled every 500 ms), a
    /// comment every 15 s to keep the connection, and the end of the stream once the job is final or after
    /// `ServeLimits.eventStreamSeconds`.
    static func events(_ service: JobService, id: String, user: String, streams: StreamCounter) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        let body = ResponseBody { writer in
            defer { streams.close() }
            var last: JobView?
            var quiet = 0
            let deadline = ContinuousClock.now + .seconds(ServeLimits.eventStreamSeconds)
            while ContinuousClock.now < deadline {
                let now = try? service.status(id, user: user)
                if now != last || now == nil {
                    var text = "event: status\n"
                    if let now {
                        text +=
                            "data: " + String(decoding: (try? encoder.encode(now)) ?? Data(), as: UTF8.self) + "\n\n"
                    } else {
                        text = "event: deleted\ndata: {\"job_id\":\"\(id)\"}\n\n"
                    }
                    try await writer.write(ByteBuffer(string: text))
                    last = now
                    quiet = 0
                    if now?.isFinal ?? true { break }
                } else {
                    quiet += 1
                    if quiet >= 30 {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                        quiet = 0
                    }
                }
                try await Task.sleep(for: .milliseconds(500))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}

/// How many event streams are open (bounded by `ServeLimits.maxEventStreams`).
final class StreamCounter: Sendable {
    private let count = Mutex(0)
    func open() -> Bool {
        count.withLock {
            guard $0 < ServeLimits.maxEventStreams else { return false }
            $0 += 1
            return true
        }
    }
    func close() { count.withLock { $0 -= 1 } }
}

struct ExecuteRequestBody: Decodable {
    var jobId: String
    var symbols: [String]?
    var dryRun: Bool?
    enum CodingKeys: String, CodingKey {
        case symbols
        case jobId = "job_id"
        case dryRun = "dry_run"
    }
}

struct HistoryView: Encodable {
    var jobs: [JobView]
    var page: Int
    var perPage: Int
    var total: Int
    enum CodingKeys: String, CodingKey {
        case jobs, page, total
        case perPage = "per_page"
    }
}

struct DeleteView: Encodable {
    var jobId: String
    var status: String
    var folder: String?
    enum CodingKeys: String, CodingKey {
        case status, folder
        case jobId = "job_id"
    }
}

struct ErrorView: Encodable {
    struct Body: Encodable {
        var code: String
        var message: String
        var diagnostics: [DiagnosticView]?
    }
    var error: Body
}
