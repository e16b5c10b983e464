import Engine
import Foundation
import Scoring
import Testing

@Suite struct OverfittingTests {
    /// Φ written out with erfc, independent of the code under test.
    func phi(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// An equity curve from its bar returns, starting at 100.
    func curve(_ r: [Double]) -> [Double] {
        var e = [100.0]
        for x in r { e.append(e[e.count - 1] * (1 + x)) }
        return e
    }

    @Test func inverseNormalMatchesTabulatedQuantiles() {
        // Quantiles from a reference implementation (Python's statistics.NormalDist.inv_cdf).
        for (p, x) in [(0.975, 1.9599639845400536), (0.01, -2.3263478740408408), (1e-10, -6.361340902404056)] {
            #expect(abs(Overfitting.inverseNormalCDF(p) - x) < 1e-12)
        }
        #expect(Overfitting.inverseNormalCDF(0.5) == 0)
    }

    @Test func deflatedSharpeOfThePapersWorkedExample() {
        // Bailey & López de Prado (2014), numerical example: annualised SR 2.5 over T = 1250 daily returns,
        // N = 100 trials whose annualised Sharpe ratios have variance 1/2, skewness −3, kurtosis 10: the
        // expected maximum is 0.1132 per day and DSR ≈ 0.9004. Every Sharpe ratio converted at √250.
        let v = 0.5 / 250
        let threshold = Overfitting.expectedMaxSharpe(trials: 100, variance: v)
        #expect(abs(threshold - 0.1132) < 5e-5)
        let dsr = Overfitting.deflatedSharpe(
            sharpe: 2.5 / 250.0.squareRoot(), trials: 100, sharpeVariance: v, observations: 1250, skewness: -3,
            kurtosis: 10)
        #expect(abs((dsr ?? 0) - 0.9004) < 5e-5)
    }

    @Test func deflatedSharpeFromMomentsStepByStep() {
        // Three trials of 12 returns; the first is the best. Everything below is computed from the raw
        // returns, not from the block sums the code keeps.
        let trials: [[Double]] = [
            [0.02, -0.01, 0.015, 0.03, -0.005, 0.01, -0.02, 0.025, 0.0, 0.012, -0.008, 0.018],
            [0.01, -0.02, 0.005, 0.0, -0.01, 0.02, -0.015, 0.01, 0.004, -0.006, 0.002, 0.001],
            [-0.01, 0.01, -0.005, 0.002, 0.003, -0.012, 0.006, 0.0, -0.004, 0.009, -0.001, 0.002],
        ]
        func sharpe(_ r: [Double]) -> Double {
            let m = r.reduce(0, +) / Double(r.count)
            let v = r.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(r.count - 1)
            return m / v.squareRoot()
        }
        let srs = trials.map(sharpe)
        let meanSR = srs.reduce(0, +) / 3
        let varSR = srs.reduce(0) { $0 + ($1 - meanSR) * ($1 - meanSR) } / 2
        // N = 3: Φ⁻¹(1 − 1/3) = 0.43072729929545767, Φ⁻¹(1 − 1/(3e)) = 1.1619569289127327 (tabulated).
        let gamma = 0.5772156649015329
        let threshold = varSR.squareRoot() * ((1 - gamma) * 0.43072729929545767 + gamma * 1.1619569289127327)
        let r = trials[0]
        let t = Double(r.count)
        let mu = r.reduce(0, +) / t
        let m2 = r.reduce(0) { $0 + pow($1 - mu, 2) } / t
        let m3 = r.reduce(0) { $0 + pow($1 - mu, 3) } / t
        let m4 = r.reduce(0) { $0 + pow($1 - mu, 4) } / t
        let skew = m3 / pow(m2, 1.5)
        let kurt = m4 / (m2 * m2)
        let sr = srs[0]
        let expected = phi(
            (sr - threshold) * (t - 1).squareRoot() / (1 - skew * sr + (kurt - 1) / 4 * sr * sr).squareRoot())
        let moments = trials.map { ReturnMoments.of(equity: curve($0), blocks: 4) }
        let dsr = Overfitting.deflatedSharpe(best: 0, of: moments)
        #expect(abs((dsr ?? -1) - expected) < 1e-9)
    }

    @Test func deflatedSharpeIsUndefinedForAFlatBest() {
        let flat = ReturnMoments.of(equity: [Double](repeating: 100, count: 20), blocks: 4)
        #expect(Overfitting.deflatedSharpe(best: 0, of: [flat, flat]) == nil)
    }

    @Test func pboOfAHandEnumeratedGrid() {
        // S = 4 blocks of two returns each, N = 3 combinations:
        //   A wins in blocks 0 and 1 and loses in 2 and 3; B the reverse; C earns a little in every block.
        // The C(4, 2) = 6 splits:
        //   train {0,1}: A is best in training, worst of the three on {2,3} (ω = 1/4 ≤ ½): overfit;
        //   train {2,3}: B likewise: overfit;
        //   train {0,2}, {0,3}, {1,2}, {1,3}: A and B average 0, C is best in training and on the test
        //   blocks (ω = 3/4): not overfit.
        // PBO = 2/6.
        let up = [0.02, 0.0]
        let down = [-0.02, 0.0]
        let small = [0.001, -0.0005]
        let a = curve(up + up + down + down)
        let b = curve(down + down + up + up)
        let c = curve(small + small + small + small)
        let pbo = Overfitting.probabilityOfOverfitting([a, b, c].map { ReturnMoments.of(equity: $0, blocks: 4) })
        #expect(abs((pbo ?? -1) - 2.0 / 6.0) < 1e-12)
    }

    @Test func pboOfADominantCombinationIsZero() {
        // A beats B in every block (same swings, higher drift): A is chosen and best out of sample on every split.
        let a = curve([0.012, -0.004, 0.011, -0.003, 0.013, -0.005, 0.012, -0.002])
        let b = curve([0.006, -0.010, 0.005, -0.009, 0.007, -0.011, 0.006, -0.008])
        let pbo = Overfitting.probabilityOfOverfitting([a, b].map { ReturnMoments.of(equity: $0, blocks: 4) })
        #expect(pbo == 0)
    }

    @Test func pboNeedsTwoCombinationsAndAnEvenBlockCount() {
        let a = ReturnMoments.of(equity: curve([0.01, -0.01, 0.02, 0.0]), blocks: 4)
        #expect(Overfitting.probabilityOfOverfitting([a]) == nil)
        let odd = ReturnMoments.of(equity: curve([0.01, -0.01, 0.02]), blocks: 3)
        #expect(Overfitting.probabilityOfOverfitting([odd, odd]) == nil)
    }

    @Test func blocksSplitTheReturnsEvenly() {
        // 10 returns in 4 blocks: 10·b/4 → boundaries 0, 2, 5, 7, 10.
        let m = ReturnMoments.of(equity: curve([Double](repeating: 0.01, count: 10)), blocks: 4)
        #expect(m.count == [2, 3, 2, 3])
        #expect(m.totalCount == 10)
    }
}
