import Market
import Testing

/// Expected values are written by hand from the NYSE's published holiday and early-close schedules.
@Suite struct NYSECalendarTests {
    let cal = NYSECalendar()

    static func d(_ s: String) -> SessionDate { SessionDate(iso: s)! }

    /// Full-day holidays per year (observed dates; special closures listed separately).
    static let holidays: [Int: [String]] = [
        2008: [
            "2008-01-01", "2008-01-21", "2008-02-18", "2008-03-21", "2008-05-26", "2008-07-04", "2008-09-01",
            "2008-11-27", "2008-12-25",
        ],
        2012: [
            "2012-01-02", "2012-01-16", "2012-02-20", "2012-04-06", "2012-05-28", "2012-07-04", "2012-09-03",
            "2012-11-22", "2012-12-25",
        ],
        2015: [
            "2015-01-01", "2015-01-19", "2015-02-16", "2015-04-03", "2015-05-25", "2015-07-03", "2015-09-07",
            "2015-11-26", "2015-12-25",
        ],
        2020: [
            "2020-01-01", "2020-01-20", "2020-02-17", "2020-04-10", "2020-05-25", "2020-07-03", "2020-09-07",
            "2020-11-26", "2020-12-25",
        ],
        2021: [
            "2021-01-01", "2021-01-18", "2021-02-15", "2021-04-02", "2021-05-31", "2021-07-05", "2021-09-06",
            "2021-11-25", "2021-12-24",
        ],
        2022: [
            "2022-01-17", "2022-02-21", "2022-04-15", "2022-05-30", "2022-06-20", "2022-07-04", "2022-09-05",
            "2022-11-24", "2022-12-26",
        ],
        2024: [
            "2024-01-01", "2024-01-15", "2024-02-19", "2024-03-29", "2024-05-27", "2024-06-19", "2024-07-04",
            "2024-09-02", "2024-11-28", "2024-12-25",
        ],
        2025: [
            "2025-01-01", "2025-01-20", "2025-02-17", "2025-04-18", "2025-05-26", "2025-06-19", "2025-07-04",
            "2025-09-01", "2025-11-27", "2025-12-25",
        ],
        2026: [
            "2026-01-01", "2026-01-19", "2026-02-16", "2026-04-03", "2026-05-25", "2026-06-19", "2026-07-03",
            "2026-09-07", "2026-11-26", "2026-12-25",
        ],
    ]

    static let earlyCloses: [Int: [String]] = [
        2008: ["2008-07-03", "2008-11-28", "2008-12-24"],
        2012: ["2012-07-03", "2012-11-23", "2012-12-24"],
        2015: ["2015-11-27", "2015-12-24"],
        2020: ["2020-11-27", "2020-12-24"],
        2021: ["2021-11-26"],
        2022: ["2022-11-25"],
        2024: ["2024-07-03", "2024-11-29", "2024-12-24"],
        2025: ["2025-07-03", "2025-11-28", "2025-12-24"],
        2026: ["2026-11-27", "2026-12-24"],
    ]

    /// Published session counts per year.
    static let sessionCounts: [Int: Int] = [
        2008: 253, 2012: 250, 2015: 252, 2020: 253, 2021: 252, 2022: 251, 2024: 252, 2025: 250, 2026: 251,
    ]

    @Test(arguments: [2008, 2012, 2015, 2020, 2021, 2022, 2024, 2025, 2026])
    func holidaysEarlyClosesAndSessionCounts(year: Int) {
        let expected = Self.holidays[year]!.map(Self.d)
        #expect(NYSECalendar.holidays(year: year) == expected)
        // Every weekday that is not a trading day is a listed holiday or a special closure.
        let first = SessionDate(year: year, month: 1, day: 1)!
        let last = SessionDate(year: year, month: 12, day: 31)!
        var closedWeekdays: [SessionDate] = []
        var d = first
        while d <= last {
            if !d.isWeekend && !cal.isTradingDay(d) { closedWeekdays.append(d) }
            d = d.adding(days: 1)
        }
        let special = NYSECalendar.specialClosures.filter { $0.year == year }
        #expect(closedWeekdays == (expected + special).sorted())
        #expect(cal.earlyCloses(year: year) == Self.earlyCloses[year]!.map(Self.d))
        #expect(cal.tradingDays(in: first...last).count == Self.sessionCounts[year]!)
    }

    /// The per-day table of closed days answers as the rules do (weekends, each year's holidays, the special
    /// closures) on every day from 1940 to 2110, across both ends of the table.
    @Test func everyDayAnswersAsTheHolidayRules() {
        let cal = NYSECalendar()
        let special = Set(NYSECalendar.specialClosures)
        var day = SessionDate(year: 1940, month: 1, day: 1)!
        let last = SessionDate(year: 2110, month: 12, day: 31)!
        var mismatches: [String] = []
        var holidays: [Int: Set<SessionDate>] = [:]
        while day <= last {
            let y = day.year
            if holidays[y] == nil { holidays[y] = Set(NYSECalendar.holidays(year: y)) }
            let rule = !day.isWeekend && !special.contains(day) && !(holidays[y]!.contains(day))
            if cal.isTradingDay(day) != rule, mismatches.count < 5 { mismatches.append(day.iso) }
            day = day.adding(days: 1)
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test func specialClosures() {
        for s in [
            "2001-09-11", "2001-09-12", "2001-09-13", "2001-09-14", "2004-06-11", "2007-01-02", "2012-10-29",
            "2012-10-30", "2018-12-05", "2025-01-09",
        ] {
            #expect(!cal.isTradingDay(Self.d(s)), "\(s) should be closed")
        }
        #expect(cal.isTradingDay(Self.d("2001-09-10")))
        #expect(cal.isTradingDay(Self.d("2001-09-17")))
        #expect(cal.isTradingDay(Self.d("2012-10-31")))
    }

    @Test func observanceShifts() {
        // New Year's Day on a Saturday: not observed; Friday Dec 31 trades.
        #expect(cal.isTradingDay(Self.d("2021-12-31")))
        #expect(cal.isTradingDay(Self.d("2010-12-31")))
        #expect(cal.isTradingDay(Self.d("2022-01-03")))
        // New Year's Day on a Sunday: Monday off.
        #expect(!cal.isTradingDay(Self.d("2017-01-02")))
        #expect(!cal.isTradingDay(Self.d("2023-01-02")))
        // Christmas on Saturday → Friday off; on Sunday → Monday off.
        #expect(!cal.isTradingDay(Self.d("2010-12-24")))
        #expect(!cal.isTradingDay(Self.d("2016-12-26")))
        // Independence Day on Sunday → Monday off, and Friday July 2 is a full session.
        #expect(!cal.isTradingDay(Self.d("2010-07-05")))
        #expect(cal.closeTime(Self.d("2021-07-02")) == LocalTime(hour: 16, minute: 0))
        // Juneteenth: first observed 2022; on Saturday 2027 → Friday June 18.
        #expect(cal.isTradingDay(Self.d("2021-06-18")))
        #expect(!cal.isTradingDay(Self.d("2027-06-18")))
        // Thanksgiving is the 4th Thursday even when November has five.
        #expect(!cal.isTradingDay(Self.d("2018-11-22")))
        #expect(cal.isTradingDay(Self.d("2018-11-29")))
    }

    @Test func earlyCloseRuleChangesForJulyThird() {
        // Before 2013, a Thursday July 4 gave an early close on Friday July 5, none on Wednesday July 3.
        #expect(cal.isEarlyClose(Self.d("2002-07-05")))
        #expect(!cal.isEarlyClose(Self.d("2002-07-03")))
        // Since 2013 the Wednesday before is the early close and Friday is a full day.
        #expect(cal.isEarlyClose(Self.d("2013-07-03")))
        #expect(!cal.isEarlyClose(Self.d("2013-07-05")))
        #expect(cal.isEarlyClose(Self.d("2003-12-26")))
        #expect(cal.closeTime(Self.d("2024-11-29")) == LocalTime(hour: 13, minute: 0))
        #expect(cal.closeTime(Self.d("2024-11-28")) == nil)
        #expect(!cal.isEarlyClose(Self.d("2024-11-28")))
    }

    @Test func easter() {
        let expected = [
            2000: "2000-04-23", 2008: "2008-03-23", 2011: "2011-04-24", 2019: "2019-04-21", 2024: "2024-03-31",
            2035: "2035-03-25",
        ]
        for (y, s) in expected { #expect(NYSECalendar.easterSunday(y) == Self.d(s)) }
    }

    /// Unix seconds of a New York wall-clock time, given the UTC offset in hours (−4 EDT, −5 EST).
    static func utc(_ date: String, _ hour: Int, _ minute: Int, _ second: Int = 0, offset: Int) -> Int64 {
        Int64(d(date).daysSinceEpoch) * 86_400 + Int64((hour - offset) * 3600 + minute * 60 + second)
    }

    @Test(arguments: [
        // DST starts 2024-03-10: Friday 16:00 EST is 21:00 UTC.
        (utc("2024-03-08", 16, 0, offset: -5), "2024-03-08"),
        (utc("2024-03-08", 15, 59, 59, offset: -5), "2024-03-07"),
        // Monday after the switch: 16:00 EDT is 20:00 UTC.
        (utc("2024-03-11", 16, 0, offset: -4), "2024-03-11"),
        (utc("2024-03-11", 15, 59, 59, offset: -4), "2024-03-08"),
        // DST ends 2024-11-03.
        (utc("2024-11-01", 16, 0, offset: -4), "2024-11-01"),
        (utc("2024-11-04", 15, 30, offset: -5), "2024-11-01"),
        (utc("2024-11-04", 16, 0, offset: -5), "2024-11-04"),
        // Holiday and the early close before it.
        (utc("2024-07-03", 12, 59, 59, offset: -4), "2024-07-02"),
        (utc("2024-07-03", 13, 0, offset: -4), "2024-07-03"),
        (utc("2024-07-04", 18, 0, offset: -4), "2024-07-03"),
        // Weekend, and late evening New York time (already the next day in UTC).
        (utc("2024-07-06", 8, 0, offset: -4), "2024-07-05"),
        (utc("2024-07-08", 22, 0, offset: -4), "2024-07-08"),
        (utc("2024-07-09", 0, 30, offset: -4), "2024-07-08"),
        // Day after Thanksgiving closes at 13:00 EST.
        (utc("2025-11-28", 13, 0, offset: -5), "2025-11-28"),
        (utc("2025-11-28", 12, 0, offset: -5), "2025-11-26"),
        // Saturday New Year's Day 2022: Dec 31 traded.
        (utc("2022-01-01", 12, 0, offset: -5), "2021-12-31"),
        // Special closure: Carter day of mourning.
        (utc("2025-01-09", 17, 0, offset: -5), "2025-01-08"),
    ])
    func lastCompletedSession(instant: Int64, expected: String) {
        #expect(NYSECalendar.lastCompletedSession(asOfUTC: instant) == Self.d(expected))
    }

    @Test func preDST2007Rule() {
        // 2006: DST from the first Sunday of April (Apr 2) to the last Sunday of October (Oct 29).
        // 2006-03-20 20:30 UTC is 15:30 EST (under the 2007 rule it would wrongly be 16:30 EDT).
        let march = Int64(Self.d("2006-03-20").daysSinceEpoch) * 86_400 + 20 * 3600 + 1800
        #expect(NewYorkTime.utcOffset(atUnixSeconds: march) == -5 * 3600)
        #expect(NYSECalendar.lastCompletedSession(asOfUTC: march) == Self.d("2006-03-17"))
        let april = Int64(Self.d("2006-04-03").daysSinceEpoch) * 86_400 + 20 * 3600 + 1800
        #expect(NewYorkTime.utcOffset(atUnixSeconds: april) == -4 * 3600)
        #expect(NYSECalendar.lastCompletedSession(asOfUTC: april) == Self.d("2006-04-03"))
        let october = Int64(Self.d("2006-10-30").daysSinceEpoch) * 86_400 + 20 * 3600 + 1800
        #expect(NYSECalendar.lastCompletedSession(asOfUTC: october) == Self.d("2006-10-27"))
        // The switch instants themselves: 2024-03-10 07:00 UTC and 2024-11-03 06:00 UTC.
        let springUTC = Int64(Self.d("2024-03-10").daysSinceEpoch) * 86_400 + 7 * 3600
        #expect(NewYorkTime.utcOffset(atUnixSeconds: springUTC - 1) == -5 * 3600)
        #expect(NewYorkTime.utcOffset(atUnixSeconds: springUTC) == -4 * 3600)
        let fallUTC = Int64(Self.d("2024-11-03").daysSinceEpoch) * 86_400 + 6 * 3600
        #expect(NewYorkTime.utcOffset(atUnixSeconds: fallUTC - 1) == -4 * 3600)
        #expect(NewYorkTime.utcOffset(atUnixSeconds: fallUTC) == -5 * 3600)
    }

    @Test func outsideVerifiedRangeStillComputesHolidays() {
        // 2040: Christmas Tuesday, July 4 Wednesday; weekday rules with computed holidays.
        #expect(!cal.isTradingDay(Self.d("2040-12-25")))
        #expect(!cal.isTradingDay(Self.d("2040-07-04")))
        #expect(cal.isTradingDay(Self.d("2040-07-05")))
    }
}
