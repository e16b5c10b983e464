import Engine
import Testing

/// docs/spec.md's worked example of `volatility_target`: shares such that an annualised ATR move
/// (ATR × √periods per year) costs target_pct of equity, capped at max_percent of equity.
@Suite struct VolatilityTargetWorkedExampleTests {
    func units(target: Double, max: Double, atr: Double, annualization: Double) -> Double {
        Sizing.units(
            cash: 100_000, price: 50, rule: .volatilityTarget(targetPct: target, atrPeriod: 14, maxPercent: max),
            commission: .fraction(0), atr: atr, annualization: annualization)
    }

    @Test func theDocumentedExample() {
        // 10 % of 100,000 = 10,000; ATR 2 × √252 = 31.749 → 314.97 shares → 314 whole shares (15,700 ≤ 100 %).
        #expect(units(target: 10, max: 100, atr: 2, annualization: 252) == 314)
        // max_percent 10 caps the value at 10,000 → 200 shares at 50.
        #expect(units(target: 10, max: 10, atr: 2, annualization: 252) == 200)
        // 24x7 (365 periods): 10,000 ÷ (2 × √365 = 38.210) = 261.7 → 261.
        #expect(units(target: 10, max: 100, atr: 2, annualization: 365) == 261)
        // No ATR yet (warm-up): no entry.
        #expect(units(target: 10, max: 100, atr: .nan, annualization: 252) == 0)
    }
}
