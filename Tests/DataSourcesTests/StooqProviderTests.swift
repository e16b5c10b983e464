import DataSources
import Foundation
import Market
import Testing

// A time limit turns a hang (a manual clock waiting for an advance that never comes) into a failure.
@Suite(.timeLimit(.minutes(5))) struct StooqProviderTests {
    static let key = "stq_9f8e7d6c5b4a39281706"
    let jan2 = SessionDate(iso: "2024-01-02")!
    let jan4 = SessionDate(iso: "2024-01-04")!

    func provider(_ server: LoopbackServer, env: [String: String] = ["STOOQ_API_KEY": key]) -> StooqProvider {
        StooqProvider(
            baseURL: server.baseURL, environment: env, options: HTTPClientOptions(timeout: 5, clock: ManualClock()))
    }

    func expectNoKey(_ error: any Error, sourceLocation: SourceLocation = #_sourceLocation) {
        let text = "\(error) \(String(reflecting: error))"
        #expect(!text.contains(Self.key), sourceLocation: sourceLocation)
    }

    @Test func csvIsParsed() async throws {
        try await withLoopbackServer { server in
            server.on("/q/d/l/", .text(try Fixture.text("stooq_aapl.csv"), contentType: "text/csv"))
            let bars = try await provider(server).bars(symbol: "AAPL", from: jan2, to: jan4)
            #expect(
                bars == [
                    Bar(date: jan2, open: 186.33, high: 187.62, low: 183.08, close: 184.82, volume: 82_488_674),
                    Bar(
                        date: SessionDate(iso: "2024-01-03")!, open: 183.4, high: 185.06, low: 182.62, close: 183.44,
                        volume: 58_414_460),
                    Bar(date: jan4, open: 181.35, high: 182.28, low: 180.08, close: 181.11, volume: 71_983_570),
                ])
            let r = try #require(server.requests.first)
            #expect(r.query == ["s": "aapl.us", "i": "d", "d1": "20240102", "d2": "20240104", "apikey": Self.key])
        }
    }

    @Test func volumeIsOptional() async throws {
        try await withLoopbackServer { server in
            server.on("/q/d/l/", .text("Date,Open,High,Low,Close\r\n2024-01-02,4700.5,4710,4690.25,4705\r\n"))
            let bars = try await provider(server).bars(symbol: "^SPX", from: jan2, to: jan4)
            #expect(bars == [Bar(date: jan2, open: 4700.5, high: 4710, low: 4690.25, close: 4705, volume: 0)])
            #expect(server.requests.first?.query["s"] == "^spx")
        }
    }

    @Test func quotedFieldsAreReadByTheCSVReader() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/q/d/l/",
                .text(
                    "\"Date\",\"Open\",\"High\",\"Low\",\"Close\",\"Volume\"\n\"2024-01-02\",\"1.5\",2,1,\"1.75\",\"100\"\n"
                ))
            let bars = try await provider(server).bars(symbol: "AAPL", from: jan2, to: jan4)
            #expect(bars == [Bar(date: jan2, open: 1.5, high: 2, low: 1, close: 1.75, volume: 100)])
        }
    }

    @Test func malformedCSVIsAnError() async throws {
        try await withLoopbackServer { server in
            server.on("/q/d/l/", .text("Date,Open,High,Low,Close,Volume\n2024-01-02,\"1\"x,2,1,1.5,100\n"))
            await #expect {
                _ = try await provider(server).bars(symbol: "AAPL", from: jan2, to: jan4)
            } throws: { error in
                "\(error)".hasPrefix("AAPL (stooq): Stooq returned unreadable CSV: stooq response:2: malformed CSV")
            }
        }
    }

    @Test func nonNumericFieldNamesLineAndColumn() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/q/d/l/",
                .text("Date,Open,High,Low,Close,Volume\n2024-01-02,1,2,1,1.5,100\n2024-01-03,1,n/a,1,1.5,100\n"))
            await #expect {
                _ = try await provider(server).bars(symbol: "AAPL", from: jan2, to: jan4)
            } throws: { error in
                "\(error)" == "AAPL (stooq): Stooq CSV line 3: High \"n/a\" is not a number"
            }
        }
    }

    @Test func noDataIsAnError() async throws {
        try await withLoopbackServer { server in
            server.on("/q/d/l/", .text("No data"))
            await #expect {
                _ = try await provider(server).bars(symbol: "ZZZZ", from: jan2, to: jan4)
            } throws: { error in
                expectNoKey(error)
                return "\(error)" == "ZZZZ (stooq): no data for range 2024-01-02…2024-01-04 (unknown symbol zzzz.us?)"
            }
        }
    }

    @Test(arguments: ["text/html; charset=utf-8", "text/plain"])
    func htmlPageIsAnError(contentType: String) async throws {
        try await withLoopbackServer { server in
            server.on(
                "/q/d/l/",
                .text(
                    "\n<!DOCTYPE html><html><body>Get your apikey \(Self.key)</body></html>", contentType: contentType))
            await #expect {
                _ = try await provider(server).bars(symbol: "AAPL", from: jan2, to: jan4)
            } throws: { error in
                expectNoKey(error)
                return "\(error)".hasPrefix(
                    "AAPL (stooq): Stooq returned an HTML page instead of CSV (missing or invalid STOOQ_API_KEY?)")
            }
        }
    }

    @Test func missingKeyIsMentionedAndNotSent() async throws {
        try await withLoopbackServer { server in
            server.on("/q/d/l/", .text("<html></html>", contentType: "text/html"))
            await #expect {
                _ = try await provider(server, env: [:]).bars(symbol: "AAPL", from: jan2, to: jan4)
            } throws: { error in
                "\(error)".contains("STOOQ_API_KEY is not set")
            }
            #expect(server.requests.first?.query["apikey"] == nil)
        }
    }

    @Test func keyNeverAppearsInHTTPErrors() async throws {
        try await withLoopbackServer { server in
            server.on("/q/d/l/", repeatLast: true, .text("bad key \(Self.key)", status: 500))
            let p = provider(server)
            await #expect {
                _ = try await p.bars(symbol: "AAPL", from: jan2, to: jan4)
            } throws: { error in
                expectNoKey(error)
                return "\(error)" == "AAPL (stooq): HTTP 500 bad key REDACTED, retried 3 times (2024-01-02…2024-01-04)"
            }
            #expect(server.requests.count == 4)
            var dumped = ""
            dump(p, to: &dumped)
            #expect(!"\(p) \(String(reflecting: p)) \(dumped)".contains(Self.key))
        }
    }

    @Test func unexpectedHeaderIsAnError() async throws {
        try await withLoopbackServer { server in
            server.on(
                "/q/d/l/", .text("Symbol,Date,Time,Open,High,Low,Close\r\nAAPL.US,2024-01-02,22:00,1,2,0.5,1.5\r\n"))
            await #expect {
                _ = try await provider(server).bars(symbol: "AAPL", from: jan2, to: jan4)
            } throws: { error in
                "\(error)".contains("unexpected Stooq CSV header \"Symbol,Date,Time,Open,High,Low,Close\"")
            }
        }
    }

    @Test(arguments: [
        ("AAPL", "aapl.us"), ("BRK.B", "brk-b.us"), ("brk.b", "brk-b.us"), ("VOW3.DE", "vow3.de"), ("^SPX", "^spx"),
        ("spy.us", "spy.us"),
    ])
    func symbolMapping(symbol: String, expected: String) {
        #expect(StooqProvider.stooqSymbol(symbol) == expected)
    }
}
