import Foundation
import Market
import Spec
import Testing

@Suite struct CalendarSpecTests {
    @Test func calendarDefaultsToNYSEAndAcceptsEachKind() throws {
        #expect(parsed(header + ["strategies: [buy_and_hold]"])?.data.calendar == .nyse)
        for (text, kind) in [("nyse", CalendarKind.nyse), ("weekdays", .weekdays), ("24x7", .allDays)] {
            let spec = parsed(
                header + ["data: {provider: synthetic, calendar: \(text)}", "strategies: [buy_and_hold]"])
            #expect(spec?.data.calendar == kind)
        }
    }

    @Test func anUnknownCalendarIsReportedAtItsPositionWithASuggestion() {
        let p = problems(header + ["data: {provider: synthetic, calendar: weekday}", "strategies: [buy_and_hold]"])
        #expect(
            p == [
                #"p.yaml:4:39: data.calendar: expected which days are sessions, one of nyse, weekdays, 24x7, got "weekday"; did you mean "weekdays"?"#
            ])
    }

    @Test func aMisspelledCalendarKeyGetsADidYouMean() {
        let p = problems(header + ["data: {provider: synthetic, calender: 24x7}", "strategies: [buy_and_hold]"])
        #expect(p.count == 1)
        #expect(p.first?.hasPrefix("p.yaml:4:29: ") == true)
        #expect(p.first?.contains(#"did you mean "calendar"?"#) == true)
    }

    @Test func specsResolvedBeforeTheKeyExistedDecodeAsNYSE() throws {
        let json = #"{"provider": "csv", "path": "prices", "seed": 42, "quality": {}}"#
        let data = try JSONDecoder().decode(PipelineSpec.DataSpec.self, from: Data(json.utf8))
        #expect(data.calendar == .nyse)
        #expect(data.path == "prices")
    }
}

@Suite struct WebhookRedactionSpecTests {
    @Test func aWebhookDescribesItselfWithSchemeAndHostOnly() throws {
        let spec = try #require(
            parsed(
                header + [
                    "strategies: [buy_and_hold]",
                    #"notify: [{url: "https://hooks.slack.com/services/T0/B0/S3CRET", min_priority: high}]"#,
                ]))
        let hook = try #require(spec.notify.first)
        #expect(hook.display == "https://hooks.slack.com")
        #expect("\(hook)" == "webhook https://hooks.slack.com (min_priority high)")
        #expect(!String(reflecting: hook).contains("S3CRET"))
    }

    @Test func anInvalidWebhookURLIsReportedWithoutItsToken() {
        let p = problems(header + ["strategies: [buy_and_hold]", #"notify: [{url: "ftp://u:S3CRET@x.example/p"}]"#])
        #expect(p.count == 1)
        #expect(p.first?.contains("notify[0].url") == true)
        #expect(p.first?.contains("S3CRET") == false)
    }
}
