import DataQuality
import Market
import Testing

@Suite struct DataQualityGateTests {
    let cal = WeekdayCalendar()
    let start = SessionDate(iso: "2024-01-01")!  // a Monday
    let end = SessionDate(iso: "2024-03-29")!  // a Friday

    /// A clean series on every weekday of the period: close 100, 101, 100, 101, …; open = previous close.
    func clean() -> [Bar] {
        var prev = 100.0
        return cal.tradingDays(in: start...end).enumerated().map { i, d in
            let c = i % 2 == 0 ? 100.0 : 101.0
            defer { prev = c }
            return Bar(date: d, open: prev, high: 102, low: 99, close: c, volume: 1_000)
        }
    }

    func check(_ bars: [Bar], _ t: QualityThresholds = .standard) -> QualityReport {
        DataQualityGate.check(BarSeries(symbol: "T", bars: bars), start: start, end: end, calendar: cal, thresholds: t)
    }

    @Test func cleanSeriesPasses() {
        #expect(check(clean()).passed)
    }

    @Test func gapLongerThanTheLimitIsFlagged() {
        var bars = clean()
        bars.removeSubrange(10..<16)  // 6 sessions: 2024-01-15 … 2024-01-22
        let r = check(bars)
        #expect(r.findings.map(\.code) == [.gap])
        #expect(r.findings[0].message.hasPrefix("6 consecutive sessions missing from 2024-01-15 (next bar 2024-01-23)"))
        #expect(check(bars, QualityThresholds(maxGapSessions: 6)).passed)
    }

    /// Gaps are found the same way whatever the bars' order (the gate walks sorted dates beside the
    /// calendar, and looks dates up one by one otherwise), with duplicates and gaps at either end.
    @Test func gapsAreTheSameForBarsInAnyOrder() {
        var bars = clean()
        bars.removeSubrange(40..<48)
        bars.removeSubrange(10..<16)
        bars.remove(at: 1)
        let sorted = check(bars)
        #expect(sorted.findings.map(\.code) == [.gap])
        // The first and last bar stay where they are: they bound the sessions checked.
        var shuffled = bars
        var rng = SplitMix64(state: 11)
        shuffled[1..<(bars.count - 1)].shuffle(using: &rng)
        #expect(shuffled.map(\.date) != bars.map(\.date))
        let other = check(shuffled)
        #expect(other.findings.filter { $0.code == .gap }.map(\.message) == sorted.findings.map(\.message))
        #expect(sorted.findings[0].message.hasPrefix("8 consecutive sessions missing"))
        #expect(sorted.findings[0].message.contains("15 missing in all"))
    }

    @Test func staleLastBarIsFlagged() {
        let bars = Array(clean().dropLast(4))  // ends Monday 2024-03-25; 4 sessions short of Friday
        let r = check(bars)
        #expect(r.findings.map(\.code) == [.stale])
        #expect(r.findings[0].message == "last bar 2024-03-25 is 4 sessions before the period end 2024-03-29; limit 3")
    }

    @Test func halvingOvernightIsNamedAsALikelySplit() {
        var bars = clean()
        for i in 30..<bars.count {
            bars[i].open /= 2
            bars[i].high /= 2
            bars[i].low /= 2
            bars[i].close /= 2
        }
        let r = check(bars)
        #expect(r.findings.map(\.code) == [.splitLikeJump])
        // Bar 30 (Monday 2024-02-12) opens at bar 29's close 101, halved: 50.5 against 101 is −50 %.
        #expect(
            r.findings[0].message.hasPrefix(
                "open 50.5 on 2024-02-12 is -50.0 % from the previous close 101.0; looks like an unadjusted 2:1 split"))
    }

    @Test func zeroVolumeRunIsFlagged() {
        var bars = clean()
        for i in 20..<26 { bars[i].volume = 0 }
        let r = check(bars)
        #expect(r.findings.map(\.code) == [.zeroVolumeRun])
        #expect(r.findings[0].message.hasPrefix("6 consecutive bars with zero volume from \(bars[20].date.iso)"))
    }

    @Test func emptySeriesIsFlagged() {
        #expect(check([]).findings.map(\.code) == [.noBars])
    }
}
