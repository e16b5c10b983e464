import Strategies
import Testing

/// Indicators against values computed by hand from their definitions.
@Suite struct IndicatorFormulaTests {
    @Test func donchianChannelIsTheRollingExtremeIncludingTheCurrentBar() {
        let high = [10.0, 12, 11, 15, 9, 8]
        let low = [5.0, 6, 4, 7, 3, 6]
        let d = Indicators.donchian(high: high, low: low, 3)
        #expect(d.upper[0].isNaN && d.upper[1].isNaN)
        #expect(Array(d.upper[2...]) == [12, 15, 15, 15])
        #expect(Array(d.lower[2...]) == [4, 4, 3, 3])
    }

    @Test func rateOfChangeInPercent() {
        let x = [100.0, 110, 121, 99]
        let r = Indicators.roc(x, 2)
        #expect(r[0].isNaN && r[1].isNaN)
        #expect(r[2] == (121.0 / 100 - 1) * 100)  // 21 %
        #expect(r[3] == (99.0 / 110 - 1) * 100)  // −10 %
    }

    @Test func smaOfConstantSeriesIsExact() {
        // pandas' "n equal values" rule returns the value itself, whatever the running sum drifted to.
        let x = [Double](repeating: 0.1, count: 50)
        let s = Indicators.sma(x, 7)
        #expect(s[5].isNaN)
        #expect(s[6...].allSatisfy { $0 == 0.1 })
    }

    @Test func smaByHand() {
        let s = Indicators.sma([1, 2, 3, 4, 5], 3)
        #expect(s[2] == 2 && s[3] == 3 && s[4] == 4)
    }

    @Test func emaSeedAndRecursion() {
        // k = 2/(3+1) = 0.5; seed = mean(1,2,3) = 2; then (4−2)·0.5+2 = 3; (8−3)·0.5+3 = 5.5.
        let e = Indicators.ema([1, 2, 3, 4, 8], 3)
        #expect(e[1].isNaN)
        #expect(Array(e[2...]) == [2, 3, 5.5])
    }

    @Test func crossoverIsStrictOnBothBars() {
        // A touch (equal on bar 1) followed by a move through is not a crossover.
        let a = [1.0, 2, 3]
        let b = [2.0, 2, 2]
        let s = Indicators.crossoverSignals(a, b)
        #expect(s.entry == [false, false, false])
        let c = Indicators.crossoverSignals([1.0, 3], [2.0, 2])
        #expect(c.entry == [false, true] && c.exit == [false, false])
    }
}
