import Engine
import Foundation
import Scoring
import Testing

/// `Overfitting.probabilityOfOverfitting` against a plain reference written from its definition: every one of
/// the C(S, S/2) splits on its own (no complement pairing, no subset tables, no SIMD), a Sharpe ratio per
/// combination from the block moments, the first best on the training blocks, its mid-rank on the test blocks.
/// The results must be the same Double (`==`), on seeded random grids with ties of every kind, from every
/// build of the split pass this machine runs (the x86-64 baseline, and AVX where the CPU has it).
@Suite struct PBOReferenceTests {
    /// The PBO of the first kernel, after expecting every kernel this machine runs to return the same bits.
    func pbo(_ moments: [ReturnMoments]) -> Double? {
        let results = Overfitting.Kernel.available.map { Overfitting.probabilityOfOverfitting(moments, kernel: $0) }
        #expect(Set(results.map { $0.map(\.bitPattern) }).count == 1, "the kernels disagree: \(results)")
        return results[0]
    }

    /// SplitMix64, so every run tests the same grids.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Sharpe ratio per observation, ddof 1; 0 with fewer than two returns or no variance (the definition in
    /// docs/metrics.md, written out here).
    func sharpe(_ count: Int, _ sum: Double, _ sumSq: Double) -> Double {
        guard count >= 2 else { return 0 }
        let c = Double(count)
        let mean = sum / c
        let variance = (sumSq - sum * mean) / (c - 1)
        return variance > 0 ? mean / variance.squareRoot() : 0
    }

    /// Count, Σr, Σr² of `side`'s blocks. `documentedOrder`: the order the implementation documents (per
    /// group of four blocks from zero, group 0 first); otherwise block by block.
    func sums(_ m: ReturnMoments, _ side: Int, documentedOrder: Bool) -> (Int, Double, Double) {
        let s = m.count.count
        var c = 0
        var a = 0.0
        var q = 0.0
        if documentedOrder {
            for g in 0..<(s + 3) / 4 {
                var gc = 0
                var ga = 0.0
                var gq = 0.0
                for b in 4 * g..<min(4 * g + 4, s) where side & (1 << b) != 0 {
                    gc += m.count[b]
                    ga += m.sum[b]
                    gq += m.sumSq[b]
                }
                c += gc
                a += ga
                q += gq
            }
        } else {
            for b in 0..<s where side & (1 << b) != 0 {
                c += m.count[b]
                a += m.sum[b]
                q += m.sumSq[b]
            }
        }
        return (c, a, q)
    }

    /// PBO by the definition. `documentedOrder`: the side holding block 0 sums in the documented order and
    /// the other side is the totals minus it (needed for equality when sums round); otherwise each side sums
    /// its own blocks directly (equal only when every sum is exact, as on the dyadic grids).
    func referencePBO(_ moments: [ReturnMoments], documentedOrder: Bool) -> Double {
        let n = moments.count
        let s = moments[0].count.count
        let all = (1 << s) - 1
        var overfit = 0
        var splits = 0
        var train = [Double](repeating: 0, count: n)
        var test = [Double](repeating: 0, count: n)
        for split in 0...all where split.nonzeroBitCount == s / 2 {
            for (k, m) in moments.enumerated() {
                let trainSharpe: Double
                let testSharpe: Double
                if documentedOrder {
                    let holder = split & 1 == 1 ? split : all & ~split
                    let (c, a, q) = sums(m, holder, documentedOrder: true)
                    let own = sharpe(c, a, q)
                    let other = sharpe(m.totalCount - c, m.totalSum - a, m.totalSumSq - q)
                    (trainSharpe, testSharpe) = holder == split ? (own, other) : (other, own)
                } else {
                    let (c, a, q) = sums(m, split, documentedOrder: false)
                    let (c2, a2, q2) = sums(m, all & ~split, documentedOrder: false)
                    (trainSharpe, testSharpe) = (sharpe(c, a, q), sharpe(c2, a2, q2))
                }
                train[k] = trainSharpe
                test[k] = testSharpe
            }
            // The first combination in plan order with the best training Sharpe ratio.
            var best = 0
            var bestValue = -Double.infinity
            for k in 0..<n where train[k] > bestValue {
                best = k
                bestValue = train[k]
            }
            // Its mid-rank among all N on the test blocks (1 = worst), ω = rank/(N + 1), overfit when the
            // logit ln(ω/(1 − ω)) ≤ 0.
            var below = 0
            var equal = 0
            for v in test {
                if v < test[best] { below += 1 }
                if v == test[best] { equal += 1 }
            }
            let rank = Double(below) + Double(equal + 1) / 2
            let omega = rank / Double(n + 1)
            if log(omega / (1 - omega)) <= 0 { overfit += 1 }
            splits += 1
        }
        return Double(overfit) / Double(splits)
    }

    enum Kind: CaseIterable {
        case trading  // a combination with varying returns
        case copy  // identical moments to an earlier combination (exact ties)
        case flat  // never traded: every return 0 (zero variance)
        case sparse  // 0 or 1 return per block (count < 2 on some splits)
        case constant  // the same return every bar (variance 0 up to rounding)
    }

    /// A grid of `n` combinations over `s` blocks of about `bars / s` returns. `dyadic`: every block sum is a
    /// small multiple of 2⁻¹², so every sum in any order is exact.
    func grid(n: Int, s: Int, bars: Int, dyadic: Bool, hugeCounts: Bool = false, rng: inout Seeded) -> [ReturnMoments] {
        var out: [ReturnMoments] = []
        for k in 0..<n {
            var kind = Kind.allCases.randomElement(using: &rng)!
            if Double.random(in: 0..<1, using: &rng) < 0.5 { kind = .trading }
            if k == 0 && kind == .copy { kind = .trading }
            if kind == .copy {
                out.append(out[Int.random(in: 0..<k, using: &rng)])
                continue
            }
            let drift = Double.random(in: -0.001...0.001, using: &rng)
            let sd = Double.random(in: 0.005...0.03, using: &rng)
            let constant = Double.random(in: -0.002...0.002, using: &rng)
            var count: [Int] = []
            var sum: [Double] = []
            var sumSq: [Double] = []
            for b in 0..<s {
                var c = (b + 1) * bars / s - b * bars / s
                if kind == .sparse { c = Int.random(in: 0...1, using: &rng) }
                if hugeCounts { c = (1 << 50) + Int.random(in: 0..<1000, using: &rng) }
                let cc = Double(c)
                var a: Double
                var q: Double
                switch kind {
                case .flat:
                    (a, q) = (0, 0)
                case .constant:
                    (a, q) = (cc * constant, cc * constant * constant)
                default:
                    a = cc * drift + sd * cc.squareRoot() * Double.random(in: -1...1, using: &rng)
                    q = cc * sd * sd * Double.random(in: 0.5...1.5, using: &rng) + (c > 0 ? a * a / cc : 0)
                }
                if dyadic {
                    a = (a * 4096).rounded() / 4096
                    q = max(0, (q * 4096).rounded()) / 4096
                }
                count.append(c)
                sum.append(a)
                sumSq.append(q)
            }
            out.append(ReturnMoments(count: count, sum: sum, sumSq: sumSq, sumCube: 0, sumQuad: 0))
        }
        return out
    }

    /// (N, S) pairs: N of 2, 3, an odd count, the reference 66 and 200; S from 2 to 20, even. Large S only
    /// with small N (the reference costs C(S, S/2)·N·S; S = 24 is 2.7 million splits, minutes in a debug
    /// build, and takes the same code path as 18 and 20).
    static let shapes: [(Int, Int)] = [
        (2, 2), (2, 4), (3, 4), (2, 6), (3, 8), (5, 6), (7, 10), (2, 12), (3, 14), (66, 2), (66, 4), (66, 8),
        (66, 10), (66, 12), (66, 16), (200, 4), (200, 6), (200, 8), (67, 12), (2, 18), (2, 20),
    ]

    @Test func matchesTheReferenceOnRandomGrids() {
        var rng = Seeded(state: 2015)
        for (n, s) in Self.shapes {
            for round in 0..<(s <= 10 ? 3 : 1) {
                let moments = grid(n: n, s: s, bars: 2520 - 37 * round, dyadic: false, rng: &rng)
                let got = pbo(moments)
                let want = referencePBO(moments, documentedOrder: true)
                #expect(got == want, "N = \(n), S = \(s), round \(round)")
            }
        }
    }

    @Test func matchesTheBlockByBlockReferenceWhenSumsAreExact() {
        // Multiples of 2⁻¹² add exactly in any order, so the reference can sum each side block by block and
        // knows nothing of groups, tables or complements.
        var rng = Seeded(state: 2014)
        for (n, s) in Self.shapes where s <= 16 {
            for round in 0..<2 {
                let moments = grid(n: n, s: s, bars: 1000 + 11 * round, dyadic: true, rng: &rng)
                let got = pbo(moments)
                let want = referencePBO(moments, documentedOrder: false)
                #expect(got == want, "N = \(n), S = \(s), round \(round)")
                #expect(want == referencePBO(moments, documentedOrder: true))
            }
        }
    }

    @Test func tiesOfEveryKindMatchTheReference() {
        // Only ties: copies of two combinations, flat ones (Sharpe 0 on every split) and sparse ones (fewer
        // than two returns on a side), N odd and even.
        var rng = Seeded(state: 7)
        for n in [2, 3, 4, 9, 66] {
            let base = grid(n: 2, s: 8, bars: 800, dyadic: false, rng: &rng)
            let flat = ReturnMoments(
                count: .init(repeating: 100, count: 8), sum: .init(repeating: 0, count: 8),
                sumSq: .init(repeating: 0, count: 8), sumCube: 0, sumQuad: 0)
            let sparse = ReturnMoments(
                count: [1, 0, 0, 1, 0, 0, 0, 1], sum: [0.01, 0, 0, -0.02, 0, 0, 0, 0.03],
                sumSq: [0.0001, 0, 0, 0.0004, 0, 0, 0, 0.0009], sumCube: 0, sumQuad: 0)
            let moments = (0..<n).map { [base[0], flat, base[1], sparse, base[0]][$0 % 5] }
            #expect(pbo(moments) == referencePBO(moments, documentedOrder: true))
        }
        // All identical: the chosen one always sits in the middle (mid-rank (N + 1)/2): every split overfit.
        let same = grid(n: 1, s: 6, bars: 600, dyadic: false, rng: &rng)[0]
        #expect(pbo([same, same, same]) == 1)
    }

    @Test func countsBeyondTwoToThe48thMatchTheReference() {
        // Not a real grid (2⁵⁰ returns a block): the implementation adds such counts as Ints, not Doubles.
        var rng = Seeded(state: 48)
        for (n, s) in [(3, 6), (66, 8)] {
            let moments = grid(n: n, s: s, bars: 0, dyadic: false, hugeCounts: true, rng: &rng)
            #expect(pbo(moments) == referencePBO(moments, documentedOrder: true))
        }
    }
}
