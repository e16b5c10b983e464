import DataSources
import Foundation
import Market
import Testing

@Suite struct CSVFolderProviderTests {
    let good = CSVFolderProvider(folder: Paths.fixtures + "/csv")
    let bad = CSVFolderProvider(folder: Paths.fixtures + "/bad")

    @Test func readsLowercaseHeaderQuotedAndSpacedNumbers() async throws {
        let bars = try await good.bars(symbol: "AAA", from: day("2024-01-01"), to: day("2024-12-31"))
        #expect(
            bars == [
                Bar(date: day("2024-01-02"), open: 10.5, high: 11, low: 10, close: 10.75, volume: 1000),
                Bar(date: day("2024-01-03"), open: 10.75, high: 11.25, low: 10.5, close: 11, volume: 1500),
                Bar(date: day("2024-01-04"), open: 11, high: 11.5, low: 10.9, close: 11.2, volume: 1200),
                Bar(date: day("2024-01-05"), open: 11.2, high: 11.3, low: 10.8, close: 10.9, volume: 900),
                Bar(date: day("2024-01-08"), open: 10.9, high: 11.1, low: 10.1, close: 10.1, volume: 1100),
            ])
        let some = try await good.bars(symbol: "AAA", from: day("2024-01-03"), to: day("2024-01-05"))
        #expect(some.map(\.date.iso) == ["2024-01-03", "2024-01-04", "2024-01-05"])
    }

    @Test func readsCapitalisedHeaderIgnoringAdjCloseWithCRLF() async throws {
        let bars = try await good.bars(symbol: "BBB", from: day("2024-01-01"), to: day("2024-01-31"))
        #expect(
            bars == [
                Bar(
                    date: day("2024-01-02"), open: 187.15, high: 188.44, low: 183.885, close: 185.64, volume: 82_488_700
                ),
                Bar(
                    date: day("2024-01-03"), open: 184.22, high: 185.88, low: 183.43, close: 184.25, volume: 58_414_500),
            ])
    }

    @Test func missingFileGivesAdvice() async {
        let p = CSVFolderProvider(folder: "data/csv")
        do {
            _ = try await p.bars(symbol: "AAPL", from: day("2024-01-01"), to: day("2024-12-31"))
            Issue.record("expected an error")
        } catch let e as MarketDataError {
            #expect(
                e.description
                    == "AAPL (csv): no file data/csv/AAPL.csv; expected one <SYMBOL>.csv per ticker with header "
                    + "date,open,high,low,close,volume")
            #expect(e.kind == .notFound)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test(arguments: [
        ("BADNUM", "BADNUM.csv:3: close '1l.0' is not a finite number"),
        ("NOVOL", "NOVOL.csv:1: header has no 'volume' column"),
        ("JUNK", "JUNK.csv:4: malformed CSV"),
        ("SHORT", "SHORT.csv:4: expected at least 6 fields, found 4"),
        ("BADDATE", "BADDATE.csv:3: date '01/03/2024' is not a YYYY-MM-DD date"),
        ("UNTERMINATED", "UNTERMINATED.csv:3: unterminated quoted field"),
    ])
    func malformedFilesNameFileAndLine(symbol: String, expected: String) async {
        do {
            _ = try await bad.bars(symbol: symbol, from: day("2024-01-01"), to: day("2024-12-31"))
            Issue.record("expected an error for \(symbol)")
        } catch let e as MarketDataError {
            #expect(e.kind == .invalidData)
            #expect(e.message.contains(expected), "\(e.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func referenceGOOG() async throws {
        let p = CSVFolderProvider(folder: Paths.reference + "/data")
        let bars = try p.allBars(symbol: "GOOG")
        #expect(bars.count == 2148)
        #expect(
            bars.first
                == Bar(date: day("2004-08-19"), open: 100, high: 104.06, low: 95.96, close: 100.34, volume: 22_351_900))
        #expect(bars.last?.date == day("2013-03-01"))
        // Every GOOG session is an NYSE trading day, and GOOG misses none of them: the calendar and the data
        // agree on all 2148 sessions (including the 2007-01-02 and 2012-10-29/30 closures).
        let cal = NYSECalendar()
        let (accepted, rejected) = BarValidator(calendar: cal).validate(bars)
        #expect(rejected.isEmpty, "\(rejected.prefix(3))")
        #expect(accepted.count == 2148)
        #expect(cal.tradingDays(in: day("2004-08-19")...day("2013-03-01")).count == 2148)
    }
}
