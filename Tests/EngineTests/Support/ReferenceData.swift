import DataSources
import Foundation
import Market

/// Access to the reference data of the parity tests: `Tests/Fixtures/reference` (copied from the
/// backtesting.py reference set; origin and sizes in `Tests/Fixtures/README.md`).
///
/// The CSV is read with libcsv directly (temporary: DataSources' `CSVReader` will replace this file).
enum ReferenceData {
    /// `Tests/Fixtures/reference`, from this file's path (in the repository, so a plain clone tests itself).
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // EngineTests
        .deletingLastPathComponent()  // Tests
        .appendingPathComponent("Fixtures/reference")

    /// Rows of a CSV file (header included), parsed by the project's libcsv reader.
    static func csvRows(_ url: URL) throws -> [[String]] {
        try CSVReader.read(path: url.path).map(\.fields)
    }

    /// A reference series: bars keyed by day (for `GOOG`, `BTCUSD_monthly`) plus the exact timestamps
    /// in seconds (intraday `EURUSD_1h` bars get consecutive synthetic session dates; use `times`).
    struct Series {
        var series: BarSeries
        var times: [Int64]
    }

    static func series(_ name: String, rows limit: Int? = nil) throws -> Series {
        let rows = try csvRows(root.appendingPathComponent("data/\(name).csv"))
        var dates: [SessionDate] = []
        var times: [Int64] = []
        var o: [Double] = []
        var h: [Double] = []
        var l: [Double] = []
        var c: [Double] = []
        var v: [Double] = []
        for (i, r) in rows.dropFirst().enumerated() {
            if let limit, i >= limit { break }
            let stamp = r[0]
            let day = SessionDate(iso: stamp.prefix(10))!
            var seconds = Int64(day.daysSinceEpoch) * 86_400
            if stamp.count == 19 {
                let parts = stamp.dropFirst(11).split(separator: ":").map { Int64($0)! }
                seconds += parts[0] * 3600 + parts[1] * 60 + parts[2]
                dates.append(SessionDate(daysSinceEpoch: i))  // strictly increasing stand-in
            } else {
                dates.append(day)
            }
            times.append(seconds)
            o.append(Double(r[1])!)
            h.append(Double(r[2])!)
            l.append(Double(r[3])!)
            c.append(Double(r[4])!)
            v.append(Double(r[5])!)
        }
        return Series(
            series: BarSeries(symbol: name, dates: dates, open: o, high: h, low: l, close: c, volume: v), times: times)
    }

    /// A results JSON as a dictionary.
    static func result(_ file: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("results/\(file)"))
        guard let d = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ReferenceError.json(file)
        }
        return d
    }

    /// The exact numbers of a results JSON (`JSONSerialization` on Linux rounds some doubles by an ulp;
    /// `JSONDecoder` parses them exactly).
    struct Exact: Decodable {
        struct Curve: Decodable {
            var equity: [Double]
            var position: [Double]
        }
        struct TradeRow: Decodable {
            var entry_bar: Int
            var exit_bar: Int
            var entry_price: Double
            var exit_price: Double
            var size: Double
            var pnl: Double
            var return_pct: Double
            var commission: Double
            var entry_commission: Double
            var exit_commission: Double
        }
        var equity_curve: Curve
        var trades: [TradeRow]
    }

    static func exact(_ file: String) throws -> Exact {
        try JSONDecoder().decode(Exact.self, from: Data(contentsOf: root.appendingPathComponent("results/\(file)")))
    }

    static func resultFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("results").path)
            .filter { $0.hasSuffix(".json") && $0 != "summary.json" }.sorted()
    }

    /// The talib indicators CSV as columns by header name (NaN for empty fields).
    static func talibColumns() throws -> [String: [Double]] {
        let rows = try csvRows(root.appendingPathComponent("results/GOOG_talib_indicators.csv"))
        let header = rows[0]
        var cols: [String: [Double]] = [:]
        for (j, name) in header.enumerated() where j > 0 {
            cols[name] = rows.dropFirst().map { $0[j].isEmpty ? .nan : Double($0[j])! }
        }
        return cols
    }

    enum ReferenceError: Error { case csv(String), json(String) }
}

/// Relative difference `|a − b| / max(|a|, |b|)` (0 when both are 0).
func relativeDifference(_ a: Double, _ b: Double) -> Double {
    if a == b { return 0 }
    return abs(a - b) / max(abs(a), abs(b))
}
