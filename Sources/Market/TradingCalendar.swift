/// Which dates an exchange trades on. Pure: no clock, no I/O.
public protocol TradingCalendar: Sendable {
    /// True when the exchange holds a regular or early-close session on `date`.
    func isTradingDay(_ date: SessionDate) -> Bool
}

extension TradingCalendar {
    /// Trading days in `range`, ascending.
    public func tradingDays(in range: ClosedRange<SessionDate>) -> [SessionDate] {
        var out: [SessionDate] = []
        var d = range.lowerBound
        while d <= range.upperBound {
            if isTradingDay(d) { out.append(d) }
            d = d.adding(days: 1)
        }
        return out
    }

    /// The last trading day on or before `date`.
    public func tradingDay(onOrBefore date: SessionDate) -> SessionDate {
        var d = date
        while !isTradingDay(d) { d = d.adding(days: -1) }
        return d
    }

    /// The first trading day on or after `date`.
    public func tradingDay(onOrAfter date: SessionDate) -> SessionDate {
        var d = date
        while !isTradingDay(d) { d = d.adding(days: 1) }
        return d
    }

    /// The trading day `n` sessions before `date` (n ≥ 0); `date` itself need not be a trading day.
    public func tradingDay(_ n: Int, sessionsBefore date: SessionDate) -> SessionDate {
        var d = tradingDay(onOrBefore: date)
        var left = n
        while left > 0 {
            d = d.adding(days: -1)
            if isTradingDay(d) { left -= 1 }
        }
        return d
    }
}

/// Monday to Friday, no holidays. Useful for tests and for markets without a holiday table.
public struct WeekdayCalendar: TradingCalendar {
    public init() {}
    public func isTradingDay(_ date: SessionDate) -> Bool { !date.isWeekend }
}
