import Foundation
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
        /// CSS class: `s1` (primary line), `s2` (reference line), `dd` (area below zero), `px` (price),
        /// `pl` (per-trade bars).
        var cssClass: String
        var values: [Double]
        /// Filled area between the line and zero.
        var area: Bool = false
        /// Vertical bars from zero at every finite value (not downsampled: NaN means no bar).
        var bars: Bool = false
        /// Short name shown by the hover read-out (empty: not read out).
        var hover: String = ""
    }

    /// A dot at a bar (trade entries and exits), drawn as a round-capped zero-length stroke so it stays
    /// round when the script zooms the time axis.
    struct Marker {
        var index: Int
        var value: Double
        /// `me` (entry) or `mx` (exit).
        var cssClass: String
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
    var markers: [Marker] = []
    /// Logarithmic value axis (values ≤ 0 are left out).
    var logScale = false

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
        let x0 = left
        let x1 = width - right
        let y0 = top
        let y1 = height - bottom
        var lo = Double.infinity
        var hi = -Double.infinity
        for se in series {
            for v in se.values.prefix(n) where v.isFinite && (!logScale || v > 0) {
                lo = min(lo, v)
                hi = max(hi, v)
            }
            if se.area || se.bars {
                lo = min(lo, 0)
                hi = max(hi, 0)
            }
        }
        for m in markers where m.value.isFinite && (!logScale || m.value > 0) {
            lo = min(lo, m.value)
            hi = max(hi, m.value)
        }
        let head = "<svg class=\"ch\" viewBox=\"0 0 \(u(width)) \(u(height))\" role=\"img\" aria-label=\"\(e(title))\""
        guard n >= 2, lo.isFinite, hi.isFinite else {
            return head
                + "><title>\(e(title))</title><text x=\"\(u(width / 2))\" y=\"\(u(height / 2))\" class=\"xl\">no data</text></svg>"
        }
        let ticks: [Double]
        if logScale {
            ticks = SVGChart.niceTicks(lo: lo, hi: hi, count: 5).filter { $0 > 0 && $0 >= lo && $0 <= hi }
        } else {
            ticks = SVGChart.niceTicks(lo: lo, hi: hi, count: 5)
            lo = ticks.first ?? lo
            hi = ticks.last ?? hi
        }
        // Values near ±Double.greatestFiniteMagnitude overflow the span: say so instead of drawing nonsense.
        let tr: (Double) -> Double = logScale ? { log10($0) } : { $0 }
        let tlo = tr(lo)
        let span = tr(hi) - tlo
        guard span.isFinite, span > 0 else {
            return head
                + "><title>\(e(title))</title><text x=\"\(u(width / 2))\" y=\"\(u(height / 2))\" class=\"xl\">values out of chart range</text></svg>"
        }
        func xU(_ i: Int) -> Int { u(x0 + (x1 - x0) * Double(i) / Double(n - 1)) }
        func yU(_ v: Double) -> Int { u(y1 - (tr(v) - tlo) / span * (y1 - y0)) }

        // The script reads the plot's geometry and value range from these attributes (hover and zoom).
        var s = head
        s +=
            " data-g=\"\(u(x0)) \(u(x1)) \(u(y0)) \(u(y1)) \(n)\" data-r=\"\(Format.number(tlo)) \(Format.number(span))\" data-f=\"\(valueStyle == .percent ? "p" : "m")\(logScale ? "l" : "")\">"
        s += "<title>\(e(title))</title>"
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
        if !marks.isEmpty { s += "<path class=\"ax xt\" fill=\"none\" d=\"\(marks)\"/>" }
        // The plot: a nested SVG that clips to the plot area; the script zooms by narrowing its viewBox.
        let pw = u(x1) - u(x0)
        s +=
            "<svg class=\"pa\" x=\"\(u(x0))\" y=\"0\" width=\"\(pw)\" height=\"\(u(height))\" viewBox=\"\(u(x0)) 0 \(pw) \(u(height))\" preserveAspectRatio=\"none\">"
        for se in series {
            let values = Array(se.values.prefix(n))
            guard values.count >= 2 else { continue }
            let hover = se.hover.isEmpty ? "" : " data-l=\"\(e(se.hover))\""
            if se.bars {
                let zero = yU(0)
                var d = ""
                for i in values.indices where values[i].isFinite {
                    d += "M\(xU(i)) \(zero)V\(yU(values[i]))"
                }
                if !d.isEmpty { s += "<path class=\"\(se.cssClass)\" fill=\"none\" d=\"\(d)\"/>" }
                continue
            }
            let idx = Downsample.minMaxIndices(values, maxPoints: maxPoints).filter {
                values[$0].isFinite && (!logScale || values[$0] > 0)
            }
            guard idx.count >= 2 else { continue }
            let pts = idx.map { (xU($0), yU(values[$0])) }
            if se.area {
                // One closed path; its first and last points are on the zero line (`data-a`: the script skips them).
                let zero = yU(0)
                let closed = [(pts[0].0, zero)] + pts + [(pts[pts.count - 1].0, zero)]
                s += "<path class=\"\(se.cssClass)\"\(hover) data-a=\"1\" d=\"\(SVGChart.path(closed))Z\"/>"
            } else {
                s += "<path class=\"\(se.cssClass)\"\(hover) fill=\"none\" d=\"\(SVGChart.path(pts))\"/>"
            }
        }
        var markerPaths: [String: String] = [:]
        var markerOrder: [String] = []
        for m in markers where m.index >= 0 && m.index < n && m.value.isFinite && (!logScale || m.value > 0) {
            if markerPaths[m.cssClass] == nil { markerOrder.append(m.cssClass) }
            markerPaths[m.cssClass, default: ""] += "M\(xU(m.index)) \(yU(m.value))h0"
        }
        for c in markerOrder { s += "<path class=\"\(c)\" d=\"\(markerPaths[c]!)\"/>" }
        s += "</svg>"
        // Legend, above the plot.
        var lx = x0
        for se in series {
            let label = SVGChart.truncate(se.label, 56)
            s += "<rect class=\"k\(se.cssClass)\" x=\"\(u(lx))\" y=\"\(u(11))\" width=\"\(u(16))\" height=\"\(u(4))\"/>"
            s += "<text class=\"lg\" x=\"\(u(lx + 22))\" y=\"\(u(17))\">\(e(label))</text>"
            lx += 34 + Double(label.count) * 6.8
        }
        if !markerOrder.isEmpty {
            for (c, label) in [("me", "entry"), ("mx", "exit")] where markerPaths[c] != nil {
                s += "<circle class=\"k\(c)\" cx=\"\(u(lx + 6))\" cy=\"\(u(13))\" r=\"\(u(4))\"/>"
                s += "<text class=\"lg\" x=\"\(u(lx + 14))\" y=\"\(u(17))\">\(label)</text>"
                lx += 60
            }
        }
        if !note.isEmpty {
            s += "<text class=\"lg nt\" x=\"\(u(x1))\" y=\"\(u(17))\">\(e(note))</text>"
        }
        s += "</svg>"
        return s
    }

    /// A histogram as bars over its value range, with the bin edges at both ends and zero labelled.
    static func histogram(title: String, _ h: Tearsheet.Histogram, width: Double = 1000, height: Double = 190)
        -> String
    {
        let e = HTMLReport.escape
        let u = unit
        var s = "<svg class=\"ch\" viewBox=\"0 0 \(u(width)) \(u(height))\" role=\"img\" aria-label=\"\(e(title))\">"
        s += "<title>\(e(title))</title>"
        guard let top = h.counts.max(), top > 0 else {
            return s + "<text x=\"\(u(width / 2))\" y=\"\(u(height / 2))\" class=\"xl\">no data</text></svg>"
        }
        let x0 = 74.0
        let x1 = width - 14
        let y0 = 30.0
        let y1 = height - 26
        let bw = (x1 - x0) / Double(h.counts.count)
        var d = ""
        for (i, c) in h.counts.enumerated() where c > 0 {
            let x = x0 + bw * Double(i)
            let y = y1 - Double(c) / Double(top) * (y1 - y0)
            d += "M\(u(x + 1)) \(u(y1))V\(u(y))H\(u(x + bw - 1))V\(u(y1))Z"
        }
        s += "<path class=\"hi\" d=\"\(d)\"/>"
        s += "<path class=\"ax\" fill=\"none\" d=\"M\(u(x0)) \(u(y0))V\(u(y1))H\(u(x1))\"/>"
        s += "<text class=\"yl\" x=\"\(u(x0 - 6))\" y=\"\(u(y0 + 4))\">\(top)</text>"
        s += "<text class=\"yl\" x=\"\(u(x0 - 6))\" y=\"\(u(y1 + 4))\">0</text>"
        let hi = h.lo + h.width * Double(h.counts.count)
        var labels: [(Double, String)] = [(x0, Format.fixed(h.lo, 2) + "%"), (x1, Format.fixed(hi, 2) + "%")]
        if h.lo < 0, hi > 0, h.width > 0 { labels.append((x0 + (0 - h.lo) / h.width * bw, "0%")) }
        for (x, t) in labels { s += "<text class=\"xl\" x=\"\(u(x))\" y=\"\(u(y1 + 18))\">\(e(t))</text>" }
        s +=
            "<text class=\"lg\" x=\"\(u(x0))\" y=\"\(u(17))\">Bars per return bin (\(h.counts.count) bins, count on the left)</text>"
        return s + "</svg>"
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
