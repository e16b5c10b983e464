import DataSources
import Foundation
import Market
import Testing

/// Collects warnings from the provider (thread-safe).
final class WarningLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ s: String) { lock.withLock { items.append(s) } }
    var all: [String] { lock.withLock { items } }
}

@Suite struct YahooChartProviderTests {
    let jan2 = SessionDate(iso: "2024-01-02")!
    let jan3 = SessionDate(iso: "2024-01-03")!
    let jan4 = SessionDate(iso: "2024-01-04")!

    func provider(
        _ server: LoopbackServer, adjustment: YahooChartProvider.Adjustment = .raw, warnings: WarningLog? = nil
    ) -> YahooChartProvider {
        var handler: (@Sendable (String) -> Void)? = nil
        if let warnings { handler = { warnings.add($0) } }
        return YahooChartProvider(
            baseURL: server.baseURL, adjustment: adjustment,
            options: HTTPClientOptions(timeout: 5, clock: ManualClock(), warningHandler: handler))
    }

    @Test func nullRowsAreDroppedAndReported() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/v8/finance/chart/AAPL", repeatLast: true, .json(try Fixture.text("yahoo_chart_aapl_nulls.json")))
            let log = WarningLog()
            let bars = try await provider(server, warnings: log).bars(symbol: "AAPL", from: jan2, to: jan4)
            // Fixture rows 1–2 (09:30 EST opens on Jan 2 and Jan 3); row 3 (Jan 4) is all nulls.
            #expect(
                bars == [
                    Bar(
                        date: jan2, open: 187.14999389648438, high: 188.44000244140625, low: 183.88499450683594,
                        close: 185.63999938964844, volume: 82_488_700),
                    Bar(
                        date: jan3, open: 184.22000122070312, high: 185.8800048828125, low: 183.42999267578125,
                        close: 184.25, volume: 58_414_500),
                ])
            #expect(log.all == ["AAPL (yahoo): dropped 1 row with null values (2024-01-04)"])

            let r = try #require(server.requests.first)
            // protocols §6.8: period1 = midnight NY of 2024-01-02, period2 = midnight NY of 2024-01-05 (exclusive).
            #expect(r.query["period1"] == "1704171600" && r.query["period2"] == "1704430800")
            #expect(r.query["interval"] == "1d" && r.query["events"] == "div,splits")
            #expect(r.query["includeAdjustedClose"] == "true")

            let chart = try await provider(server).chart(symbol: "AAPL", from: jan2, to: jan4)
            #expect(chart.droppedDates == [jan4])
        }
    }

    @Test func adjustmentAllScalesByAdjCloseOverClose() async throws {
        try await withLoopbackServer { server in
            server.on("/v8/finance/chart/AAPL", .json(try Fixture.text("yahoo_chart_aapl_nulls.json")))
            let bars = try await provider(server, adjustment: .all).bars(symbol: "AAPL", from: jan2, to: jan4)
            try #require(bars.count == 2)
            // Row 1: factor = adjclose / close = 185.40310668945312 / 185.63999938964844.
            let f = 185.40310668945312 / 185.63999938964844
            #expect(abs(bars[0].open - 187.14999389648438 * f) < 1e-9)
            #expect(abs(bars[0].high - 188.44000244140625 * f) < 1e-9)
            #expect(abs(bars[0].low - 183.88499450683594 * f) < 1e-9)
            #expect(abs(bars[0].close - 185.40310668945312) < 1e-9)
            #expect(bars[0].volume == 82_488_700)
            // Row 2: adjclose == close, nothing changes.
            #expect(bars[1].open == 184.22000122070312 && bars[1].close == 184.25)
        }
    }

    @Test func lateEveningStampsCountForTheNextDay() async throws {
        try await withLoopbackServer { server in
            // 1704164400 = 2024-01-02T03:00:00Z = 22:00 EST on Jan 1: Yahoo's DST glitch for the Jan 2 bar.
            // 1704292200 = 2024-01-03T14:30:00Z = the regular 09:30 EST open of Jan 3.
            server.on(
                "/v8/finance/chart/AAPL",
                .json(
                    #"{"chart":{"result":[{"timestamp":[1704164400,1704292200],"indicators":{"quote":[{"open":[1,2],"high":[1,2],"low":[1,2],"close":[1,2],"volume":[1,2]}]}}],"error":null}}"#
                ))
            let bars = try await provider(server).bars(symbol: "AAPL", from: jan2, to: jan4)
            #expect(bars.map(\.date) == [jan2, jan3])
        }
    }

    @Test func chartErrorCarriesItsDescription() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/v8/finance/chart/AAPL",
                .json(
                    #"{"chart":{"result":null,"error":{"code":"Bad Request","description":"Data doesn't exist for startDate = 1704171600, endDate = 1704430800"}}}"#
                ))
            await #expect {
                _ = try await provider(server).bars(symbol: "AAPL", from: jan2, to: jan4)
            } throws: { error in
                "\(error)"
                    == "AAPL (yahoo): Yahoo chart error: Bad Request: Data doesn't exist for startDate = 1704171600, endDate = 1704430800 (2024-01-02…2024-01-04)"
            }
        }
    }

    @Test func unknownSymbol404IsClearAndNotRetried() async throws {
        try await withLoopbackServer { server in
            server.on("/v8/finance/chart/ZZZZ", .json(try Fixture.text("yahoo_404.json"), status: 404))
            await #expect {
                _ = try await provider(server).bars(symbol: "ZZZZ", from: jan2, to: jan4)
            } throws: { error in
                "\(error)"
                    == "ZZZZ (yahoo): unknown symbol ZZZZ on Yahoo: Yahoo says \"No data found, symbol may be delisted\" (HTTP 404)"
            }
            #expect(server.requests.count == 1)
        }
    }

    @Test func htmlPageIsAnError() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/v8/finance/chart/AAPL",
                .text("<!DOCTYPE html><html><body>Will be right back...</body></html>", contentType: "text/html"))
            await #expect {
                _ = try await provider(server).bars(symbol: "AAPL", from: jan2, to: jan4)
            } throws: { error in
                "\(error)".hasPrefix("AAPL (yahoo): Yahoo returned an HTML page instead of chart JSON")
            }
        }
    }

    @Test func missingTimestampMeansNoBars() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/v8/finance/chart/AAPL",
                .json(
                    #"{"chart":{"result":[{"meta":{"symbol":"AAPL"},"indicators":{"quote":[{}],"adjclose":[{}]}}],"error":null}}"#
                ))
            let bars = try await provider(server).bars(symbol: "AAPL", from: jan2, to: jan4)
            #expect(bars.isEmpty)
        }
    }

    @Test func malformedJSONIsAnError() async throws {
        try await withLoopbackServer { server in
            server.on("/v8/finance/chart/AAPL", .json(#"{"chart": {"result": [{"timestamp": "soon"}]}}"#))
            await #expect {
                _ = try await provider(server).bars(symbol: "AAPL", from: jan2, to: jan4)
            } throws: { error in
                "\(error)".hasPrefix("AAPL (yahoo): Yahoo returned malformed chart JSON (2024-01-02…2024-01-04)")
            }
        }
    }

    @Test func shareClassUsesADashAndTooManyRequestsIsRetried() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/v8/finance/chart/BRK-B", .text("Too Many Requests", status: 429),
                .json(
                    #"{"chart":{"result":[{"timestamp":[1719840600],"indicators":{"quote":[{"open":[1],"high":[2],"low":[0.5],"close":[1.5],"volume":[3.0]}]}}],"error":null}}"#
                ))
            // 1719840600 = 2024-07-01T13:30:00Z = 09:30 EDT.
            let day = SessionDate(iso: "2024-07-01")!
            let bars = try await provider(server).bars(symbol: "BRK.B", from: day, to: day)
            #expect(bars == [Bar(date: day, open: 1, high: 2, low: 0.5, close: 1.5, volume: 3)])
            #expect(server.requests.count == 2)
            #expect(YahooChartProvider.yahooSymbol("brk.b") == "BRK-B")
        }
    }
}
