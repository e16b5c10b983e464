import Foundation
import HTTPTransport
import Market
import Risk

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Where and how the Alpaca client talks.
public struct AlpacaConfiguration: Sendable, Equatable {
    public static let paperURL = URL(string: "https://paper-api.alpaca.markets")!
    public static let liveURL = URL(string: "https://api.alpaca.markets")!
    public static let dataURL = URL(string: "https://data.alpaca.markets")!

    public var mode: TradingMode
    /// Trading API base (default: paper or live URL by `mode`).
    public var tradingBaseURL: URL
    /// Market Data API base, for latest quotes.
    public var dataBaseURL: URL
    /// Quote feed (`iex` works on free plans).
    public var feed: String
    /// Per-request deadline, seconds (connect and whole body; see `HTTPLimits`).
    public var requestTimeout: Double
    /// Retries of 429 / 5xx / timeouts on reads, and of 429 on order submits.
    public var retry: RetryPolicy
    /// After this many consecutive 429/5xx answers or transport failures (any endpoint), every further
    /// request fails at once with `BrokerError.circuitOpen` (0 = never); a 2xx closes it again.
    public var circuitBreakerThreshold: Int

    public init(
        mode: TradingMode, tradingBaseURL: URL? = nil, dataBaseURL: URL? = nil, feed: String = "iex",
        requestTimeout: Double = 10, retry: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: 0.5, maxDelay: 8),
        circuitBreakerThreshold: Int = 6
    ) {
        self.circuitBreakerThreshold = circuitBreakerThreshold
        self.mode = mode
        self.tradingBaseURL = tradingBaseURL ?? (mode == .live ? Self.liveURL : Self.paperURL)
        self.dataBaseURL = dataBaseURL ?? Self.dataURL
        self.feed = feed
        self.requestTimeout = requestTimeout
        self.retry = retry
    }

    /// Endpoints by Alpaca's convention: `APCA_API_BASE_URL` (Trading API; default the paper endpoint in
    /// paper mode, the live endpoint in live mode) and `APCA_API_DATA_URL` (Market Data API, latest
    /// quotes; default `https://data.alpaca.markets`). Refuses a URL that is not http(s), a paper-mode
    /// base URL on the live host (a paper spec must never reach real money), and a live-mode base URL
    /// that is not the live endpoint unless `confirmLive` (the operator typed `--confirm-live`).
    public static func fromEnvironment(mode: TradingMode, environment: [String: String], confirmLive: Bool)
        throws(BrokerError) -> AlpacaConfiguration
    {
        func url(_ name: String) throws(BrokerError) -> URL? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            guard let u = URL(string: text), u.scheme == "http" || u.scheme == "https", u.host != nil else {
                throw BrokerError.configuration(
                    "\(name)=\(Redaction.urlDisplay(text)) is not an http(s) URL; unset it or give e.g. "
                        + (name == "APCA_API_DATA_URL" ? dataURL.absoluteString : paperURL.absoluteString))
            }
            return u
        }
        let base = try url("APCA_API_BASE_URL")
        let data = try url("APCA_API_DATA_URL")
        if let base {
            let isLiveHost = base.host?.lowercased() == liveURL.host
            if mode == .paper && isLiveHost {
                throw BrokerError.configuration(
                    "APCA_API_BASE_URL points at the live endpoint (\(liveURL.absoluteString)) but execute.mode is "
                        + "paper; unset it or set it to \(paperURL.absoluteString)")
            }
            if mode == .live && !isLiveHost && !confirmLive {
                throw BrokerError.configuration(
                    "execute.mode is live but APCA_API_BASE_URL is \(Redaction.urlDisplay(base.absoluteString)), "
                        + "not the live endpoint \(liveURL.absoluteString); add --confirm-live to use it anyway")
            }
        }
        return AlpacaConfiguration(mode: mode, tradingBaseURL: base, dataBaseURL: data)
    }
}

/// Alpaca Trading API v2 as a `Broker`.
///
/// Keys come from the injected environment (`APCA_API_KEY_ID`, `APCA_API_SECRET_KEY`) and go only into
/// request headers: never into errors, logs or `description`. Reads retry 429, 5xx and transport
/// failures with backoff; `POST /v2/orders` retries only 429 (a refused request), and turns a timeout,
/// dropped connection or 5xx into `BrokerError.outcomeUnknown` so the caller resolves it by lookup.
/// A circuit breaker shared by every request (`AlpacaConfiguration.circuitBreakerThreshold`) stops a 429/5xx
/// storm from costing minutes per order: once open, requests fail at once with `BrokerError.circuitOpen`
/// and nothing more is sent.
public final class AlpacaTradingClient: Broker, CustomStringConvertible {
    public let configuration: AlpacaConfiguration
    /// Fallback prices (last daily closes) when the quote has no bid/ask (outside market hours).
    public let lastCloses: [String: Decimal]
    private let keyId: String
    private let secret: String
    private let transport: HTTPSessionTransport
    private let sleeper: any RetrySleeper
    private let breaker: SharedCircuitBreaker

    public var name: String { "alpaca-\(configuration.mode.rawValue)" }
    public var description: String { "AlpacaTradingClient(\(name), \(configuration.tradingBaseURL.absoluteString))" }

    /// Throws `BrokerError.missingCredentials` naming the missing variable.
    public init(
        configuration: AlpacaConfiguration, environment: [String: String], lastCloses: [String: Decimal] = [:],
        sleeper: any RetrySleeper = TaskSleeper()
    ) throws {
        guard let k = environment["APCA_API_KEY_ID"], !k.isEmpty else {
            throw BrokerError.missingCredentials("APCA_API_KEY_ID")
        }
        guard let s = environment["APCA_API_SECRET_KEY"], !s.isEmpty else {
            throw BrokerError.missingCredentials("APCA_API_SECRET_KEY")
        }
        self.configuration = configuration
        self.lastCloses = lastCloses
        self.keyId = k
        self.secret = s
        self.transport = HTTPSessionTransport(limits: HTTPLimits(deadline: configuration.requestTimeout))
        self.sleeper = sleeper
        self.breaker = SharedCircuitBreaker(threshold: configuration.circuitBreakerThreshold)
    }

    // MARK: Broker

    public func account() async throws -> AccountSnapshot {
        let a: AlpacaAccount = try await getJSON(configuration.tradingBaseURL, "/v2/account")
        let ps: [AlpacaPosition] = try await getJSON(configuration.tradingBaseURL, "/v2/positions")
        let history = try await equityHistory()
        guard let cash = a.cash.flatMap(Money.parse), let equity = a.equity.flatMap(Money.parse) else {
            throw BrokerError.decoding("/v2/account lacks cash or equity")
        }
        var positions: [Position] = []
        for p in ps {
            guard let qty = Money.parse(p.qty) else { throw BrokerError.decoding("position \(p.symbol): qty \(p.qty)") }
            var shares = NSDecimalNumber(decimal: Money.round(qty, scale: 0, qty < 0 ? .up : .down)).intValue
            if p.side == "short" && shares > 0 { shares = -shares }
            let price =
                p.current_price.flatMap(Money.parse)
                ?? (p.market_value.flatMap(Money.parse).map { qty != 0 ? $0 / qty : 0 } ?? 0)
            positions.append(Position(symbol: p.symbol, shares: shares, price: price))
        }
        var blocked: [String] = []
        if let s = a.status, s != "ACTIVE" { blocked.append("account status is \(s), not ACTIVE") }
        if a.trading_blocked == true { blocked.append("trading_blocked") }
        if a.account_blocked == true { blocked.append("account_blocked") }
        if a.trade_suspended_by_user == true { blocked.append("trade_suspended_by_user") }
        return AccountSnapshot(
            cash: cash, equity: equity, positions: positions, lastEquity: a.last_equity.flatMap(Money.parse),
            equityHistory: history, tradingBlockedReason: blocked.isEmpty ? nil : blocked.joined(separator: ", "))
    }

    public func latestPrice(symbol: String) async throws -> Decimal {
        let path = "/v2/stocks/\(Self.pathSegment(symbol))/quotes/latest?feed=\(Self.query(configuration.feed))"
        let q: AlpacaLatestQuote = try await getJSON(configuration.dataBaseURL, path)
        let ask = q.quote?.ap.map { Money.exact($0) } ?? 0
        let bid = q.quote?.bp.map { Money.exact($0) } ?? 0
        if ask > 0 && bid > 0 { return Money.round((ask + bid) / 2, scale: 4, .halfUp) }
        if let close = lastCloses[symbol], close > 0 { return close }
        if ask > 0 { return ask }
        if bid > 0 { return bid }
        throw BrokerError.noPrice(symbol: symbol)
    }

    public func submit(_ request: OrderRequest) async throws -> BrokerOrder {
        let body: [String: String] = [
            "symbol": request.symbol, "qty": String(request.shares), "side": request.side.rawValue, "type": "market",
            "time_in_force": "day", "client_order_id": request.clientOrderId,
        ]
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        let url = Self.url(configuration.tradingBaseURL, "/v2/orders")
        var attempt = 0
        while true {
            attempt += 1
            try checkBreaker(url)
            let r: HTTPResponse
            do {
                r = try await transport.send(httpRequest("POST", url, body: data))
            } catch {
                breaker.recordFailure()
                if error.isAmbiguous { throw BrokerError.outcomeUnknown("POST /v2/orders: \(error.description)") }
                throw BrokerError.transport("POST /v2/orders: \(error.description)")
            }
            record(r.status)
            switch r.status {
            case 200..<300:
                return try Self.order(from: r.body, path: "/v2/orders")
            case 429 where attempt < configuration.retry.maxAttempts && !breaker.isOpen:
                await sleeper.sleep(seconds: configuration.retry.delay(afterAttempt: attempt))
                continue
            case 403:
                throw BrokerError.rejected(symbol: request.symbol, message: Self.message(r.body))
            case 422:
                let e = Self.apiError(r.body)
                if e.code == 40_010_001 || e.message.contains("client_order_id must be unique") {
                    throw BrokerError.duplicateClientOrderId(request.clientOrderId)
                }
                throw BrokerError.rejected(symbol: request.symbol, message: e.message)
            case 500..<600:
                throw BrokerError.outcomeUnknown("POST /v2/orders answered HTTP \(r.status)")
            default:
                throw BrokerError.http(status: r.status, path: "/v2/orders", message: Self.message(r.body))
            }
        }
    }

    public func order(clientOrderId: String) async throws -> BrokerOrder? {
        let path = "/v2/orders:by_client_order_id?client_order_id=\(Self.query(clientOrderId))"
        let r = try await get(configuration.tradingBaseURL, path, allow404: true)
        if r.status == 404 { return nil }
        return try Self.order(from: r.body, path: "/v2/orders:by_client_order_id")
    }

    /// `GET /v2/orders?status=open&limit=500&direction=asc`: orders not yet filled or closed (a market
    /// order placed after the close is `accepted` until the next open).
    public func openOrders() async throws -> [BrokerOrder] {
        let path = "/v2/orders?status=open&limit=500&direction=asc"
        let r = try await get(configuration.tradingBaseURL, path, allow404: false)
        let list: [AlpacaOrder] = try Self.decode(r.body, path: "/v2/orders")
        return try list.map { o throws(BrokerError) in try Self.order(o, path: "/v2/orders") }
    }

    // MARK: Helpers

    /// `GET /v2/account/portfolio/history?period=1A&timeframe=1D`; 404 → empty history.
    private func equityHistory() async throws -> [EquityPoint] {
        let r = try await get(
            configuration.tradingBaseURL, "/v2/account/portfolio/history?period=1A&timeframe=1D", allow404: true)
        if r.status == 404 { return [] }
        let h: AlpacaPortfolioHistory = try Self.decode(r.body, path: "/v2/account/portfolio/history")
        let ts = h.timestamp ?? []
        let eq = h.equity ?? []
        var out: [EquityPoint] = []
        for (t, e) in zip(ts, eq) {
            guard let e else { continue }
            // Daily points are stamped within the New York session day (00:00 or 16:00 ET), which is the
            // same calendar day in UTC; floor division by 86,400 gives it.
            let day = Int((Double(t) / 86_400).rounded(.down))
            out.append(EquityPoint(date: SessionDate(daysSinceEpoch: day), equity: Money.exact(e)))
        }
        return out
    }

    private func getJSON<T: Decodable>(_ base: URL, _ path: String) async throws -> T {
        let r = try await get(base, path, allow404: false)
        return try Self.decode(r.body, path: path)
    }

    /// GET with retries on 429, 5xx and transport failures. Non-2xx (other than an allowed 404) throws.
    private func get(_ base: URL, _ path: String, allow404: Bool) async throws -> HTTPResponse {
        let url = Self.url(base, path)
        let shortPath = String(path.prefix { $0 != "?" })
        var attempt = 0
        while true {
            attempt += 1
            try checkBreaker(url)
            let retryable: String
            do {
                let r = try await transport.send(httpRequest("GET", url, body: nil))
                record(r.status)
                if (200..<300).contains(r.status) || (allow404 && r.status == 404) { return r }
                guard r.status == 429 || r.status >= 500 else {
                    throw BrokerError.http(status: r.status, path: shortPath, message: Self.message(r.body))
                }
                retryable = "HTTP \(r.status): \(Self.message(r.body))"
            } catch let e as TransportFailure {
                if e != .cancelled { breaker.recordFailure() }
                retryable = e.description
            }
            try checkBreaker(url)
            if attempt >= configuration.retry.maxAttempts {
                throw BrokerError.transport("GET \(shortPath) failed \(attempt) times, last: \(retryable)")
            }
            await sleeper.sleep(seconds: configuration.retry.delay(afterAttempt: attempt))
        }
    }

    /// Throws `circuitOpen` when the breaker is open: the request is not sent.
    private func checkBreaker(_ url: URL) throws(BrokerError) {
        guard breaker.isOpen else { return }
        let host = url.host.map { h in url.port.map { "\(h):\($0)" } ?? h } ?? "the broker"
        throw .circuitOpen(host: host, failures: breaker.consecutiveFailures)
    }

    /// 429 and 5xx count towards the breaker; any other answer (the broker is there) closes it.
    private func record(_ status: Int) {
        if status == 429 || (500..<600).contains(status) {
            breaker.recordFailure()
        } else {
            breaker.recordSuccess()
        }
    }

    private func httpRequest(_ method: String, _ url: URL, body: Data?) -> HTTPRequest {
        var headers = [("APCA-API-KEY-ID", keyId), ("APCA-API-SECRET-KEY", secret), ("Accept", "application/json")]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        return HTTPRequest(method: method, url: url, headers: headers, body: body)
    }

    static func url(_ base: URL, _ path: String) -> URL {
        var b = base.absoluteString
        while b.hasSuffix("/") { b.removeLast() }
        return URL(string: b + path)!
    }

    static func pathSegment(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: ".-_~"))) ?? s
    }

    static func query(_ s: String) -> String {
        s.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: ".-_~"))) ?? s
    }

    static func decode<T: Decodable>(_ data: Data, path: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch {
            throw BrokerError.decoding("\(path): \(error)")
        }
    }

    static func order(from data: Data, path: String) throws -> BrokerOrder {
        try order(decode(data, path: path) as AlpacaOrder, path: path)
    }

    static func order(_ o: AlpacaOrder, path: String) throws(BrokerError) -> BrokerOrder {
        guard let side = OrderSide(rawValue: o.side ?? "") else {
            throw BrokerError.decoding("\(path): order \(o.id) has side \(o.side ?? "null")")
        }
        func whole(_ s: String?) -> Int {
            guard let s, let d = Money.parse(s) else { return 0 }
            return Money.floorInt(d)
        }
        return BrokerOrder(
            id: o.id, clientOrderId: o.client_order_id ?? "", symbol: o.symbol ?? "", side: side, shares: whole(o.qty),
            status: o.status ?? "", filledShares: whole(o.filled_qty),
            filledAveragePrice: o.filled_avg_price.flatMap(Money.parse))
    }

    static func apiError(_ data: Data) -> (code: Int?, message: String) {
        if let e = try? JSONDecoder().decode(AlpacaAPIError.self, from: data) {
            return (e.code, EchoedInput.clip(e.message ?? ""))
        }
        // Clipped: an error body is echoed into messages and logs.
        return (nil, EchoedInput.clip(String(decoding: data.prefix(4 * EchoedInput.maxCharacters), as: UTF8.self)))
    }

    static func message(_ data: Data) -> String {
        let e = apiError(data)
        if let c = e.code { return "\(e.message) (code \(c))" }
        return e.message
    }
}

// Wire types: every field optional except ids, unknown keys ignored (the API adds fields over time).
// swift-format-ignore: AlwaysUseLowerCamelCase
struct AlpacaAccount: Decodable {
    var status: String?
    var trading_blocked: Bool?
    var account_blocked: Bool?
    var trade_suspended_by_user: Bool?
    var cash: String?
    var equity: String?
    var last_equity: String?
}

struct AlpacaPosition: Decodable {
    var symbol: String
    var qty: String
    var side: String?
    var current_price: String?
    var market_value: String?
}

struct AlpacaOrder: Decodable {
    var id: String
    var client_order_id: String?
    var symbol: String?
    var qty: String?
    var side: String?
    var status: String?
    var filled_qty: String?
    var filled_avg_price: String?
}

struct AlpacaLatestQuote: Decodable {
    struct Quote: Decodable {
        var ap: Double?
        var bp: Double?
    }
    var quote: Quote?
}

struct AlpacaPortfolioHistory: Decodable {
    var timestamp: [Int64]?
    var equity: [Double?]?
}

struct AlpacaAPIError: Decodable {
    var code: Int?
    var message: String?
}
