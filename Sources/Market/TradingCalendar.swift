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

/// Every day is a session (crypto, 24×7 markets).
public struct AllDaysCalendar: TradingCalendar {
    public init() {}
    public func isTradingDay(_ date: SessionDate) -> Bool { true }
}

/// `data.calendar` in a spec: which days are sessions.
public enum CalendarKind: String, Sendable, Equatable, Codable, CaseIterable {
    /// The New York Stock Exchange: weekdays minus NYSE holidays and special closures (the default).
    case nyse
    /// Monday to Friday, every one a session (FX, non-US markets without a modelled holiday table).
    case weekdays
    /// Every day of the week (crypto).
    case allDays = "24x7"

    /// Sessions per year for annualised metrics: 252 for `nyse` and `weekdays`, 365 for `24x7`.
    public var periodsPerYear: Double {
        switch self {
        case .nyse, .weekdays: return 252
        case .allDays: return 365
        }
    }
}

/// Builds the calendar a spec names. The one place `data.calendar` becomes a `TradingCalendar`.
public enum TradingCalendars {
    /// `NYSECalendar`, `WeekdayCalendar` or `AllDaysCalendar`.
    public static func make(_ kind: CalendarKind) -> any TradingCalendar {
        switch kind {
        case .nyse: return NYSECalendar()
        case .weekdays: return WeekdayCalendar()
        case .allDays: return AllDaysCalendar()
        }
    }

    /// Annualisation periods for `kind` (see `CalendarKind.periodsPerYear`).
    public static func periodsPerYear(_ kind: CalendarKind) -> Double { kind.periodsPerYear }

    /// The default as-of date for `kind` at the UTC instant `seconds`: `nyse` →
    /// `NYSECalendar.lastCompletedSession` (early closes included); `weekdays` and `24x7` → the latest
    /// session of that calendar whose day has reached 16:00 New York time (`AsOfCheck.lastCompletedDay`).
    public static func lastCompletedSession(_ kind: CalendarKind, asOfUTC seconds: Int64) -> SessionDate {
        switch kind {
        case .nyse: return NYSECalendar.lastCompletedSession(asOfUTC: seconds)
        case .weekdays, .allDays:
            return make(kind).tradingDay(onOrBefore: AsOfCheck.lastCompletedDay(asOfUTC: seconds))
        }
    }
}

/// The `--as-of` check: a run may look back, never ahead.
public enum AsOfCheck {
    /// nil when `asOf` is on or before `lastCompleted` (the last completed session, e.g.
    /// `NYSECalendar.lastCompletedSession(asOfUTC: now)`); otherwise the message to print before exiting
    /// with status 2 (a usage error): bars after the last completed session do not exist yet, so a
    /// future as-of date would silently run on stale data and place orders for a session not yet traded.
    public static func validate(asOf: SessionDate, lastCompleted: SessionDate) -> String? {
        guard asOf > lastCompleted else { return nil }
        // A weekend or holiday date after the last session is fine as long as it has passed.
        return "--as-of \(asOf.iso) is after the last completed session \(lastCompleted.iso); bars for it do not "
            + "exist yet. Give a date on or before \(lastCompleted.iso), or leave --as-of out to use it"
    }

    /// The latest calendar day whose 16:00 New York close is at or before the UTC instant `seconds`, on
    /// any calendar (every day counted): an as-of date after it is in the future for nyse, weekdays and
    /// 24x7 alike. Pass it as `lastCompleted` when the calendar is not known yet.
    public static func lastCompletedDay(asOfUTC seconds: Int64) -> SessionDate {
        let local = seconds + Int64(NewYorkTime.utcOffset(atUnixSeconds: seconds))
        let day = Int(NewYorkTime.floorDiv(local, 86_400))
        let today = SessionDate(daysSinceEpoch: day)
        let secondOfDay = local - Int64(day) * 86_400
        return secondOfDay >= Int64(NYSECalendar.regularClose.secondsOfDay) ? today : today.adding(days: -1)
    }
}
