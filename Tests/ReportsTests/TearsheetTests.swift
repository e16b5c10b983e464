import Testing

@testable import Reports

/// The tearsheet's numbers against values worked out by hand (formulas in docs/metrics.md).
@Suite struct TearsheetTests {
    @Test func barReturns() {
        let r = Tearsheet.returns([100, 110, 99])
        #expect(r.count == 2)
        #expect(abs(r[0] - 0.1) < 1e-12 && abs(r[1] + 0.1) < 1e-12)
        #expect(Tearsheet.returns([5]).isEmpty)
        #expect(Tearsheet.returns([0, 1])[0].isNaN)
    }

    @Test func rollingSharpeAndVolatility() {
        // Returns +10 %, −10 %, +10 %; each 2-bar window has mean 0 and std √0.02 = 0.141421…
        let out = Tearsheet.rolling([100, 110, 99, 108.9], window: 2, annualization: 252)
        #expect(out.sharpe.count == 4 && out.volatilityPct.count == 4)
        #expect(out.sharpe[0] == nil && out.sharpe[1] == nil && out.volatilityPct[1] == nil)
        // 0.1414213562 · √252 · 100 = 224.4994432
        #expect(abs(out.volatilityPct[2]! - 224.4994432) < 1e-6)
        #expect(abs(out.volatilityPct[3]! - 224.4994432) < 1e-6)
        #expect(abs(out.sharpe[2]!) < 1e-12 && abs(out.sharpe[3]!) < 1e-12)
        // Returns +1 %, +3 %: mean 2 %, std √0.0002 = 1.41421 %; Sharpe = 0.02 / 0.0141421 · √252 = 22.4499
        let up = Tearsheet.rolling([100, 101, 104.03], window: 2, annualization: 252)
        #expect(abs(up.sharpe[2]! - 22.44994432) < 1e-6)
        // A flat window: volatility 0 and no Sharpe ratio.
        let flat = Tearsheet.rolling([100, 100, 100], window: 2, annualization: 252)
        #expect(flat.volatilityPct[2] == 0 && flat.sharpe[2] == nil)
    }

    @Test func worstDrawdownsDeepestFirst() {
        let eq: [Double] = [100, 120, 90, 130, 117, 104, 125, 140, 70]
        let dd = Tearsheet.worstDrawdowns(eq, count: 5)
        #expect(dd.count == 3)
        // 140 → 70, never recovered: 50 %, 1 bar from the peak to the last bar.
        #expect(dd[0] == Tearsheet.Drawdown(start: 7, trough: 8, recovery: nil, depthPct: 50, lengthBars: 1))
        // 120 → 90, recovered by 130: 25 %, 2 bars.
        #expect(dd[1] == Tearsheet.Drawdown(start: 1, trough: 2, recovery: 3, depthPct: 25, lengthBars: 2))
        // 130 → 104, recovered by 140 (125 is still below): 20 %, 4 bars.
        #expect(dd[2].start == 3 && dd[2].trough == 5 && dd[2].recovery == 7 && dd[2].lengthBars == 4)
        #expect(abs(dd[2].depthPct - 20) < 1e-12)
        #expect(Tearsheet.worstDrawdowns(eq, count: 2).count == 2)
        #expect(Tearsheet.worstDrawdowns([1, 2, 3], count: 5).isEmpty)
    }

    @Test func yearlyReturnsFromTheLastValueOfThePreviousYear() {
        let dates = ["2020-12-30", "2020-12-31", "2021-01-04", "2021-12-31"].map { Fixture.date($0) }
        let y = Tearsheet.yearlyReturns(dates: dates, equity: [100, 110, 121, 133.1])
        #expect(y.map(\.year) == [2020, 2021])
        #expect(abs(y[0].pct! - 10) < 1e-9)
        #expect(abs(y[1].pct! - 21) < 1e-9)
    }

    @Test func histogramBins() {
        #expect(Tearsheet.histogram([0, 1, 2, 3, 4], bins: 2) == Tearsheet.Histogram(lo: 0, width: 2, counts: [2, 3]))
        #expect(Tearsheet.histogram([.nan, 3, 3], bins: 4) == Tearsheet.Histogram(lo: 3, width: 0, counts: [2]))
        #expect(Tearsheet.histogram([], bins: 4).counts.isEmpty)
    }
}
