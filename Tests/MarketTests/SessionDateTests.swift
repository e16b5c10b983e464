import Market
import Testing

@Suite struct SessionDateTests {
    @Test(arguments: [
        ("1970-01-01", 0, 4), ("2000-02-29", 11_016, 2), ("2024-12-31", 20_088, 2), ("1969-12-31", -1, 3),
    ])
    func roundTripsAndWeekday(iso: String, days: Int, weekday: Int) throws {
        let d = try #require(SessionDate(iso: iso))
        #expect(d.daysSinceEpoch == days)
        #expect(d.iso == iso)
        #expect(d.weekday == weekday)
    }

    @Test(arguments: ["2023-02-29", "2024-13-01", "2024-1-01", "2024-01-01T00:00", " 2024-01-01", "abcd-ef-gh"])
    func rejectsInvalid(text: String) {
        #expect(SessionDate(iso: text) == nil)
    }

    @Test func monthArithmeticClampsToMonthEnd() {
        let d = SessionDate(year: 2024, month: 3, day: 31)!
        #expect(d.adding(months: -1).iso == "2024-02-29")
        #expect(d.adding(months: -12).iso == "2023-03-31")
        #expect(d.adding(months: -13).iso == "2023-02-28")
        #expect(d.adding(months: 10).iso == "2025-01-31")
    }

    @Test func weekdayCalendarSkipsWeekends() {
        let cal = WeekdayCalendar()
        let sat = SessionDate(iso: "2024-06-01")!
        #expect(cal.tradingDay(onOrBefore: sat).iso == "2024-05-31")
        #expect(cal.tradingDay(onOrAfter: sat).iso == "2024-06-03")
        #expect(cal.tradingDays(in: sat...sat.adding(days: 9)).count == 6)  // 3–7 and 10 June
    }
}
