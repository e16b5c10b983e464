/// A wall-clock time of day in New York (no date, no zone).
public struct LocalTime: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let hour: Int
    public let minute: Int

    public init(hour: Int, minute: Int) {
        self.hour = hour
        self.minute = minute
    }

    public var secondsOfDay: Int { hour * 3600 + minute * 60 }
    public var description: String { (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)" }
    public static func < (a: LocalTime, b: LocalTime) -> Bool { a.secondsOfDay < b.secondsOfDay }
}

/// The New York Stock Exchange calendar, computed from the exchange's holiday rules. Pure: no clock, no I/O.
///
/// Rules (verified against the exchange's published schedules for 2000–2035; see docs/providers.md):
/// - Closed Saturdays and Sundays.
/// - Holidays: New Year's Day, Martin Luther King Jr. Day (3rd Monday of January), Presidents' Day (3rd Monday
///   of February), Good Friday (two days before Western Easter), Memorial Day (last Monday of May), Juneteenth
///   (June 19, from 2022), Independence Day (July 4), Labor Day (1st Monday of September), Thanksgiving
///   (4th Thursday of November), Christmas (December 25).
/// - A holiday on a Sunday is observed on the Monday after; on a Saturday, on the Friday before — except
///   New Year's Day: when January 1 is a Saturday no day is taken off (NYSE Rule 7.2: December 31 closes a
///   month and a year, so it trades; e.g. 2021-12-31 was a regular session).
/// - Early closes at 13:00: July 3 when it is a Monday, Tuesday or Thursday, and also a Wednesday from 2013
///   (before 2013, when July 4 was a Thursday the early close was Friday July 5 instead); the day after
///   Thanksgiving; December 24 when it is Monday–Thursday; ad hoc 2003-12-26.
/// - Special closures: 2001-09-11…14, 2004-06-11, 2007-01-02, 2012-10-29…30, 2018-12-05, 2025-01-09.
///
/// Outside 2000–2035 the same rules are applied (holidays computed, no special closures); the exchange's
/// older history (e.g. MLK Day only from 1998, Saturday sessions before 1952) is not modelled.
public struct NYSECalendar: TradingCalendar {
    public init() {}

    /// The years whose holidays, early closes and special closures were checked against published schedules.
    public static let verifiedYears: ClosedRange<Int> = 2000...2035

    /// Regular close.
    public static let regularClose = LocalTime(hour: 16, minute: 0)
    /// Early close.
    public static let earlyClose = LocalTime(hour: 13, minute: 0)

    /// Unscheduled full-day closures (market-wide events, national days of mourning).
    public static let specialClosures: [SessionDate] = [
        "2001-09-11", "2001-09-12", "2001-09-13", "2001-09-14",  // September 11 attacks
        "2004-06-11",  // President Reagan
        "2007-01-02",  // President Ford
        "2012-10-29", "2012-10-30",  // Hurricane Sandy
        "2018-12-05",  // President G. H. W. Bush
        "2025-01-09",  // President Carter
    ].map { SessionDate(iso: $0)! }

    private static let specialClosureDays: Set<Int> = Set(specialClosures.map(\.daysSinceEpoch))

    public func isTradingDay(_ date: SessionDate) -> Bool {
        if date.isWeekend { return false }
        let i = date.daysSinceEpoch - NYSECalendar.closedBitsStart
        if i >= 0 && date.daysSinceEpoch <= NYSECalendar.closedBitsEnd {
            return NYSECalendar.closedBits[i >> 6] & (1 << UInt64(i & 63)) == 0
        }
        if NYSECalendar.specialClosureDays.contains(date.daysSinceEpoch) { return false }
        return !NYSECalendar.isHoliday(date)
    }

    /// One bit per day of the table years, set on a weekday the exchange is closed (a holiday or a special
    /// closure): a run asks about every day of every symbol's range, and two set lookups with a calendar
    /// conversion per day were a visible part of loading a warm universe.
    private static let closedBitsStart = SessionDate(year: tableYears.lowerBound, month: 1, day: 1)!.daysSinceEpoch
    private static let closedBitsEnd = SessionDate(year: tableYears.upperBound, month: 12, day: 31)!.daysSinceEpoch
    private static let closedBits: [UInt64] = {
        let end = closedBitsEnd
        var bits = [UInt64](repeating: 0, count: (end - closedBitsStart) / 64 + 1)
        for d in holidayTable.union(specialClosureDays) where d >= closedBitsStart && d <= end {
            let i = d - closedBitsStart
            bits[i >> 6] |= 1 << UInt64(i & 63)
        }
        return bits
    }()

    /// True when the exchange closes at 13:00 on `date` (false on non-trading days).
    public func isEarlyClose(_ date: SessionDate) -> Bool {
        guard isTradingDay(date) else { return false }
        let (y, m, d) = date.components
        switch (m, d) {
        case (7, 3):
            // Monday, Tuesday, Thursday always; Wednesday since 2013. (Friday July 3 is the observed holiday.)
            return date.weekday != 3 || y >= 2013
        case (7, 5):
            // Before 2013: Friday after a Thursday Independence Day.
            return y < 2013 && date.weekday == 5
        case (11, _):
            return date == NYSECalendar.thanksgiving(y).adding(days: 1)
        case (12, 24):
            return true  // a trading December 24 is always Monday–Thursday
        case (12, 26):
            return y == 2003
        default:
            return false
        }
    }

    /// The New York close time of the session on `date`, or nil when the exchange is closed that day.
    public func closeTime(_ date: SessionDate) -> LocalTime? {
        guard isTradingDay(date) else { return nil }
        return isEarlyClose(date) ? NYSECalendar.earlyClose : NYSECalendar.regularClose
    }

    /// The full-day holidays (as observed, weekdays only) of `year`, ascending. Special closures are not included.
    public static func holidays(year y: Int) -> [SessionDate] {
        var out: [SessionDate] = []
        func add(_ d: SessionDate) { if !d.isWeekend { out.append(d) } }
        // New Year's Day: Sunday → Monday; Saturday → not observed.
        let ny = SessionDate(year: y, month: 1, day: 1)!
        add(ny.weekday == 0 ? ny.adding(days: 1) : ny)
        add(nthWeekday(3, weekday: 1, month: 1, year: y))  // MLK Day
        add(nthWeekday(3, weekday: 1, month: 2, year: y))  // Presidents' Day
        add(easterSunday(y).adding(days: -2))  // Good Friday
        add(lastWeekday(1, month: 5, year: y))  // Memorial Day
        if y >= 2022 { add(observed(SessionDate(year: y, month: 6, day: 19)!)) }  // Juneteenth
        add(observed(SessionDate(year: y, month: 7, day: 4)!))  // Independence Day
        add(nthWeekday(1, weekday: 1, month: 9, year: y))  // Labor Day
        add(thanksgiving(y))
        add(observed(SessionDate(year: y, month: 12, day: 25)!))  // Christmas
        return out.sorted()
    }

    /// The 13:00 early closes of `year`, ascending.
    public func earlyCloses(year: Int) -> [SessionDate] {
        let first = SessionDate(year: year, month: 1, day: 1)!
        let last = SessionDate(year: year, month: 12, day: 31)!
        return tradingDays(in: first...last).filter(isEarlyClose)
    }

    /// Whether `date` is an observed holiday (ignores weekends and special closures).
    public static func isHoliday(_ date: SessionDate) -> Bool {
        let y = date.year
        if tableYears.contains(y) { return holidayTable.contains(date.daysSinceEpoch) }
        return holidays(year: y).contains(date)
    }

    /// Years whose holidays are precomputed once (observed dates never cross a year boundary).
    private static let tableYears: ClosedRange<Int> = 1950...2100
    private static let holidayTable: Set<Int> = Set(tableYears.flatMap { holidays(year: $0).map(\.daysSinceEpoch) })

    // MARK: - Rule helpers

    /// Saturday → Friday before, Sunday → Monday after.
    static func observed(_ d: SessionDate) -> SessionDate {
        switch d.weekday {
        case 6: return d.adding(days: -1)
        case 0: return d.adding(days: 1)
        default: return d
        }
    }

    /// The `n`-th (1-based) given weekday (0 = Sunday) of a month.
    static func nthWeekday(_ n: Int, weekday: Int, month: Int, year: Int) -> SessionDate {
        let first = SessionDate(year: year, month: month, day: 1)!
        let offset = (weekday - first.weekday + 7) % 7
        return first.adding(days: offset + 7 * (n - 1))
    }

    /// The last given weekday of a month.
    static func lastWeekday(_ weekday: Int, month: Int, year: Int) -> SessionDate {
        let last = SessionDate(year: year, month: month, day: SessionDate.daysInMonth(year: year, month: month))!
        return last.adding(days: -((last.weekday - weekday + 7) % 7))
    }

    static func thanksgiving(_ y: Int) -> SessionDate { nthWeekday(4, weekday: 4, month: 11, year: y) }

    /// Western (Gregorian) Easter Sunday: the anonymous Gregorian computus (Meeus/Jones/Butcher).
    public static func easterSunday(_ y: Int) -> SessionDate {
        let a = y % 19
        let b = y / 100
        let c = y % 100
        let d = b / 4
        let e = b % 4
        let f = (b + 8) / 25
        let g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30
        let i = c / 4
        let k = c % 4
        let l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31
        let day = (h + l - 7 * m + 114) % 31 + 1
        return SessionDate(year: y, month: month, day: day)!
    }

    // MARK: - Clock conversion

    /// The latest session whose close (16:00, or 13:00 on an early close, New York time) is at or before
    /// the UTC instant `seconds` (Unix time). Pure: the caller supplies the instant.
    public static func lastCompletedSession(asOfUTC seconds: Int64) -> SessionDate {
        let cal = NYSECalendar()
        let local = seconds + Int64(NewYorkTime.utcOffset(atUnixSeconds: seconds))
        let today = SessionDate(daysSinceEpoch: Int(NewYorkTime.floorDiv(local, 86_400)))
        let secondOfDay = Int(local - Int64(today.daysSinceEpoch) * 86_400)
        if let close = cal.closeTime(today), secondOfDay >= close.secondsOfDay { return today }
        return cal.tradingDay(onOrBefore: today.adding(days: -1))
    }
}
