import Engine
import Market
import Mustache
import Scoring

/// report.html: one self-contained file (no network, no external resources), readable without JavaScript.
///
/// The page is a Mustache template (`HTMLTemplates.page`) rendered from plain view values built here, so
/// every string from the spec, a data file or a provider is HTML-escaped by the template engine. The only
/// unescaped insertions are the SVG charts, built by `SVGChart`, which escapes its own text.
public enum HTMLReport {
    /// Per series, at most this many chart points (see `Downsample.minMaxIndices`).
    public static let chartMaxPoints = 250
    /// At most this many skipped grid combinations are listed (their count is always shown).
    public static let maxSkippedShown = 200

    static let template: MustacheTemplate = {
        do { return try MustacheTemplate(string: HTMLTemplates.page) } catch {
            fatalError("report.html template does not parse: \(error)")
        }
    }()

    /// Each symbol's equity curves, aligned with its `rowIndices` (an empty curve: not available).
    public typealias Curves = (SymbolReport) -> [[Double]]

    /// report.html. With `detailsInline(report)` it holds every backtest's detail (`curves` gives their
    /// equity; without it only the curves in `SymbolReport.equity` are drawn); otherwise it is the index of
    /// the per-symbol pages (`renderSymbolPage`).
    public static func render(_ report: RunReport, curves: Curves? = nil) -> String {
        template.render(PageView(report, curves: curves))
    }

    /// Escapes text for HTML element content and quoted attribute values (also inside inline SVG).
    public static func escape(_ s: String) -> String {
        var out = HTMLBytes(capacity: s.utf8.count)
        out.text(s)
        return out.string
    }

    /// Fixed decimals without Foundation's locale-dependent formatting (kept for callers; see `Format.fixed`).
    public static func fixed(_ v: Double, _ decimals: Int) -> String { Format.fixed(v, decimals) }

    /// Share counts: whole numbers without decimals, fractional ones with 4.
    static func shares(_ v: Double) -> String { Format.grouped(v, shareDecimals(v)) }

    /// The decimals a share count is shown with (the one home of the rule for strings and bytes).
    static func shareDecimals(_ v: Double) -> Int { v == v.rounded() ? 0 : 4 }

    /// `pos` / `neg` / "" by sign, for green/red numbers.
    static func signClass(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "" }
        return v > 0 ? "pos" : (v < 0 ? "neg" : "")
    }

    /// Heat class `h0`…`h9` for a score on 0…scaleMax.
    static func heatClass(_ score: Double, scaleMax: Double) -> String {
        guard score.isFinite, scaleMax > 0 else { return "h0" }
        return "h\(Int(min(9, max(0, score / scaleMax * 10))))"
    }
}

// MARK: - View values (read by the template through reflection; no optionals, so lookups never climb).

struct Cell {
    var text: String
    var cls: String
    var hasCls: Bool

    init(text: String, cls: String) {
        self.text = text
        self.cls = cls
        hasCls = !cls.isEmpty
    }
}

struct HeatCell {
    var text: String
    var cls: String
    var tip: String
}

struct KPI {
    var label: String
    var value: String
    var note: String
}

struct IssueView {
    var symbol: String
    var kind: String
    var reasons: [String]
}

struct OverviewRow {
    var anchor: String
    /// `#s0` (the section in this page) or `symbols/<name>.html` (its page).
    var href: String
    var symbol: String
    var bars: String
    var first: String
    var last: String
    var cells: [HeatCell]
    var best: String
}

/// One validation fold of a symbol's best strategy.
struct FoldRow {
    var n: String
    var train: String
    var test: String
    var params: String
    var inSampleScore: String
    var outOfSampleReturn: String
    var outOfSampleReturnCls: String
    var outOfSampleScore: String
}

struct GridRow {
    var value: String
    var cells: [HeatCell]
}

struct GridView {
    /// The colour scale is this grid's own range.
    var legend: String
    var strategy: String
    var rowParam: String
    var colParam: String
    var hasOther: Bool
    var other: String
    var colValues: [String]
    var gridRows: [GridRow]
}

struct MonthRow {
    var year: String
    var months: [Cell]
    var totalText: String
    var totalCls: String
}

struct SymbolView {
    var anchor: String
    /// The symbol's dates for the chart script (`HTMLReport.dateData`).
    var dateData: String
    /// Every backtest's detail (`DetailWriter`), after what they share, as markup.
    var detailBytes: [UInt8]
    /// Set when the page's writer splices `detailBytes` in itself: the template then renders only
    /// `HTMLReport.detailsMarker` (a symbol page's details are most of its bytes; no String of them).
    var spliceDetails = false
    var detailsHTML: String {
        spliceDetails ? HTMLReport.detailsMarker : String(decoding: detailBytes, as: UTF8.self)
    }
    var hasTearsheet: Bool
    var equityLogSVG: String
    var yearRowsHTML: String
    var rollingSharpeSVG: String
    var rollingVolSVG: String
    var drawdownRowsHTML: String
    var distributionSVG: String
    var symbol: String
    var bars: String
    var first: String
    var last: String
    var hasBest: Bool
    var bestStrategy: String
    var bestParams: String
    var bestScore: String
    var bestReturn: String
    var bestReturnCls: String
    var bhReturn: String
    var bhReturnCls: String
    /// Every metric of the best row that the ranking table does not show, as one line (a line, not a
    /// table: the page's size budget is per symbol).
    var bestStats: String
    /// The symbol's Deflated Sharpe Ratio and PBO with a one-line reading; empty when undefined.
    var hasOverfitting: Bool
    var overfittingNote: String
    /// With validation: the best row's stitched out-of-sample figures and its folds.
    var hasFolds: Bool
    var outOfSampleNote: String
    var folds: [FoldRow]
    /// The ranking's rows, every one linking to its detail, as markup.
    var rankRowsHTML: String
    var rowsTruncated: Bool
    var rowsNote: String
    var hasCharts: Bool
    var equitySVG: String
    var drawdownSVG: String
    var gridsHTML: String
    var hasMonthly: Bool
    var monthlyRowsHTML: String
    var tradeCount: String
    var hasTrades: Bool
    /// The best strategy's last `maxTrades` trades as a table (`HTMLReport.writeTradeTable`), with the
    /// note when there are more.
    var tradesHTML: String
}

struct OrderView {
    var symbol: String
    var strategy: String
    var side: String
    var shares: String
    var price: String
    var value: String
    var brokerOrderId: String
    var hasBrokerId: Bool
    var clientOrderId: String
    var hasClientId: Bool
    var verdicts: [String]
    var error: String
}

struct ExecGroup {
    var title: String
    var showIds: Bool
    var showVerdicts: Bool
    var showError: Bool
    var orders: [OrderView]
}

struct ExecCount {
    var status: String
    var count: String
}

struct PageView {
    var specName: String
    var specPath: String
    var period: String
    var provider: String
    var synthetic: Bool
    var conventions: String
    var costs: String
    var sizing: String
    var initialCapital: String
    var scoreNote: String
    var toolVersion: String
    var kpis: [KPI]
    var hasIssues: Bool
    var issues: [IssueView]
    /// Plan warnings (a period shorter than a strategy's warm-up).
    var hasWarnings: Bool
    var warnings: [String]
    var hasValidation: Bool
    var validationNote: String
    var hasSkipped: Bool
    var skippedCount: String
    var skipped: [String]
    var skippedTruncated: Bool
    var skippedTruncatedNote: String
    var hasOverview: Bool
    var strategies: [String]
    var overview: [OverviewRow]
    var scale: [Cell]
    var symbols: [SymbolView]
    /// Details inside this page (small runs) or on per-symbol pages, listed by `symbolRows`.
    var detailsInline: Bool
    var symbolRows: [SymbolRow]
    var hasExecution: Bool
    var execCounts: [ExecCount]
    var execGroups: [ExecGroup]
    var filesNote: String
    var schemaVersion: String
}

// MARK: - Building the view from the model

extension PageView {
    init(_ report: RunReport, curves: HTMLReport.Curves? = nil) {
        let inline = HTMLReport.detailsInline(report)
        detailsInline = inline
        let pageNames = inline ? [] : HTMLReport.symbolPageNames(report)
        var symbolRowViews: [SymbolRow] = []
        let info = report.info
        let w = info.scoreWeights
        let scaleMax = max(w.totalReturn + w.sharpe + w.drawdown + w.winRate + w.activity, 1e-9)
        specName = info.specName
        specPath = info.specPath
        let days = info.periodEnd.daysSinceEpoch - info.periodStart.daysSinceEpoch
        period = "\(info.periodStart.iso) – \(info.periodEnd.iso) (\(Format.fixed(Double(days) / 365.25, 1)) years)"
        provider = info.provider
        synthetic = info.isSynthetic
        conventions = info.conventions
        costs = info.costs
        sizing = info.sizing
        initialCapital = Format.grouped(info.initialCapital, 2)
        scoreNote =
            "return \(Format.number(w.totalReturn)) · Sharpe \(Format.number(w.sharpe)) · drawdown \(Format.number(w.drawdown)) · win rate \(Format.number(w.winRate)) · activity \(Format.number(w.activity)) (score 0–\(Format.number(scaleMax)))"
        toolVersion = info.toolVersion

        // Issues and skipped combinations.
        issues = report.issues.map { IssueView(symbol: $0.symbol, kind: $0.kind.rawValue, reasons: $0.reasons) }
        hasIssues = !issues.isEmpty
        let skips = info.skippedCombinations
        hasSkipped = !skips.isEmpty
        warnings = info.warnings
        hasWarnings = !warnings.isEmpty
        hasValidation = report.validation != nil
        validationNote =
            report.validation.map {
                "\($0.description); \($0.folds.count) fold(s); ranked and traded by the out-of-sample score"
            } ?? ""
        skippedCount = String(skips.count)
        skipped = Array(skips.prefix(HTMLReport.maxSkippedShown))
        skippedTruncated = skips.count > HTMLReport.maxSkippedShown
        skippedTruncatedNote =
            "… and \(skips.count - HTMLReport.maxSkippedShown) more (all are listed in manifest.json)."

        // Strategies in first-appearance order; the best row of each symbol.
        var strategyOrder: [String] = []
        var seen = Set<String>()
        for r in report.rows where seen.insert(r.strategy).inserted { strategyOrder.append(r.strategy) }
        strategies = strategyOrder
        scale = (0..<10).map { k in
            Cell(
                text: "\(Format.number(scaleMax * Double(k) / 10))–\(Format.number(scaleMax * Double(k + 1) / 10))",
                cls: "h\(k)")
        }

        var overviewRows: [OverviewRow] = []
        var symbolViews: [SymbolView] = []
        var bestCounts: [String: Int] = [:]
        var beatBH = 0
        var comparable = 0
        for (si, s) in report.symbols.enumerated() {
            let anchor = "s\(si)"
            let href = inline ? "#" + anchor : "symbols/" + pageNames[si]
            let rows = s.rowIndices.filter { report.rows.indices.contains($0) }.map { report.rows[$0] }
            let bestK = s.rowIndices.indices.first { k in
                report.rows.indices.contains(s.rowIndices[k]) && report.rows[s.rowIndices[k]].rank == 1
            }
            let best = bestK.map { report.rows[s.rowIndices[$0]] }
            if let best { bestCounts[best.strategy, default: 0] += 1 }
            let bh = ReportAnalytics.buyAndHold(close: s.close, initialCapital: info.initialCapital)
            let bhReturn: Double? = bh.count >= 1 ? (bh[bh.count - 1] / info.initialCapital - 1) * 100 : nil
            if let best, let bhReturn, info.initialCapital > 0 {
                comparable += 1
                if best.metrics.totalReturnPct > bhReturn { beatBH += 1 }
            }

            // Overview heatmap row: best score per strategy.
            var cells: [HeatCell] = []
            for st in strategyOrder {
                let mine = rows.filter { $0.strategy == st }
                guard let top = mine.min(by: { $0.rank < $1.rank }) else {
                    cells.append(HeatCell(text: "–", cls: "na", tip: "\(st): not run"))
                    continue
                }
                let isBest = best?.strategy == st
                cells.append(
                    HeatCell(
                        text: Format.fixed(top.score.total, 1) + (isBest ? " ★" : ""),
                        cls: HTMLReport.heatClass(top.score.total, scaleMax: scaleMax) + (isBest ? " hb" : ""),
                        tip: "\(st) \(top.params): score \(Format.fixed(top.score.total, 1))"))
            }
            let first = s.dates.first?.iso ?? "–"
            let last = s.dates.last?.iso ?? "–"
            overviewRows.append(
                OverviewRow(
                    anchor: anchor, href: href, symbol: s.symbol, bars: String(s.dates.count), first: first, last: last,
                    cells: cells, best: best.map { $0.strategy } ?? "–"))

            if !inline {
                let bestIndex = bestK.map { s.rowIndices[$0] }
                symbolRowViews.append(
                    SymbolRow(
                        symbol: s.symbol, href: href, bestHref: bestIndex.map { href + "#bt-\($0 + 1)" } ?? href,
                        bars: String(s.dates.count), strategy: best?.strategy ?? "–", params: best?.params.text ?? "",
                        score: best.map { Format.fixed($0.score.total, 1) } ?? "–",
                        ret: best.map { Format.percent($0.metrics.totalReturnPct) } ?? "–",
                        retCls: HTMLReport.signClass(best?.metrics.totalReturnPct), bhReturn: Format.percent(bhReturn),
                        bhCls: HTMLReport.signClass(bhReturn), sharpe: Format.fixed(best?.metrics.sharpe, 2),
                        maxDD: best.map { Format.percent($0.metrics.maxDrawdownPct) } ?? "–",
                        trades: best.map { String($0.metrics.trades) } ?? "–"))
            }
            guard inline else { continue }
            symbolViews.append(
                SymbolView(
                    report: report, index: si, curves: curves?(s), maxTrades: 100, chartPoints: 250, detailPoints: 200,
                    detailTrades: 100))
        }
        symbolRows = symbolRowViews
        overview = overviewRows
        hasOverview = !overviewRows.isEmpty
        symbols = symbolViews

        // KPIs.
        let failed = report.issues.count
        let top = bestCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.first
        kpis = [
            KPI(
                label: "Symbols", value: String(report.symbols.count),
                note: failed == 0 ? "all loaded" : "\(failed) failed or quarantined"),
            KPI(
                label: "Backtests", value: Format.grouped(Double(report.rows.count), 0),
                note:
                    "\(strategyOrder.count) strateg\(strategyOrder.count == 1 ? "y" : "ies"), \(skips.count) grid points skipped"
            ),
            KPI(
                label: "Beat buy & hold", value: comparable == 0 ? "–" : "\(beatBH) / \(comparable)",
                note: "symbols whose best strategy out-returned buy & hold"),
            KPI(
                label: "Most frequent winner", value: top?.key ?? "–",
                note: top.map { "best on \($0.value) of \(report.symbols.count) symbols" } ?? "no results"),
        ]

        // Execution.
        hasExecution = report.execution != nil
        let exec = report.execution ?? []
        var groups: [ExecGroup] = []
        var counts: [ExecCount] = []
        for status in OrderStatus.allCases {
            let st = status.rawValue
            let rs = exec.filter { $0.status == status }
            guard !rs.isEmpty else { continue }
            counts.append(ExecCount(status: st, count: String(rs.count)))
            groups.append(
                ExecGroup(
                    title: st.prefix(1).uppercased() + st.dropFirst() + " (\(rs.count))",
                    showIds: rs.contains { !$0.brokerOrderId.isEmpty || !$0.clientOrderId.isEmpty },
                    showVerdicts: rs.contains { !$0.verdicts.isEmpty }, showError: rs.contains { !$0.error.isEmpty },
                    orders: rs.map {
                        OrderView(
                            symbol: $0.symbol, strategy: $0.strategy, side: $0.side,
                            shares: HTMLReport.shares($0.shares),
                            price: Format.grouped($0.price, 2), value: Format.grouped($0.value, 2),
                            brokerOrderId: $0.brokerOrderId, hasBrokerId: !$0.brokerOrderId.isEmpty,
                            clientOrderId: $0.clientOrderId, hasClientId: !$0.clientOrderId.isEmpty,
                            verdicts: $0.verdicts, error: $0.error)
                    }))
        }
        execGroups = groups
        execCounts = counts
        filesNote =
            (ReportRenderer.fileNames(hasExecution: hasExecution).filter { $0 != "report.html" }).joined(
                separator: ", ")
        schemaVersion = String(ReportSchema.version)
    }
}

extension HTMLReport {
    /// "DSR 0.97 · PBO 0.10: …" with a one-line reading of each (thresholds in docs/metrics.md).
    static func overfittingNote(_ o: OverfittingStats?) -> String {
        guard let o else { return "" }
        var parts: [String] = []
        if let d = o.dsr {
            let reading =
                d >= 0.95
                ? "the winner's Sharpe ratio stands out from what this many trials gives by luck"
                : d >= 0.5
                    ? "the winner's Sharpe ratio is not clearly above what this many trials gives by luck"
                    : "the winner's Sharpe ratio is what this many trials gives by luck"
            parts.append("DSR \(Format.fixed(d, 2)): \(reading)")
        }
        if let p = o.pbo {
            let reading =
                p <= 0.1
                ? "the in-sample best usually stays in the better half out of sample"
                : p < 0.5
                    ? "the in-sample best falls to the worse half out of sample in \(Format.fixed(p * 100, 0)) % of splits"
                    : "the in-sample best is more likely than not below the median out of sample: likely overfit"
            parts.append("PBO \(Format.fixed(p, 2)): \(reading)")
        }
        return parts.joined(separator: " · ")
    }
}

extension SymbolView {
    /// The section of `report.symbols[si]` with every detail; `given` curves where present, else the
    /// report's own (`SymbolReport.equity`).
    init(
        report: RunReport, index si: Int, curves given: [[Double]]?, maxTrades: Int, chartPoints: Int,
        detailPoints: Int, detailTrades: Int
    ) {
        let s = report.symbols[si]
        let info = report.info
        let w = info.scoreWeights
        let scaleMax = max(w.totalReturn + w.sharpe + w.drawdown + w.winRate + w.activity, 1e-9)
        let valid = s.rowIndices.filter { report.rows.indices.contains($0) }
        let rows = valid.map { report.rows[$0] }
        let bestK = valid.indices.first { report.rows[valid[$0]].rank == 1 }
        let all: [[Double]] = s.rowIndices.indices.map { k in
            if let given, k < given.count, !given[k].isEmpty { return given[k] }
            return k < s.equity.count ? s.equity[k] : []
        }
        let bh = ReportAnalytics.buyAndHold(close: s.close, initialCapital: info.initialCapital)
        let bhReturn: Double? = bh.count >= 1 ? (bh[bh.count - 1] / info.initialCapital - 1) * 100 : nil
        self.init(
            symbol: s, anchor: "s\(si)", rows: rows, best: bestK.map { rows[$0] },
            bestEquity: bestK.flatMap { k in k < all.count && !all[k].isEmpty ? all[k] : nil }, buyAndHold: bh,
            bhReturn: bhReturn, scaleMax: scaleMax, folds: report.validation?.folds ?? [], maxTrades: maxTrades,
            chartPoints: chartPoints, detailPoints: detailPoints, detailTrades: detailTrades, rowIndices: valid,
            curves: all)
    }

    init(
        symbol s: SymbolReport, anchor: String, rows: [ResultRow], best: ResultRow?, bestEquity: [Double]?,
        buyAndHold bh: [Double], bhReturn bhReturnPct: Double?, scaleMax: Double, folds windows: [FoldWindow] = [],
        maxTrades: Int,
        maxRows: Int = HTMLReport.maxDetailsPerSymbol, chartPoints: Int = HTMLReport.chartMaxPoints,
        detailPoints: Int = HTMLReport.detailChartPoints, detailTrades: Int = HTMLReport.detailTradesShown,
        rowIndices: [Int] = [], curves: [[Double]] = []
    ) {
        self.anchor = anchor
        dateData = HTMLReport.dateData(s.dates)
        symbol = s.symbol
        bars = String(s.dates.count)
        first = s.dates.first?.iso ?? "–"
        last = s.dates.last?.iso ?? "–"
        hasBest = best != nil
        bestStrategy = best?.strategy ?? ""
        bestParams = best?.params.text ?? ""
        bestScore = best.map { Format.fixed($0.score.total, 1) } ?? ""
        bestReturn = best.map { Format.percent($0.metrics.totalReturnPct) } ?? ""
        bestReturnCls = HTMLReport.signClass(best?.metrics.totalReturnPct)
        bhReturn = Format.percent(bhReturnPct)
        bhReturnCls = HTMLReport.signClass(bhReturnPct)
        // Buy & hold is left out: the page shows one buy & hold figure per symbol, the one above.
        bestStats =
            best.map { b in
                ResultColumn.moreMetrics.filter { $0.key != "buy_and_hold_return_pct" }.map {
                    "\($0.title) \($0.displayText(b.metrics))"
                }.joined(separator: " · ")
            } ?? ""
        let overfitting = best?.overfitting
        hasOverfitting = overfitting?.dsr != nil || overfitting?.pbo != nil
        overfittingNote = HTMLReport.overfittingNote(overfitting)
        let oos = best?.outOfSample
        hasFolds = oos != nil
        outOfSampleNote =
            oos.map {
                "Out of sample (stitched test windows): score \(Format.fixed($0.score.total, 1)) · return \(Format.percent($0.metrics.totalReturnPct)) · Sharpe \(Format.fixed($0.metrics.sharpe, 2)) · max DD \(Format.percent($0.metrics.maxDrawdownPct)) · \($0.metrics.trades) trades"
            } ?? ""
        folds = (oos?.folds ?? []).map { c in
            let w = windows.indices.contains(c.fold) ? windows[c.fold] : nil
            return FoldRow(
                n: String(c.fold + 1),
                train: w.map { "\($0.trainFrom.iso) – \($0.testFrom.adding(days: -1).iso)" } ?? "",
                test: w.map { "\($0.testFrom.iso) – \($0.testTo.adding(days: -1).iso)" } ?? "", params: c.params.text,
                inSampleScore: Format.fixed(c.inSampleScore, 1),
                outOfSampleReturn: Format.percent(c.outOfSampleReturnPct),
                outOfSampleReturnCls: HTMLReport.signClass(c.outOfSampleReturnPct),
                outOfSampleScore: Format.fixed(c.outOfSampleScore, 1))
        }

        // The listed rows: the best `maxRows` by rank, each with its detail.
        rowsTruncated = rows.count > maxRows
        rowsNote =
            "The best \(maxRows) of \(rows.count) backtests by rank are listed, each with its detail; results.csv and trades.csv have every one."
        func rowNumber(_ k: Int) -> Int { k < rowIndices.count ? rowIndices[k] + 1 : k + 1 }
        let listed = rows.indices.sorted { a, b in
            rows[a].rank != rows[b].rank ? rows[a].rank < rows[b].rank : a < b
        }.prefix(maxRows)
        var rankRows = HTMLBytes(capacity: listed.count * 900)
        for k in listed { HTMLReport.writeRankRow(rows[k], n: rowNumber(k), scaleMax: scaleMax, to: &rankRows) }
        rankRowsHTML = rankRows.string

        // Charts of the best strategy.
        if let best, let eq = bestEquity, eq.count >= 2, s.dates.count >= 2 {
            let n = min(eq.count, s.dates.count)
            let dates = Array(s.dates.prefix(n))
            let curve = Array(eq.prefix(n))
            var series = [
                SVGChart.Series(
                    label: "\(best.strategy) \(best.params) · \(Format.grouped(curve[n - 1], 2))", cssClass: "s1",
                    values: curve)
            ]
            if bh.count >= n {
                series.append(
                    SVGChart.Series(
                        label: "Buy & hold (period) · \(Format.grouped(bh[n - 1], 2))", cssClass: "s2",
                        values: Array(bh.prefix(n))))
            }
            equitySVG = SVGChart(
                title:
                    "\(s.symbol): equity of \(best.strategy) \(best.params) vs buy & hold, \(dates[0].iso) – \(dates[n - 1].iso)",
                dates: dates, series: series, valueStyle: .money, maxPoints: chartPoints
            ).render()
            let dd = ReportAnalytics.drawdownPct(curve)
            var worst = 0
            for i in dd.indices where dd[i] > dd[worst] { worst = i }
            drawdownSVG = SVGChart(
                title: "\(s.symbol): drawdown of \(best.strategy) \(best.params)", dates: dates,
                series: [
                    SVGChart.Series(label: "Drawdown, % below peak", cssClass: "dd", values: dd.map { -$0 }, area: true)
                ],
                valueStyle: .percent, height: 170, maxPoints: chartPoints,
                note: "max −\(Format.fixed(dd[worst], 2))% on \(dates[worst].iso)"
            ).render()
            hasCharts = true
            let months = ReportAnalytics.monthlyReturns(dates: dates, equity: curve)
            let monthly = months.map { m in
                MonthRow(
                    year: String(m.year),
                    months: m.months.map { Cell(text: Format.fixed($0, 1), cls: HTMLReport.signClass($0)) },
                    totalText: Format.fixed(m.yearTotal, 1), totalCls: HTMLReport.signClass(m.yearTotal))
            }
            hasMonthly = !monthly.isEmpty
            monthlyRowsHTML = HTMLReport.monthlyRowsHTML(monthly)
        } else {
            hasCharts = false
            equitySVG = ""
            drawdownSVG = ""
            monthlyRowsHTML = ""
            hasMonthly = false
        }

        // The winner's tearsheet.
        if let best, let eq = bestEquity, eq.count >= 2, s.dates.count >= 2 {
            let t = TearsheetParts(
                symbol: s.symbol, label: best.params.isEmpty ? best.strategy : "\(best.strategy) \(best.params)",
                dates: s.dates, curve: eq, buyAndHold: bh, points: chartPoints)
            hasTearsheet = true
            equityLogSVG = t.equityLogSVG
            yearRowsHTML = HTMLReport.yearRowsHTML(t.years)
            rollingSharpeSVG = t.rollingSharpeSVG
            rollingVolSVG = t.rollingVolSVG
            drawdownRowsHTML = HTMLReport.drawdownRowsHTML(t.drawdowns)
            distributionSVG = t.distributionSVG
        } else {
            hasTearsheet = false
            equityLogSVG = ""
            yearRowsHTML = ""
            rollingSharpeSVG = ""
            rollingVolSVG = ""
            drawdownRowsHTML = ""
            distributionSVG = ""
        }

        // Every backtest's detail, in plan order.
        let shown = listed.sorted()
        let writer = DetailWriter(
            symbol: s, anchor: anchor, rows: shown.map { rows[$0] },
            curves: shown.map { $0 < curves.count ? curves[$0] : [] }, buyAndHold: bh, points: detailPoints,
            maxTrades: detailTrades)
        var details = HTMLBytes(capacity: shown.count * 8_000)
        if !shown.isEmpty { writer.writeShared(to: &details) }
        for (j, k) in shown.enumerated() { writer.write(j, rowIndex: rowNumber(k) - 1, to: &details) }
        detailBytes = details.bytes

        // Score grids over two varying parameters.
        let grids = ReportAnalytics.scoreGrids(rows).map { g in
            var bestCell: (Int, Int)?
            var bestScore = -Double.infinity
            let all = g.cells.flatMap { $0 }.compactMap { $0 }
            let gridLo = all.min() ?? 0
            let gridHi = all.max() ?? 0
            for (ri, row) in g.cells.enumerated() {
                for (ci, v) in row.enumerated() { if let v, v > bestScore { (bestScore, bestCell) = (v, (ri, ci)) } }
            }
            return GridView(
                legend:
                    gridHi > gridLo
                    ? "Colour relative to this grid's own range: palest \(Format.fixed(gridLo, 1)), darkest \(Format.fixed(gridHi, 1))."
                    : "Every cell scores \(Format.fixed(gridHi, 1)).",
                strategy: g.strategy, rowParam: g.rowParam, colParam: g.columnParam, hasOther: !g.otherVarying.isEmpty,
                other: g.otherVarying.joined(separator: ", "), colValues: g.columnValues,
                gridRows: g.cells.enumerated().map { ri, row in
                    GridRow(
                        value: g.rowValues[ri],
                        cells: row.enumerated().map { ci, v in
                            guard let v else {
                                return HeatCell(text: "–", cls: "na", tip: "not run (skipped or invalid)")
                            }
                            let isBest = bestCell.map { $0 == (ri, ci) } ?? false
                            return HeatCell(
                                text: Format.fixed(v, 1) + (isBest ? " ★" : ""),
                                cls: HTMLReport.heatClass(v, lo: gridLo, hi: gridHi) + (isBest ? " hb" : ""),
                                tip:
                                    "\(g.rowParam)=\(g.rowValues[ri]) \(g.columnParam)=\(g.columnValues[ci]): \(Format.fixed(v, 1))"
                            )
                        })
                })
        }

        gridsHTML = HTMLReport.gridsHTML(grids)

        // Trades of the best strategy.
        let trades = best?.trades ?? []
        tradeCount = String(trades.count)
        hasTrades = !trades.isEmpty
        // Written as bytes, the same table a backtest's detail has: a hundred rows through the template
        // engine was the largest part of a symbol page's time outside the details.
        var table = HTMLBytes(capacity: hasTrades ? 512 + 160 * min(trades.count, maxTrades) : 0)
        if hasTrades { HTMLReport.writeTradeTable(trades, max: maxTrades, to: &table) }
        tradesHTML = table.string
    }
}
