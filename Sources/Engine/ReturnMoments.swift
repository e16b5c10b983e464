/// Moments of a backtest's bar returns `r[t] = E[t]/E[t−1] − 1` (t = 1…n−1, every bar, warm-up included),
/// per contiguous block: enough for the Sharpe ratio of any union of blocks (combinatorially symmetric
/// cross-validation, PBO) and for the skewness and kurtosis of the whole series (Deflated Sharpe Ratio),
/// without keeping the curve.
///
/// Block `b` of `S` holds the returns with index `i` (0-based, `T = n − 1` returns) where
/// `b·T/S ≤ i < (b+1)·T/S` (integer division), so block sizes differ by at most one.
public struct ReturnMoments: Sendable, Equatable {
    /// The default number of blocks (Bailey, Borwein, López de Prado and Zhu, 2015, use S = 16).
    public static let defaultBlocks = 16

    public var count: [Int]
    public var sum: [Double]
    public var sumSq: [Double]
    /// Σ r³ and Σ r⁴ over every return.
    public var sumCube: Double
    public var sumQuad: Double

    public init(count: [Int], sum: [Double], sumSq: [Double], sumCube: Double, sumQuad: Double) {
        self.count = count
        self.sum = sum
        self.sumSq = sumSq
        self.sumCube = sumCube
        self.sumQuad = sumQuad
    }

    public static func of(equity: [Double], blocks: Int = defaultBlocks) -> ReturnMoments {
        let s = max(1, blocks)
        var m = ReturnMoments(
            count: .init(repeating: 0, count: s), sum: .init(repeating: 0, count: s),
            sumSq: .init(repeating: 0, count: s), sumCube: 0, sumQuad: 0)
        let total = equity.count - 1
        guard total >= 1 else { return m }
        equity.withUnsafeBufferPointer { e in
            for b in 0..<s {
                let lo = b * total / s
                let hi = (b + 1) * total / s
                var s1 = 0.0
                var s2 = 0.0
                for i in lo..<hi {
                    let r = e[i + 1] / e[i] - 1
                    s1 += r
                    let r2 = r * r
                    s2 += r2
                    m.sumCube += r2 * r
                    m.sumQuad += r2 * r2
                }
                m.count[b] = hi - lo
                m.sum[b] = s1
                m.sumSq[b] = s2
            }
        }
        return m
    }

    /// Returns in all blocks.
    public var totalCount: Int { count.reduce(0, +) }
    public var totalSum: Double { sum.reduce(0, +) }
    public var totalSumSq: Double { sumSq.reduce(0, +) }
}
