/// One daily OHLCV bar, keyed by its New York session date.
public struct Bar: Hashable, Sendable, Codable {
    public var date: SessionDate
    public var open: Double
    public var high: Double
    public var low: Double
    public var close: Double
    public var volume: Double

    public init(date: SessionDate, open: Double, high: Double, low: Double, close: Double, volume: Double) {
        self.date = date
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }
}

/// A symbol's bars as contiguous columns (structure of arrays), ascending by date, one bar per date.
///
/// The engine and indicators walk these arrays directly; keeping them separate avoids strided
/// access in the hot loops.
public struct BarSeries: Sendable, Equatable {
    public let symbol: String
    public let dates: [SessionDate]
    public let open: [Double]
    public let high: [Double]
    public let low: [Double]
    public let close: [Double]
    public let volume: [Double]

    public var count: Int { dates.count }
    public var isEmpty: Bool { dates.isEmpty }

    /// `bars` must already be sorted ascending with unique dates (see `BarSeries.validated`).
    public init(symbol: String, bars: [Bar]) {
        self.symbol = symbol
        self.dates = bars.map(\.date)
        self.open = bars.map(\.open)
        self.high = bars.map(\.high)
        self.low = bars.map(\.low)
        self.close = bars.map(\.close)
        self.volume = bars.map(\.volume)
    }

    public init(
        symbol: String, dates: [SessionDate], open: [Double], high: [Double], low: [Double], close: [Double],
        volume: [Double]
    ) {
        precondition(
            [open.count, high.count, low.count, close.count, volume.count].allSatisfy { $0 == dates.count },
            "BarSeries columns must have equal length")
        self.symbol = symbol
        self.dates = dates
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }

    public subscript(i: Int) -> Bar {
        Bar(date: dates[i], open: open[i], high: high[i], low: low[i], close: close[i], volume: volume[i])
    }

    public var bars: [Bar] { (0..<count).map { self[$0] } }

    /// The bars whose dates fall in `range` (inclusive).
    public func slice(_ range: ClosedRange<SessionDate>) -> BarSeries {
        let lo = dates.firstIndex { $0 >= range.lowerBound } ?? count
        let hi = (dates.lastIndex { $0 <= range.upperBound } ?? -1) + 1
        let r = lo..<max(lo, hi)
        return BarSeries(
            symbol: symbol, dates: Array(dates[r]), open: Array(open[r]), high: Array(high[r]), low: Array(low[r]),
            close: Array(close[r]), volume: Array(volume[r]))
    }

    /// The first `n` bars.
    public func prefix(_ n: Int) -> BarSeries {
        let r = 0..<min(n, count)
        return BarSeries(
            symbol: symbol, dates: Array(dates[r]), open: Array(open[r]), high: Array(high[r]), low: Array(low[r]),
            close: Array(close[r]), volume: Array(volume[r]))
    }
}
