import Engine
import Market
import Mustache

// Backtest details (`id="bt-N"`), the winner's tearsheet and the per-symbol pages of large runs.

/// One metric of a backtest's detail.
struct MetricItem {
    var title: String
    var text: String
    var cls: String
}

/// One backtest: its charts, trades and every metric. N is the row's 1-based position in results.csv.
struct DetailView {
    var anchor: String
    var n: String
    var symbol: String
    var strategy: String
    var params: String
    var rank: String
    var score: String
    var isBest: Bool
    var excluded: Bool
    var excludedReason: String
    var back: String
    var metrics: [MetricItem]
    var priceSVG: String
    var hasCurve: Bool
    var equitySVG: String
    var drawdownSVG: String
    var hasPnl: Bool
    var pnlSVG: String
    var hasTrades: Bool
    var tradeCount: String
    var trades: [TradeView]
    var tradesTruncated: Bool
    var tradesShown: String
}

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
    var columns: [ColumnView]
    var symbols: [SymbolView]

    init(_ report: RunReport, index: Int, curves: [[Double]]?) {
        let info = report.info
        symbol = report.symbols.indices.contains(index) ? report.symbols[index].symbol : ""
        specName = info.specName
        period = "\(info.periodStart.iso) – \(info.periodEnd.iso)"
        toolVersion = info.toolVersion
        columns = ResultColumn.metrics.map { ColumnView(title: $0.title, help: $0.help) }
        symbols =
            report.symbols.indices.contains(index)
            ? [SymbolView(report: report, index: index, curves: curves, maxTrades: 25, chartPoints: 160)] : []
    }
}

extension HTMLReport {
    /// Runs of at most this many backtests keep every detail inside report.html (about 15 kB each); larger
    /// runs write one page per symbol (`symbols/<name>.html`) and report.html becomes the index.
    public static let inlineDetailLimit = 60
    /// Each symbol's best this many backtests (by rank) get a detail; a larger grid's other rows are listed
    /// without one (results.csv, trades.csv and `equity: all` have them). Each detail is a recomputed curve
    /// and about 15 kB of page: 10 keeps a symbol's page near 0.2 MB and a 500-symbol report folder near
    /// 100 MB, and the report stage within a few seconds.
    public static let maxDetailsPerSymbol = 10
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
        symbolTemplate.render(SymbolPageView(report, index: index, curves: curves))
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

    static func tradeViews(_ trades: [Trade], max maxTrades: Int) -> [TradeView] {
        let skipped = Swift.max(0, trades.count - maxTrades)
        return trades.suffix(maxTrades).enumerated().map { i, t in
            TradeView(
                n: String(skipped + i + 1), entryDate: t.entryDate.iso, entryPrice: Format.grouped(t.entryPrice, 2),
                exitDate: t.exitDate.iso, exitPrice: Format.grouped(t.exitPrice, 2),
                shares: HTMLReport.shares(t.shares),
                pnl: Format.grouped(t.pnl, 2), ret: Format.percent(t.returnPct), cls: HTMLReport.signClass(t.pnl))
        }
    }
}

extension DetailView {
    /// `row` is `report.rows[rowIndex]`; `curve` its equity (empty: not recorded).
    init(
        row r: ResultRow, rowIndex: Int, symbol s: SymbolReport, symbolAnchor: String, curve: [Double],
        buyAndHold bh: [Double], dateIndex: [Int: Int], points: Int, maxTrades: Int
    ) {
        anchor = "bt-\(rowIndex + 1)"
        n = String(rowIndex + 1)
        symbol = s.symbol
        strategy = r.strategy
        params = r.params
        rank = String(r.rank)
        score = Format.fixed(r.score.total, 1)
        isBest = r.rank == 1 && r.excludedReason == nil
        excluded = r.excludedReason != nil
        excludedReason = r.excludedReason ?? ""
        back = "#" + symbolAnchor
        var items = (ResultColumn.metrics + ResultColumn.moreMetrics).map { c in
            MetricItem(
                title: c.title, text: c.displayText(r.metrics),
                cls: c.style == .signedPercent ? HTMLReport.signClass(c.value(r.metrics)) : "")
        }
        items.append(MetricItem(title: "Score", text: Format.fixed(r.score.total, 1), cls: ""))
        items.append(MetricItem(title: "Rank", text: String(r.rank), cls: ""))
        if let o = r.overfitting {
            if let d = o.dsr { items.append(MetricItem(title: "DSR", text: Format.fixed(d, 2), cls: "")) }
            if let p = o.pbo { items.append(MetricItem(title: "PBO", text: Format.fixed(p, 2), cls: "")) }
        }
        metrics = items
        let label = r.params.isEmpty ? r.strategy : "\(r.strategy) \(r.params)"
        let bars = s.dates.count
        var markers: [SVGChart.Marker] = []
        var pnlPos = [Double](repeating: .nan, count: bars)
        var pnlNeg = [Double](repeating: .nan, count: bars)
        for t in r.trades {
            if let i = dateIndex[t.entryDate.daysSinceEpoch] {
                markers.append(SVGChart.Marker(index: i, value: t.entryPrice, cssClass: "me"))
            }
            if let i = dateIndex[t.exitDate.daysSinceEpoch] {
                markers.append(SVGChart.Marker(index: i, value: t.exitPrice, cssClass: "mx"))
                if t.returnPct >= 0 { pnlPos[i] = t.returnPct } else { pnlNeg[i] = t.returnPct }
            }
        }
        priceSVG = SVGChart(
            title: "\(s.symbol): close with the entries and exits of \(label)", dates: s.dates,
            series: [SVGChart.Series(label: "Close", cssClass: "px", values: s.close, hover: "close")],
            valueStyle: .money, height: 260, maxPoints: points, markers: markers
        ).render()
        hasPnl = !r.trades.isEmpty
        pnlSVG =
            hasPnl
            ? SVGChart(
                title: "\(s.symbol): return of each trade of \(label), % at its exit", dates: s.dates,
                series: [
                    SVGChart.Series(label: "Winning trade, %", cssClass: "plp", values: pnlPos, bars: true),
                    SVGChart.Series(label: "Losing trade, %", cssClass: "pln", values: pnlNeg, bars: true),
                ], valueStyle: .percent, height: 170, maxPoints: points
            ).render() : ""
        if curve.count >= 2, bars >= 2 {
            let m = min(curve.count, bars)
            let dates = Array(s.dates.prefix(m))
            var series = [
                SVGChart.Series(label: label, cssClass: "s1", values: Array(curve.prefix(m)), hover: "equity")
            ]
            if bh.count >= m {
                series.append(
                    SVGChart.Series(
                        label: "Buy & hold (period)", cssClass: "s2", values: Array(bh.prefix(m)), hover: "buy & hold"))
            }
            equitySVG = SVGChart(
                title: "\(s.symbol): equity of \(label) vs buy & hold", dates: dates, series: series,
                valueStyle: .money, height: 240, maxPoints: points
            ).render()
            let dd = ReportAnalytics.drawdownPct(Array(curve.prefix(m)))
            drawdownSVG = SVGChart(
                title: "\(s.symbol): drawdown of \(label)", dates: dates,
                series: [
                    SVGChart.Series(
                        label: "Drawdown, % below peak", cssClass: "dd", values: dd.map { -$0 }, area: true,
                        hover: "drawdown")
                ], valueStyle: .percent, height: 150, maxPoints: points
            ).render()
            hasCurve = true
        } else {
            hasCurve = false
            equitySVG = ""
            drawdownSVG = ""
        }
        hasTrades = !r.trades.isEmpty
        tradeCount = String(r.trades.count)
        tradesTruncated = r.trades.count > maxTrades
        tradesShown = String(min(r.trades.count, maxTrades))
        trades = HTMLReport.tradeViews(r.trades, max: maxTrades)
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
