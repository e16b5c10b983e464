import Foundation
import HTTPTransport
import Market

/// Daily bars from Stooq's CSV download (`GET /q/d/l/?s=aapl.us&i=d&d1=YYYYMMDD&d2=YYYYMMDD&apikey=…`).
///
/// Since 2026 Stooq wants an API key (`STOOQ_API_KEY`, sent as the `apikey` query parameter and shown as
/// `REDACTED` in every message); without one it answers 200 with an HTML page. Dates in the CSV are plain
/// `YYYY-MM-DD` session dates. Stooq's prices are adjusted (its method is undocumented).
public struct StooqProvider: BarProvider, CustomStringConvertible {
    public static let defaultBaseURL = URL(string: "https://stooq.com")!
    public static let apiKeyVariable = "STOOQ_API_KEY"
    public static let defaultRequestsPerMinute = 30
    /// Market suffixes kept as given (`vow3.de`); anything else is a US symbol.
    /// Stooq's one-letter suffixes (`.f`, `.b`) are not recognised: they clash with share classes (`BRK.B`).
    public static let knownSuffixes: Set<String> = ["us", "uk", "de", "jp", "hk", "hu", "pl"]

    public let id = "stooq"
    public let baseURL: URL
    /// What makes this provider's bars differ from another configuration's: Stooq has one (adjusted) series.
    public var cacheVariant: String { variant }
    public var variant: String { "adjusted" }
    private let apiKey: StooqKey
    let client: HTTPClient

    public init(
        baseURL: URL = StooqProvider.defaultBaseURL,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        options: HTTPClientOptions = HTTPClientOptions()
    ) {
        self.baseURL = baseURL
        let key = environment[StooqProvider.apiKeyVariable]?.trimmingCharacters(in: .whitespacesAndNewlines)
        self.apiKey = StooqKey(value: (key?.isEmpty ?? true) ? nil : key)
        self.client = HTTPClient(
            provider: "stooq", options: options, defaultRequestsPerMinute: StooqProvider.defaultRequestsPerMinute,
            secrets: [apiKey.value].compactMap { $0 }, secretQueryNames: ["apikey"])
    }

    public var description: String { "StooqProvider(base: \(baseURL.absoluteString), apikey: REDACTED)" }

    /// `AAPL` → `aapl.us`, `BRK.B` → `brk-b.us`, `VOW3.DE` → `vow3.de`, `^SPX` → `^spx`.
    public static func stooqSymbol(_ symbol: String) -> String {
        let s = symbol.trimmingCharacters(in: .whitespaces).lowercased()
        if s.hasPrefix("^") { return s }
        if let dot = s.lastIndex(of: "."), knownSuffixes.contains(String(s[s.index(after: dot)...])) {
            return s[..<dot].replacingOccurrences(of: ".", with: "-") + s[dot...]
        }
        return s.replacingOccurrences(of: ".", with: "-") + ".us"
    }

    public func bars(symbol: String, from: SessionDate, to: SessionDate) async throws -> [Bar] {
        try await fetch(symbol: symbol, from: from, to: to)
    }

    func fetch(symbol: String, from: SessionDate, to: SessionDate) async throws(MarketDataError) -> [Bar] {
        func fail(_ m: String) -> MarketDataError {
            MarketDataError(symbol: symbol, provider: id, message: client.scrub(m))
        }
        let range = HTTPProviderText.range(from, to)
        guard from <= to else { throw fail("empty date range \(range) (from is after to)") }
        var query: [(String, String)] = [
            ("s", StooqProvider.stooqSymbol(symbol)), ("i", "d"), ("d1", from.compactISO), ("d2", to.compactISO),
        ]
        if let key = apiKey.value { query.append(("apikey", key)) }
        guard let url = HTTPURLBuilder.url(base: baseURL, path: "/q/d/l/", query: query) else {
            throw fail("cannot build a request URL from base \(baseURL.absoluteString)")
        }
        let response: HTTPResponse
        do {
            response = try await client.get(url)
        } catch {
            throw fail("\(error.summary) (\(range))")
        }
        if response.looksLikeHTML {
            let unset = apiKey.value == nil ? "; \(StooqProvider.apiKeyVariable) is not set" : ""
            throw fail(
                "Stooq returned an HTML page instead of CSV (missing or invalid STOOQ_API_KEY?) (\(range)\(unset))")
        }
        let text = String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { throw fail("Stooq returned an empty body for \(range)") }
        if text == "No data" || text == "Brak danych" {
            throw fail("no data for range \(range) (unknown symbol \(StooqProvider.stooqSymbol(symbol))?)")
        }
        let rows: [[String]]
        do {
            rows = try StooqCSV.readRows(response.body)
        } catch {
            throw fail("Stooq returned unreadable CSV: \(error)")
        }
        let bars = try StooqProvider.parse(rows: rows, fail: fail)
        switch HTTPProviderText.normalized(bars, from: from, to: to) {
        case .success(let b): return b
        case .failure(let p): throw fail(p.message)
        }
    }

    /// Rows (header first) → bars. Header must be `Date,Open,High,Low,Close[,Volume]`.
    static func parse(rows: [[String]], fail: (String) -> MarketDataError) throws(MarketDataError) -> [Bar] {
        guard let header = rows.first else { throw fail("Stooq returned no CSV rows") }
        let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let expected = ["date", "open", "high", "low", "close"]
        guard names.count >= 5, Array(names.prefix(5)) == expected, names.count == 5 || names[5] == "volume" else {
            let shown = EchoedInput.clip(header.joined(separator: ","), limit: 80)
            throw fail("unexpected Stooq CSV header \"\(shown)\" (expected Date,Open,High,Low,Close,Volume)")
        }
        let hasVolume = names.count >= 6
        var bars: [Bar] = []
        bars.reserveCapacity(rows.count - 1)
        for (i, row) in rows.dropFirst().enumerated() {
            let line = i + 2
            guard row.count >= (hasVolume ? 6 : 5) else {
                throw fail("Stooq CSV line \(line) has \(row.count) fields, expected \(hasVolume ? 6 : 5)")
            }
            guard let date = SessionDate(iso: row[0]) else {
                throw fail("Stooq CSV line \(line): \"\(EchoedInput.clip(row[0]))\" is not a YYYY-MM-DD date")
            }
            var v: [Double] = []
            for (k, field) in row[1..<(hasVolume ? 6 : 5)].enumerated() {
                guard let x = Double(field) else {
                    throw fail(
                        "Stooq CSV line \(line): \(EchoedInput.clip(header[k + 1])) \"\(EchoedInput.clip(field))\" "
                            + "is not a number")
                }
                v.append(x)
            }
            bars.append(Bar(date: date, open: v[0], high: v[1], low: v[2], close: v[3], volume: hasVolume ? v[4] : 0))
        }
        return bars
    }
}

/// The Stooq API key; prints and reflects as `REDACTED`.
struct StooqKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let value: String?
    var description: String { "StooqKey(REDACTED)" }
    var debugDescription: String { description }
    var customMirror: Mirror { Mirror(self, children: [:]) }
}
