import Foundation
import Market

/// Daily bars from `<folder>/<SYMBOL>.csv` files.
///
/// Header `date,open,high,low,close,volume` (any case, any column order; extra columns such as `Adj Close`
/// are ignored). Dates are `YYYY-MM-DD`; numbers are parsed with `Double(String)` (correctly rounded, the same
/// float64 Python's `float()` gives); spaces around a field are ignored. Bars are returned in file order,
/// filtered to the requested range: ordering and duplicates are checked by `BarValidator`, never fixed silently.
///
/// The folder is made absolute (against the working directory) and normalised (`.`/`..` and symlinks
/// resolved), so two studies naming `prices` from different directories never share cached bars, and
/// `prices`, `./prices` and `/abs/prices` do. Each file's size, mtime and SHA-256 (`sourceFile(symbol:)`)
/// are stored with the cache, so an edited file is read again.
public struct CSVFolderProvider: FileBackedBarProvider {
    /// The folder as given (messages name files with it).
    public let folder: String
    /// The folder made absolute and normalised when the provider was created: the cache key.
    public let absoluteFolder: String
    public var id: String { "csv" }
    /// The absolute folder is part of the cache key: a different folder holds different bars.
    public var cacheVariant: String { "folder=" + absoluteFolder }

    public static let requiredColumns = ["date", "open", "high", "low", "close", "volume"]

    public init(folder: String) {
        self.folder = folder
        self.absoluteFolder = Self.normalise(folder)
    }

    /// `folder` made absolute against the working directory, `.`/`..` and symlinks resolved, no trailing `/`.
    public static func normalise(_ folder: String) -> String {
        let absolute =
            folder.hasPrefix("/") ? folder : FileManager.default.currentDirectoryPath + "/" + folder
        var path = URL(fileURLWithPath: absolute).standardizedFileURL.resolvingSymlinksInPath().path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// The symbol's file as it is now (size, mtime, SHA-256), or nil when it is missing or unreadable.
    public func sourceFile(symbol: String) -> SourceFileFingerprint? {
        guard !symbol.isEmpty, !symbol.contains("/"), !symbol.hasPrefix(".") else { return nil }
        return SourceFileFingerprint.of(path: absoluteFolder + "/" + symbol + ".csv")
    }

    public func path(for symbol: String) -> String {
        folder.hasSuffix("/") ? folder + symbol + ".csv" : folder + "/" + symbol + ".csv"
    }

    public func bars(symbol: String, from: SessionDate, to: SessionDate) async throws -> [Bar] {
        try allBars(symbol: symbol).filter { $0.date >= from && $0.date <= to }
    }

    /// Every bar in the symbol's file, in file order.
    public func allBars(symbol: String) throws(MarketDataError) -> [Bar] {
        func fail(_ message: String, _ kind: MarketDataError.Kind = .invalidData) -> MarketDataError {
            MarketDataError(symbol: symbol, provider: id, message: message, kind: kind)
        }
        // The symbol becomes a file name: it must not reach outside the folder.
        guard !symbol.isEmpty, !symbol.contains("/"), !symbol.contains("\\"), !symbol.hasPrefix("."),
            !symbol.unicodeScalars.contains(where: { $0.value < 0x20 })
        else {
            throw fail("\"\(symbol)\" cannot name a file in \(folder); rename the ticker or its CSV file", .notFound)
        }
        let file = path(for: symbol)
        guard FileManager.default.fileExists(atPath: file) else {
            throw fail(
                "no file \(file); expected one <SYMBOL>.csv per ticker with header date,open,high,low,close,volume",
                .notFound)
        }
        let records: [CSVRecord]
        do {
            records = try CSVReader.read(path: file)
        } catch {
            throw fail(error.description)
        }
        do {
            return try CSVFolderProvider.parseBars(records, source: file)
        } catch {
            throw fail(error.description)
        }
    }

    /// Turns CSV records (header first) into bars; errors name `source`, the line and the column.
    public static func parseBars(_ records: [CSVRecord], source: String) throws(CSVError) -> [Bar] {
        guard let header = records.first else {
            throw CSVError(
                source: source, line: nil, message: "empty file; expected a header date,open,high,low,close,volume")
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var index: [String: Int] = [:]
        for name in requiredColumns {
            guard let i = names.firstIndex(of: name) else {
                throw CSVError(
                    source: source, line: header.line,
                    message:
                        "header has no '\(name)' column (found \(EchoedInput.clip(header.fields.joined(separator: ",")))); "
                        + "expected date,open,high,low,close,volume")
            }
            index[name] = i
        }
        let iDate = index["date"]!
        let iOpen = index["open"]!
        let iHigh = index["high"]!
        let iLow = index["low"]!
        let iClose = index["close"]!
        let iVolume = index["volume"]!
        let needed = index.values.max()! + 1
        var out: [Bar] = []
        out.reserveCapacity(records.count - 1)
        for r in records.dropFirst() {
            guard r.fields.count >= needed else {
                throw CSVError(
                    source: source, line: r.line,
                    message: "expected at least \(needed) fields, found \(r.fields.count)")
            }
            func field(_ i: Int) -> String { r.fields[i].trimmingCharacters(in: .whitespaces) }
            let dateText = field(iDate)
            guard let date = SessionDate(iso: dateText) else {
                throw CSVError(
                    source: source, line: r.line,
                    message: "date '\(EchoedInput.clip(dateText))' is not a YYYY-MM-DD date")
            }
            func number(_ i: Int, _ name: String) throws(CSVError) -> Double {
                let t = field(i)
                // Decimal notation only (Swift would also take hex such as 0x1p3; Python's float() does not).
                let decimal = t.utf8.allSatisfy {
                    (48...57).contains($0) || $0 == 43 || $0 == 45 || $0 == 46 || $0 | 0x20 == 101
                }
                guard decimal, let v = Double(t), v.isFinite else {
                    throw CSVError(
                        source: source, line: r.line, message: "\(name) '\(EchoedInput.clip(t))' is not a finite number"
                    )
                }
                return v
            }
            out.append(
                Bar(
                    date: date, open: try number(iOpen, "open"), high: try number(iHigh, "high"),
                    low: try number(iLow, "low"), close: try number(iClose, "close"),
                    volume: try number(iVolume, "volume")))
        }
        return out
    }
}
