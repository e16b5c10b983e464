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

    /// Where a chart's date axis comes from: drawn in the chart, or a `<use>` of a group written once per
    /// page by `writeDateAxis` (every chart of a symbol with the same bars has the same date ticks).
    var dateAxisRef: String?

    /// The value range and geometry shared by the frame and the plot.
    struct Layout {
        var n: Int
        var x0: Double
        var x1: Double
        var y0: Double
        var y1: Double
        var ticks: [Double]
        var tlo: Double
        var span: Double
        var logScale: Bool

        func xU(_ i: Int) -> Int { SVGChart.unit(x0 + (x1 - x0) * Double(i) / Double(n - 1)) }
        func yU(_ v: Double) -> Int {
            SVGChart.unit(y1 - ((logScale ? log10(v) : v) - tlo) / span * (y1 - y0))
        }
    }

    /// The layout, or the message the chart shows instead of a plot.
    func layout(extraRange: (lo: Double, hi: Double)? = nil) -> Result<Layout, Message> {
        let n = dates.count
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
        if let r = extraRange {
            for v in [r.lo, r.hi] where v.isFinite && (!logScale || v > 0) {
                lo = min(lo, v)
                hi = max(hi, v)
            }
        }
        guard n >= 2, lo.isFinite, hi.isFinite else { return .failure(Message(text: "no data")) }
        let ticks: [Double]
        if logScale {
            ticks = SVGChart.niceTicks(lo: lo, hi: hi, count: 5).filter { $0 > 0 && $0 >= lo && $0 <= hi }
        } else {
            ticks = SVGChart.niceTicks(lo: lo, hi: hi, count: 5)
            lo = ticks.first ?? lo
            hi = ticks.last ?? hi
        }
        // Values near ±Double.greatestFiniteMagnitude overflow the span: say so instead of drawing nonsense.
        let tlo = logScale ? log10(lo) : lo
        let span = (logScale ? log10(hi) : hi) - tlo
        guard span.isFinite, span > 0 else { return .failure(Message(text: "values out of chart range")) }
        return .success(
            Layout(
                n: n, x0: left, x1: width - right, y0: top, y1: height - bottom, ticks: ticks, tlo: tlo, span: span,
                logScale: logScale))
    }

    struct Message: Error {
        var text: String
    }

    func render() -> String {
        var out = HTMLBytes(capacity: 8192)
        write(to: &out)
        return out.string
    }

    /// The whole chart.
    func write(to out: inout HTMLBytes) {
        switch layout() {
        case .failure(let m): writeMessage(m, to: &out)
        case .success(let l):
            writeHead(l, to: &out)
            writeFrame(l, to: &out)
            writePlotOpen(l, to: &out)
            writeSeries(l, to: &out)
            let keys = writeMarkers(l, to: &out)
            out.raw("</svg>")
            writeLegend(markerKeys: keys, to: &out)
            out.raw("</svg>")
        }
    }

    // Parts, for charts that share their frame or a series with others on the page (`DetailWriter`): a
    // `<use>` of a group in the page's hidden `<defs>`. Styles reach a `<use>`'s copy only through selectors
    // inside it, hence the `sh` class on shared elements (see the page's CSS).

    /// `<g class="sh" id=…>` holding the frame (grid, value labels, axes) and, with `legend`, the legend.
    func writeSharedFrame(
        id: String, layout l: Layout, legend: Bool, markerKeys: [String] = [], to out: inout HTMLBytes
    ) {
        out.raw("<g class=\"sh\" id=\"\(id)\">")
        writeFrame(l, includeDates: false, to: &out)
        if legend { writeLegend(markerKeys: markerKeys, to: &out) }
        out.raw("</g>")
    }

    /// `series[index]` as `<path id=… class="sh …">`, for `writeUse`.
    func writeSharedSeries(_ index: Int, id: String, layout l: Layout, to out: inout HTMLBytes) {
        guard series.indices.contains(index) else { return }
        var one = self
        one.series = [series[index]]
        one.series[0].hover = ""
        var path = HTMLBytes(capacity: 2048)
        one.writeSeries(l, to: &path)
        guard path.bytes.count > 13 else { return }
        // `<path class="px" fill="none" d=…/>` → `<path id=… class="sh px" …>`.
        out.raw("<path id=\"\(id)\" class=\"sh ")
        out.bytes.append(contentsOf: path.bytes.dropFirst(13))
    }

    /// A chart on a shared frame (`writeSharedFrame`): its head, `<use>`s of the frame and the date axis,
    /// then the plot area holding what `plot` writes; the legend with `legend`.
    func writeOnFrame(
        _ frameId: String, layout l: Layout, legend: Bool = false, to out: inout HTMLBytes,
        plot: (inout HTMLBytes) -> Void
    ) {
        writeHead(l, to: &out)
        SVGChart.writeUse(frameId, to: &out)
        writeDateAxisUse(l, to: &out)
        writePlotOpen(l, to: &out)
        plot(&out)
        out.raw("</svg>")
        if legend { writeLegend(markerKeys: [], to: &out) }
        out.raw("</svg>")
    }

    /// A `<use>` of a shared element; `hover` names it in the hover read-out.
    static func writeUse(_ id: String, cssClass: String = "", hover: String = "", to out: inout HTMLBytes) {
        out.raw("<use")
        if !cssClass.isEmpty { out.raw(" class=\"\(cssClass)\"") }
        out.raw(" href=\"#\(id)\"")
        if !hover.isEmpty {
            out.raw(" data-l=\"")
            out.text(hover)
            out.raw("\"")
        }
        out.raw("/>")
    }

    /// The date ticks of `dates` on a chart `width` wide, as `<g id="id">` at y = 0 (charts place it at
    /// their x axis with `<use y=…>`).
    static func writeDateAxis(id: String, dates: [SessionDate], width: Double = 1000, to out: inout HTMLBytes) {
        var probe = SVGChart(title: "", dates: dates, series: [], valueStyle: .money, width: width)
        probe.dateAxisRef = nil
        out.raw("<g class=\"sh\" id=\"\(id)\">")
        probe.writeDateTicks(yAxis: 0, to: &out)
        out.raw("</g>")
    }

    func writeMessage(_ m: Message, to out: inout HTMLBytes) {
        let u = SVGChart.unit
        out.raw("<svg class=\"ch\" viewBox=\"0 0 \(u(width)) \(u(height))\" role=\"img\" aria-label=\"")
        out.text(title)
        out.raw("\"><title>")
        out.text(title)
        out.raw("</title><text x=\"\(u(width / 2))\" y=\"\(u(height / 2))\" class=\"xl\">\(m.text)</text></svg>")
    }

    func writeHead(_ l: Layout, to out: inout HTMLBytes) {
        let u = SVGChart.unit
        // Appended piece by piece (a detail writes four of these): no interpolated Strings.
        out.raw("<svg class=\"ch\" viewBox=\"0 0 ")
        out.int(u(width))
        out.bytes.append(UInt8(ascii: " "))
        out.int(u(height))
        out.raw("\" role=\"img\" aria-label=\"")
        out.text(title)
        // The script reads the plot's geometry and value range from these attributes (hover and zoom).
        out.raw("\" data-g=\"")
        for (k, v) in [u(l.x0), u(l.x1), u(l.y0), u(l.y1), l.n].enumerated() {
            if k > 0 { out.bytes.append(UInt8(ascii: " ")) }
            out.int(v)
        }
        out.raw("\" data-r=\"")
        Format.appendNumber(l.tlo, to: &out.bytes)  // `Format.number`: nothing for a non-finite value
        out.bytes.append(UInt8(ascii: " "))
        Format.appendNumber(l.span, to: &out.bytes)
        out.raw(valueStyle == .percent ? "\" data-f=\"p" : "\" data-f=\"m")
        if logScale { out.raw("l") }
        out.raw("\"><title>")
        out.text(title)
        out.raw("</title>")
    }

    /// Grid, value labels, axes and date ticks.
    func writeFrame(_ l: Layout, includeDates: Bool = true, to out: inout HTMLBytes) {
        let u = SVGChart.unit
        var grid = HTMLBytes(capacity: 256)
        var labels = HTMLBytes(capacity: 512)
        let ticks = l.ticks
        let decimals = SVGChart.decimals(forStep: ticks.count > 1 ? ticks[1] - ticks[0] : 1)
        for t in ticks {
            let y = l.yU(t)
            grid.raw("M")
            grid.int(u(l.x0))
            grid.raw(" ")
            grid.int(y)
            grid.raw("H")
            grid.int(u(l.x1))
            labels.raw("<text class=\"yl\" x=\"")
            labels.int(u(l.x0 - 6))
            labels.raw("\" y=\"")
            labels.int(y + u(4))
            labels.raw("\">")
            labels.text(valueStyle == .percent ? Format.fixed(t, decimals) + "%" : Format.grouped(t, decimals))
            labels.raw("</text>")
        }
        out.raw("<path class=\"grid\" fill=\"none\" d=\"")
        out.append(grid)
        out.raw("\"/>")
        out.append(labels)
        out.raw("<path class=\"ax\" fill=\"none\" d=\"M\(u(l.x0)) \(u(l.y0))V\(u(l.y1))H\(u(l.x1))\"/>")
        if includeDates { writeDateAxisUse(l, to: &out) }
    }

    /// The date ticks: drawn here, or a `<use>` of the page's shared group (class `xa`: hidden when zoomed).
    func writeDateAxisUse(_ l: Layout, to out: inout HTMLBytes) {
        if let ref = dateAxisRef {
            out.raw("<use class=\"xa\" href=\"#\(ref)\" y=\"\(SVGChart.unit(l.y1))\"/>")
        } else {
            writeDateTicks(yAxis: l.y1, to: &out)
        }
    }

    /// Date ticks at least 60 layout units apart: labels, then one path of tick marks.
    func writeDateTicks(yAxis: Double, to out: inout HTMLBytes) {
        let u = SVGChart.unit
        let n = dates.count
        guard n >= 2 else { return }
        let x0 = left
        let x1 = width - right
        var marks = HTMLBytes(capacity: 256)
        var lastX = Int.min / 2
        for (i, label) in SVGChart.dateTicks(dates) {
            let x = u(x0 + (x1 - x0) * Double(i) / Double(n - 1))
            guard x - lastX >= u(60) else { continue }
            lastX = x
            marks.raw("M")
            marks.int(x)
            marks.raw(" ")
            marks.int(u(yAxis))
            marks.raw("v")
            marks.int(u(5))
            out.raw("<text class=\"xl\" x=\"")
            out.int(x)
            out.raw("\" y=\"")
            out.int(u(yAxis + 18))
            out.raw("\">")
            out.text(label)
            out.raw("</text>")
        }
        if !marks.bytes.isEmpty {
            out.raw("<path class=\"ax xt\" fill=\"none\" d=\"")
            out.append(marks)
            out.raw("\"/>")
        }
    }

    /// The nested SVG that clips to the plot area; the script zooms by narrowing its viewBox.
    func writePlotOpen(_ l: Layout, to out: inout HTMLBytes) {
        let u = SVGChart.unit
        let x0 = u(l.x0)
        let pw = u(l.x1) - x0
        let h = u(height)
        out.raw("<svg class=\"pa\" x=\"")
        out.int(x0)
        out.raw("\" y=\"0\" width=\"")
        out.int(pw)
        out.raw("\" height=\"")
        out.int(h)
        out.raw("\" viewBox=\"")
        out.int(x0)
        out.raw(" 0 ")
        out.int(pw)
        out.bytes.append(UInt8(ascii: " "))
        out.int(h)
        out.raw("\" preserveAspectRatio=\"none\">")
    }

    func writeSeries(_ l: Layout, to out: inout HTMLBytes) {
        let n = l.n
        for se in series {
            let count = min(se.values.count, n)
            guard count >= 2 else { continue }
            if se.bars {
                var finite: [(index: Int, value: Double)] = []
                for i in 0..<count where se.values[i].isFinite { finite.append((i, se.values[i])) }
                SVGChart.writeBars(finite, cssClass: se.cssClass, layout: l, to: &out)
                continue
            }
            let values = count == se.values.count ? se.values : Array(se.values.prefix(count))
            var pts: [(Int, Int)] = []
            pts.reserveCapacity(Swift.min(count, Swift.max(maxPoints, 4)) + 2)
            let zero = se.area ? l.yU(0) : 0
            for i in Downsample.minMaxIndices(values, maxPoints: maxPoints) {
                let v = values[i]
                guard v.isFinite && (!logScale || v > 0) else { continue }
                // An area's first point is on the zero line below its first value.
                if se.area && pts.isEmpty { pts.append((l.xU(i), zero)) }
                pts.append((l.xU(i), l.yU(v)))
            }
            guard pts.count >= (se.area ? 3 : 2) else { continue }
            out.raw("<path class=\"")
            out.raw(se.cssClass)
            out.raw("\"")
            if !se.hover.isEmpty {
                out.raw(" data-l=\"")
                out.text(se.hover)
                out.raw("\"")
            }
            if se.area {
                // One closed path; its first and last points are on the zero line (`data-a`: the script skips them).
                pts.append((pts[pts.count - 1].0, zero))
                out.raw(" data-a=\"1\" d=\"")
                SVGChart.writePath(pts, to: &out)
                out.raw("Z\"/>")
            } else {
                out.raw(" fill=\"none\" d=\"")
                SVGChart.writePath(pts, to: &out)
                out.raw("\"/>")
            }
        }
    }

    /// Vertical bars from zero at each (index, finite value), in the order given (one path; none when empty).
    static func writeBars(
        _ bars: [(index: Int, value: Double)], cssClass: String, layout l: Layout, to out: inout HTMLBytes
    ) {
        guard !bars.isEmpty else { return }
        let zero = l.yU(0)
        out.raw("<path class=\"")
        out.raw(cssClass)
        out.raw("\" fill=\"none\" d=\"")
        for b in bars {
            out.bytes.append(UInt8(ascii: "M"))
            out.int(l.xU(b.index))
            out.bytes.append(UInt8(ascii: " "))
            out.int(zero)
            out.bytes.append(UInt8(ascii: "V"))
            out.int(l.yU(b.value))
        }
        out.raw("\"/>")
    }

    /// One path per marker class, in order of first appearance; returns the classes written.
    func writeMarkers(_ l: Layout, to out: inout HTMLBytes) -> [String] {
        // Classes in order of first appearance, each with its path data (a handful of classes: a linear
        // search, no hashing per marker).
        var order: [String] = []
        var paths: [HTMLBytes] = []
        for m in markers where m.index >= 0 && m.index < l.n && m.value.isFinite && (!logScale || m.value > 0) {
            var k = 0
            while k < order.count && order[k] != m.cssClass { k += 1 }
            if k == order.count {
                order.append(m.cssClass)
                paths.append(HTMLBytes(capacity: 256))
            }
            paths[k].bytes.append(UInt8(ascii: "M"))
            paths[k].int(l.xU(m.index))
            paths[k].bytes.append(UInt8(ascii: " "))
            paths[k].int(l.yU(m.value))
            paths[k].bytes.append(UInt8(ascii: "h"))
            paths[k].bytes.append(UInt8(ascii: "0"))
        }
        for (k, c) in order.enumerated() {
            out.raw("<path class=\"\(c)\" d=\"")
            out.append(paths[k])
            out.raw("\"/>")
        }
        return order
    }

    /// Legend above the plot: one key per series, then the marker keys, then the note.
    func writeLegend(markerKeys: [String], to out: inout HTMLBytes) {
        let u = SVGChart.unit
        var lx = left
        for se in series {
            let label = SVGChart.truncate(se.label, 56)
            out.raw(
                "<rect class=\"k\(se.cssClass)\" x=\"\(u(lx))\" y=\"\(u(11))\" width=\"\(u(16))\" height=\"\(u(4))\"/>"
            )
            out.raw("<text class=\"lg\" x=\"\(u(lx + 22))\" y=\"\(u(17))\">")
            out.text(label)
            out.raw("</text>")
            lx += 34 + Double(label.count) * 6.8
        }
        if !markerKeys.isEmpty {
            for (c, label) in [("me", "entry"), ("mx", "exit")] where markerKeys.contains(c) {
                out.raw("<circle class=\"k\(c)\" cx=\"\(u(lx + 6))\" cy=\"\(u(13))\" r=\"\(u(4))\"/>")
                out.raw("<text class=\"lg\" x=\"\(u(lx + 14))\" y=\"\(u(17))\">\(label)</text>")
                lx += 60
            }
        }
        if !note.isEmpty {
            out.raw("<text class=\"lg nt\" x=\"\(u(width - right))\" y=\"\(u(17))\">")
            out.text(note)
            out.raw("</text>")
        }
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
        var out = HTMLBytes(capacity: pts.count * 6)
        writePath(pts, to: &out)
        return out.string
    }

    static func writePath(_ pts: [(Int, Int)], to out: inout HTMLBytes) {
        guard let first = pts.first else { return }
        out.raw("M")
        out.int(first.0)
        out.raw(" ")
        out.int(first.1)
        out.raw("l")
        var prev = first
        var firstNumber = true
        for p in pts.dropFirst() {
            let dx = p.0 - prev.0
            let dy = p.1 - prev.1
            // A minus sign separates numbers by itself; a non-negative one needs a space after another.
            if !firstNumber && dx >= 0 { out.bytes.append(UInt8(ascii: " ")) }
            out.int(dx)
            if dy >= 0 { out.bytes.append(UInt8(ascii: " ")) }
            out.int(dy)
            firstNumber = false
            prev = p
        }
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
        // A tick where a date's year (month number) differs from the previous date's. Every date inside the
        // calendar year (month) of the last one converted shares its key, so only a date outside that day
        // range is converted (a chart's ten years of bars cross ten boundaries, not 2 500).
        let byYear = spanDays > 548
        func period(_ d: SessionDate) -> (key: Int, days: Range<Int>) {
            let (y, m, _) = d.components
            let start = SessionDate(year: y, month: byYear ? 1 : m, day: 1)
            let end = byYear ? SessionDate(year: y + 1, month: 1, day: 1) : start?.adding(months: 1)
            let days =
                if let start, let end { start.daysSinceEpoch..<end.daysSinceEpoch } else {
                    d.daysSinceEpoch..<(d.daysSinceEpoch + 1)
                }
            return (byYear ? y : m, days)
        }
        var current = period(dates[0])
        for i in 1..<dates.count where !current.days.contains(dates[i].daysSinceEpoch) {
            let next = period(dates[i])
            if next.key != current.key {
                ticks.append((i, byYear ? String(next.key) : String(dates[i].iso.prefix(7))))
            }
            current = next
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
