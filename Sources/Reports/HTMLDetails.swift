import Engine
import Market
import Mustache

// Backtest details (`id="bt-N"`), the winner's tearsheet and the per-symbol pages of large runs.

/// A calendar year of the winner against buy & hold.
struct YearRow {
    var year: String
    var strategy: String
    var strategyCls: String
    var buyAndHold: String
    var buyAndHoldCls: String
    var difference: String
    var differenceCls: String
}

/// One of the winner's worst drawdowns.
struct DrawdownRow {
    var n: String
    var start: String
    var trough: String
    var recovery: String
    var depth: String
    var bars: String
    var days: String
}

/// A symbol of a large run in the index: its winner, linking to its page.
struct SymbolRow {
    var symbol: String
    var href: String
    var bestHref: String
    var bars: String
    var strategy: String
    var params: String
    var score: String
    var ret: String
    var retCls: String
    var bhReturn: String
    var bhCls: String
    var sharpe: String
    var maxDD: String
    var trades: String
}

/// A per-symbol page: the run's name and id, and the one symbol's section.
struct SymbolPageView {
    var symbol: String
    var specName: String
    var period: String
    var toolVersion: String
    var symbols: [SymbolView]

    init(_ report: RunReport, index: Int, curves: [[Double]]?) {
        let info = report.info
        symbol = report.symbols.indices.contains(index) ? report.symbols[index].symbol : ""
        specName = info.specName
        period = "\(info.periodStart.iso) – \(info.periodEnd.iso)"
        toolVersion = info.toolVersion
        symbols =
            report.symbols.indices.contains(index)
            ? [
                SymbolView(
                    report: report, index: index, curves: curves, maxTrades: 25, chartPoints: 160,
                    detailPoints: HTMLReport.detailChartPoints, detailTrades: HTMLReport.detailTradesShown)
            ] : []
    }
}

extension HTMLReport {
    /// Runs of at most this many backtests keep every detail inside report.html (about 15 kB each); larger
    /// runs write one page per symbol (`symbols/<name>.html`) and report.html becomes the index.
    public static let inlineDetailLimit = 60
    /// A symbol's ranking lists its best this many backtests by rank, each linking to its detail (every
    /// backtest of a grid up to this size); a larger grid's page says how many more results.csv has. So a
    /// symbol page stays under about 1 MB and the report stage's work is bounded per symbol, whatever the
    /// grid (a 1 000-combination grid would otherwise write 7 MB a symbol).
    public static let maxDetailsPerSymbol = 100
    /// Chart points per series in a detail on a symbol page (its exact values are in results.csv,
    /// trades.csv and, with `equity: all`, equity.csv), and its trades listed (the most recent).
    public static let detailChartPoints = 120
    public static let detailTradesShown = 10
    /// Window of the tearsheet's rolling Sharpe ratio and volatility: 6 months of daily bars.
    public static let rollingWindow = 126

    /// Whether the run's details are inside report.html (true) or on per-symbol pages (false).
    public static func detailsInline(_ report: RunReport) -> Bool { report.rows.count <= inlineDetailLimit }

    /// The file name (inside `symbols/`) of each symbol's page, aligned with `report.symbols`: the symbol
    /// with every byte outside `A–Z a–z 0–9 - _` replaced by `_`; a name that had to change, or that equals
    /// another one ignoring case (case-insensitive file systems), gets `-` and 8 hex digits of the symbol's
    /// FNV-1a hash; any remaining clash a counter. So every name is safe and distinct.
    public static func symbolPageNames(_ report: RunReport) -> [String] {
        let symbols = report.symbols.map(\.symbol)
        let safe = symbols.map { s -> String in
            let mapped = String(
                decoding: s.utf8.map { b in
                    (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D
                        || b == 0x5F ? b : 0x5F
                }, as: UTF8.self)
            return mapped.isEmpty ? "_" : String(mapped.prefix(64))
        }
        var count: [String: Int] = [:]
        for s in safe { count[s.lowercased(), default: 0] += 1 }
        var used = Set<String>()
        var out: [String] = []
        for (i, s) in safe.enumerated() {
            var name = s
            if s != symbols[i] || count[s.lowercased()]! > 1 { name += "-" + fnv1a(symbols[i]) }
            var candidate = name
            var k = 2
            while !used.insert(candidate.lowercased()).inserted {
                candidate = "\(name)-\(k)"
                k += 1
            }
            out.append(candidate + ".html")
        }
        return out
    }

    static func fnv1a(_ s: String) -> String {
        var h: UInt32 = 0x811C_9DC5
        for b in s.utf8 {
            h ^= UInt32(b)
            h = h &* 0x0100_0193
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// The page of `report.symbols[index]` for a large run: its ranking, tearsheet, grids and every
    /// backtest's detail. `curves` are the symbol's equity curves aligned with its `rowIndices` (an empty
    /// curve: not available; `SymbolReport.equity` is used where it has one).
    public static func renderSymbolPage(_ report: RunReport, symbol index: Int, curves: [[Double]]?) -> String {
        String(decoding: symbolPageBytes(report, symbol: index, curves: curves), as: UTF8.self)
    }

    /// `renderSymbolPage` as UTF-8: the template renders the page around a marker and the details' bytes
    /// are spliced in, so they are never a String.
    public static func symbolPageBytes(_ report: RunReport, symbol index: Int, curves: [[Double]]?) -> [UInt8] {
        var out: [UInt8] = []
        writeSymbolPage(report, symbol: index, curves: curves) { out.append(contentsOf: $0) }
        return out
    }

    /// `symbolPageBytes` in its three pieces (the template's text before the details, the details, the
    /// rest), handed to `write` in order, so a writer puts them in a file without assembling the page (its
    /// details are most of its half a megabyte).
    public static func writeSymbolPage(
        _ report: RunReport, symbol index: Int, curves: [[Double]]?,
        _ write: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows {
        var view = SymbolPageView(report, index: index, curves: curves)
        guard !view.symbols.isEmpty else {
            var text = symbolTemplate.render(view)
            return try text.withUTF8 { try write($0) }
        }
        view.symbols[0].spliceDetails = true
        let details = view.symbols[0].detailBytes
        var text = symbolTemplate.render(view)
        try text.withUTF8 { page in
            let marker = Array(detailsMarker.utf8)
            // User text is escaped (`<` → `&lt;`), so the marker can only be the template's own.
            guard let at = firstIndex(of: marker, in: page) else { return try write(page) }
            try write(UnsafeBufferPointer(rebasing: page[..<at]))
            try details.withUnsafeBufferPointer { try write($0) }
            try write(UnsafeBufferPointer(rebasing: page[(at + marker.count)...]))
        }
    }

    static let detailsMarker = "<!--stratopt:details-->"

    static func firstIndex(of needle: [UInt8], in hay: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let first = needle.first, hay.count >= needle.count else { return nil }
        var i = 0
        while i <= hay.count - needle.count {
            if hay[i] == first {
                var k = 1
                while k < needle.count && hay[i + k] == needle[k] { k += 1 }
                if k == needle.count { return i }
            }
            i += 1
        }
        return nil
    }

    static let symbolTemplate: MustacheTemplate = {
        do { return try MustacheTemplate(string: HTMLTemplates.symbolPage) } catch {
            fatalError("symbol page template does not parse: \(error)")
        }
    }()

    /// Heat class `h0`…`h9` for a value on lo…hi (h0 for a flat range).
    static func heatClass(_ v: Double, lo: Double, hi: Double) -> String {
        guard v.isFinite, hi > lo else { return "h0" }
        return "h\(Int(min(9, max(0, (v - lo) / (hi - lo) * 10))))"
    }

    /// The symbol's dates for the chart script: the first ISO date, `:`, then each step in days as one
    /// base-36 digit (steps of 36 days or more as `(digits)`). About one byte a bar.
    static func dateData(_ dates: [SessionDate]) -> String {
        guard let first = dates.first else { return "" }
        var out = first.iso + ":"
        for i in dates.indices.dropFirst() {
            let d = dates[i].daysSinceEpoch - dates[i - 1].daysSinceEpoch
            let t = String(max(0, d), radix: 36)
            out += t.count == 1 ? t : "(\(t))"
        }
        return out
    }

    /// Index of each session date in `dates` (by day number).
    static func dateIndex(_ dates: [SessionDate]) -> [Int: Int] {
        var out: [Int: Int] = [:]
        out.reserveCapacity(dates.count)
        for (i, d) in dates.enumerated() { out[d.daysSinceEpoch] = i }
        return out
    }
}

/// Every backtest's detail of one symbol (`id="bt-N"`), written straight to bytes: 66 details a symbol
/// × 500 symbols went through the template engine far too slowly, and were mostly the same markup.
///
/// A symbol's details share one value scale per chart kind (price, equity, drawdown, per-trade return:
/// the range over all of its backtests, so they also compare at a glance). So every chart's frame (grid,
/// value labels, axes), the date axis, the close line and the buy & hold line are written once into a
/// hidden `<defs>` and `<use>`d; a detail's own bytes are its markers, equity, drawdown and trade bars,
/// its metrics and its last trades.
struct DetailWriter {
    let symbol: SymbolReport
    /// The symbol's section id (`s0`…): detail links back to it, and the shared ids derive from it.
    let anchor: String
    let rows: [ResultRow]
    let curves: [[Double]]
    let points: Int
    let maxTrades: Int
    private let dateIndex: [Int: Int]
    private let buyAndHold: [Double]
    private let drawdowns: [[Double]]
    private let price: SVGChart.Layout?
    private let equity: SVGChart.Layout?
    private let drawdown: SVGChart.Layout?
    private let pnl: SVGChart.Layout?

    /// Every metric a detail lists, in order.
    static let metricColumns = ResultColumn.metrics + ResultColumn.moreMetrics

    /// `rows` are the symbol's rows with `curves` aligned (an empty curve: not recorded).
    init(
        symbol s: SymbolReport, anchor: String, rows: [ResultRow], curves: [[Double]], buyAndHold bh: [Double],
        points: Int, maxTrades: Int
    ) {
        symbol = s
        self.anchor = anchor
        self.rows = rows
        self.curves = curves
        self.points = points
        self.maxTrades = maxTrades
        buyAndHold = bh
        dateIndex = HTMLReport.dateIndex(s.dates)
        let bars = s.dates.count
        var priceRange = Range()
        var returnRange = Range()
        returnRange.add(0)
        for r in rows {
            for t in r.trades {
                priceRange.add(t.entryPrice)
                priceRange.add(t.exitPrice)
                returnRange.add(t.returnPct)
            }
        }
        var equityRange = Range()
        var deepest = Range()
        deepest.add(0)
        var dds: [[Double]] = []
        dds.reserveCapacity(curves.count)
        for c in curves {
            guard c.count == bars else {
                dds.append([])
                continue
            }
            // One pass: the equity range, and the drawdown (`ReportAnalytics.drawdownPct(c, negated: true)`,
            // value for value) with its range.
            var peak = -Double.infinity
            let dd = [Double](unsafeUninitializedCapacity: c.count) { out, written in
                for (i, v) in c.enumerated() {
                    equityRange.add(v)
                    let d = -ReportAnalytics.drawdownStep(v, peak: &peak)
                    deepest.add(d)
                    out[i] = d
                }
                written = c.count
            }
            dds.append(dd)
        }
        if bh.count == bars { for v in bh { equityRange.add(v) } }
        drawdowns = dds
        price =
            DetailWriter.chart(s, "px", s.close, height: 260, points: points).layout(extraRange: priceRange.pair)
            .ok
        equity =
            equityRange.pair == nil
            ? nil : DetailWriter.chart(s, "s1", [], height: 240, points: points).layout(extraRange: equityRange.pair).ok
        drawdown = DetailWriter.chart(s, "dd", [], height: 150, points: points).layout(extraRange: deepest.pair).ok
        pnl = DetailWriter.chart(s, "plp", [], height: 170, points: points).layout(extraRange: returnRange.pair).ok
    }

    /// Finite minimum and maximum.
    private struct Range {
        var lo = Double.infinity
        var hi = -Double.infinity
        mutating func add(_ v: Double) {
            guard v.isFinite else { return }
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
        }
        var pair: (lo: Double, hi: Double)? { lo <= hi ? (lo, hi) : nil }
    }

    private static func chart(_ s: SymbolReport, _ cls: String, _ values: [Double], height: Double, points: Int)
        -> SVGChart
    {
        var c = SVGChart(
            title: "", dates: s.dates,
            series: values.isEmpty ? [] : [SVGChart.Series(label: "", cssClass: cls, values: values)],
            valueStyle: cls == "dd" || cls == "plp" ? .percent : .money, height: height, maxPoints: points)
        c.dateAxisRef = nil
        return c
    }

    private var ids: (axis: String, price: String, close: String, equity: String, bh: String, dd: String, pnl: String) {
        ("xa-" + anchor, "pf-" + anchor, "pp-" + anchor, "ef-" + anchor, "eb-" + anchor, "df-" + anchor, "tf-" + anchor)
    }

    private var priceChart: SVGChart {
        var c = SVGChart(
            title: "", dates: symbol.dates,
            series: [SVGChart.Series(label: "Close", cssClass: "px", values: symbol.close, hover: "close")],
            valueStyle: .money, height: 260, maxPoints: points)
        c.dateAxisRef = ids.axis
        return c
    }

    private var equityChart: SVGChart {
        var c = priceChart
        c.series = []
        c.height = 240
        return c
    }

    private var drawdownChart: SVGChart {
        var c = SVGChart(
            title: "", dates: symbol.dates,
            series: [SVGChart.Series(label: "Drawdown, % below peak", cssClass: "dd", values: [], area: true)],
            valueStyle: .percent, height: 150, maxPoints: points)
        c.dateAxisRef = ids.axis
        return c
    }

    private var pnlChart: SVGChart {
        var c = SVGChart(
            title: "", dates: symbol.dates,
            series: [
                SVGChart.Series(label: "Winning trade, %", cssClass: "plp", values: [], bars: true),
                SVGChart.Series(label: "Losing trade, %", cssClass: "pln", values: [], bars: true),
            ], valueStyle: .percent, height: 170, maxPoints: points)
        c.dateAxisRef = ids.axis
        return c
    }

    /// The hidden SVG holding what the details share; written once before them.
    func writeShared(to out: inout HTMLBytes) {
        let id = ids
        out.raw("<svg class=\"ch defs\" aria-hidden=\"true\" focusable=\"false\"><defs>")
        SVGChart.writeDateAxis(id: id.axis, dates: symbol.dates, to: &out)
        if let l = price {
            priceChart.writeSharedFrame(id: id.price, layout: l, legend: true, markerKeys: ["me", "mx"], to: &out)
            priceChart.writeSharedSeries(0, id: id.close, layout: l, to: &out)
        }
        if let l = equity {
            var c = equityChart
            c.series = [SVGChart.Series(label: "", cssClass: "s2", values: buyAndHold)]
            c.writeSharedFrame(id: id.equity, layout: l, legend: false, to: &out)
            if buyAndHold.count == symbol.dates.count { c.writeSharedSeries(0, id: id.bh, layout: l, to: &out) }
        }
        if let l = drawdown { drawdownChart.writeSharedFrame(id: id.dd, layout: l, legend: true, to: &out) }
        if let l = pnl { pnlChart.writeSharedFrame(id: id.pnl, layout: l, legend: true, to: &out) }
        out.raw("</defs></svg>\n")
    }

    /// The detail of `rows[k]`, which is `report.rows[rowIndex]`.
    func write(_ k: Int, rowIndex: Int, to out: inout HTMLBytes) {
        let r = rows[k]
        let curve = k < curves.count ? curves[k] : []
        let s = symbol
        let id = ids
        let n = rowIndex + 1
        out.raw("<section class=\"det card\" id=\"bt-")
        out.int(n)
        out.raw("\">\n<div class=\"symh\"><h3>")
        out.text(s.symbol)
        out.raw(" · ")
        out.text(r.strategy)
        out.raw(" <code>")
        out.text(r.params.text)
        out.raw("</code></h3><span class=\"mut\">results.csv row ")
        out.int(n)
        out.raw(" · rank ")
        out.int(r.rank)
        out.raw(" · score ")
        out.fixed(r.score.total, 1)
        if r.rank == 1 && r.excludedReason == nil { out.raw(" · <span class=\"star\">★</span> best") }
        out.raw("</span> <a href=\"#")
        out.raw(anchor)
        out.raw("\">back to the ranking</a></div>\n")
        if let reason = r.excludedReason {
            out.raw("<p><span class=\"badge warn\">not ranked</span> ")
            out.text(reason)
            out.raw("</p>\n")
        }
        out.raw("<dl class=\"mets\">")
        func metric(_ title: String, _ text: String, _ cls: String) {
            out.raw("<div><dt>")
            out.text(title)
            out.raw("</dt><dd class=\"")
            out.raw(cls)
            out.raw("\">")
            out.text(text)
            out.raw("</dd></div>")
        }
        for c in DetailWriter.metricColumns {
            out.raw("<div><dt>")
            out.text(c.title)
            out.raw("</dt><dd class=\"")
            out.raw(c.style == .signedPercent ? HTMLReport.signClass(c.value(r.metrics)) : "")
            out.raw("\">")
            out.display(c, r.metrics)
            out.raw("</dd></div>")
        }
        metric("Score", Format.fixed(r.score.total, 1), "")
        metric("Rank", String(r.rank), "")
        if let o = r.overfitting {
            if let d = o.dsr { metric("DSR", Format.fixed(d, 2), "") }
            if let p = o.pbo { metric("PBO", Format.fixed(p, 2), "") }
        }
        out.raw("</dl>\n")

        let label = r.params.isEmpty ? r.strategy : "\(r.strategy) \(r.params)"
        let bars = s.dates.count
        var markers: [SVGChart.Marker] = []
        markers.reserveCapacity(2 * r.trades.count)
        // Each trade's return at its exit bar, winners and losers apart: a later trade at the same bar
        // replaces an earlier one of its kind.
        var pnlPos: [(index: Int, value: Double)] = []
        var pnlNeg: [(index: Int, value: Double)] = []
        func put(_ i: Int, _ v: Double, _ list: inout [(index: Int, value: Double)]) {
            guard let last = list.last, last.index >= i else { return list.append((i, v)) }
            // Out of order (exits are in order, so this is rare): replace or insert in index order.
            if let k = list.firstIndex(where: { $0.index == i }) {
                list[k].value = v
            } else {
                list.append((i, v))
                list.sort { $0.index < $1.index }
            }
        }
        for t in r.trades {
            if let i = dateIndex[t.entryDate.daysSinceEpoch] {
                markers.append(SVGChart.Marker(index: i, value: t.entryPrice, cssClass: "me"))
            }
            if let i = dateIndex[t.exitDate.daysSinceEpoch] {
                markers.append(SVGChart.Marker(index: i, value: t.exitPrice, cssClass: "mx"))
                if t.returnPct >= 0 { put(i, t.returnPct, &pnlPos) } else { put(i, t.returnPct, &pnlNeg) }
            }
        }

        // Price: the shared frame and close line, its own markers.
        out.raw("<figure class=\"price\">")
        var pc = priceChart
        pc.title = "\(s.symbol): close with the entries and exits of \(label)"
        pc.markers = markers
        if let l = price {
            pc.writeOnFrame(id.price, layout: l, to: &out) { out in
                SVGChart.writeUse(id.close, cssClass: "px", hover: "close", to: &out)
                _ = pc.writeMarkers(l, to: &out)
            }
        } else {
            pc.dateAxisRef = nil
            pc.write(to: &out)
        }
        out.raw("</figure>\n")

        // Equity against buy & hold, and drawdown, on the symbol's shared scales.
        if curve.count >= 2, bars >= 2 {
            var ec = equityChart
            ec.title = "\(s.symbol): equity of \(label) vs buy & hold"
            ec.series = [SVGChart.Series(label: label, cssClass: "s1", values: curve, hover: "equity")]
            let shared = curve.count == bars && equity != nil
            if buyAndHold.count >= min(curve.count, bars) {
                ec.series.append(
                    SVGChart.Series(
                        label: "Buy & hold (period)", cssClass: "s2", values: Array(buyAndHold.prefix(curve.count)),
                        hover: "buy & hold"))
            }
            out.raw("<figure>")
            if shared, let l = equity {
                var own = ec
                own.series = [ec.series[0]]
                ec.writeOnFrame(id.equity, layout: l, legend: true, to: &out) { out in
                    own.writeSeries(l, to: &out)
                    if buyAndHold.count == bars {
                        SVGChart.writeUse(id.bh, cssClass: "s2", hover: "buy & hold", to: &out)
                    }
                }
            } else {
                let m = min(curve.count, bars)
                ec.dates = Array(s.dates.prefix(m))
                ec.series = ec.series.map {
                    var x = $0; x.values = Array(x.values.prefix(m)); return x
                }
                ec.dateAxisRef = nil
                ec.write(to: &out)
            }
            out.raw("</figure><figure>")
            var dc = drawdownChart
            dc.title = "\(s.symbol): drawdown of \(label)"
            if shared, let l = drawdown, k < drawdowns.count, drawdowns[k].count == bars {
                dc.series[0].values = drawdowns[k]
                dc.series[0].hover = "drawdown"
                dc.writeOnFrame(id.dd, layout: l, to: &out) { dc.writeSeries(l, to: &$0) }
            } else {
                let m = min(curve.count, bars)
                dc.dates = Array(s.dates.prefix(m))
                dc.series[0].values = ReportAnalytics.drawdownPct(Array(curve.prefix(m))).map { -$0 }
                dc.series[0].hover = "drawdown"
                dc.dateAxisRef = nil
                dc.write(to: &out)
            }
            out.raw("</figure>\n")
        } else {
            out.raw("<p class=\"mut\">No equity curve recorded for this backtest.</p>\n")
        }

        // The return of each trade at its exit.
        if !r.trades.isEmpty {
            var tc = pnlChart
            tc.title = "\(s.symbol): return of each trade of \(label), % at its exit"
            out.raw("<figure>")
            if let l = pnl, bars >= 2 {
                // Only finite returns are bars (as `writeSeries` draws a bars series).
                let pos = pnlPos.filter { $0.value.isFinite }
                let neg = pnlNeg.filter { $0.value.isFinite }
                tc.writeOnFrame(id.pnl, layout: l, to: &out) { out in
                    SVGChart.writeBars(pos, cssClass: "plp", layout: l, to: &out)
                    SVGChart.writeBars(neg, cssClass: "pln", layout: l, to: &out)
                }
            } else {
                var dense = ([Double](repeating: .nan, count: bars), [Double](repeating: .nan, count: bars))
                for p in pnlPos { dense.0[p.index] = p.value }
                for p in pnlNeg { dense.1[p.index] = p.value }
                tc.series[0].values = dense.0
                tc.series[1].values = dense.1
                if let l = pnl {
                    tc.writeOnFrame(id.pnl, layout: l, to: &out) { tc.writeSeries(l, to: &$0) }
                } else {
                    tc.write(to: &out)
                }
            }
            out.raw("</figure>\n")
        }
        out.raw("<h4>Trades (")
        out.int(r.trades.count)
        out.raw(")</h4>")
        if r.trades.isEmpty {
            out.raw("<p class=\"mut\">No closed trades.</p>")
        } else {
            HTMLReport.writeTradeTable(r.trades, max: maxTrades, to: &out)
        }
        out.raw("\n</section>\n")
    }
}

extension Result {
    /// The success value, or nil.
    var ok: Success? { if case .success(let v) = self { v } else { nil } }
}

extension HTMLReport {
    /// One row of a symbol's ranking; its row number and strategy link to its detail.
    static func writeRankRow(_ r: ResultRow, n: Int, scaleMax: Double, to out: inout HTMLBytes) {
        let best = r.rank == 1 && r.excludedReason == nil
        out.raw(
            best ? "<tr class=\"best\"><td><span class=\"star\" title=\"best for this symbol\">★</span> " : "<tr><td>")
        out.int(r.rank)
        if let reason = r.excludedReason {
            out.raw(" <span class=\"badge warn\" title=\"")
            out.text(reason)
            out.raw("\">not ranked</span>")
        }
        out.raw("<td><a href=\"#bt-")
        out.int(n)
        out.raw("\">")
        out.int(n)
        out.raw("</a><td class=\"t\"><a href=\"#bt-")
        out.int(n)
        out.raw("\">")
        out.text(r.strategy)
        out.raw("</a><td class=\"t p\">")
        out.text(r.params.text)
        for c in ResultColumn.metrics {
            let cls = c.style == .signedPercent ? signClass(c.value(r.metrics)) : ""
            if cls.isEmpty {
                out.raw("<td>")
            } else {
                out.raw("<td class=\"")
                out.raw(cls)
                out.raw("\">")
            }
            out.text(c.displayText(r.metrics))
        }
        out.raw("<td class=\"t sc\"><span class=\"bt\"><span class=\"bar\" style=\"width:")
        out.fixed(min(100, max(0, r.score.total / scaleMax * 100)), 1)
        out.raw("%\"></span></span>")
        out.fixed(r.score.total, 1)
        out.raw("</td></tr>\n")
    }

    /// The last `max` trades as a sortable table, with a note when some are left out.
    static func writeTradeTable(_ trades: [Trade], max maxTrades: Int, to out: inout HTMLBytes) {
        out.raw(
            "<div class=\"scroll tall\"><table class=\"sortable tl\"><thead><tr><th>#</th><th>Entry</th><th>Entry price</th><th>Exit</th><th>Exit price</th><th>Shares</th><th>P&amp;L</th><th>Return</th></tr></thead><tbody>\n"
        )
        let skipped = Swift.max(0, trades.count - maxTrades)
        for (i, t) in trades.suffix(maxTrades).enumerated() {
            out.raw("<tr class=\"")
            out.raw(signClass(t.pnl))
            out.raw("\"><td>")
            out.int(skipped + i + 1)
            out.raw("<td>")
            t.entryDate.appendISO(to: &out.bytes)
            out.raw("<td>")
            out.grouped(t.entryPrice, 2)
            out.raw("<td>")
            t.exitDate.appendISO(to: &out.bytes)
            out.raw("<td>")
            out.grouped(t.exitPrice, 2)
            out.raw("<td>")
            out.grouped(t.shares, HTMLReport.shareDecimals(t.shares))
            out.raw("<td>")
            out.grouped(t.pnl, 2)
            out.raw("<td>")
            if t.returnPct.isFinite {
                out.fixed(t.returnPct, 2)
                out.raw("%")
            } else {
                out.raw("–")
            }
            out.raw("</td></tr>\n")
        }
        out.raw("</tbody></table></div>")
        if trades.count > maxTrades {
            out.raw("<p class=\"mut\">Showing the last ")
            out.int(maxTrades)
            out.raw("; trades.csv has all of them.</p>")
        }
    }
}

/// The winner's tearsheet: log-scale equity, yearly returns vs buy & hold, rolling Sharpe and volatility,
/// worst drawdowns and the distribution of bar returns.
struct TearsheetParts {
    var equityLogSVG: String
    var years: [YearRow]
    var rollingSharpeSVG: String
    var rollingVolSVG: String
    var drawdowns: [DrawdownRow]
    var distributionSVG: String

    init(symbol: String, label: String, dates: [SessionDate], curve: [Double], buyAndHold bh: [Double], points: Int) {
        let n = min(dates.count, curve.count)
        let d = Array(dates.prefix(n))
        let c = Array(curve.prefix(n))
        var series = [SVGChart.Series(label: label, cssClass: "s1", values: c, hover: "equity")]
        if bh.count >= n {
            series.append(
                SVGChart.Series(
                    label: "Buy & hold (period)", cssClass: "s2", values: Array(bh.prefix(n)), hover: "buy & hold"))
        }
        equityLogSVG = SVGChart(
            title: "\(symbol): equity of \(label) vs buy & hold, log scale", dates: d, series: series,
            valueStyle: .money, maxPoints: points, logScale: true
        ).render()
        let mine = Tearsheet.yearlyReturns(dates: d, equity: c)
        let theirs = bh.count >= n ? Tearsheet.yearlyReturns(dates: d, equity: Array(bh.prefix(n))) : []
        years = mine.map { y in
            let b = theirs.first { $0.year == y.year }?.pct
            let diff: Double? = y.pct.flatMap { a in b.map { a - $0 } }
            return YearRow(
                year: String(y.year), strategy: Format.percent(y.pct), strategyCls: HTMLReport.signClass(y.pct),
                buyAndHold: Format.percent(b), buyAndHoldCls: HTMLReport.signClass(b), difference: Format.percent(diff),
                differenceCls: HTMLReport.signClass(diff))
        }
        let rolling = Tearsheet.rolling(c, window: HTMLReport.rollingWindow, annualization: 252)
        rollingSharpeSVG = SVGChart(
            title: "\(symbol): rolling 6-month Sharpe ratio of \(label)", dates: d,
            series: [
                SVGChart.Series(
                    label: "Sharpe ratio, 126 bars", cssClass: "s1", values: rolling.sharpe.map { $0 ?? .nan },
                    hover: "Sharpe")
            ], valueStyle: .money, height: 190, maxPoints: points
        ).render()
        rollingVolSVG = SVGChart(
            title: "\(symbol): rolling 6-month volatility of \(label)", dates: d,
            series: [
                SVGChart.Series(
                    label: "Volatility, % a year, 126 bars", cssClass: "s3",
                    values: rolling.volatilityPct.map { $0 ?? .nan },
                    hover: "volatility")
            ], valueStyle: .percent, height: 190, maxPoints: points
        ).render()
        drawdowns = Tearsheet.worstDrawdowns(c, count: 5).enumerated().map { k, e in
            DrawdownRow(
                n: String(k + 1), start: d[e.start].iso, trough: d[e.trough].iso,
                recovery: e.recovery.map { d[$0].iso } ?? "not recovered", depth: Format.percent(e.depthPct),
                bars: String(e.lengthBars),
                days: String(d[e.recovery ?? (n - 1)].daysSinceEpoch - d[e.start].daysSinceEpoch))
        }
        let returns = Tearsheet.returns(c).map { $0 * 100 }
        distributionSVG = SVGChart.histogram(
            title: "\(symbol): distribution of the bar returns of \(label), %",
            Tearsheet.histogram(returns, bins: 40))
    }
}

// The tearsheet's and score grids' tables as bytes: through the template engine, the monthly table, the
// grids, the yearly returns and the worst drawdowns (about 850 lookups a symbol) were a symbol page's
// largest cost after its details. The markup is exactly what the template wrote for them.
extension HTMLReport {
    /// The ranking's metric headers (the same for every symbol): written once.
    static let metricHeadersHTML: String = {
        var out = HTMLBytes()
        for c in ResultColumn.metrics {
            out.raw("<th title=\"")
            out.text(c.help)
            out.raw("\">")
            out.text(c.title)
            out.raw("</th>")
        }
        return out.string
    }()

    static func monthlyRowsHTML(_ rows: [MonthRow]) -> String {
        var out = HTMLBytes(capacity: rows.count * 400)
        for m in rows {
            out.raw("<tr><th class=\"t\">")
            out.text(m.year)
            out.raw("</th>")
            for c in m.months { out.cell(c.text, cls: c.hasCls ? c.cls : nil) }
            out.cell(m.totalText, cls: "yt " + m.totalCls)
            out.raw("</td></tr>\n")
        }
        return out.string
    }

    static func yearRowsHTML(_ rows: [YearRow]) -> String {
        var out = HTMLBytes(capacity: rows.count * 160)
        for y in rows {
            out.raw("<tr>")
            out.cell(y.year, cls: "t")
            out.cell(y.strategy, cls: y.strategyCls)
            out.cell(y.buyAndHold, cls: y.buyAndHoldCls)
            out.cell(y.difference, cls: y.differenceCls)
            out.raw("</td></tr>\n")
        }
        return out.string
    }

    static func drawdownRowsHTML(_ rows: [DrawdownRow]) -> String {
        var out = HTMLBytes(capacity: rows.count * 160)
        for d in rows {
            out.raw("<tr>")
            for text in [d.n, d.start, d.trough, d.recovery] { out.cell(text) }
            out.cell(d.depth, cls: "neg")
            out.cell(d.bars)
            out.cell(d.days)
            out.raw("</td></tr>\n")
        }
        return out.string
    }

    static func gridsHTML(_ grids: [GridView]) -> String {
        var out = HTMLBytes(capacity: grids.count * 2_000)
        for g in grids {
            out.raw("<h4>Score grid: ")
            out.text(g.strategy)
            out.raw("</h4><p class=\"mut\">Rows: ")
            out.text(g.rowParam)
            out.raw(" · columns: ")
            out.text(g.colParam)
            if g.hasOther {
                out.raw(" · best over ")
                out.text(g.other)
            }
            out.raw("</p>\n<div class=\"scroll\"><table class=\"sortable heat grid\"><thead><tr><th class=\"t\">")
            out.text(g.rowParam)
            out.raw(" \\ ")
            out.text(g.colParam)
            out.raw("</th>")
            for v in g.colValues {
                out.raw("<th>")
                out.text(v)
                out.raw("</th>")
            }
            out.raw("</tr></thead><tbody>")
            for row in g.gridRows {
                out.raw("<tr><th class=\"t\">")
                out.text(row.value)
                out.raw("</th>")
                for c in row.cells {
                    out.raw("<td class=\"")
                    out.text(c.cls)
                    out.raw("\" title=\"")
                    out.text(c.tip)
                    out.raw("\">")
                    out.text(c.text)
                    out.raw("</td>")
                }
                out.raw("</tr>")
            }
            out.raw(
                "</tbody></table></div>\n<div class=\"legend\">")
            out.text(g.legend)
            out.raw(
                " <span class=\"h0\">low</span> <span class=\"h3\">·</span> <span class=\"h6\">·</span> <span class=\"h9\">high</span></div>\n"
            )
        }
        return out.string
    }
}
