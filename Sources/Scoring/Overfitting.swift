import COverfitting
import Engine
import Foundation

/// How likely a symbol's winner is a product of trying many combinations: the Deflated Sharpe Ratio of
/// the winner (Bailey and López de Prado, 2014) and the Probability of Backtest Overfitting of the grid
/// by combinatorially symmetric cross-validation (Bailey, Borwein, López de Prado and Zhu, 2015).
/// Definitions: `docs/metrics.md`, Overfitting.
public enum Overfitting {
    /// The Euler–Mascheroni constant γ.
    public static let eulerGamma = 0.577_215_664_901_532_9

    /// Φ, the standard normal CDF.
    public static func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// Φ⁻¹ for 0 < p < 1 (Acklam's rational approximation refined by one Halley step: ~1e-15 relative);
    /// −∞ at 0, +∞ at 1, NaN outside.
    public static func inverseNormalCDF(_ p: Double) -> Double {
        guard p > 0, p < 1 else { return p == 0 ? -.infinity : p == 1 ? .infinity : .nan }
        let a = [
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
            -3.066479806614716e+01, 2.506628277459239e+00,
        ]
        let b = [
            -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
            -1.328068155288572e+01,
        ]
        let c = [
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
            4.374664141464968e+00, 2.938163982698783e+00,
        ]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x =
                (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5
            let r = q * q
            x =
                (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x =
                -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        // Halley refinement on Φ(x) − p.
        let e = normalCDF(x) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }

    /// The expected maximum Sharpe ratio of `trials` independent trials whose Sharpe ratios have variance
    /// `variance` and true value 0: `√V · ((1 − γ)·Φ⁻¹(1 − 1/N) + γ·Φ⁻¹(1 − 1/(N·e)))`; 0 for N < 2.
    public static func expectedMaxSharpe(trials: Int, variance: Double) -> Double {
        guard trials >= 2, variance > 0 else { return 0 }
        let n = Double(trials)
        return variance.squareRoot()
            * ((1 - eulerGamma) * inverseNormalCDF(1 - 1 / n) + eulerGamma * inverseNormalCDF(1 - 1 / (n * M_E)))
    }

    /// The Deflated Sharpe Ratio: the probability that the true Sharpe ratio exceeds the expected maximum
    /// of `trials` trials, `Φ((SR − SR*)·√(T − 1) / √(1 − γ₃·SR + (γ₄ − 1)/4·SR²))`. Every Sharpe ratio is
    /// per observation (not annualised); `kurtosis` is the plain (not excess) kurtosis. Nil with fewer than
    /// two observations or a non-positive denominator.
    public static func deflatedSharpe(
        sharpe sr: Double, trials: Int, sharpeVariance: Double, observations t: Int, skewness: Double,
        kurtosis: Double
    ) -> Double? {
        guard t >= 2, sr.isFinite, skewness.isFinite, kurtosis.isFinite else { return nil }
        let threshold = expectedMaxSharpe(trials: trials, variance: sharpeVariance)
        let den = 1 - skewness * sr + (kurtosis - 1) / 4 * sr * sr
        guard den > 0 else { return nil }
        return normalCDF((sr - threshold) * Double(t - 1).squareRoot() / den.squareRoot())
    }

    /// Sharpe ratio per observation from a count, Σr and Σr² (ddof 1); 0 when undefined (fewer than two
    /// returns or no variation: a combination that never traded).
    static func sharpe(count: Int, sum: Double, sumSq: Double) -> Double {
        guard count >= 2 else { return 0 }
        let c = Double(count)
        let mean = sum / c
        let variance = (sumSq - sum * mean) / (c - 1)
        return variance > 0 ? mean / variance.squareRoot() : 0
    }

    /// The Deflated Sharpe Ratio of `moments[best]` among every trial in `moments` (N = their count;
    /// V = the sample variance of their per-bar Sharpe ratios; skewness and kurtosis of the best's returns).
    /// Nil when the best's returns do not vary.
    public static func deflatedSharpe(best: Int, of moments: [ReturnMoments]) -> Double? {
        guard moments.indices.contains(best) else { return nil }
        let m = moments[best]
        let t = m.totalCount
        let s1 = m.totalSum
        let s2 = m.totalSumSq
        guard t >= 2 else { return nil }
        let tt = Double(t)
        let mu = s1 / tt
        let m2 = s2 / tt - mu * mu
        guard m2 > 0 else { return nil }
        let m3 = m.sumCube / tt - 3 * mu * s2 / tt + 2 * mu * mu * mu
        let m4 = m.sumQuad / tt - 4 * mu * m.sumCube / tt + 6 * mu * mu * s2 / tt - 3 * mu * mu * mu * mu
        let skew = m3 / (m2 * m2.squareRoot())
        let kurt = m4 / (m2 * m2)
        let sharpes = moments.map { sharpe(count: $0.totalCount, sum: $0.totalSum, sumSq: $0.totalSumSq) }
        var variance = 0.0
        if sharpes.count >= 2 {
            let mean = sharpes.reduce(0, +) / Double(sharpes.count)
            variance = sharpes.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(sharpes.count - 1)
        }
        return deflatedSharpe(
            sharpe: sharpe(count: t, sum: s1, sumSq: s2), trials: moments.count, sharpeVariance: variance,
            observations: t, skewness: skew, kurtosis: kurt)
    }

    /// The Probability of Backtest Overfitting of a grid: over every split of the S blocks into S/2 training
    /// and S/2 test blocks, the combination with the best training Sharpe ratio (the first in plan order on a
    /// tie) is ranked among all N on the test blocks (mid-rank on ties, 1 = worst); the split counts as
    /// overfit when its relative rank ω = rank/(N + 1) ≤ 1/2, i.e. the logit λ = ln(ω/(1 − ω)) ≤ 0.
    /// PBO = overfit splits / C(S, S/2). Nil with fewer than two combinations, or an odd, unequal or
    /// larger-than-24 block count.
    ///
    /// Arithmetic (part of the result: a tie or a near-tie decides a rank): a side's count, Σr and Σr² add,
    /// starting from zero, the sums of its blocks in each group of four (blocks 4g…4g+3, in block order),
    /// group 0 first; the other side's are the totals (`ReturnMoments.totalCount` …) minus those of the side
    /// that holds block 0; a Sharpe ratio is `sharpe(count:sum:sumSq:)`.
    ///
    /// Cost: C(S, S/2)·N Sharpe ratios. Each split and its complement are one pass (the complement's sums
    /// are the totals minus the split's), a split's sums are read from tables of the 16 subsets of each group
    /// of four blocks laid out combination-minor (row (group, subset), one column per combination), so one
    /// pass walks contiguous memory and computes four combinations per vector operation (divisions and
    /// square roots dominate), and the ranking is branch-free. The pass is the C target `COverfitting`,
    /// built for AVX beside the x86-64 baseline and chosen at run time (`Kernel`); both perform the same
    /// IEEE operations in the same order. S = 16, N = 66 (6 435 passes): about 3 ms of CPU with AVX
    /// (`Benchmarks/Sources/pbo-bench`).
    public static func probabilityOfOverfitting(_ moments: [ReturnMoments]) -> Double? {
        probabilityOfOverfitting(moments, kernel: .fastest)
    }

    /// Which build of the split pass runs: the same result either way (the tests and `pbo-bench` run each).
    public enum Kernel: String, Sendable {
        /// Two lanes per instruction (SSE2, the x86-64 baseline; or the platform's own vectors).
        case baseline
        /// Four lanes per instruction (x86-64 with AVX).
        case avx

        /// AVX where this CPU and OS run it.
        public static let fastest: Kernel = coverfitting_has_avx() ? .avx : .baseline
        /// The kernels this machine can run.
        public static var available: [Kernel] { fastest == .avx ? [.baseline, .avx] : [.baseline] }
    }

    /// `probabilityOfOverfitting(_:)` through a given kernel, which must be one of `Kernel.available`.
    public static func probabilityOfOverfitting(_ moments: [ReturnMoments], kernel: Kernel) -> Double? {
        precondition(kernel == .baseline || Kernel.fastest == .avx, "the \(kernel) kernel does not run on this machine")
        let n = moments.count
        guard n >= 2, let s = moments.first?.count.count, s >= 2, s % 2 == 0, s <= 24,
            moments.allSatisfy({ $0.count.count == s })
        else { return nil }
        let groups = (s + 3) / 4
        // Columns: N rounded up to a whole number of four-lane vectors; a spare column repeats the last
        // combination, so it never changes a maximum, and weighs 0 in a rank.
        let lanes = (n + 3) & ~3
        // Counts held as Doubles add exactly (every sum of up to 24 stays below 2⁵³), so they equal
        // `Double(Int sum)`; a grid with a larger count (never a real one) adds Ints, like the plain loop.
        let exactCounts = moments.allSatisfy { $0.count.allSatisfy { $0.magnitude <= 1 << 48 } }
        let table = groups * 16 * lanes
        var tc = [Double](repeating: 0, count: table)
        var t1 = tc
        var t2 = tc
        var totals = [Double](repeating: 0, count: 3 * lanes)
        let weights = (0..<lanes).map { $0 < n ? 1.0 : 0.0 }
        var intCounts = [Int64](repeating: 0, count: exactCounts ? 0 : table)
        var totalCounts = [Int64](repeating: 0, count: exactCounts ? 0 : lanes)
        for k in 0..<lanes {
            let m = moments[min(k, n - 1)]
            totals[k] = Double(m.totalCount)
            totals[lanes + k] = m.totalSum
            totals[2 * lanes + k] = m.totalSumSq
            if !exactCounts { totalCounts[k] = Int64(m.totalCount) }
            for g in 0..<groups {
                for sub in 1..<16 {
                    var c = 0
                    var a = 0.0
                    var q = 0.0
                    for j in 0..<4 where sub & (1 << j) != 0 && g * 4 + j < s {
                        c += m.count[g * 4 + j]
                        a += m.sum[g * 4 + j]
                        q += m.sumSq[g * 4 + j]
                    }
                    let at = (g * 16 + sub) * lanes + k
                    tc[at] = Double(c)
                    if !exactCounts { intCounts[at] = Int64(c) }
                    t1[at] = a
                    t2[at] = q
                }
            }
        }
        var scratch = [Double](repeating: 0, count: 4 * lanes)
        var splits: Int64 = 0
        let overfit = coverfitting_overfit_splits(
            kernel == .avx, Int32(s), Int32(lanes), tc, t1, t2, totals, weights,
            exactCounts ? nil : intCounts, exactCounts ? nil : totalCounts, &scratch, &splits)
        return Double(overfit) / Double(splits)
    }
}
