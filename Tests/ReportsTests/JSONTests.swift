import Foundation
import Testing

@testable import Reports

@Suite struct JSONTests {
    static func parse(_ report: RunReport) throws -> [String: Any] {
        let bytes = ReportRenderer.resultsJSON(report.rows)
        return try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    }

    @Test func parsesWithSchemaVersionAndRows() throws {
        let report = Fixture.report(symbols: 2, perSymbol: 6, tradesPerRow: 3)
        let obj = try Self.parse(report)
        #expect(obj["schema_version"] as? Int == 3)
        let results = try #require(obj["results"] as? [[String: Any]])
        #expect(results.count == 12)
        // Schema 2: results and metrics only; trades are in trades.csv.
        #expect(Set(results[0].keys) == Set(ReportSchema.resultColumns))
        #expect(results[0]["symbol"] as? String == "AAPL")
        #expect(results[0]["params"] as? String == "fast=10;slow=30")
        #expect(results[0]["trades"] as? Int == 3)
        #expect(results[0]["volatility_pct"] as? Double == 15)
        // Schema 3: `ranked` is a JSON boolean and an empty `excluded_reason` is null.
        #expect(results[0]["ranked"] as? Bool == true)
        #expect(results[0]["excluded_reason"] is NSNull)
    }

    @Test func keysInColumnOrder() {
        let report = Fixture.report(symbols: 1, perSymbol: 1, tradesPerRow: 1)
        let text = String(decoding: ReportRenderer.resultsJSON(report.rows), as: UTF8.self)
        let line = text.components(separatedBy: "\n").first { $0.hasPrefix("{\"symbol\"") }!
        var last = line.startIndex
        for key in ReportSchema.resultColumns {
            let r = line.range(of: "\"\(key)\":", range: last..<line.endIndex)
            #expect(r != nil, "\(key) missing or out of order")
            if let r { last = r.upperBound }
        }
    }

    @Test func undefinedIsNullAndStringsRoundTrip() throws {
        var report = Fixture.report(symbols: 1, perSymbol: 1)
        report.rows[0].metrics.sharpe = nil
        report.rows[0].metrics.profitFactor = .infinity
        report.rows[0].symbol = Fixture.hostile + "\"\\\n\u{2028}é😀"
        let text = String(decoding: ReportRenderer.resultsJSON(report.rows), as: UTF8.self)
        #expect(text.contains("\"sharpe\":null"))
        #expect(text.contains("\"profit_factor\":null"))
        #expect(!text.contains("<"))
        #expect(text.allSatisfy { $0.isASCII })
        let results = try #require(try Self.parse(report)["results"] as? [[String: Any]])
        #expect(results[0]["symbol"] as? String == report.rows[0].symbol)
        #expect(results[0]["sharpe"] is NSNull)
    }

    @Test func emptyResultsParse() throws {
        let obj = try Self.parse(RunReport(info: Fixture.info(), rows: [], symbols: [], issues: []))
        #expect((obj["results"] as? [Any])?.isEmpty == true)
    }
}
