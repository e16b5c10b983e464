import Foundation
import HTTPTransport
import Market

/// Daily bars from Alpaca Market Data v2 (`GET /v2/stocks/bars`, multi-symbol, paginated).
///
/// Keys come from the injected environment (`APCA_API_KEY_ID`, `APCA_API_SECRET_KEY`) and travel only in
/// headers; they never appear in errors, descriptions or reflection. Daily bars are stamped at New York
/// midnight in UTC (`…T05:00:00Z` in winter, `…T04:00:00Z` in summer) and are keyed by that New York date.
public struct AlpacaBarsProvider: BarProvider, CustomStringConvertible {
    public static let defaultBaseURL = URL(string: "https://data.alpaca.markets")!
    public static let keyIDVariable = "APCA_API_KEY_ID"
    public static let secretKeyVariable = "APCA_API_SECRET_KEY"
    /// Alpaca's free plan allows 200 historical calls per minute; keep a little headroom.
    public static let defaultRequestsPerMinute = 190

    public let id = "alpaca"
    public let baseURL: URL
    /// `raw`, `split`, `dividend`, `spin-off`, `all` or a comma combination (sent as given).
    public let adjustment: String
    /// `iex`, `sip`, … (sent explicitly: the default differs between plans).
    public let feed: String
    /// What makes this provider's bars differ from another configuration's: add it to cache keys.
    public var cacheVariant: String { variant }
    public var variant: String { "adjustment=\(adjustment);feed=\(feed)" }
    /// `limit` per page (1…10000; counts bars across all symbols of the request).
    public let pageLimit: Int
    /// Give up (with an error) after this many pages for one request.
    public let maxPages: Int
    /// Symbols per multi-symbol request (keeps URLs short).
    public let symbolsPerRequest: Int
    private let credentials: AlpacaCredentials
    let client: HTTPClient

    public init(
        baseURL: URL = AlpacaBarsProvider.defaultBaseURL,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        adjustment: String = "raw", feed: String = "iex", pageLimit: Int = 10_000, maxPages: Int = 1_000,
        symbolsPerRequest: Int = 100, options: HTTPClientOptions = HTTPClientOptions()
    ) {
        self.baseURL = baseURL
        self.adjustment = adjustment
        self.feed = feed
        self.pageLimit = min(max(1, pageLimit), 10_000)
        self.maxPages = max(1, maxPages)
        self.symbolsPerRequest = max(1, symbolsPerRequest)
        let creds = AlpacaCredentials(environment: environment)
        self.credentials = creds
        self.client = HTTPClient(
            provider: "alpaca", options: options, defaultRequestsPerMinute: AlpacaBarsProvider.defaultRequestsPerMinute,
            secrets: [creds.keyID, creds.secret].compactMap { $0 })
    }

    public var description: String {
        "AlpacaBarsProvider(base: \(baseURL.absoluteString), adjustment: \(adjustment), feed: \(feed), keys: REDACTED)"
    }

    public func bars(symbol: String, from: SessionDate, to: SessionDate) async throws -> [Bar] {
        let r = await bars(symbols: [symbol], from: from, to: to)
        guard let result = r[symbol] else {
            throw MarketDataError(symbol: symbol, provider: id, message: "no result (internal error)")
        }
        return try result.get()
    }

    /// Alpaca symbols are upper case and keep share-class dots: ` brk.b ` → `BRK.B`.
    public static func alpacaSymbol(_ symbol: String) -> String {
        symbol.trimmingCharacters(in: .whitespaces).uppercased()
    }

    /// Bars for several symbols with as few requests as possible (multi-symbol pages). One entry per distinct
    /// input symbol, keyed as given; a failing symbol (unknown, no data, HTTP error) never hides the others.
    public func bars(
        symbols: [String], from: SessionDate, to: SessionDate
    ) async -> [String: Result<[Bar], MarketDataError>] {
        // Several spellings of one symbol (`brk.b`, `BRK.B`) share one wire symbol.
        var wireSymbols: [String] = []
        var inputs: [String: [String]] = [:]
        for s in symbols {
            let w = AlpacaBarsProvider.alpacaSymbol(s)
            if inputs[w] == nil { wireSymbols.append(w) }
            if !(inputs[w]?.contains(s) ?? false) { inputs[w, default: []].append(s) }
        }
        var out: [String: Result<[Bar], MarketDataError>] = [:]
        func set(_ wire: String, _ result: Result<[Bar], MarketDataError>) {
            for s in inputs[wire] ?? [] {
                out[s] = result.mapError { MarketDataError(symbol: s, provider: $0.provider, message: $0.message) }
            }
        }
        func failAll(_ wires: [String], _ message: String) {
            let clean = client.scrub(message)
            for w in wires { set(w, .failure(MarketDataError(symbol: w, provider: id, message: clean))) }
        }
        guard !wireSymbols.isEmpty else { return out }
        guard from <= to else {
            failAll(wireSymbols, "empty date range \(HTTPProviderText.range(from, to)) (from is after to)")
            return out
        }
        guard let keyID = credentials.keyID, let secret = credentials.secret else {
            let missing = [
                credentials.keyID == nil ? AlpacaBarsProvider.keyIDVariable : nil,
                credentials.secret == nil ? AlpacaBarsProvider.secretKeyVariable : nil,
            ].compactMap { $0 }
            failAll(
                wireSymbols,
                "missing Alpaca API credentials: set \(missing.joined(separator: " and ")) in the environment "
                    + "(keys from https://app.alpaca.markets; paper keys work for market data)")
            return out
        }
        let headers = ["APCA-API-KEY-ID": keyID, "APCA-API-SECRET-KEY": secret, "Accept": "application/json"]
        var start = 0
        while start < wireSymbols.count {
            let chunk = Array(wireSymbols[start..<min(start + symbolsPerRequest, wireSymbols.count)])
            start += chunk.count
            switch await fetchChunk(chunk, from: from, to: to, headers: headers) {
            case .failure(let message):
                failAll(chunk, message)
            case .success(let bySymbol):
                for w in chunk {
                    let bars: [Bar]
                    switch HTTPProviderText.normalized(bySymbol[w] ?? [], from: from, to: to) {
                    case .success(let b): bars = b
                    case .failure(let p):
                        failAll([w], p.message)
                        continue
                    }
                    if bars.isEmpty {
                        failAll(
                            [w],
                            "Alpaca returned no bars for \(HTTPProviderText.range(from, to)) "
                                + "(unknown, delisted or renamed symbol, no trading days in the range, "
                                + "or not covered by feed \(feed))")
                    } else {
                        set(w, .success(bars))
                    }
                }
            }
        }
        return out
    }

    private enum ChunkResult {
        case success([String: [Bar]])
        case failure(String)
    }

    private func fetchChunk(
        _ symbols: [String], from: SessionDate, to: SessionDate, headers: [String: String]
    ) async -> ChunkResult {
        let range = HTTPProviderText.range(from, to)
        var bySymbol: [String: [Bar]] = [:]
        var token: String? = nil
        var seenTokens = Set<String>()
        var page = 0
        // One budget for every page and retry of this batch: a slow or rate-limiting server fails the batch
        // in bounded time instead of paging on for hours.
        let budget = client.makeBudget()
        while true {
            page += 1
            if page > maxPages {
                return .failure("more than \(maxPages) pages of bars for \(range); narrow the range or raise maxPages")
            }
            var query: [(String, String)] = [
                ("symbols", symbols.joined(separator: ",")), ("timeframe", "1Day"),
                ("start", from.iso), ("end", to.iso),
                ("adjustment", adjustment), ("feed", feed), ("limit", String(pageLimit)),
            ]
            if let t = token { query.append(("page_token", t)) }
            guard let url = HTTPURLBuilder.url(base: baseURL, path: "/v2/stocks/bars", query: query) else {
                return .failure("cannot build a request URL from base \(baseURL.absoluteString)")
            }
            let response: HTTPResponse
            do {
                response = try await client.get(url, headers: headers, budget: budget)
            } catch {
                return .failure("\(advice(error)) (\(range))")
            }
            let decoded: AlpacaMultiBars
            do {
                decoded = try JSONDecoder().decode(AlpacaMultiBars.self, from: response.body)
            } catch {
                let what = response.looksLikeHTML ? "an HTML page" : "malformed JSON"
                return .failure(
                    "Alpaca returned \(what) instead of bars (page \(page), \(range)): \(EchoedInput.clip(AlpacaBarsProvider.summary(error)))"
                )
            }
            for (symbol, rows) in decoded.bars ?? [:] {
                for (i, row) in (rows ?? []).enumerated() {
                    guard let t = NewYorkTime.unixSeconds(rfc3339: row.t) else {
                        return .failure(
                            "Alpaca returned an unreadable timestamp \"\(EchoedInput.clip(row.t))\" for \(EchoedInput.clip(symbol)) (page \(page), bar \(i + 1))"
                        )
                    }
                    let date = NewYorkTime.sessionDate(unixSeconds: t)
                    let bar = Bar(date: date, open: row.o, high: row.h, low: row.l, close: row.c, volume: row.v)
                    bySymbol[symbol, default: []].append(bar)
                }
            }
            guard let next = decoded.next_page_token, !next.isEmpty else { return .success(bySymbol) }
            if !seenTokens.insert(next).inserted {
                return .failure("Alpaca repeated a page token after page \(page) (\(range)); stopped to avoid a loop")
            }
            token = next
        }
    }

    private func advice(_ e: HTTPError) -> String {
        switch e.status {
        case 401:
            return "\(e.summary); check \(AlpacaBarsProvider.keyIDVariable)/\(AlpacaBarsProvider.secretKeyVariable)"
        case 403:
            return "\(e.summary); the subscription may not cover feed \(feed) or recent data "
                + "(try feed iex or an older end date)"
        default: return e.summary
        }
    }

    static func summary(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c): return c.debugDescription
        case DecodingError.keyNotFound(let k, let c):
            return "missing key \"\(k.stringValue)\" at \(path(c.codingPath))"
        case DecodingError.typeMismatch(let t, let c):
            return "expected \(t) at \(path(c.codingPath))"
        case DecodingError.valueNotFound(let t, let c):
            return "null where \(t) was expected at \(path(c.codingPath))"
        default: return "\(error)"
        }
    }

    static func path(_ p: [any CodingKey]) -> String {
        p.isEmpty ? "top level" : p.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}

/// API keys read from the environment; prints and reflects as `REDACTED`.
struct AlpacaCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let keyID: String?
    let secret: String?

    init(environment: [String: String]) {
        func value(_ name: String) -> String? {
            guard let v = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !v.isEmpty else {
                return nil
            }
            return v
        }
        keyID = value(AlpacaBarsProvider.keyIDVariable)
        secret = value(AlpacaBarsProvider.secretKeyVariable)
    }

    var description: String { "AlpacaCredentials(REDACTED)" }
    var debugDescription: String { description }
    var customMirror: Mirror { Mirror(self, children: [:]) }
}

// Wire format: {"bars": {"AAPL": [{"t","o","h","l","c","v","n","vw"}]}, "next_page_token": "…"|null}
struct AlpacaMultiBars: Decodable {
    let bars: [String: [AlpacaBar]?]?
    let next_page_token: String?
}

struct AlpacaBar: Decodable {
    let t: String
    let o: Double
    let h: Double
    let l: Double
    let c: Double
    let v: Double
}
