import Market
import Strategies
import Testing

@testable import Reports

@Suite struct AnalyticsTests {
    @Test func buyAndHoldScalesCloseToCapital() {
        #expect(ReportAnalytics.buyAndHold(close: [50, 55, 45], initialCapital: 10_000) == [10_000, 11_000, 9_000])
        #expect(ReportAnalytics.buyAndHold(close: [0, 1], initialCapital: 10_000).isEmpty)
    }

    @Test func drawdownIsPositivePercentBelowPeak() {
        let dd = ReportAnalytics.drawdownPct([100, 120, 90, 130, 117])
        let expected: [Double] = [0, 0, 25, 0, 10]  // 1 − 90/120, 1 − 117/130
        #expect(zip(dd, expected).allSatisfy { abs($0 - $1) < 1e-9 } && dd.count == 5)
    }

    @Test func monthlyReturnsChainMonthEnds() {
        let d = ["2020-01-30", "2020-01-31", "2020-02-03", "2020-02-28", "2020-03-02", "2020-12-31", "2021-01-04"].map(
            Fixture.date)
        let e: [Double] = [100, 110, 99, 121, 121, 96.8, 121]
        let m = ReportAnalytics.monthlyReturns(dates: d, equity: e)
        #expect(m.count == 2)
        #expect(m[0].year == 2020)
        // Jan 110/100, Feb 121/110, Mar 121/121, Dec 96.8/121; year 96.8/100. 2021: Jan 121/96.8.
        #expect(abs(m[0].months[0]! - 10) < 1e-9)
        #expect(abs(m[0].months[1]! - 10) < 1e-9)
        #expect(m[0].months[2] == 0)
        #expect(m[0].months[3] == nil)
        #expect(abs(m[0].months[11]! - -20) < 1e-9)
        #expect(abs(m[0].yearTotal! - -3.2) < 1e-9)
        #expect(abs(m[1].months[0]! - 25) < 1e-9)
        #expect(abs(m[1].yearTotal! - 25) < 1e-9)
    }

    @Test func scoreGridTakesBestOverOtherVaryingParameters() {
        func row(_ params: String, _ score: Double, strategy: String = "s") -> ResultRow {
            ResultRow(
                symbol: "X", strategy: strategy, params: Parameters(canonical: params)!,
                metrics: Fixture.metrics(ret: 1),
                score: Fixture.score(score), rank: 1, trades: [])
        }
        let rows = [
            row("a=10;b=5;c=1", 40), row("a=10;b=5;c=2", 45), row("a=2;b=5;c=1", 30), row("a=10;b=50;c=1", 20),
            row("p=1", 10, strategy: "single"), row("p=2", 12, strategy: "single"),
        ]
        let grids = ReportAnalytics.scoreGrids(rows)
        #expect(grids.count == 1)
        let g = grids[0]
        #expect(g.rowParam == "a" && g.columnParam == "b" && g.otherVarying == ["c"])
        #expect(g.rowValues == ["2", "10"])  // numeric order, not text order
        #expect(g.columnValues == ["5", "50"])
        #expect(g.cells == [[30, nil], [45, 20]])
    }
}

@Suite struct SVGChartTests {
    @Test func relativePath() {
        #expect(SVGChart.path([(0, 0), (10, -5), (25, 5), (30, 5)]) == "M0 0l10-5 15 10 5 0")
        #expect(SVGChart.path([(100, 50), (99, 40)]) == "M100 50l-1-10")
    }

    @Test func niceTicksCoverRange() {
        #expect(SVGChart.niceTicks(lo: 0, hi: 97, count: 5) == [0, 20, 40, 60, 80, 100])
        #expect(SVGChart.niceTicks(lo: 9_300, hi: 12_050, count: 5) == [9_000, 10_000, 11_000, 12_000, 13_000])
        #expect(SVGChart.niceTicks(lo: -23.4, hi: 0, count: 4) == [-30, -20, -10, 0])
    }

    @Test func dateTicksAreYearsForLongSpans() {
        let dates = Fixture.weekdays(from: "2019-06-03", count: 600)
        let ticks = SVGChart.dateTicks(dates)
        #expect(ticks.map(\.1) == ["2020", "2021"])
        #expect(dates[ticks[0].0].iso == "2020-01-01")
    }

    /// Ticks fall where a date's year (spans over 548 days) or month number differs from the previous
    /// date's, whatever the order and gaps of the dates: checked against that rule applied pair by pair on
    /// seeded sorted, gapped and shuffled dates, two dates a year apart (same month number: no month tick)
    /// and dates at the calendar's ends.
    @Test func dateTicksFollowThePairwiseRuleForAnyDates() {
        func reference(_ dates: [SessionDate]) -> [(Int, String)] {
            let byYear = dates[dates.count - 1].daysSinceEpoch - dates[0].daysSinceEpoch > 548
            var out: [(Int, String)] = []
            for i in 1..<dates.count {
                if byYear, dates[i].year != dates[i - 1].year { out.append((i, String(dates[i].year))) }
                if !byYear, dates[i].month != dates[i - 1].month { out.append((i, String(dates[i].iso.prefix(7)))) }
            }
            return out
        }
        var rng = SplitMix64(state: 42)
        var cases: [[SessionDate]] = [
            [SessionDate(iso: "2024-01-05")!, SessionDate(iso: "2025-01-06")!],
            [SessionDate(iso: "2024-03-31")!, SessionDate(iso: "2024-04-01")!, SessionDate(iso: "2024-03-30")!],
            [SessionDate(daysSinceEpoch: -800_000_000), SessionDate(daysSinceEpoch: 800_000_000)],
        ]
        for n in [2, 30, 400, 2_600] {
            var day = 19_000 + Int(rng.next() % 400)
            var sorted: [SessionDate] = []
            for _ in 0..<n {
                sorted.append(SessionDate(daysSinceEpoch: day))
                day += 1 + Int(rng.next() % (n > 400 ? 4 : 40))
            }
            cases.append(sorted)
            cases.append(sorted.shuffled(using: &rng))
        }
        for dates in cases {
            let ticks = SVGChart.dateTicks(dates)
            let expected = reference(dates)
            if expected.isEmpty {
                #expect(ticks.count == 5, "\(dates.count) dates: the five-point fallback")
            } else {
                let stride = (expected.count + 9) / 10
                let thinned = expected.enumerated().filter { $0.offset % stride == 0 }.map(\.element)
                #expect(
                    ticks.map(\.0) == thinned.map(\.0) && ticks.map(\.1) == thinned.map(\.1), "\(dates.count) dates")
            }
        }
    }

    @Test func chartHasAxesLabelsAndLegend() {
        let dates = Fixture.weekdays(from: "2020-01-02", count: 300)
        let svg = SVGChart(
            title: "t", dates: dates,
            series: [
                .init(label: "strategy", cssClass: "s1", values: Fixture.walk(count: 300, start: 10_000, seed: 1)),
                .init(label: "Buy & hold", cssClass: "s2", values: Fixture.walk(count: 300, start: 10_000, seed: 2)),
            ], valueStyle: .money
        ).render()
        #expect(svg.hasPrefix("<svg class=\"ch\" viewBox=\"0 0 2000 600\""))
        #expect(svg.contains("class=\"yl\""))
        #expect(svg.contains(">2020-02</text>"))
        #expect(svg.contains(">Buy &amp; hold</text>"))
        #expect(svg.contains("class=\"s1\"") && svg.contains("class=\"s2\""))
        #expect(svg.hasSuffix("</svg>"))
    }
}
