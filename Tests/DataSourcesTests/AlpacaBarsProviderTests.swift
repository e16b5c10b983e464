import DataSources
import Foundation
import Market
import Testing

@Suite struct AlpacaBarsProviderTests {
    static let keyID = "PKTEST7Q2RZ4EXAMPLE"
    static let secret = "s3cr3tS3CR3Tsecret0123456789abcdefEXAMPLE"
    static let env = ["APCA_API_KEY_ID": keyID, "APCA_API_SECRET_KEY": secret]
    let jan2 = SessionDate(iso: "2024-01-02")!
    let jan4 = SessionDate(iso: "2024-01-04")!

    func provider(
        _ server: LoopbackServer, env: [String: String] = env, clock: ManualClock = ManualClock(),
        pageLimit: Int = 10_000,
        maxPages: Int = 1_000
    ) -> AlpacaBarsProvider {
        AlpacaBarsProvider(
            baseURL: server.baseURL, environment: env, adjustment: "raw", feed: "iex", pageLimit: pageLimit,
            maxPages: maxPages, options: HTTPClientOptions(timeout: 5, clock: clock))
    }

    /// Asserts no secret leaks through any rendering of an error.
    func expectNoSecrets(_ e: MarketDataError, sourceLocation: SourceLocation = #_sourceLocation) {
        let text = "\(e) \(e.message) \(String(reflecting: e))"
        #expect(!text.contains(Self.keyID), sourceLocation: sourceLocation)
        #expect(!text.contains(Self.secret), sourceLocation: sourceLocation)
    }

    @Test func multiSymbolPaginationAcrossPages() async throws {
        try await withLoopbackServer { server in
            let token1 = "QUFQTHxEfDIwMjQtMDEtMDNUMDU6MDA6MDAuMDAwMDAwMDAwWg=="
            let token2 = "TVNGVHxEfDIwMjQtMDEtMDJU+/A="  // '+', '/', '=' must survive URL encoding
            let limits = [
                "X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "199", "X-RateLimit-Reset": "1704402000",
            ]
            server.on("/v2/stocks/bars", .json(try Fixture.text("alpaca_bars_page1.json"), headers: limits))
            server.on(
                "/v2/stocks/bars", query: ["page_token": token1],
                .json(try Fixture.text("alpaca_bars_page2.json"), headers: limits))
            server.on(
                "/v2/stocks/bars", query: ["page_token": token2],
                .json(try Fixture.text("alpaca_bars_page3.json"), headers: limits))

            let result = await provider(server, pageLimit: 3).bars(symbols: ["AAPL", "MSFT"], from: jan2, to: jan4)

            // Values from the fixtures; AAPL is split across pages 1–2, MSFT across pages 2–3.
            let aapl = try result["AAPL"]!.get()
            #expect(aapl.map(\.date.iso) == ["2024-01-02", "2024-01-03", "2024-01-04"])
            #expect(
                aapl[0] == Bar(date: jan2, open: 187.15, high: 188.44, low: 183.885, close: 185.64, volume: 82_488_674))
            #expect(
                aapl[2] == Bar(date: jan4, open: 182.15, high: 183.0872, low: 180.88, close: 181.91, volume: 71_983_570)
            )
            let msft = try result["MSFT"]!.get()
            #expect(msft.map(\.date.iso) == ["2024-01-02", "2024-01-03", "2024-01-04"])
            #expect(msft.map(\.close) == [370.87, 370.6, 367.94])

            let seen = server.requests
            #expect(seen.count == 3)
            #expect(seen.map { $0.query["page_token"] } == [nil, token1, token2])
            for r in seen {
                #expect(r.method == "GET" && r.path == "/v2/stocks/bars")
                #expect(r.query["symbols"] == "AAPL,MSFT")
                #expect(r.query["timeframe"] == "1Day")
                #expect(r.query["start"] == "2024-01-02" && r.query["end"] == "2024-01-04")
                #expect(r.query["adjustment"] == "raw" && r.query["feed"] == "iex" && r.query["limit"] == "3")
                #expect(r.headers["apca-api-key-id"] == Self.keyID)
                #expect(r.headers["apca-api-secret-key"] == Self.secret)
                #expect(!r.rawQuery.contains(Self.keyID) && !r.rawQuery.contains(Self.secret))
            }
        }
    }

    @Test func summerStampsMapToNewYorkDatesAndShareClassesKeepTheirDot() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/v2/stocks/bars",
                .json(
                    #"""
                    {"bars": {"BRK.B": [
                      {"t": "2024-07-01T04:00:00Z", "o": 1, "h": 2, "l": 0.5, "c": 1.5, "v": 10, "n": 1, "vw": 1},
                      {"t": "2024-07-02T04:00:00.000000000Z", "o": 2, "h": 3, "l": 1.5, "c": 2.5, "v": 20, "n": 1, "vw": 2}
                    ]}, "next_page_token": null}
                    """#))
            let from = SessionDate(iso: "2024-07-01")!
            let to = SessionDate(iso: "2024-07-02")!
            let bars = try await provider(server).bars(symbol: "BRK.B", from: from, to: to)
            #expect(bars.map(\.date) == [from, to])
            #expect(server.requests.first?.query["symbols"] == "BRK.B")
        }
    }

    @Test func inputSpellingsAreKeptAsKeysButSentUpperCase() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/v2/stocks/bars",
                .json(
                    #"{"bars": {"BRK.B": [{"t": "2024-01-02T05:00:00Z", "o": 1, "h": 1, "l": 1, "c": 410.5, "v": 5, "n": 1, "vw": 1}]}, "next_page_token": null}"#
                ))
            let r = await provider(server).bars(symbols: ["brk.b", "BRK.B"], from: jan2, to: jan4)
            #expect(Set(r.keys) == ["brk.b", "BRK.B"])
            let lower = try r["brk.b"]!.get()
            let upper = try r["BRK.B"]!.get()
            #expect(lower.map(\.close) == [410.5] && upper == lower)
            #expect(server.requests.map { $0.query["symbols"] } == ["BRK.B"])
        }
    }

    @Test func unknownSymbolIsAbsentFromBars() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/v2/stocks/bars",
                .json(
                    #"{"bars": {"AAPL": [{"t": "2024-01-02T05:00:00Z", "o": 1, "h": 1, "l": 1, "c": 169, "v": 5, "n": 1, "vw": 1}]}, "next_page_token": null}"#
                ))
            let r = await provider(server).bars(symbols: ["AAPL", "ZZZZ"], from: jan2, to: jan4)
            let aapl = try r["AAPL"]!.get()
            #expect(aapl.map(\.close) == [169])
            guard case .failure(let e) = r["ZZZZ"] else {
                Issue.record("expected a failure for ZZZZ")
                return
            }
            #expect(e.symbol == "ZZZZ" && e.provider == "alpaca")
            #expect(e.message.hasPrefix("Alpaca returned no bars for 2024-01-02…2024-01-04"))
            #expect(server.requests.count == 1)
        }
    }

    @Test func missingKeysNameTheVariablesAndSendNothing() async throws {
        try await withLoopbackServer { server in
            let none = await provider(server, env: [:]).bars(symbols: ["AAPL"], from: jan2, to: jan4)
            guard case .failure(let e) = none["AAPL"] else {
                Issue.record("expected a failure")
                return
            }
            #expect(e.message.contains("set APCA_API_KEY_ID and APCA_API_SECRET_KEY in the environment"))
            let half = await provider(server, env: ["APCA_API_KEY_ID": Self.keyID]).bars(
                symbols: ["AAPL"], from: jan2, to: jan4)
            guard case .failure(let e2) = half["AAPL"] else {
                Issue.record("expected a failure")
                return
            }
            #expect(e2.message.contains("set APCA_API_SECRET_KEY in the environment"))
            expectNoSecrets(e2)
            #expect(server.requests.isEmpty)
        }
    }

    @Test func malformedJSONNamesProviderAndSymbol() async throws {
        try await withLoopbackServer { server in
            server.on("/v2/stocks/bars", .json(#"{"bars": {"AAPL": [{"t": "2024-01-02T05:00:00Z", "o": "x"}]}"#))
            await #expect {
                _ = try await provider(server).bars(symbol: "AAPL", from: jan2, to: jan4)
            } throws: { error in
                let d = "\(error)"
                return d.hasPrefix(
                    "AAPL (alpaca): Alpaca returned malformed JSON instead of bars (page 1, 2024-01-02…2024-01-04)")
            }
        }
    }

    @Test(arguments: [
        (
            403, #"{"message": "subscription does not permit querying recent SIP data"}"#,
            "HTTP 403 subscription does not permit querying recent SIP data"
        ),
        (
            422, #"{"code": 42210000, "message": "end is too late for subscription"}"#,
            "HTTP 422 end is too late for subscription"
        ),
    ])
    func forbiddenAndInvalidAreNotRetried(status: Int, body: String, expected: String) async throws {
        try await withLoopbackServer { server in
            server.on("/v2/stocks/bars", .json(body, status: status), .json(#"{"bars": {}, "next_page_token": null}"#))
            let clock = ManualClock()
            let r = await provider(server, clock: clock).bars(symbols: ["AAPL", "MSFT"], from: jan2, to: jan4)
            for s in ["AAPL", "MSFT"] {
                guard case .failure(let e) = r[s] else {
                    Issue.record("expected a failure for \(s)")
                    continue
                }
                #expect(e.description.hasPrefix("\(s) (alpaca): \(expected)"))
                #expect(e.description.contains("(2024-01-02…2024-01-04)"))
                expectNoSecrets(e)
            }
            #expect(server.requests.count == 1)
            #expect(clock.recordedSleeps.isEmpty)
        }
    }

    @Test func tooManyRequestsWaitsForTheResetThenSucceeds() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/v2/stocks/bars",
                .json(
                    #"{"code": 42910000, "message": "too many requests"}"#, status: 429,
                    headers: [
                        "X-RateLimit-Limit": "200", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1704402060",
                    ]),
                .json(try Fixture.text("alpaca_bars_page3.json")))
            let clock = ManualClock(start: 1_704_402_000)
            let bars = try await provider(server, clock: clock).bars(symbol: "MSFT", from: jan2, to: jan4)
            #expect(bars.map(\.date.iso) == ["2024-01-03", "2024-01-04"])
            #expect(clock.recordedSleeps == [60])
            #expect(server.requests.count == 2)
        }
    }

    @Test func exhaustedRateLimitReadsLikeAdvice() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/v2/stocks/bars", repeatLast: true,
                .json(#"{"code": 42910000, "message": "too many requests"}"#, status: 429))
            let p = AlpacaBarsProvider(
                baseURL: server.baseURL, environment: Self.env,
                options: HTTPClientOptions(timeout: 5, clock: ManualClock()))
            let to = SessionDate(iso: "2024-03-28")!
            await #expect {
                _ = try await p.bars(symbol: "AAPL", from: jan2, to: to)
            } throws: { error in
                "\(error)" == "AAPL (alpaca): HTTP 429 too many requests, retried 3 times (2024-01-02…2024-03-28)"
            }
            #expect(server.requests.count == 4)
        }
    }

    @Test func repeatedPageTokenStopsTheLoop() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/v2/stocks/bars", repeatLast: true,
                .json(
                    #"{"bars": {"AAPL": [{"t": "2024-01-02T05:00:00Z", "o": 1, "h": 1, "l": 1, "c": 1, "v": 1, "n": 1, "vw": 1}]}, "next_page_token": "same"}"#
                ))
            await #expect {
                _ = try await provider(server).bars(symbol: "AAPL", from: jan2, to: jan4)
            } throws: { error in
                "\(error)".contains("Alpaca repeated a page token after page 2")
            }
            #expect(server.requests.count == 2)
        }
    }

    @Test func pageCapStopsTheLoop() async throws {
        try await withLoopbackServer { server in
            for i in 1...3 {
                server.on(
                    "/v2/stocks/bars",
                    .json(#"{"bars": {}, "next_page_token": "t\#(i)"}"#))
            }
            await #expect {
                _ = try await provider(server, maxPages: 2).bars(symbol: "AAPL", from: jan2, to: jan4)
            } throws: { error in
                "\(error)".contains("more than 2 pages")
            }
            #expect(server.requests.count == 2)
        }
    }

    @Test func secretsNeverAppearInErrorsOrDescriptions() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/v2/stocks/bars",
                .json(#"{"message": "invalid key \#(Self.keyID) with secret \#(Self.secret)"}"#, status: 401))
            let p = provider(server)
            let r = await p.bars(symbols: ["AAPL"], from: jan2, to: jan4)
            guard case .failure(let e) = r["AAPL"] else {
                Issue.record("expected a failure")
                return
            }
            expectNoSecrets(e)
            #expect(e.message.contains("HTTP 401 invalid key REDACTED with secret REDACTED"))
            #expect(e.message.contains("check APCA_API_KEY_ID/APCA_API_SECRET_KEY"))
            var dumped = ""
            dump(p, to: &dumped)
            for text in [String(describing: p), String(reflecting: p), dumped] {
                #expect(!text.contains(Self.keyID) && !text.contains(Self.secret))
            }
        }
    }
}
