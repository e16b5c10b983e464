import Market

/// A line/area chart as an inline SVG string: axes, grid, date labels, value labels and a legend.
///
/// Every text that can come from outside (labels, titles) is escaped with `HTMLReport.escape`, so the SVG is
/// safe to insert unescaped into the page. Layout is in units of a 1000-wide chart; coordinates are written
/// as integers in half units (viewBox 2000 wide), relative to the previous point, about 6 bytes a point.
struct SVGChart {
    enum ValueStyle {
        case money
        /// Values are percent; labels get a `%`.
        case percent
    }

    struct Series {
        var label: String
        /// CSS class: `s1` (primary line), `s2` (reference line), `dd` (area below zero).
        var cssClass: String
        var values: [Double]
        /// Filled area between the line and zero.
        var area: Bool = false
    }

    var title: String
    var dates: [SessionDate]
    var series: [Series]
    var valueStyle: ValueStyle
    var width = 1000.0
    var height = 300.0
    /// Per series, after downsampling (see `Downsample.minMaxIndices`).
    var maxPoints = 400
    /// Extra text after the legend (e.g. the maximum drawdown), escaped here.
    var note = ""

    private let left = 74.0
    private let right = 14.0
    private let top = 30.0
    private let bottom = 26.0

    /// Resolution: coordinates are integers in 1/`k` of a layout unit (viewBox = k × layout size).
    static let k = 2.0

    func render() -> String {
        let n = dates.count
        let e = HTMLReport.escape
        let u = SVGChart.unit
        var s = "<svg class=\"ch\" viewBox=\"0 0 \(u(width)) \(u(height))\" role=\"img\" aria-label=\"\(e(title))\">"
        s += "<title>\(e(title))</title>"
        let x0 = left
        let x1 = width - right
        let y0 = top
        let y1 = height - bottom
        var lo = Double.infinity
        var hi = -Double.infinity
        for se in series {
            for v in se.values.prefix(n) where v.isFinite {
                lo = min(lo, v)
                hi = max(hi, v)
            }
            if se.area {
                lo = min(lo, 0)
                hi = max(hi, 0)
            }
        }
        guard n >= 2, lo.isFinite, hi.isFinite else {
            s += "<text x=\"\(u(width / 2))\" y=\"\(u(height / 2))\" class=\"xl\">no data</text></svg>"
            return s
        }
        let ticks = SVGChart.niceTicks(lo: lo, hi: hi, count: 5)
        lo = ticks.first ?? lo
        hi = ticks.last ?? hi
        let span = hi - lo
        // Values near ±Double.greatestFiniteMagnitude overflow the span: say so instead of drawing nonsense.
        guard span.isFinite, span > 0 else {
            s +=
                "<text x=\"\(u(width / 2))\" y=\"\(u(height / 2))\" class=\"xl\">values out of chart range</text></svg>"
            return s
        }
        func xU(_ i: Int) -> Int { u(x0 + (x1 - x0) * Double(i) / Double(n - 1)) }
        func yU(_ v: Double) -> Int { u(y1 - (v - lo) / span * (y1 - y0)) }

        // Grid and value labels.
        var grid = ""
        var labels = ""
        let decimals = SVGChart.decimals(forStep: ticks.count > 1 ? ticks[1] - ticks[0] : 1)
        for t in ticks {
            let y = yU(t)
            grid += "M\(u(x0)) \(y)H\(u(x1))"
            let text = valueStyle == .percent ? Format.fixed(t, decimals) + "%" : Format.grouped(t, decimals)
            labels += "<text class=\"yl\" x=\"\(u(x0 - 6))\" y=\"\(y + u(4))\">\(e(text))</text>"
        }
        s += "<path class=\"grid\" fill=\"none\" d=\"\(grid)\"/>" + labels
        // Axes.
        s += "<path class=\"ax\" fill=\"none\" d=\"M\(u(x0)) \(u(y0))V\(u(y1))H\(u(x1))\"/>"
        // Date ticks, at least 60 layout units apart.
        var marks = ""
        var lastX = Int.min / 2
        for (i, label) in SVGChart.dateTicks(dates) {
            let x = xU(i)
            guard x - lastX >= u(60) else { continue }
            lastX = x
            marks += "M\(x) \(u(y1))v\(u(5))"
            s += "<text class=\"xl\" x=\"\(x)\" y=\"\(u(y1 + 18))\">\(e(label))</text>"
        }
        if !marks.isEmpty { s += "<path class=\"ax\" fill=\"none\" d=\"\(marks)\"/>" }
        // Series.
        for se in series {
            let values = Array(se.values.prefix(n))
            guard values.count >= 2 else { continue }
            let idx = Downsample.minMaxIndices(values, maxPoints: maxPoints).filter { values[$0].isFinite }
            guard idx.count >= 2 else { continue }
            var pts = idx.map { (xU($0), yU(values[$0])) }
            if se.area {
                let zero = yU(0)
                pts.insert((pts[0].0, zero), at: 0)
                pts.append((pts[pts.count - 1].0, zero))
                s += "<path class=\"\(se.cssClass)\" d=\"\(SVGChart.path(pts))Z\"/>"
            } else {
                s += "<path class=\"\(se.cssClass)\" fill=\"none\" d=\"\(SVGChart.path(pts))\"/>"
            }
        }
        // Legend, above the plot.
        var lx = x0
        for se in series {
            let label = SVGChart.truncate(se.label, 56)
            s += "<rect class=\"k\(se.cssClass)\" x=\"\(u(lx))\" y=\"\(u(11))\" width=\"\(u(16))\" height=\"\(u(4))\"/>"
            s += "<text class=\"lg\" x=\"\(u(lx + 22))\" y=\"\(u(17))\">\(e(label))</text>"
            lx += 34 + Double(label.count) * 6.8
        }
        if !note.isEmpty {
            s += "<text class=\"lg nt\" x=\"\(u(x1))\" y=\"\(u(17))\">\(e(note))</text>"
        }
        s += "</svg>"
        return s
    }

    /// SVG path data from integer points: an absolute move, then relative line-tos (`M10 20l3-2 4 1`).
    static func path(_ pts: [(Int, Int)]) -> String {
        guard let first = pts.first else { return "" }
        var d = "M\(first.0) \(first.1)l"
        var prev = first
        var firstNumber = true
        for p in pts.dropFirst() {
            for delta in [p.0 - prev.0, p.1 - prev.1] {
                if !firstNumber && delta >= 0 { d += " " }
                d += String(delta)
                firstNumber = false
            }
            prev = p
        }
        return d
    }

    /// Layout units → integer SVG units (1/`k` each). Total: NaN is 0 and anything beyond ±1e9 (far off
    /// the canvas) is clamped, so no value, however extreme, can trap in the `Int` conversion.
    static func unit(_ v: Double) -> Int {
        let x = (v * k).rounded()
        if x.isNaN { return 0 }
        return Int(min(max(x, -1e9), 1e9))
    }

    /// About `count` round tick values (1, 2, 2.5 or 5 × 10^k apart) covering lo…hi. Just `[lo, hi]` when
    /// the range cannot be divided (non-finite, or so wide that `hi − lo` overflows).
    static func niceTicks(lo: Double, hi: Double, count: Int) -> [Double] {
        var lo = lo
        var hi = hi
        if hi - lo < 1e-12 * max(1, abs(hi)) {
            let pad = max(abs(hi) * 0.05, 1)
            lo -= pad
            hi += pad
        }
        let raw = (hi - lo) / Double(max(count, 1))
        // The loops below would never end for an infinite step, and divide by zero for a subnormal one.
        guard lo.isFinite, hi.isFinite, raw.isFinite, raw > 1e-300 else { return [lo, hi] }
        var mag = 1.0
        while mag * 10 <= raw { mag *= 10 }
        while mag > raw { mag /= 10 }
        let step = [1.0, 2.0, 2.5, 5.0, 10.0].map { $0 * mag }.first { $0 >= raw } ?? 10 * mag
        let start = (lo / step).rounded(.down)
        let end = (hi / step).rounded(.up)
        var ticks: [Double] = []
        var k = start
        while k <= end + 0.5 && ticks.count < 50 {
            ticks.append(k * step)
            k += 1
        }
        return ticks
    }

    /// Fraction digits needed to show multiples of `step` exactly (0 for steps ≥ 1).
    static func decimals(forStep step: Double) -> Int {
        var d = 0
        var s = step
        while d < 6 && abs(s - s.rounded()) > 1e-9 * max(1, abs(s)) {
            s *= 10
            d += 1
        }
        return d
    }

    /// Date ticks by data index: year starts (`2021`) for spans over ~18 months, otherwise month starts
    /// (`2021-03`), thinned to at most ~10; evenly spaced ISO dates when neither exists.
    static func dateTicks(_ dates: [SessionDate]) -> [(Int, String)] {
        guard dates.count >= 2 else { return [] }
        let spanDays = dates[dates.count - 1].daysSinceEpoch - dates[0].daysSinceEpoch
        var ticks: [(Int, String)] = []
        if spanDays > 548 {
            for i in 1..<dates.count where dates[i].year != dates[i - 1].year {
                ticks.append((i, String(dates[i].year)))
            }
        } else {
            for i in 1..<dates.count where dates[i].month != dates[i - 1].month {
                ticks.append((i, String(dates[i].iso.prefix(7))))
            }
        }
        if ticks.isEmpty {
            let n = dates.count
            ticks = (0..<5).map { k in
                let i = k * (n - 1) / 4
                return (i, dates[i].iso)
            }
        }
        let stride = (ticks.count + 9) / 10
        return stride > 1 ? ticks.enumerated().filter { $0.offset % stride == 0 }.map(\.element) : ticks
    }

    static func truncate(_ s: String, _ n: Int) -> String { s.count <= n ? s : String(s.prefix(n - 1)) + "…" }
}
