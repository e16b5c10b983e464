import Engine

/// The plain `probabilityOfOverfitting` as it was before the combination-minor/SIMD2 rewrite (commit 0f22ebb),
/// verbatim, as the benchmark's baseline.
enum LegacyPBO {
    static func probabilityOfOverfitting(_ moments: [ReturnMoments]) -> Double? {
        let n = moments.count
        guard n >= 2, let s = moments.first?.count.count, s >= 2, s % 2 == 0, s <= 24,
            moments.allSatisfy({ $0.count.count == s })
        else { return nil }
        let groups = (s + 3) / 4
        let width = groups * 16
        var tc = [Int](repeating: 0, count: n * width)
        var t1 = [Double](repeating: 0, count: n * width)
        var t2 = [Double](repeating: 0, count: n * width)
        var totalCount = [Int](repeating: 0, count: n)
        var totalSum = [Double](repeating: 0, count: n)
        var totalSumSq = [Double](repeating: 0, count: n)
        for k in 0..<n {
            let m = moments[k]
            totalCount[k] = m.totalCount
            totalSum[k] = m.totalSum
            totalSumSq[k] = m.totalSumSq
            for g in 0..<groups {
                for sub in 1..<16 {
                    let at = k * width + g * 16 + sub
                    for j in 0..<4 where sub & (1 << j) != 0 && g * 4 + j < s {
                        tc[at] += m.count[g * 4 + j]
                        t1[at] += m.sum[g * 4 + j]
                        t2[at] += m.sumSq[g * 4 + j]
                    }
                }
            }
        }
        var first = [Double](repeating: 0, count: n)  // Sharpe on the split's blocks
        var second = [Double](repeating: 0, count: n)  // Sharpe on the other blocks
        var splits = 0
        var overfit = 0
        /// 1 when the best of `train` ranks in the lower half of `test`.
        func judge(_ train: UnsafeMutableBufferPointer<Double>, _ test: UnsafeMutableBufferPointer<Double>) -> Int {
            var bestK = 0
            var best = -Double.infinity
            for k in 0..<n where train[k] > best {
                best = train[k]
                bestK = k
            }
            let chosen = test[bestK]
            var below = 0
            var equal = 0
            for k in 0..<n {
                let v = test[k]
                if v < chosen { below += 1 } else if v == chosen { equal += 1 }
            }
            // Mid-rank: 2·rank = 2·below + equal + 1; overfit when rank ≤ (N + 1)/2.
            return 2 * below + equal + 1 <= n + 1 ? 1 : 0
        }
        // The hot loop on raw buffers, with `sharpe(count:sum:sumSq:)` written out: C(16, 8)/2 × N passes.
        tc.withUnsafeBufferPointer { tc in
            t1.withUnsafeBufferPointer { t1 in
                t2.withUnsafeBufferPointer { t2 in
                    first.withUnsafeMutableBufferPointer { f in
                        second.withUnsafeMutableBufferPointer { g in
                            // Every S-bit mask with S/2 bits set that holds block 0 (its complement is the
                            // other split).
                            var mask = (1 << (s / 2)) - 1
                            let end = 1 << s
                            while mask < end {
                                if mask & 1 == 1 {
                                    for k in 0..<n {
                                        var c = 0
                                        var a = 0.0
                                        var q = 0.0
                                        var at = k * width
                                        for gi in 0..<groups {
                                            let i = at + ((mask >> (4 * gi)) & 15)
                                            c += tc[i]
                                            a += t1[i]
                                            q += t2[i]
                                            at += 16
                                        }
                                        var sr = 0.0
                                        if c >= 2 {
                                            let cc = Double(c)
                                            let v = (q - a * (a / cc)) / (cc - 1)
                                            if v > 0 { sr = a / cc / v.squareRoot() }
                                        }
                                        f[k] = sr
                                        let c2 = totalCount[k] - c
                                        let a2 = totalSum[k] - a
                                        let q2 = totalSumSq[k] - q
                                        sr = 0
                                        if c2 >= 2 {
                                            let cc = Double(c2)
                                            let v = (q2 - a2 * (a2 / cc)) / (cc - 1)
                                            if v > 0 { sr = a2 / cc / v.squareRoot() }
                                        }
                                        g[k] = sr
                                    }
                                    overfit += judge(f, g) + judge(g, f)
                                    splits += 2
                                }
                                // Next mask with the same number of bits (Gosper's hack).
                                let low = mask & -mask
                                let ripple = mask + low
                                mask = (((ripple ^ mask) >> 2) / low) | ripple
                            }
                        }
                    }
                }
            }
        }
        return Double(overfit) / Double(splits)
    }
}
