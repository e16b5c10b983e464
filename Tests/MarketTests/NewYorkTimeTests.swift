import Market
import Testing

@Suite struct NewYorkTimeTests {
    func date(_ rfc: String) throws -> SessionDate {
        NewYorkTime.sessionDate(unixSeconds: try #require(NewYorkTime.unixSeconds(rfc3339: rfc)))
    }

    // Expected dates worked out by hand from the US rules (EST = UTC−5, EDT = UTC−4).
    @Test(arguments: [
        ("2024-01-02T05:00:00Z", "2024-01-02"),  // Alpaca winter stamp = 00:00 EST
        ("2022-04-11T04:00:00Z", "2022-04-11"),  // Alpaca summer stamp = 00:00 EDT (official example)
        ("2022-02-28T05:00:00Z", "2022-02-28"),
        ("2024-03-10T04:59:59Z", "2024-03-09"),  // 23:59:59 EST, DST starts later that night
        ("2024-03-11T04:00:00Z", "2024-03-11"),  // first Monday in EDT
        ("2024-11-04T05:00:00Z", "2024-11-04"),  // first Monday back in EST
        ("2024-11-04T04:00:00Z", "2024-11-03"),  // 23:00 EST on Sunday — taking UTC date would be wrong
        ("2024-07-01T13:30:00Z", "2024-07-01"),  // Yahoo summer 09:30 open
        ("2024-01-02T14:30:00Z", "2024-01-02"),  // Yahoo winter 09:30 open
        ("2024-01-03T00:30:00Z", "2024-01-02"),  // 19:30 EST the day before
    ])
    func sessionDates(stamp: String, expected: String) throws {
        #expect(try date(stamp).iso == expected)
    }

    @Test(arguments: [
        // 2007+ rules: 2nd Sunday of March 07:00Z … 1st Sunday of November 06:00Z.
        ("2024-03-10T06:59:59Z", -18000), ("2024-03-10T07:00:00Z", -14400),
        ("2024-11-03T05:59:59Z", -14400), ("2024-11-03T06:00:00Z", -18000),
        // 1987–2006 rules: 1st Sunday of April … last Sunday of October.
        ("2006-03-12T07:00:00Z", -18000), ("2006-04-02T06:59:59Z", -18000), ("2006-04-02T07:00:00Z", -14400),
        ("2006-10-29T05:59:59Z", -14400), ("2006-10-29T06:00:00Z", -18000),
        // 1976–1986: last Sunday of April (1985-04-28).
        ("1985-04-21T12:00:00Z", -18000), ("1985-04-28T07:00:00Z", -14400),
        ("2024-01-15T12:00:00Z", -18000), ("2024-07-15T12:00:00Z", -14400),
    ])
    func offsets(stamp: String, offset: Int) throws {
        let t = try #require(NewYorkTime.unixSeconds(rfc3339: stamp))
        #expect(NewYorkTime.utcOffset(atUnixSeconds: t) == offset)
    }

    @Test func midnightsMatchYahooPeriods() throws {
        // protocols §6.8: period1=1704171600 (2024-01-02), period2=1704430800 (2024-01-05, exclusive end).
        #expect(NewYorkTime.midnightUnixSeconds(of: SessionDate(iso: "2024-01-02")!) == 1_704_171_600)
        #expect(NewYorkTime.midnightUnixSeconds(of: SessionDate(iso: "2024-01-05")!) == 1_704_430_800)
        // 2024-07-01T00:00Z = 1719792000; EDT midnight is 4 h later.
        #expect(NewYorkTime.midnightUnixSeconds(of: SessionDate(iso: "2024-07-01")!) == 1_719_806_400)
        // DST-start day: midnight is still EST (2024-03-10T00:00Z = 1710028800, +5 h).
        #expect(NewYorkTime.midnightUnixSeconds(of: SessionDate(iso: "2024-03-10")!) == 1_710_046_800)
    }

    @Test func rfc3339Variants() {
        #expect(NewYorkTime.unixSeconds(rfc3339: "2024-01-01T00:00:00Z") == 1_704_067_200)
        #expect(
            NewYorkTime.unixSeconds(rfc3339: "2022-04-11T04:00:00.000000000Z")
                == NewYorkTime.unixSeconds(rfc3339: "2022-04-11T04:00:00Z"))
        #expect(NewYorkTime.unixSeconds(rfc3339: "2024-01-03T09:30:00-04:00") == 1_704_288_600)  // 13:30Z
        #expect(NewYorkTime.unixSeconds(rfc3339: "2024-01-03T09:30:00+01:00") == 1_704_270_600)  // 08:30Z
        for bad in ["2024-01-03", "2024-01-03T25:00:00Z", "2024-01-03T09:30:00", "2024-01-03T09:30:00.Z", "x"] {
            #expect(NewYorkTime.unixSeconds(rfc3339: bad) == nil, "\(bad)")
        }
    }
}
