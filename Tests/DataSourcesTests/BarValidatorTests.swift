import DataSources
import Market
import Testing

@Suite struct BarValidatorTests {
    func bar(_ d: String, _ o: Double, _ h: Double, _ l: Double, _ c: Double, _ v: Double = 100) -> Bar {
        Bar(date: day(d), open: o, high: h, low: l, close: c, volume: v)
    }

    @Test func acceptsGoodBarsAndRejectsEachRule() {
        let input = [
            bar("2024-07-01", 10, 11, 9, 10.5),
            bar("2024-07-02", 10, 9.9, 9, 9.5),  // high below open
            bar("2024-07-02", 10, 11, 10.6, 10.5),  // low above close
            bar("2024-07-02", 10, 11, 9, 10.5, -1),  // negative volume
            bar("2024-07-02", 0, 11, 9, 10.5),  // zero open
            bar("2024-07-02", 10, .infinity, 9, 10.5),  // infinite high
            bar("2024-07-02", 10, 11, 9, .nan),  // NaN close
            bar("2024-07-02", 10, 11, 9, 10.5),  // good
            bar("2024-07-02", 10, 11, 9, 10.5),  // duplicate date
            bar("2024-07-01", 10, 11, 9, 10.5),  // out of order
            bar("2024-07-04", 10, 11, 9, 10.5),  // Independence Day
            bar("2024-07-06", 10, 11, 9, 10.5),  // Saturday
            bar("2024-07-05", 10, 10, 10, 10, 0),  // flat bar, zero volume: fine
        ]
        let (accepted, rejected) = BarValidator(calendar: NYSECalendar()).validate(input)
        #expect(accepted.map(\.date.iso) == ["2024-07-01", "2024-07-02", "2024-07-05"])
        #expect(rejected.count == 10)
        let reasons = rejected.map(\.reason)
        #expect(reasons[0].hasPrefix("high 9.9 is below"))
        #expect(reasons[1].hasPrefix("low 10.6 is above"))
        #expect(reasons[2].hasPrefix("volume -1.0"))
        #expect(reasons[3].hasPrefix("open 0.0"))
        #expect(reasons[4].hasPrefix("high inf"))
        #expect(reasons[5].hasPrefix("close nan"))
        #expect(reasons[6] == "duplicate date (one bar per date)")
        #expect(reasons[7] == "out of order: comes after 2024-07-02")
        #expect(reasons[8] == "not a trading day of the exchange calendar")
        #expect(reasons[9] == "not a trading day of the exchange calendar")
    }

    @Test func withoutCalendarWeekendsPass() {
        let (accepted, rejected) = BarValidator(calendar: nil).validate([bar("2024-07-06", 10, 11, 9, 10)])
        #expect(accepted.count == 1 && rejected.isEmpty)
    }
}
