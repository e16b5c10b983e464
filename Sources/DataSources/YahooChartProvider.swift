import Foundation
import HTTPTransport
import Market

/// Daily bars from Yahoo Finance's chart API (`GET /v8/finance/chart/{symbol}`), one request per symbol.
///
/// Yahoo stamps daily bars at the 09:30 New York open; bars are keyed by that New York date. OHLC and
/// volume are split-adjusted as Yahoo sends them (`raw`); `all` also scales O/H/L/C by `adjclose/close`
/// (split + dividend adjusted). Rows with a null value are dropped and reported.
public struct YahooChartProvider: BarProvider {
    public enum Adjustment: String, Sendable, CaseIterable {
        /// OHLC as Yahoo gives it (split-adjusted, not dividend-adjusted).
        case raw
        /// O/H/L/C multiplied by `adjclose / close` (split- and dividend-adjusted); volume unchanged.
        case all
    }

    /// One symbol's chart: the bars kept and the dates of rows dropped for null values.
    public struct Chart: Sendable, Equatable {
        public var bars: [Bar]
        public var droppedDates: [SessionDate]
    }

    public static let defaultBaseURL = URL(string: "https://query2.finance.yahoo.com")!
    /// Yahoo documents no limit; it throttles bursts with 429, so stay modest.
    public static let defaultRequestsPerMinute = 60

    public let id = "yahoo"
    public let baseURL: URL
    public let adjustment: Adjustment
    /// What makes this provider's bars differ from another configuration's: add it to cache keys.
    public var cacheVariant: String { variant }
    public var variant: String { "adjustment=\(adjustment.rawValue)" }
    let client: HTTPClient

    public init(
        baseURL: URL = YahooChartProvider.defaultBaseURL, adjustment: Adjustment = .raw,
        options: HTTPClientOptions = HTTPClientOptions()
    ) {
        self.baseURL = baseURL
        self.adjustment = adjustment
        self.client = HTTPClient(
            provider: "yahoo", options: options, defaultRequestsPerMinute: YahooChartProvider.defaultRequestsPerMinute)
    }

    /// Share classes use a dash on Yahoo: `BRK.B` → `BRK-B`.
    public static func yahooSymbol(_ symbol: String) -> String {
        symbol.trimmingCharacters(in: .whitespaces).uppercased().replacingOccurrences(of: ".", with: "-")
    }

    public func bars(symbol: String, from: SessionDate, to: SessionDate) async throws -> [Bar] {
        let c = try await chart(symbol: symbol, from: from, to: to)
        if !c.droppedDates.isEmpty, let warn = client.options.warningHandler {
            let n = c.droppedDates.count
            warn(
                "\(symbol) (yahoo): dropped \(n) row\(n == 1 ? "" : "s") with null values ("
                    + c.droppedDates.map(\.iso).joined(separator: ", ") + ")")
        }
        return c.bars
    }

    /// The chart for `from...to` (both inclusive), with dropped rows listed.
    public func chart(symbol: String, from: SessionDate, to: SessionDate) async throws(MarketDataError) -> Chart {
        func fail(_ m: String) -> MarketDataError { MarketDataError(symbol: symbol, provider: id, message: m) }
        let range = HTTPProviderText.range(from, to)
        guard from <= to else { throw fail("empty date range \(range) (from is after to)") }
        let ySymbol = YahooChartProvider.yahooSymbol(symbol)
        // period2 is exclusive: midnight New York of the day after `to`.
        let query: [(String, String)] = [
            ("period1", String(NewYorkTime.midnightUnixSeconds(of: from))),
            ("period2", String(NewYorkTime.midnightUnixSeconds(of: to.adding(days: 1)))),
            ("interval", "1d"), ("events", "div,splits"), ("includeAdjustedClose", "true"),
        ]
        let path = "/v8/finance/chart/" + HTTPURLBuilder.encode(ySymbol, allowed: HTTPURLBuilder.pathSegmentAllowed)
        guard let url = HTTPURLBuilder.url(base: baseURL, path: path, query: query) else {
            throw fail("cannot build a request URL from base \(baseURL.absoluteString)")
        }
        let response: HTTPResponse
        do {
            response = try await client.get(url, headers: ["Accept": "application/json"])
        } catch {
            if error.status == 404 {
                let why = error.providerMessage.map { ": Yahoo says \"\($0)\"" } ?? ""
                throw fail("unknown symbol \(ySymbol) on Yahoo\(why) (HTTP 404)")
            }
            throw fail("\(error.summary) (\(range))")
        }
        if response.looksLikeHTML {
            throw fail(
                "Yahoo returned an HTML page instead of chart JSON (service down or request blocked?) (\(range))")
        }
        let envelope: YahooEnvelope
        do {
            envelope = try JSONDecoder().decode(YahooEnvelope.self, from: response.body)
        } catch {
            throw fail(
                "Yahoo returned malformed chart JSON (\(range)): \(EchoedInput.clip(AlpacaBarsProvider.summary(error)))"
            )
        }
        if let e = envelope.chart.error {
            let text = [e.code, e.description].compactMap { $0 }.joined(separator: ": ")
            throw fail("Yahoo chart error: \(text.isEmpty ? "unspecified" : text) (\(range))")
        }
        guard let result = envelope.chart.result?.first else { return Chart(bars: [], droppedDates: []) }
        return try YahooChartProvider.rows(result, adjustment: adjustment, from: from, to: to, fail: fail)
    }

    /// The New York date of a daily stamp. Stamps are the 09:30 open (or the 16:00 last trade for the
    /// current day); Yahoo sometimes stamps a day at 22:00/23:00 of the previous evening around DST changes
    /// (yfinance `fix_Yahoo_dst_issue`), so times from 20:00 on count for the next day.
    static func sessionDate(unixSeconds t: Int64) -> SessionDate {
        NewYorkTime.sessionDate(unixSeconds: t + 4 * 3600)
    }

    static func rows(
        _ r: YahooResult, adjustment: Adjustment, from: SessionDate, to: SessionDate,
        fail: (String) -> MarketDataError
    ) throws(MarketDataError) -> Chart {
        guard let stamps = r.timestamp, !stamps.isEmpty else { return Chart(bars: [], droppedDates: []) }
        let n = stamps.count
        let q = r.indicators?.quote?.first
        let adj = r.indicators?.adjclose?.first?.adjclose
        let columns: [(String, [Double?]?)] = [
            ("open", q?.open), ("high", q?.high), ("low", q?.low), ("close", q?.close), ("volume", q?.volume),
        ]
        for (name, col) in columns {
            guard let col else { throw fail("Yahoo chart has timestamps but no \(name) values") }
            guard col.count == n else {
                throw fail("Yahoo chart \(name) has \(col.count) values for \(n) timestamps")
            }
        }
        if adjustment == .all {
            guard let adj, adj.count == n else {
                throw fail("Yahoo chart lacks adjclose values needed for adjustment \"all\"")
            }
        }
        var bars: [Bar] = []
        var dropped: [SessionDate] = []
        for i in 0..<n {
            let date = YahooChartProvider.sessionDate(unixSeconds: stamps[i])
            guard date >= from && date <= to else { continue }
            guard let o = q?.open?[i], let h = q?.high?[i], let l = q?.low?[i], let c = q?.close?[i],
                let v = q?.volume?[i]
            else {
                dropped.append(date)
                continue
            }
            var factor = 1.0
            if adjustment == .all {
                guard let a = adj?[i], c != 0 else {
                    dropped.append(date)
                    continue
                }
                factor = a / c
            }
            bars.append(
                Bar(date: date, open: o * factor, high: h * factor, low: l * factor, close: c * factor, volume: v))
        }
        switch HTTPProviderText.normalized(bars, from: from, to: to) {
        case .success(let b): return Chart(bars: b, droppedDates: dropped)
        case .failure(let p): throw fail(p.message)
        }
    }
}

// Wire format: {"chart": {"result": [{"timestamp": [..], "indicators": {"quote": [{..}], "adjclose": [{..}]}}], "error": null}}
struct YahooEnvelope: Decodable {
    let chart: YahooChartBody
}

struct YahooChartBody: Decodable {
    let result: [YahooResult]?
    let error: YahooChartError?
}

struct YahooChartError: Decodable {
    let code: String?
    let description: String?
}

struct YahooResult: Decodable {
    let timestamp: [Int64]?
    let indicators: YahooIndicators?
}

struct YahooIndicators: Decodable {
    let quote: [YahooQuote]?
    let adjclose: [YahooAdjClose]?
}

struct YahooQuote: Decodable {
    let open: [Double?]?
    let high: [Double?]?
    let low: [Double?]?
    let close: [Double?]?
    let volume: [Double?]?
}

struct YahooAdjClose: Decodable {
    let adjclose: [Double?]?
}
