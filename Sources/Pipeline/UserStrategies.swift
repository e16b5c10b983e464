import DataSources
import Digests
import Foundation
import Market
import Spec
import Strategies

/// The spec's own strategies (`- rule:` and `- signals:` entries) as the `StrategyCatalog` a run binds, and
/// the reading of signals files: the edge where `<SYMBOL>.csv` becomes `SignalTable`s (libcsv via
/// `CSVReader`).
public enum UserStrategies {
    /// Largest signals file read, per symbol.
    public static let maxFileBytes = 64 << 20
    /// Most rows of one signals file.
    public static let maxRows = 1_000_000

    /// The catalog of `spec`'s rules and signals; `problems` holds, per signals id and symbol, why the
    /// symbol's file cannot be used (the symbol is then left out of the run, not the whole run).
    public static func catalog(for spec: PipelineSpec) -> (catalog: StrategyCatalog, problems: [String: [String]]) {
        var catalog = StrategyCatalog(rules: rules(of: spec))
        var problems: [String: [String]] = [:]
        for entry in spec.strategies {
            if let files = entry.signals {
                let (set, bad) = readSignals(id: entry.id, files: files, symbols: spec.universe.tickers)
                catalog.signals[entry.id] = set
                for (symbol, message) in bad { problems[symbol, default: []].append(message) }
            }
        }
        return (catalog, problems)
    }

    /// The spec's rules, checked (they were validated when the spec was read: checking again cannot fail).
    public static func rules(of spec: PipelineSpec) -> [String: RuleProgram] {
        var out: [String: RuleProgram] = [:]
        for entry in spec.strategies {
            guard let rule = entry.rule, let p = try? RuleProgram(rule, parameters: entry.grid.keys.sorted()) else {
                continue
            }
            out[entry.id] = p
        }
        return out
    }

    /// Every symbol's `<path>/<SYMBOL>.csv`. A symbol without a file never signals; a file that cannot be
    /// read is a problem of that symbol.
    static func readSignals(id: String, files: PipelineSpec.SignalsFiles, symbols: [String]) -> (
        SignalsSet, [(String, String)]
    ) {
        var tables: [String: SignalTable] = [:]
        var bad: [(String, String)] = []
        var digestText = ""
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: files.path, isDirectory: &isFolder), isFolder.boolValue else {
            // A wrong path would otherwise give every symbol a strategy that never trades.
            let why = "signals \(id): no folder \(files.path); check path (relative to the working directory)"
            return (SignalsSet(id: id, tables: [:], digest: SHA256Hex.of([])), symbols.map { ($0, why) })
        }
        for symbol in symbols {
            let path = (files.path as NSString).appendingPathComponent("\(symbol).csv")
            guard FileManager.default.fileExists(atPath: path) else { continue }
            guard let data = FileManager.default.contents(atPath: path) else {
                bad.append((symbol, "signals \(id): \(path): cannot read the file; check its permissions"))
                continue
            }
            guard data.count <= maxFileBytes else {
                bad.append((symbol, "signals \(id): \(path): \(data.count) bytes is over the limit of \(maxFileBytes)"))
                continue
            }
            digestText += "\(symbol) \(SHA256Hex.of(data))\n"
            do { tables[symbol] = try parse(Array(data), source: path, files: files) } catch {
                bad.append((symbol, "signals \(id): \(error.description)"))
            }
        }
        return (SignalsSet(id: id, tables: tables, digest: SHA256Hex.of(Array(digestText.utf8))), bad)
    }

    /// A signals file: a header naming `date` and the configured columns, then one row per date, ascending.
    public static func parse(_ bytes: [UInt8], source: String, files: PipelineSpec.SignalsFiles) throws(CSVError)
        -> SignalTable
    {
        let records = try CSVReader.parse(bytes, source: source)
        guard let header = records.first else {
            throw CSVError(
                source: source, line: nil, message: "the file is empty; expected a header such as date,entry,exit")
        }
        let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces) }
        func column(_ name: String) throws(CSVError) -> Int {
            guard let i = names.firstIndex(of: name) else {
                throw CSVError(
                    source: source, line: header.line,
                    message: "no column \"\(name)\" in the header (\(names.joined(separator: ",")))"
                        + Suggestions.hint(for: name, in: names))
            }
            return i
        }
        let dateColumn = try column("date")
        let position = try files.columnPosition.map { (c) throws(CSVError) in try column(c) }
        let entryColumn = try files.columnEntry.map { (c) throws(CSVError) in try column(c) }
        let exitColumn = try files.columnExit.map { (c) throws(CSVError) in try column(c) }
        guard records.count - 1 <= maxRows else {
            throw CSVError(
                source: source, line: nil, message: "\(records.count - 1) rows is over the limit of \(maxRows)")
        }
        var table = SignalTable(dates: [], entry: [], exit: [], lines: [])
        for r in records.dropFirst() {
            guard r.fields.count == names.count else {
                throw CSVError(
                    source: source, line: r.line, message: "\(r.fields.count) fields, the header has \(names.count)")
            }
            let text = r.fields[dateColumn].trimmingCharacters(in: .whitespaces)
            // A plain date is decided at that bar's close; a timestamp (RFC 3339, with its offset) says when
            // the signal was known, and is checked against the close of the bar it falls on.
            var decided: Int? = nil
            let date: SessionDate
            if let d = SessionDate(iso: text) {
                date = d
            } else if let t = NewYorkTime.unixSeconds(rfc3339: text) {
                date = NewYorkTime.sessionDate(unixSeconds: t)
                let local = t + Int64(NewYorkTime.utcOffset(atUnixSeconds: t))
                decided = Int((local - Int64(date.daysSinceEpoch) * 86_400) / 60)
            } else {
                throw CSVError(
                    source: source, line: r.line,
                    message: "\"\(text)\" is not a date (YYYY-MM-DD) or a timestamp (2024-01-05T15:55:00-05:00)")
            }
            if let last = table.dates.last, date <= last {
                throw CSVError(
                    source: source, line: r.line,
                    message: "\(date.iso) is not after the previous row's \(last.iso); one row per date, in date order")
            }
            func flag(_ i: Int, _ what: String) throws(CSVError) -> Bool {
                switch r.fields[i].trimmingCharacters(in: .whitespaces) {
                case "true", "True", "TRUE", "1": return true
                case "false", "False", "FALSE", "0": return false
                case let v:
                    throw CSVError(source: source, line: r.line, message: "\(what) \"\(v)\" is not true/false or 1/0")
                }
            }
            if let position {
                let long = try flag(position, "position")
                table.entry.append(long)
                table.exit.append(!long)
            } else if let entryColumn, let exitColumn {
                table.entry.append(try flag(entryColumn, "entry"))
                table.exit.append(try flag(exitColumn, "exit"))
            }
            table.dates.append(date)
            table.lines.append(r.line)
            table.decidedAt.append(decided)
        }
        return table
    }

    /// Per symbol of `series`, why its signals cannot be aligned to its bars: rows dated inside the bars'
    /// range on a day without a bar (a signal can only act on the bar it was decided on).
    public static func alignmentProblems(
        _ catalog: StrategyCatalog, series: [String: BarSeries], calendar: CalendarKind = .nyse
    ) -> [String: [String]] {
        let nyse = NYSECalendar()
        let closeMinutes: (SessionDate) -> Int? = { date in
            switch calendar {
            case .nyse: return nyse.closeTime(date).map { $0.hour * 60 + $0.minute }
            // No modelled close (FX, non-US sessions, crypto): the date alone places the signal.
            case .weekdays, .allDays: return nil
            }
        }
        var out: [String: [String]] = [:]
        for id in catalog.signals.keys.sorted() {
            let set = catalog.signals[id]!
            for (symbol, table) in set.tables {
                guard let bars = series[symbol] else { continue }
                if let late = table.lateRows(bars.dates, closeMinutes: closeMinutes).first {
                    func clock(_ m: Int) -> String { String(format: "%02d:%02d", m / 60, m % 60) }
                    out[symbol, default: []].append(
                        "signals \(id): \(symbol).csv:\(late.line): a signal known at \(clock(late.minutes)) New York time "
                            + "is after the \(clock(late.close)) close of \(late.date.iso), the bar it would act on; "
                            + "date it on the next bar (or give the time it was known at the close)")
                }
                let off = table.offBarRows(bars.dates)
                guard let first = off.first else { continue }
                let more = off.count > 1 ? " (and \(off.count - 1) more)" : ""
                let before = bars.dates.last { $0 < first.date }?.iso ?? "none"
                out[symbol, default: []].append(
                    "signals \(id): \(symbol).csv:\(first.line): \(first.date.iso) is not a bar of \(symbol)\(more) "
                        + "(the bar before is \(before)); date each signal on the bar whose close decides it")
            }
        }
        return out
    }
}
