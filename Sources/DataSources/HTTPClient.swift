import Foundation
import Market

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// How often and how patiently a GET is retried (on 429, 5xx, timeouts and connection errors only).
public struct RetryPolicy: Sendable, Equatable {
    /// Total attempts including the first (1 = never retry).
    public var maxAttempts: Int
    /// Backoff before the first retry, in seconds; doubles on each further retry.
    public var baseDelay: Double
    /// Upper bound of one backoff, in seconds.
    public var maxDelay: Double
    /// Upper bound of one wait asked for by the server (`Retry-After`, `X-RateLimit-Reset`), in seconds.
    public var maxRateLimitWait: Double

    public init(maxAttempts: Int = 4, baseDelay: Double = 0.5, maxDelay: Double = 30, maxRateLimitWait: Double = 60) {
        self.maxAttempts = max(1, maxAttempts)
        self.baseDelay = max(0, baseDelay)
        self.maxDelay = max(0, maxDelay)
        self.maxRateLimitWait = max(0, maxRateLimitWait)
    }

    /// Never retry.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The backoff after failed attempt `attempt` (1-based): `d = min(maxDelay, baseDelay·2^(attempt−1))`,
    /// jittered to `d·(0.5 + 0.5·unit)` with `unit` in `[0, 1)`.
    public func backoff(afterAttempt attempt: Int, unit: Double) -> Double {
        let exponent = Double(min(max(attempt - 1, 0), 30))
        let d = min(maxDelay, baseDelay * pow(2, exponent))
        return d * (0.5 + 0.5 * min(max(unit, 0), 1))
    }
}

/// Wall-clock time and waiting, injectable so tests control both (no real sleeping in tests).
public protocol HTTPClock: Sendable {
    /// Seconds since 1970-01-01T00:00:00Z (rate-limit reset headers are Unix epochs).
    func now() -> Double
    func sleep(seconds: Double) async throws
}

/// The real clock: `Date()` and `Task.sleep`.
public struct SystemHTTPClock: HTTPClock {
    public init() {}
    public func now() -> Double { Date().timeIntervalSince1970 }
    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(min(seconds, 86_400) * 1_000_000_000))
    }
}

/// Settings shared by the HTTP providers.
public struct HTTPClientOptions: Sendable {
    /// Per-request timeout in seconds.
    public var timeout: Double
    public var retry: RetryPolicy
    /// Request budget per minute for this provider (token bucket); nil = the provider's default.
    public var requestsPerMinute: Int?
    public var clock: any HTTPClock
    /// Seed of the backoff jitter (deterministic sequence per client).
    public var jitterSeed: UInt64
    /// Receives non-fatal notices (e.g. Yahoo rows dropped for null values). Never receives secrets.
    public var warningHandler: (@Sendable (String) -> Void)?

    public init(
        timeout: Double = 30, retry: RetryPolicy = RetryPolicy(), requestsPerMinute: Int? = nil,
        clock: any HTTPClock = SystemHTTPClock(), jitterSeed: UInt64 = 0x5EED_0F_B0FF,
        warningHandler: (@Sendable (String) -> Void)? = nil
    ) {
        self.timeout = timeout
        self.retry = retry
        self.requestsPerMinute = requestsPerMinute
        self.clock = clock
        self.jitterSeed = jitterSeed
        self.warningHandler = warningHandler
    }
}

/// A response with a status in 200..<300 (others become `HTTPError`).
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lowercased.
    public var headers: [String: String]
    public var body: Data

    public init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { a, _ in a })
        self.body = body
    }

    public func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// True when the server sent an HTML page (by content type or by the first non-blank byte).
    public var looksLikeHTML: Bool { HTTPBody.looksLikeHTML(body, contentType: header("content-type")) }
}

/// A failed HTTP exchange after retries. `description` never contains a secret.
public struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Failure: Sendable, Equatable {
        /// The server answered with this status (not 2xx).
        case status(Int)
        /// No answer within the per-request timeout (seconds).
        case timedOut(Double)
        /// Connection refused, reset, DNS failure… (already worded for humans).
        case transport(String)
        case cancelled
    }

    public var failure: Failure
    /// The provider's own explanation, from the body (`message`, `chart.error.description`, `detail`, short text).
    public var providerMessage: String?
    /// Requests made, including the first.
    public var attempts: Int
    /// The URL with secret query parameters replaced by `REDACTED`.
    public var redactedURL: String

    public init(failure: Failure, providerMessage: String?, attempts: Int, redactedURL: String) {
        self.failure = failure
        self.providerMessage = providerMessage
        self.attempts = attempts
        self.redactedURL = redactedURL
    }

    public var status: Int? {
        if case .status(let s) = failure { return s }
        return nil
    }

    /// `HTTP 429 too many requests, retried 3 times` — no URL.
    public var summary: String {
        var s: String
        switch failure {
        case .status(let code):
            s = "HTTP \(code) \(providerMessage ?? HTTPError.reason(code))"
        case .timedOut(let t):
            s = "no response within the \(HTTPError.seconds(t)) timeout"
        case .transport(let m):
            s = m
        case .cancelled:
            s = "request cancelled"
        }
        if attempts > 1 { s += ", retried \(attempts - 1) time\(attempts == 2 ? "" : "s")" }
        return s
    }

    public var description: String { "\(summary) [GET \(redactedURL)]" }

    static func seconds(_ t: Double) -> String {
        t == t.rounded() ? "\(Int(t)) s" : "\(t) s"
    }

    /// Lowercase reason phrases (stable across platforms, unlike `HTTPURLResponse.localizedString`).
    static func reason(_ code: Int) -> String {
        switch code {
        case 400: "bad request"
        case 401: "unauthorized (check the API key)"
        case 403: "forbidden"
        case 404: "not found"
        case 408: "request timeout"
        case 422: "unprocessable entity"
        case 429: "too many requests"
        case 500: "internal server error"
        case 502: "bad gateway"
        case 503: "service unavailable"
        case 504: "gateway timeout"
        default: "unexpected status"
        }
    }
}

/// Removes secrets from anything that may be printed. Reflection shows nothing.
struct SecretRedactor: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let secrets: [String]
    /// Query parameter names whose values are secret (e.g. `apikey`).
    let secretQueryNames: Set<String>

    init(secrets: [String], secretQueryNames: Set<String>) {
        // Longest first so a secret containing another is removed whole.
        self.secrets = secrets.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
        self.secretQueryNames = Set(secretQueryNames.map { $0.lowercased() })
    }

    func scrub(_ text: String) -> String {
        var t = text
        for s in secrets { t = t.replacingOccurrences(of: s, with: "REDACTED") }
        return t
    }

    func redact(url: URL) -> String {
        guard var c = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return scrub(url.absoluteString) }
        if let items = c.percentEncodedQueryItems {
            c.percentEncodedQueryItems = items.map {
                secretQueryNames.contains($0.name.lowercased()) ? URLQueryItem(name: $0.name, value: "REDACTED") : $0
            }
        }
        c.user = nil
        c.password = nil
        return scrub(c.string ?? url.absoluteString)
    }

    var description: String { "SecretRedactor(REDACTED)" }
    var debugDescription: String { description }
    var customMirror: Mirror { Mirror(self, children: [:]) }
}

enum HTTPBody {
    static func looksLikeHTML(_ body: Data, contentType: String?) -> Bool {
        if let ct = contentType?.lowercased(), ct.contains("text/html") { return true }
        // Skip whitespace and a UTF-8 byte-order mark (EF BB BF).
        let first = body.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }
        return first == UInt8(ascii: "<")
    }

    /// The provider's message in an error body: JSON `message`, `chart.error.description`,
    /// `finance.error.description`, `detail`; else a short single-line plain-text body. Nil for HTML.
    static func providerMessage(_ body: Data, contentType: String?) -> String? {
        guard !body.isEmpty, !looksLikeHTML(body, contentType: contentType) else { return nil }
        if let obj = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            func describe(_ key: String) -> String? {
                ((obj[key] as? [String: Any])?["error"] as? [String: Any])?["description"] as? String
            }
            let m =
                (obj["message"] as? String) ?? describe("chart") ?? describe("finance") ?? (obj["detail"] as? String)
            return m.map(clean)
        }
        guard let text = String(data: body, encoding: .utf8) else { return nil }
        let t = clean(text)
        return (t.isEmpty || t.count > 160 || text.contains("\n\n")) ? nil : t
    }

    static func clean(_ s: String) -> String {
        let collapsed = s.split(whereSeparator: { $0.isWhitespace || $0.isNewline }).joined(separator: " ")
        return collapsed.count > 300 ? String(collapsed.prefix(300)) + "…" : collapsed
    }
}

/// A token bucket: `capacity` requests at once, refilled at `capacity` per 60 s.
struct TokenBucket: Sendable {
    let capacity: Double
    let perSecond: Double
    var tokens: Double
    var last: Double?

    init(requestsPerMinute: Int) {
        capacity = Double(max(1, requestsPerMinute))
        perSecond = capacity / 60
        tokens = capacity
    }

    /// Takes a token and returns 0, or returns how long to wait before one is available.
    mutating func take(now: Double) -> Double {
        if let l = last, now > l { tokens = min(capacity, tokens + (now - l) * perSecond) }
        last = max(last ?? now, now)
        if tokens >= 1 {
            tokens -= 1
            return 0
        }
        return (1 - tokens) / perSecond
    }
}

/// GETs with a per-request timeout, retries with backoff, server-requested waits and a per-minute budget.
///
/// One client per provider: the budget and the Alpaca-style rate-limit pause are shared by all its requests.
public actor HTTPClient {
    public nonisolated let provider: String
    public nonisolated let options: HTTPClientOptions
    nonisolated let redactor: SecretRedactor
    private let session: URLSession
    private var bucket: TokenBucket?
    private var pausedUntil: Double = 0
    private var rng: SplitMix64

    /// - Parameters:
    ///   - secrets: values scrubbed from every message (API keys sent in headers or queries).
    ///   - secretQueryNames: query parameters shown as `REDACTED` in URLs (e.g. `apikey`).
    public init(
        provider: String, options: HTTPClientOptions = HTTPClientOptions(), defaultRequestsPerMinute: Int? = nil,
        secrets: [String] = [], secretQueryNames: Set<String> = []
    ) {
        self.provider = provider
        self.options = options
        self.redactor = SecretRedactor(secrets: secrets, secretQueryNames: secretQueryNames)
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = options.timeout
        config.timeoutIntervalForResource = max(options.timeout, 1) * 4
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.httpCookieAcceptPolicy = .never
        config.httpShouldSetCookies = false
        self.session = URLSession(configuration: config)
        if let rpm = options.requestsPerMinute ?? defaultRequestsPerMinute {
            bucket = TokenBucket(requestsPerMinute: rpm)
        }
        self.rng = SplitMix64(state: options.jitterSeed)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// The URL as it may be shown to a user.
    public nonisolated func redacted(_ url: URL) -> String { redactor.redact(url: url) }

    /// Text with every known secret replaced by `REDACTED`.
    public nonisolated func scrub(_ text: String) -> String { redactor.scrub(text) }

    /// GET `url`; returns a 2xx response or throws after the retry policy is exhausted.
    /// Retries 408, 429, 5xx, timeouts and connection failures; never other 4xx.
    public func get(_ url: URL, headers: [String: String] = [:]) async throws(HTTPError) -> HTTPResponse {
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: options.timeout)
        request.httpMethod = "GET"
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        let shownURL = redactor.redact(url: url)
        let policy = options.retry
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await acquire()
            } catch {
                throw HTTPError(failure: .cancelled, providerMessage: nil, attempts: attempt - 1, redactedURL: shownURL)
            }
            let data: Data
            let http: HTTPURLResponse
            do {
                let (d, r) = try await session.data(for: request)
                guard let h = r as? HTTPURLResponse else {
                    throw HTTPError(
                        failure: .transport("not an HTTP response"), providerMessage: nil, attempts: attempt,
                        redactedURL: shownURL)
                }
                data = d
                http = h
            } catch {
                let failure = classify(error, url: url)
                let retryable: Bool
                if case .cancelled = failure { retryable = false } else { retryable = true }
                if retryable && attempt < policy.maxAttempts && !Task.isCancelled {
                    if (try? await options.clock.sleep(
                        seconds: policy.backoff(afterAttempt: attempt, unit: rng.nextUniform())))
                        != nil
                    {
                        continue
                    }
                }
                throw HTTPError(failure: failure, providerMessage: nil, attempts: attempt, redactedURL: shownURL)
            }
            var lower: [String: String] = [:]
            for (k, v) in http.allHeaderFields {
                if let k = k as? String, let v = v as? String { lower[k.lowercased()] = v }
            }
            let response = HTTPResponse(status: http.statusCode, headers: lower, body: data)
            noteRateLimit(response)
            if (200..<300).contains(response.status) { return response }

            let retryable = response.status == 429 || response.status == 408 || (500..<600).contains(response.status)
            if retryable && attempt < policy.maxAttempts && !Task.isCancelled {
                let wait =
                    serverRequestedWait(response) ?? policy.backoff(afterAttempt: attempt, unit: rng.nextUniform())
                if (try? await options.clock.sleep(seconds: wait)) != nil { continue }
            }
            let message = HTTPBody.providerMessage(data, contentType: response.header("content-type")).map(
                redactor.scrub)
            throw HTTPError(
                failure: .status(response.status), providerMessage: message, attempts: attempt, redactedURL: shownURL)
        }
    }

    /// Waits for the budget and any server-imposed pause.
    private func acquire() async throws {
        while true {
            try Task.checkCancellation()
            let now = options.clock.now()
            if pausedUntil > now {
                try await options.clock.sleep(seconds: pausedUntil - now)
                continue
            }
            guard var b = bucket else { return }
            let wait = b.take(now: now)
            bucket = b
            if wait <= 0 { return }
            try await options.clock.sleep(seconds: wait)
        }
    }

    /// Alpaca sends `X-RateLimit-Remaining`/`-Reset` on every response: when nothing remains, pause until the reset.
    private func noteRateLimit(_ r: HTTPResponse) {
        guard
            let remaining = r.header("x-ratelimit-remaining").flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }),
            remaining <= 0,
            let reset = r.header("x-ratelimit-reset").flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) })
        else { return }
        let now = options.clock.now()
        pausedUntil = max(pausedUntil, min(reset, now + options.retry.maxRateLimitWait))
    }

    /// `Retry-After` (delta-seconds or HTTP-date), else `X-RateLimit-Reset` on a 429; capped. Nil = use backoff.
    private func serverRequestedWait(_ r: HTTPResponse) -> Double? {
        let now = options.clock.now()
        let cap = options.retry.maxRateLimitWait
        if let ra = r.header("retry-after")?.trimmingCharacters(in: .whitespaces) {
            if let s = Double(ra), s >= 0 { return min(s, cap) }
            if let date = HTTPClient.parseHTTPDate(ra) { return min(max(0, date - now), cap) }
        }
        if r.status == 429,
            let reset = r.header("x-ratelimit-reset").flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }),
            reset > now
        {
            // The bucket pause already covers it when Remaining was 0; the wait is the same either way.
            return min(reset - now, cap)
        }
        return nil
    }

    /// RFC 9110 IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) → Unix seconds.
    static func parseHTTPDate(_ s: String) -> Double? {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(secondsFromGMT: 0)
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f.date(from: s)?.timeIntervalSince1970
    }

    private nonisolated func classify(_ error: any Error, url: URL) -> HTTPError.Failure {
        if let e = error as? HTTPError { return e.failure }
        if error is CancellationError { return .cancelled }
        guard let u = error as? URLError else { return .transport(redactor.scrub("transport error: \(error)")) }
        let host = url.host.map { h in url.port.map { "\(h):\($0)" } ?? h } ?? "the server"
        switch u.code {
        case .timedOut: return .timedOut(options.timeout)
        case .cancelled: return .cancelled
        case .cannotConnectToHost: return .transport("could not connect to \(host) (connection refused?)")
        case .cannotFindHost, .dnsLookupFailed: return .transport("could not resolve \(host) (DNS / no network?)")
        case .networkConnectionLost: return .transport("connection to \(host) was lost")
        case .notConnectedToInternet: return .transport("no network connection")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate:
            return .transport("TLS handshake with \(host) failed")
        default: return .transport("network error \(u.code.rawValue) talking to \(host)")
        }
    }
}
