import DataSources
import Foundation
import Market
import Testing

/// A nightly run against a replay of Alpaca's bars endpoint: the second night asks only for the new day.
@Suite struct NightlyFetchTests {
    static let env = ["APCA_API_KEY_ID": "PKNIGHTLY", "APCA_API_SECRET_KEY": "nightly-secret"]

    static func bars(_ rows: [(String, Double)]) -> String {
        let items = rows.map { d, c in
            #"{"t": "\#(d)T05:00:00Z", "o": \#(c - 1), "h": \#(c + 1), "l": \#(c - 2), "c": \#(c), "v": 1000, "n": 10, "vw": \#(c)}"#
        }
        return #"{"bars": {"AAPL": [\#(items.joined(separator: ", "))]}, "next_page_token": null}"#
    }

    @Test func theNextNightRequestsOnlyTheNewSession() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nightly-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await withLoopbackServer { server in
            server.on(
                "/v2/stocks/bars", query: ["start": "2024-01-02"],
                .json(Self.bars([("2024-01-02", 185), ("2024-01-03", 184)])))
            server.on("/v2/stocks/bars", query: ["start": "2024-01-04"], .json(Self.bars([("2024-01-04", 181)])))
            let provider = AlpacaBarsProvider(
                baseURL: server.baseURL, environment: Self.env, options: HTTPClientOptions(timeout: 5))
            let cache = try BarCache(dataDir: dir)
            let start = SessionDate(iso: "2024-01-02")!

            // Night 1: as of Wednesday 2024-01-03.
            let night1 = MarketDataLoader(
                provider: provider, calendar: NYSECalendar(), cache: cache,
                settledThrough: SessionDate(iso: "2024-01-03")!)
            let first = try await night1.load(symbol: "AAPL", from: start, to: SessionDate(iso: "2024-01-03")!).get()
            #expect(first.close == [185, 184])

            // Night 2: as of Thursday 2024-01-04 — one new session.
            let night2 = MarketDataLoader(
                provider: provider, calendar: NYSECalendar(), cache: cache,
                settledThrough: SessionDate(iso: "2024-01-04")!)
            let second = try await night2.load(symbol: "AAPL", from: start, to: SessionDate(iso: "2024-01-04")!).get()
            #expect(second.close == [185, 184, 181])

            let seen = server.requests.map { "\($0.query["start"] ?? "?")…\($0.query["end"] ?? "?")" }
            #expect(seen == ["2024-01-02…2024-01-03", "2024-01-04…2024-01-04"])
        }
    }
}
