/// Reduces a long series to a bounded number of points for charts.
public enum Downsample {
    /// Indices of the points to draw, strictly increasing, at most `max(maxPoints, 4)` of them.
    ///
    /// Min/max per bucket: the first and last index are always kept; the points between them are cut into
    /// `(maxPoints − 2) / 2` buckets of consecutive indices and each bucket keeps the index of its smallest
    /// and of its largest value. So the series' global minimum and maximum always survive, and no spike
    /// disappears (it is the extreme of its bucket). NaN values are never chosen as extremes. A series no
    /// longer than `maxPoints` is returned whole.
    public static func minMaxIndices(_ values: [Double], maxPoints: Int) -> [Int] {
        let n = values.count
        let cap = max(maxPoints, 4)
        guard n > cap else { return Array(0..<n) }
        let inner = n - 2  // indices 1 ... n-2
        let buckets = (cap - 2) / 2
        var out = [0]
        out.reserveCapacity(cap)
        values.withUnsafeBufferPointer { v in
            for b in 0..<buckets {
                let lo = 1 + b * inner / buckets
                let hi = 1 + (b + 1) * inner / buckets  // exclusive
                guard lo < hi else { continue }
                // The bucket's first number starts both extremes; a NaN after it fails both comparisons, so
                // it is skipped as the first one is (the first of equal extremes is kept).
                var first = lo
                while first < hi && v[first].isNaN { first += 1 }
                guard first < hi else {
                    out.append(lo)  // an all-NaN bucket keeps one point so gaps stay visible
                    continue
                }
                var iMin = first
                var iMax = first
                var lowest = v[first]
                var highest = lowest
                var i = first + 1
                while i < hi {
                    let x = v[i]
                    if x < lowest {
                        lowest = x
                        iMin = i
                    }
                    if x > highest {
                        highest = x
                        iMax = i
                    }
                    i += 1
                }
                if iMin == iMax {
                    out.append(iMin)
                } else {
                    out.append(min(iMin, iMax))
                    out.append(max(iMin, iMax))
                }
            }
        }
        out.append(n - 1)
        return out
    }
}
