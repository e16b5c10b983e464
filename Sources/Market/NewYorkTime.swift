/// UTC ↔ America/New_York conversion, with the US daylight-saving rules written out (no `TimeZone`, no tz
/// database, no clock): the result is the same on every machine. The project's one copy: the HTTP
/// providers' bar stamps (DataSources) and the calendars' "last completed session" both use it.
///
/// Rules (Uniform Time Act and amendments), transitions at 02:00 local time:
/// - 2007 and later: second Sunday of March → first Sunday of November;
/// - 1987–2006: first Sunday of April → last Sunday of October;
/// - 1967–1986: last Sunday of April → last Sunday of October (1974: January 6, 1975: February 23);
/// - before 1967: standard time (UTC−5) all year.
public enum NewYorkTime {
    static let est = -5 * 3600
    static let edt = -4 * 3600

    /// The UTC offset in seconds (−18000 or −14400) in force at `unixSeconds`.
    public static func utcOffset(atUnixSeconds t: Int64) -> Int {
        // The local year can differ from the UTC year only around New Year, far from any transition.
        let year = SessionDate(daysSinceEpoch: Int(floorDiv(t + Int64(est), 86_400))).year
        guard let (start, end) = daylightSavingInterval(year: year) else { return est }
        return (t >= start && t < end) ? edt : est
    }

    /// The New York calendar date of the instant `unixSeconds`.
    public static func sessionDate(unixSeconds t: Int64) -> SessionDate {
        let local = t + Int64(utcOffset(atUnixSeconds: t))
        return SessionDate(daysSinceEpoch: Int(floorDiv(local, 86_400)))
    }

    /// Unix seconds of 00:00 New York time on `date` (never ambiguous: transitions happen at 02:00).
    public static func midnightUnixSeconds(of date: SessionDate) -> Int64 {
        let local = Int64(date.daysSinceEpoch) * 86_400
        let asStandard = local - Int64(est)
        return utcOffset(atUnixSeconds: asStandard) == edt ? local - Int64(edt) : asStandard
    }

    /// `[start, end)` of daylight saving time in `year`, as Unix seconds, or nil when none applies.
    static func daylightSavingInterval(year: Int) -> (Int64, Int64)? {
        let startDay: SessionDate
        let endDay: SessionDate
        switch year {
        case 2007...:
            startDay = NYSECalendar.nthWeekday(2, weekday: 0, month: 3, year: year)
            endDay = NYSECalendar.nthWeekday(1, weekday: 0, month: 11, year: year)
        case 1987...2006:
            startDay = NYSECalendar.nthWeekday(1, weekday: 0, month: 4, year: year)
            endDay = NYSECalendar.lastWeekday(0, month: 10, year: year)
        case 1974:
            startDay = SessionDate(year: 1974, month: 1, day: 6)!
            endDay = NYSECalendar.lastWeekday(0, month: 10, year: year)
        case 1975:
            startDay = SessionDate(year: 1975, month: 2, day: 23)!
            endDay = NYSECalendar.lastWeekday(0, month: 10, year: year)
        case 1967...1986:
            startDay = NYSECalendar.lastWeekday(0, month: 4, year: year)
            endDay = NYSECalendar.lastWeekday(0, month: 10, year: year)
        default:
            return nil
        }
        // 02:00 EST = 07:00Z starts DST; 02:00 EDT = 06:00Z ends it.
        let start = Int64(startDay.daysSinceEpoch) * 86_400 + 7 * 3600
        let end = Int64(endDay.daysSinceEpoch) * 86_400 + 6 * 3600
        return (start, end)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Parses an RFC 3339 timestamp (`2024-01-02T05:00:00Z`, `2022-04-11T04:00:00.000000000Z`,
    /// `2024-01-03T09:30:00-04:00`) into Unix seconds (fractions dropped). Nil when malformed.
    public static func unixSeconds(rfc3339 text: some StringProtocol) -> Int64? {
        let u = Array(text.utf8)
        guard u.count >= 20, u[10] == UInt8(ascii: "T") || u[10] == UInt8(ascii: "t") || u[10] == UInt8(ascii: " "),
            u[13] == UInt8(ascii: ":"), u[16] == UInt8(ascii: ":")
        else { return nil }
        let num = { SessionDate.decimal(u, $0) }
        guard let date = SessionDate(iso: String(decoding: u[0..<10], as: UTF8.self)),
            let hh = num(11..<13), let mm = num(14..<16), let ss = num(17..<19), hh < 24, mm < 60, ss <= 60
        else { return nil }
        var i = 19
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            let digitsStart = i
            while i < u.count, u[i] >= UInt8(ascii: "0"), u[i] <= UInt8(ascii: "9") { i += 1 }
            guard i > digitsStart else { return nil }
        }
        guard i < u.count else { return nil }
        var offset = 0
        switch u[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard i + 1 == u.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard i + 6 == u.count, u[i + 3] == UInt8(ascii: ":"), let oh = num((i + 1)..<(i + 3)),
                let om = num((i + 4)..<(i + 6)), oh < 24, om < 60
            else { return nil }
            offset = (oh * 3600 + om * 60) * (u[i] == UInt8(ascii: "-") ? -1 : 1)
        default:
            return nil
        }
        return Int64(date.daysSinceEpoch) * 86_400 + Int64(hh * 3600 + mm * 60 + ss - offset)
    }
}
