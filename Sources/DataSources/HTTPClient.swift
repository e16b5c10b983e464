import Foundation
import HTTPTransport
import Market

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Settings shared by the HTTP providers.
public struct HTTPClientOptions: Sendable {
    /// Per-request deadline in seconds: connect, headers and the whole body (a trickling server cannot
    /// stretch it).
    public var timeout: Double
    public var retry: RetryPolicy
    /// Request budget per minute for this provider (token bucket); nil = the provider's default.
    public var requestsPerMinute: Int?
    /// The largest decoded response body read, in bytes (default 64 MiB).
    public var maxResponseBytes: Int
    /// Total seconds one fetch call (one symbol, or one Alpaca batch) may take with every page, retry and
    /// wait included; past it the symbol fails instead of retrying on.
    public var fetchBudget: Double
    /// After this many consecutive 429/5xx answers or transport failures the provider's remaining
    /// requests fail at once (0 = never).
    public var circuitBreakerThreshold: Int
    public var clock: any HTTPClock
    /// Seed of the backoff jitter (deterministic sequence per client).
    public var jitterSeed: UInt64
    /// Receives non-fatal notices (e.g. Yahoo rows dropped for null values). Never receives secrets.
    public var warningHandler: (@Sendable (String) -> Void)?
    /// Receives one line per HTTP exchange (`--verbose`): method, redacted URL, status or failure, size and
    /// time. Never receives secrets (the URL is redacted, headers are not shown).
    public var traceHandler: (@Sendable (String) -> Void)?

    public init(
        timeout: Double = 30, retry: RetryPolicy = RetryPolicy(), requestsPerMinute: Int? = nil,
        maxResponseBytes: Int = HTTPLimits.defaultMaxResponseBytes, fetchBudget: Double = 300,
        circuitBreakerThreshold: Int = 12,
        clock: any HTTPClock = SystemHTTPClock(), jitterSeed: UInt64 = 0x5EED_0F_B0FF,
        warningHandler: (@Sendable (String) -> Void)? = nil, traceHandler: (@Sendable (String) -> Void)? = nil
    ) {
        self.traceHandler = traceHandler
        self.timeout = timeout
        self.retry = retry
        self.requestsPerMinute = requestsPerMinute
        self.maxResponseBytes = maxResponseBytes
        self.fetchBudget = fetchBudget
        self.circuitBreakerThreshold = circuitBreakerThreshold
        self.clock = clock
        self.jitterSeed = jitterSeed
        self.warningHandler = warningHandler
    }
}

extension HTTPResponse {
    /// True when the server sent an HTML page (by content type or by the first non-blank byte).
    public var looksLikeHTML: Bool { HTTPBody.looksLikeHTML(body, contentType: header("content-type")) }
}

/// A failed HTTP exchange after retries. `description` never contains a secret.
public struct HTTPError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Failure: Error, Sendable, Equatable {
        /// The server answered with this status (not 2xx).
        case status(Int)
        /// No complete answer within the per-request deadline (seconds).
        case timedOut(Double)
        /// The fetch's total time budget (seconds) ran out among retries and waits.
        case budgetExhausted(Double)
        /// The provider's circuit breaker is open after this many consecutive failures.
        case circuitOpen(Int)
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
            s = "no complete response within the \(HTTPError.seconds(t)) deadline"
        case .budgetExhausted(let t):
            s = "gave up after the \(HTTPError.seconds(t)) time budget of this fetch (retries included)"
            if let m = providerMessage { s += "; last failure: \(m)" }
        case .circuitOpen(let n):
            s =
                "not sent: the last \(n) requests to this provider failed (429/5xx or no answer), "
                + "so its remaining requests fail fast; try again later or lower the request rate"
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
        // Clip first: collapsing whitespace of a 100 MB body would cost more than reading it.
        let collapsed = EchoedInput.clip(s, limit: EchoedInput.maxCharacters * 4).split(whereSeparator: {
            $0.isWhitespace || $0.isNewline
        }).joined(separator: " ")
        return EchoedInput.clip(collapsed)
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

/// GETs with a per-request deadline and size limit (enforced by `HTTPSessionTransport`), retries with
/// backoff, server-requested waits, a per-minute budget, a per-fetch time budget and a circuit breaker.
///
/// One client per provider: the budget, the Alpaca-style rate-limit pause and the breaker are shared by
/// all its requests.
public actor HTTPClient {
    public nonisolated let provider: String
    public nonisolated let options: HTTPClientOptions
    nonisolated let redactor: SecretRedactor
    private let transport: HTTPSessionTransport
    private var bucket: TokenBucket?
    private var pausedUntil: Double = 0
    private var rng: SplitMix64
    private var breaker: CircuitBreaker

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
        self.transport = HTTPSessionTransport(
            limits: HTTPLimits(deadline: options.timeout, maxResponseBytes: options.maxResponseBytes))
        if let rpm = options.requestsPerMinute ?? defaultRequestsPerMinute {
            bucket = TokenBucket(requestsPerMinute: rpm)
        }
        self.rng = SplitMix64(state: options.jitterSeed)
        self.breaker = CircuitBreaker(threshold: options.circuitBreakerThreshold)
    }

    /// The URL as it may be shown to a user.
    public nonisolated func redacted(_ url: URL) -> String { redactor.redact(url: url) }

    /// Text with every known secret replaced by `REDACTED`.
    public nonisolated func scrub(_ text: String) -> String { redactor.scrub(text) }

    /// A budget of `options.fetchBudget` seconds for one fetch call (pass it to every `get` of that call).
    public nonisolated func makeBudget() -> TimeBudget { TimeBudget(seconds: options.fetchBudget) }

    /// GET `url`; returns a 2xx response or throws after the retry policy or `budget` is exhausted.
    /// Retries 408, 429, 5xx, timeouts and connection failures; never other 4xx, an oversized body or a
    /// refused cross-host redirect.
    public func get(_ url: URL, headers: [String: String] = [:], budget: TimeBudget? = nil) async throws(HTTPError)
        -> HTTPResponse
    {
        let budget = budget ?? makeBudget()
        // Sorted so the request is the same bytes on every run.
        let request = HTTPRequest(method: "GET", url: url, headers: headers.sorted { $0.key < $1.key })
        let shownURL = redactor.redact(url: url)
        let policy = options.retry
        var attempt = 0
        /// Waits `seconds` if the budget allows; false = stop retrying.
        func wait(_ seconds: Double) async -> Bool {
            guard !Task.isCancelled, budget.spend(wait: seconds) else { return false }
            return (try? await options.clock.sleep(seconds: seconds)) != nil
        }
        func fail(_ failure: HTTPError.Failure, _ message: String? = nil) -> HTTPError {
            HTTPError(failure: failure, providerMessage: message, attempts: attempt, redactedURL: shownURL)
        }
        while true {
            if breaker.isOpen { throw fail(.circuitOpen(breaker.consecutiveFailures)) }
            attempt += 1
            do {
                try await acquire(budget)
            } catch {
                attempt -= 1
                throw fail(error)
            }
            let response: HTTPResponse
            let sentAt = ContinuousClock.now
            func traced(_ outcome: String) {
                guard let trace = options.traceHandler else { return }
                let c = (ContinuousClock.now - sentAt).components
                let seconds = Double(c.seconds) + Double(c.attoseconds) / 1e18
                trace("GET \(shownURL) → \(outcome) in \(String(format: "%.2f", seconds)) s (attempt \(attempt))")
            }
            do {
                response = try await transport.send(request)
                traced("HTTP \(response.status), \(response.body.count) bytes")
            } catch {
                let failure = classify(error)
                traced(redactor.scrub(failure.text))
                var retryable = true
                switch error {
                case .cancelled, .responseTooLarge, .crossHostRedirect: retryable = false
                default: breaker.recordFailure()
                }
                if retryable && attempt < policy.maxAttempts && !breaker.isOpen {
                    let w = policy.backoff(afterAttempt: attempt, unit: rng.nextUniform())
                    guard budget.fits(w) else {
                        throw fail(.budgetExhausted(budget.seconds), redactor.scrub(failure.text))
                    }
                    if await wait(w) { continue }
                }
                throw fail(failure)
            }
            noteRateLimit(response)
            if (200..<300).contains(response.status) {
                breaker.recordSuccess()
                return response
            }
            let retryable = response.status == 429 || response.status == 408 || (500..<600).contains(response.status)
            if retryable { breaker.recordFailure() }
            let message = HTTPBody.providerMessage(response.body, contentType: response.header("content-type")).map(
                redactor.scrub)
            if retryable && attempt < policy.maxAttempts && !breaker.isOpen {
                let w = serverRequestedWait(response) ?? policy.backoff(afterAttempt: attempt, unit: rng.nextUniform())
                guard budget.fits(w) else {
                    let last = HTTPError(
                        failure: .status(response.status), providerMessage: message, attempts: 1, redactedURL: ""
                    ).summary
                    throw fail(.budgetExhausted(budget.seconds), last)
                }
                if await wait(w) { continue }
            }
            throw fail(.status(response.status), message)
        }
    }

    /// Waits for the budget and any server-imposed pause.
    private func acquire(_ budget: TimeBudget) async throws(HTTPError.Failure) {
        func pause(_ seconds: Double) async throws(HTTPError.Failure) {
            guard budget.spend(wait: seconds) else { throw .budgetExhausted(budget.seconds) }
            do { try await options.clock.sleep(seconds: seconds) } catch { throw .cancelled }
        }
        while true {
            if Task.isCancelled { throw .cancelled }
            let now = options.clock.now()
            if pausedUntil > now {
                try await pause(pausedUntil - now)
                continue
            }
            guard var b = bucket else { return }
            let wait = b.take(now: now)
            bucket = b
            if wait <= 0 { return }
            try await pause(wait)
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

    private nonisolated func classify(_ error: TransportFailure) -> HTTPError.Failure {
        switch error {
        case .deadlineExceeded: return .timedOut(options.timeout)
        case .cancelled: return .cancelled
        default: return .transport(redactor.scrub(error.description))
        }
    }
}

extension HTTPError.Failure {
    var text: String {
        HTTPError(failure: self, providerMessage: nil, attempts: 1, redactedURL: "").summary
    }
}
