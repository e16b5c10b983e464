import Testing

@testable import Reports

@Suite struct DownsampleTests {
    static func series(_ n: Int) -> [Double] {
        Fixture.walk(count: n, start: 100, seed: 42)
    }

    @Test(arguments: [10, 499, 500, 501, 2520, 10_000])
    func boundedMonotoneAndKeepsExtremes(_ n: Int) {
        var v = Self.series(n)
        if n > 20 {
            v[n / 3] = 1_000  // a spike
            v[n / 2] = -5  // a crash
        }
        let idx = Downsample.minMaxIndices(v, maxPoints: 500)
        #expect(idx.count <= 500)
        #expect(idx.first == 0)
        #expect(idx.last == n - 1)
        #expect(zip(idx, idx.dropFirst()).allSatisfy { $0 < $1 })
        let iMin = v.indices.min { v[$0] < v[$1] }!
        let iMax = v.indices.max { v[$0] < v[$1] }!
        #expect(idx.contains(iMin))
        #expect(idx.contains(iMax))
        if n <= 500 { #expect(idx == Array(0..<n)) }
    }

    @Test func everyBucketKeepsItsLocalExtremes() {
        // 1002 points, maxPoints 12 → 5 buckets of 200 inner points; each bucket's min and max survive.
        let v = Self.series(1002)
        let idx = Set(Downsample.minMaxIndices(v, maxPoints: 12))
        for b in 0..<5 {
            let r = (1 + b * 200)..<(1 + (b + 1) * 200)
            #expect(idx.contains(r.min { v[$0] < v[$1] }!))
            #expect(idx.contains(r.max { v[$0] < v[$1] }!))
        }
        #expect(idx.count == 12)
    }

    @Test func nanIsNeverAnExtreme() {
        var v = Self.series(2000)
        for i in stride(from: 5, to: 2000, by: 7) { v[i] = .nan }
        let idx = Downsample.minMaxIndices(v, maxPoints: 100)
        #expect(idx.allSatisfy { !v[$0].isNaN })
    }

    @Test func chartsOfLongSeriesStayBounded() {
        let dates = Fixture.weekdays(from: "2000-01-03", count: 6000)
        let svg = SVGChart(
            title: "t", dates: dates, series: [.init(label: "x", cssClass: "s1", values: Self.series(6000))],
            valueStyle: .money, maxPoints: 400
        ).render()
        // The line holds at most 400 points: an absolute move, then at most 399 relative pairs.
        let line = svg.components(separatedBy: "class=\"s1\" fill=\"none\" d=\"")[1].prefix { $0 != "\"" }
        let numbers = line.dropFirst().split(whereSeparator: { $0 == " " || $0 == "l" || $0 == "-" })
        #expect(numbers.count <= 800)
        // Relative x steps (every other number after the `l`) are never negative: dates stay in order.
        let relative = String(line.split(separator: "l", maxSplits: 1)[1])
        var deltas: [Int] = []
        var current = ""
        for ch in relative {
            if ch == " " || ch == "-" {
                if !current.isEmpty { deltas.append(Int(current)!) }
                current = ch == "-" ? "-" : ""
            } else {
                current.append(ch)
            }
        }
        if !current.isEmpty { deltas.append(Int(current)!) }
        #expect(deltas.count % 2 == 0)
        #expect(stride(from: 0, to: deltas.count, by: 2).allSatisfy { deltas[$0] >= 0 })
        #expect(svg.utf8.count < 6_000)
    }
}
