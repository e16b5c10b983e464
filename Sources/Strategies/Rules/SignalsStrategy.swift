import Market

/// One symbol's signals as read from `<SYMBOL>.csv`: per dated row, whether to enter and whether to exit
/// (a `position` file of targets 0/1 is read as entry = target 1, exit = target 0). Rows are in date order.
public struct SignalTable: Sendable, Equatable {
    public var dates: [SessionDate]
    public var entry: [Bool]
    public var exit: [Bool]
    /// The file's line of each row, for messages.
    public var lines: [Int]
    /// When a row's date carried a time (`2024-01-05T15:55:00-05:00`): the New York local time it was
    /// decided at, in minutes after midnight; nil for a plain date (decided at that bar's close).
    public var decidedAt: [Int?]

    public init(dates: [SessionDate], entry: [Bool], exit: [Bool], lines: [Int], decidedAt: [Int?]? = nil) {
        self.dates = dates
        self.entry = entry
        self.exit = exit
        self.lines = lines
        self.decidedAt = decidedAt ?? Array(repeating: nil, count: dates.count)
    }

    /// Rows on a bar whose time is after that bar's close (`closeMinutes`, New York minutes after midnight;
    /// nil = the session has no close to check against): the signal was known only after the bar it would
    /// act on, so trading it there would look ahead.
    public func lateRows(_ barDates: [SessionDate], closeMinutes: (SessionDate) -> Int?) -> [(
        line: Int, date: SessionDate, minutes: Int, close: Int
    )] {
        guard decidedAt.contains(where: { $0 != nil }) else { return [] }
        let onBars = Set(barDates)
        var out: [(line: Int, date: SessionDate, minutes: Int, close: Int)] = []
        for (i, d) in dates.enumerated() where onBars.contains(d) {
            guard let m = decidedAt[i], let close = closeMinutes(d), m > close else { continue }
            out.append((lines[i], d, m, close))
        }
        return out
    }

    /// Rows dated inside the bars' range but on no bar (a holiday, a missing session): the signal would act on
    /// a bar it was not decided on. Rows before the first or after the last bar are outside the period and
    /// are not read.
    public func offBarRows(_ barDates: [SessionDate]) -> [(line: Int, date: SessionDate)] {
        guard let first = barDates.first, let last = barDates.last else { return [] }
        let onBars = Set(barDates)
        var out: [(line: Int, date: SessionDate)] = []
        for (i, d) in dates.enumerated() where d >= first && d <= last && !onBars.contains(d) {
            out.append((lines[i], d))
        }
        return out
    }
}

/// A `- signals:` strategy's files, read at the edge (the pipeline's signals loader) before backtesting.
public struct SignalsSet: Sendable {
    public var id: String
    /// Symbol → its table; a symbol without a file never signals.
    public var tables: [String: SignalTable]
    /// SHA-256 of the files read, for the manifest and result-cache keys.
    public var digest: String

    public init(id: String, tables: [String: SignalTable], digest: String) {
        self.id = id
        self.tables = tables
        self.digest = digest
    }
}

/// Signals taken from a file, aligned to the bars by date: the row dated on bar t decides on t's close and
/// fills at t+1's open, exactly as a built-in's signals do. The warm-up is the first bar with a row.
public struct SignalsStrategy: Strategy {
    public static let descriptor = StrategyDescriptor(
        id: "signals", summary: "Entry and exit signals read from <SYMBOL>.csv files.", params: [],
        warmup: "the first bar with a row in the file")

    public let parameters: Parameters
    let set: SignalsSet?

    /// A strategy without files (never signals): the registry builds signals strategies from their set.
    public init(parameters: Parameters) {
        self.parameters = parameters
        set = nil
    }

    public init(set: SignalsSet) {
        parameters = Parameters()
        self.set = set
    }

    public func signals(on series: BarSeries, indicators: IndicatorCache) -> Signals {
        let n = series.count
        var entry = [Bool](repeating: false, count: n)
        var exit = [Bool](repeating: false, count: n)
        guard let table = set?.tables[series.symbol] else { return Signals(warmup: n, entry: entry, exit: exit) }
        var row: [SessionDate: Int] = [:]
        for (i, d) in table.dates.enumerated() { row[d] = i }
        var first = n
        for t in 0..<n {
            guard let i = row[series.dates[t]] else { continue }
            first = min(first, t)
            entry[t] = table.entry[i]
            exit[t] = table.exit[i]
        }
        return Signals(warmup: first, entry: entry, exit: exit)
    }
}
