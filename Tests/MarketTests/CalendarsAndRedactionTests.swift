import Market
import Testing

@Suite struct TradingCalendarsTests {
    // 2024-07-04 (Thursday) is an NYSE holiday; 2024-07-06 is a Saturday.
    let holiday = SessionDate(iso: "2024-07-04")!
    let saturday = SessionDate(iso: "2024-07-06")!

    @Test func eachKindDecidesWhichDaysAreSessions() {
        #expect(!TradingCalendars.make(.nyse).isTradingDay(holiday))
        #expect(TradingCalendars.make(.weekdays).isTradingDay(holiday))
        #expect(!TradingCalendars.make(.weekdays).isTradingDay(saturday))
        #expect(TradingCalendars.make(.allDays).isTradingDay(saturday))
        let week = SessionDate(iso: "2024-07-01")!...SessionDate(iso: "2024-07-07")!
        #expect(TradingCalendars.make(.nyse).tradingDays(in: week).count == 4)
        #expect(TradingCalendars.make(.weekdays).tradingDays(in: week).count == 5)
        #expect(TradingCalendars.make(.allDays).tradingDays(in: week).count == 7)
    }

    @Test func specNamesAndAnnualisation() {
        #expect(CalendarKind(rawValue: "24x7") == .allDays)
        #expect(CalendarKind.allCases.map(\.rawValue) == ["nyse", "weekdays", "24x7"])
        #expect(TradingCalendars.periodsPerYear(.nyse) == 252)
        #expect(TradingCalendars.periodsPerYear(.weekdays) == 252)
        #expect(TradingCalendars.periodsPerYear(.allDays) == 365)
    }

    @Test func relativeDatesCountSessionsOfTheCalendar() {
        // 10 sessions before Monday 2024-07-08: NYSE skips weekends and July 4; 24x7 counts every day.
        let monday = SessionDate(iso: "2024-07-08")!
        #expect(TradingCalendars.make(.nyse).tradingDay(10, sessionsBefore: monday).iso == "2024-06-21")
        #expect(TradingCalendars.make(.weekdays).tradingDay(10, sessionsBefore: monday).iso == "2024-06-24")
        #expect(TradingCalendars.make(.allDays).tradingDay(10, sessionsBefore: monday).iso == "2024-06-28")
    }
}

@Suite struct DefaultAsOfTests {
    @Test func eachCalendarsLastCompletedSession() {
        // Sunday 2024-07-07 12:00 EDT (16:00Z): NYSE and weekdays → Friday 07-05; 24x7 → Saturday 07-06.
        let sundayNoon: Int64 = 1_720_368_000
        #expect(TradingCalendars.lastCompletedSession(.nyse, asOfUTC: sundayNoon).iso == "2024-07-05")
        #expect(TradingCalendars.lastCompletedSession(.weekdays, asOfUTC: sundayNoon).iso == "2024-07-05")
        #expect(TradingCalendars.lastCompletedSession(.allDays, asOfUTC: sundayNoon).iso == "2024-07-06")
        // Friday 2024-07-05 at 17:00 EDT (21:00Z) after Thursday's holiday: Wednesday's early close is past,
        // Friday's close too.
        #expect(TradingCalendars.lastCompletedSession(.nyse, asOfUTC: 1_720_213_200).iso == "2024-07-05")
        // Thursday 2024-07-04 at 17:00 EDT: NYSE closed (holiday) → 07-03; weekdays and 24x7 → 07-04.
        #expect(TradingCalendars.lastCompletedSession(.nyse, asOfUTC: 1_720_126_800).iso == "2024-07-03")
        #expect(TradingCalendars.lastCompletedSession(.weekdays, asOfUTC: 1_720_126_800).iso == "2024-07-04")
    }
}

@Suite struct AsOfCheckTests {
    @Test func aDateAfterTheLastCompletedSessionIsRefusedWithAdvice() {
        let last = SessionDate(iso: "2026-11-30")!
        #expect(AsOfCheck.validate(asOf: last, lastCompleted: last) == nil)
        #expect(AsOfCheck.validate(asOf: SessionDate(iso: "2025-06-30")!, lastCompleted: last) == nil)
        let message = AsOfCheck.validate(asOf: SessionDate(iso: "2026-12-01")!, lastCompleted: last)
        #expect(message?.contains("2026-12-01") == true)
        #expect(message?.contains("on or before 2026-11-30") == true)
    }

    @Test func lastCompletedDayTurnsAtFourPMNewYork() {
        // 2024-07-08 19:59:59Z = 15:59:59 EDT → 2024-07-07; 20:00:00Z = 16:00 EDT → 2024-07-08.
        let fourPM: Int64 = 1_720_468_800
        #expect(AsOfCheck.lastCompletedDay(asOfUTC: fourPM - 1).iso == "2024-07-07")
        #expect(AsOfCheck.lastCompletedDay(asOfUTC: fourPM).iso == "2024-07-08")
        // 2024-01-08 21:00Z = 16:00 EST.
        #expect(AsOfCheck.lastCompletedDay(asOfUTC: 1_704_747_600).iso == "2024-01-08")
        #expect(AsOfCheck.lastCompletedDay(asOfUTC: 1_704_747_599).iso == "2024-01-07")
    }
}

@Suite struct RedactionTests {
    @Test(arguments: [
        ("https://hooks.slack.com/services/T000/B000/XXXXSECRET", "https://hooks.slack.com"),
        ("https://user:p4ss@alerts.example.com:8443/hook?token=abc#frag", "https://alerts.example.com:8443"),
        ("http://127.0.0.1:9000/hook?key=s3cr3t", "http://127.0.0.1:9000"),
        ("HTTPS://Discord.com/api/webhooks/123/tok", "https://discord.com"),
        ("not a url s3cr3t", "<redacted>"),
        ("https://:tok@/", "<redacted>"),
    ])
    func webhookDisplayKeepsOnlySchemeAndHost(url: String, shown: String) {
        #expect(Redaction.webhookDisplay(url) == shown)
    }
}
