import Market
import Strategies
import Testing

@testable import Engine
@testable import Reports
@testable import Scoring

/// The result-file writers before they wrote bytes directly (numbers through `Double.description`, a String
/// per field), kept verbatim as the reference the byte-level writers must match.
private enum Legacy {
    static func number(_ v: Double?) -> String {
        guard let v, v.isFinite else { return "" }
        if v == 0 { return "0" }
        if v.rounded() == v && abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    static func fileText(_ c: ResultColumn, _ m: Metrics) -> String {
        let v = c.value(m)
        if c.style == .count, let v, v.isFinite, abs(v) < 1e15 { return String(Int64(v)) }
        return number(v)
    }

    static func appendFixed(_ v: Double, decimals: Int, to out: inout [UInt8]) {
        guard v.isFinite else {
            out.append(contentsOf: "–".utf8)
            return
        }
        let d = max(0, min(decimals, 9))
        var scaleInt: Int64 = 1
        for _ in 0..<d { scaleInt *= 10 }
        let scaled = (abs(v) * Double(scaleInt)).rounded(.toNearestOrAwayFromZero)
        guard scaled < 9e15 else {
            out.append(contentsOf: number(v).utf8)
            return
        }
        let r = Int64(scaled)
        if v < 0 && r != 0 { out.append(UInt8(ascii: "-")) }
        out.append(contentsOf: String(r / scaleInt).utf8)
        if d > 0 {
            out.append(UInt8(ascii: "."))
            var frac = r % scaleInt
            var digits = [UInt8](repeating: UInt8(ascii: "0"), count: d)
            var i = d - 1
            while i >= 0 {
                digits[i] = UInt8(ascii: "0") + UInt8(frac % 10)
                frac /= 10
                i -= 1
            }
            out.append(contentsOf: digits)
        }
    }

    static func appendFileNumber(_ v: Double, decimals: Int, to out: inout [UInt8]) {
        guard v.isFinite else { return }
        let start = out.count
        appendFixed(v, decimals: decimals, to: &out)
        guard out[start...].contains(UInt8(ascii: ".")), !out[start...].contains(UInt8(ascii: "e")) else { return }
        while out.last == UInt8(ascii: "0") { out.removeLast() }
        if out.last == UInt8(ascii: ".") { out.removeLast() }
        if out.count - start == 2 && out[start] == UInt8(ascii: "-") && out[start + 1] == UInt8(ascii: "0") {
            out.removeLast(2)
            out.append(UInt8(ascii: "0"))
        }
    }

    static func csv(_ rows: [[String]]) -> [UInt8] {
        var out: [UInt8] = []
        for row in rows {
            for (i, f) in row.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                let u = f.utf8
                if u.contains(where: { $0 == 44 || $0 == 34 || $0 == 13 || $0 == 10 }) {
                    out.append(34)
                    for b in u {
                        if b == 34 { out.append(34) }
                        out.append(b)
                    }
                    out.append(34)
                } else {
                    out.append(contentsOf: u)
                }
            }
            out.append(contentsOf: [13, 10])
        }
        return out
    }

    static func resultFields(_ r: ResultRow) -> [String] {
        [r.symbol, r.strategy, ReportSchema.paramsField(r.params)]
            + ResultColumn.metrics.map { fileText($0, r.metrics) }
            + [number(r.score.total), String(r.rank)] + ResultColumn.moreMetrics.map { fileText($0, r.metrics) } + [
                r.excludedReason == nil ? "true" : "false", r.excludedReason ?? "", number(r.overfitting?.dsr),
                number(r.overfitting?.pbo),
            ] + outOfSampleFields(r.outOfSample)
    }

    static func outOfSampleFields(_ o: OutOfSample?) -> [String] {
        guard let o else { return ["", "", "", "", ""] }
        return [
            number(o.metrics.totalReturnPct), number(o.metrics.sharpe), number(o.metrics.maxDrawdownPct),
            String(o.metrics.trades), number(o.score.total),
        ]
    }

    static func resultsCSV(_ rows: [ResultRow], parameters: [String]) -> [UInt8] {
        var lines = [ReportSchema.resultColumns + parameters.map(ReportSchema.parameterColumn)]
        for r in rows {
            let values = r.params.values.mapValues(\.description)
            lines.append(resultFields(r) + parameters.map { values[$0] ?? "" })
        }
        return csv(lines)
    }

    static func tradesCSV(_ rows: [ResultRow]) -> [UInt8] {
        var lines = [ReportSchema.tradeColumns]
        for r in rows {
            for t in r.trades {
                lines.append(
                    [r.symbol, r.strategy, ReportSchema.paramsField(r.params)] + [
                        t.entryDate.iso, number(t.entryPrice), t.exitDate.iso, number(t.exitPrice), number(t.shares),
                        number(t.pnl), number(t.returnPct),
                    ])
            }
        }
        return csv(lines)
    }

    static func equityCSV(_ report: RunReport) -> [UInt8] {
        var out = csv([ReportSchema.equityColumns])
        for s in report.symbols {
            for (k, rowIndex) in s.rowIndices.enumerated()
            where k < s.equity.count && report.rows.indices.contains(rowIndex) {
                let r = report.rows[rowIndex]
                if !report.equityOfEveryBacktest && r.rank != 1 { continue }
                let eq = s.equity[k]
                let dd = ReportAnalytics.drawdownPct(eq)
                for t in 0..<min(eq.count, s.dates.count) {
                    var line: [UInt8] = []
                    line.append(contentsOf: s.dates[t].iso.utf8)
                    line.append(contentsOf: csv([["", r.symbol, r.strategy, ReportSchema.paramsField(r.params), ""]]))
                    line.removeLast(3)  // the trailing ",\r\n" of the empty last field
                    line.append(UInt8(ascii: ","))
                    appendFileNumber(eq[t], decimals: 2, to: &line)
                    line.append(UInt8(ascii: ","))
                    appendFileNumber(dd[t], decimals: 4, to: &line)
                    line.append(contentsOf: [13, 10])
                    out.append(contentsOf: line)
                }
            }
        }
        return out
    }

    struct JSON {
        var bytes: [UInt8] = []
        mutating func raw(_ s: String) { bytes.append(contentsOf: s.utf8) }
        mutating func string(_ s: String) {
            bytes.append(34)
            for c in s.unicodeScalars {
                switch c.value {
                case 0x22: raw("\\\"")
                case 0x5C: raw("\\\\")
                case 0x0A: raw("\\n")
                case 0x0D: raw("\\r")
                case 0x09: raw("\\t")
                case 0x00..<0x20, 0x3C, 0x3E, 0x26, 0x7F..<0x10000: hex(UInt16(c.value))
                case 0x10000...:
                    let v = c.value - 0x10000
                    hex(UInt16(0xD800 + (v >> 10)))
                    hex(UInt16(0xDC00 + (v & 0x3FF)))
                default: bytes.append(UInt8(c.value))
                }
            }
            bytes.append(34)
        }
        private mutating func hex(_ v: UInt16) {
            let digits = Array("0123456789abcdef".utf8)
            raw("\\u")
            for shift in stride(from: 12, through: 0, by: -4) { bytes.append(digits[Int((v >> UInt16(shift)) & 0xF)]) }
        }
        mutating func number(_ v: Double?) {
            let s = Legacy.number(v)
            raw(s.isEmpty ? "null" : s)
        }
        mutating func int(_ v: Int) { raw(String(v)) }
        mutating func key(_ k: String) {
            string(k)
            raw(":")
        }
    }

    static func resultsJSON(_ rows: [ResultRow], validation v: ValidationSummary?) -> [UInt8] {
        var j = JSON()
        j.raw("{\n")
        j.key("schema_version")
        j.int(ReportSchema.version)
        j.raw(",\n")
        j.key("results")
        j.raw("[")
        let textColumns: Set<String> = ["symbol", "strategy", "params", "excluded_reason"]
        for (i, r) in rows.enumerated() {
            j.raw(i == 0 ? "\n" : ",\n")
            j.raw("{")
            for (c, (name, value)) in zip(ReportSchema.resultColumns, resultFields(r)).enumerated() {
                if c > 0 { j.raw(",") }
                j.key(name)
                if name == "excluded_reason" && value.isEmpty {
                    j.raw("null")
                } else if textColumns.contains(name) {
                    j.string(value)
                } else {
                    j.raw(value.isEmpty ? "null" : value)
                }
            }
            j.raw("}")
        }
        j.raw(rows.isEmpty ? "],\n" : "\n],\n")
        j.key("validation")
        if let v {
            j.raw("{")
            j.key("method")
            j.string(v.method)
            j.raw(",")
            j.key("description")
            j.string(v.description)
            j.raw(",\n")
            j.key("folds")
            j.raw("[")
            for (i, f) in v.folds.enumerated() {
                j.raw(i == 0 ? "\n{" : ",\n{")
                j.key("fold")
                j.int(i + 1)
                for (k, d) in [
                    ("train_start", f.trainFrom), ("train_end", f.testFrom.adding(days: -1)),
                    ("test_start", f.testFrom), ("test_end", f.testTo.adding(days: -1)),
                ] {
                    j.raw(",")
                    j.key(k)
                    j.string(d.iso)
                }
                j.raw("}")
            }
            j.raw("\n],\n")
            j.key("selections")
            j.raw("[")
            var first = true
            for r in rows {
                guard let o = r.outOfSample else { continue }
                j.raw(first ? "\n{" : ",\n{")
                first = false
                j.key("symbol")
                j.string(r.symbol)
                j.raw(",")
                j.key("strategy")
                j.string(r.strategy)
                j.raw(",")
                j.key("traded_params")
                j.string(ReportSchema.paramsField(r.params))
                j.raw(",")
                j.key("folds")
                j.raw("[")
                for (i, c) in o.folds.enumerated() {
                    if i > 0 { j.raw(",") }
                    j.raw("{")
                    j.key("fold")
                    j.int(c.fold + 1)
                    j.raw(",")
                    j.key("params")
                    j.string(ReportSchema.paramsField(c.params))
                    for (k, x) in [
                        ("in_sample_score", c.inSampleScore), ("in_sample_return_pct", c.inSampleReturnPct),
                        ("oos_return_pct", c.outOfSampleReturnPct), ("oos_score", c.outOfSampleScore),
                    ] {
                        j.raw(",")
                        j.key(k)
                        j.number(x)
                    }
                    j.raw(",")
                    j.key("oos_trades")
                    j.int(c.outOfSampleTrades)
                    j.raw("}")
                }
                j.raw("]}")
            }
            j.raw(first ? "]" : "\n]")
            j.raw("}")
        } else {
            j.raw("null")
        }
        j.raw("\n}\n")
        return j.bytes
    }
}

/// The byte-level result-file writers produce exactly the bytes of the String-based ones they replaced,
/// on seeded reports whose numbers need many digits, whose names need quoting and escaping, and whose
/// metrics are partly undefined.
@Suite struct ResultFilesEquivalenceTests {
    /// A seeded report: `Fixture.report`, then prices, shares, P&L and metrics replaced by raw seeded
    /// doubles (17-digit, tiny, huge, negative, NaN, ±infinity, nil), names with commas, quotes, newlines,
    /// `<&>` and non-ASCII text, exclusions, overfitting figures and out-of-sample results with validation.
    static func seededReport(seed: UInt64) -> RunReport {
        var rng = SplitMix64(state: seed)
        func unit() -> Double { Double(rng.next() >> 11) / Double(1 << 53) }
        func value() -> Double {
            switch rng.next() % 12 {
            case 0: return (unit() - 0.5) * 20_000
            case 1: return Double(Int(rng.next() % 100_000)) / 100
            case 2: return unit() * 1e-6
            case 3: return (unit() - 0.5) * 1e18
            case 4: return Double(bitPattern: rng.next())
            case 5: return [.nan, .infinity, -.infinity, -0.0, 0, 1e15, 1e-3, 0.1 + 0.2][Int(rng.next() % 8)]
            case 6: return Double(Int(rng.next() % 1000))
            default: return (unit() - 0.5) * pow10(Int(rng.next() % 12))
            }
        }
        func optional() -> Double? { rng.next() % 7 == 0 ? nil : value() }
        let names = ["AAPL", "BRK.B", "A,B", "Q\"T", "line\nbreak", "<b>&amp;</b>", "Zürich", "emoji😀", "tab\there"]
        var report = Fixture.report(
            symbols: 6, perSymbol: 7, bars: 260, tradesPerRow: 4, symbolName: { names[$0 % names.count] })
        report.validation = ValidationSummary(
            method: "walk_forward", description: "train 1y, test \"6m\" <rolling>",
            folds: [
                FoldWindow(
                    trainFrom: Fixture.date("2020-01-01"), testFrom: Fixture.date("2021-01-01"),
                    testTo: Fixture.date("2021-07-01"))
            ])
        for i in report.rows.indices {
            var r = report.rows[i]
            if i % 5 == 1 { r.strategy = "custom,\"rule\"" }
            if i % 6 == 2 { r.params = Parameters(["a,1": .int(5), "b\"x\"": .double(0.5)]) }
            r.metrics.totalReturnPct = value()
            r.metrics.sharpe = optional()
            r.metrics.profitFactor = optional()
            r.metrics.finalEquity = value()
            r.metrics.trades = Int(rng.next() % 500)
            r.metrics.sortino = optional()
            r.metrics.sqn = optional()
            r.metrics.maxDrawdownDurationBars = rng.next() % 3 == 0 ? nil : Int(rng.next() % 4000)
            r.metrics.maxDrawdownDurationDays = optional()
            r.metrics.beta = optional()
            r.score.returnScore = value()
            if i % 4 == 3 { r.excludedReason = ["too few trades", "", "drawdown > 50%, \"hard\""][i % 3] }
            if i % 3 == 0 { r.overfitting = OverfittingStats(dsr: optional(), pbo: optional()) }
            if i % 2 == 0 {
                var m = r.metrics
                m.totalReturnPct = value()
                m.maxDrawdownPct = value()
                r.outOfSample = OutOfSample(
                    metrics: m, score: Fixture.score(value()),
                    folds: [
                        FoldChoice(
                            fold: 0, params: r.params, inSampleScore: value(), inSampleReturnPct: value(),
                            outOfSampleReturnPct: value(), outOfSampleScore: value(), outOfSampleTrades: 3)
                    ])
            }
            r.trades = r.trades.map { t in
                var t = t
                t.entryPrice = value()
                t.exitPrice = unit() * 500
                t.shares = rng.next() % 2 == 0 ? Double(rng.next() % 1000) : unit() * 100
                t.pnl = (t.exitPrice - t.entryPrice) * t.shares
                t.returnPct = (t.exitPrice / t.entryPrice - 1) * 100
                return t
            }
            report.rows[i] = r
        }
        for s in report.symbols.indices {
            report.symbols[s].equity = report.symbols[s].equity.map { curve in
                curve.map { v in
                    switch rng.next() % 40 {
                    case 0: return .nan
                    case 1: return -v
                    case 2: return v * 1e12
                    case 3: return 0
                    default: return v * (1 + unit() * 1e-9)
                    }
                }
            }
        }
        return report
    }

    static func pow10(_ k: Int) -> Double { (0..<k).reduce(1.0) { p, _ in p * 10 } }

    @Test(arguments: [1, 2, 3, 20_261_203] as [UInt64])
    func resultFilesMatchTheStringBasedWriters(seed: UInt64) throws {
        var report = Self.seededReport(seed: seed)
        let parameters = ReportRenderer.parameterNames(report)
        let files = ReportRenderer.renderResultFiles(report)
        func file(_ name: String) -> [UInt8] { files.first { $0.name == name }!.contents }
        #expect(file("results.csv") == Legacy.resultsCSV(report.rows, parameters: parameters))
        #expect(file("best.csv") == Legacy.resultsCSV(ReportRenderer.bestRows(report), parameters: parameters))
        #expect(file("trades.csv") == Legacy.tradesCSV(report.rows))
        #expect(file("results.json") == Legacy.resultsJSON(report.rows, validation: report.validation))
        for every in [true, false] {
            report.equityOfEveryBacktest = every
            var streamed: [UInt8] = []
            ReportRenderer.streamEquityCSV(report) { streamed += $0 }
            #expect(streamed == Legacy.equityCSV(report))
        }
        var trades: [UInt8] = []
        ReportRenderer.streamTradesCSV(report.rows) { trades += $0 }
        #expect(trades == Legacy.tradesCSV(report.rows))
        report.validation = nil
        #expect(
            ReportRenderer.renderResultFile("results.json", report).contents
                == Legacy.resultsJSON(report.rows, validation: nil))
    }

    /// `Format.number` (now built on `appendNumber`) and `appendFileNumber` against the old text on raw
    /// seeded doubles of every magnitude.
    @Test func numbersMatchTheOldText() {
        var rng = SplitMix64(state: 77)
        var mismatches: [String] = []
        for i in 0..<200_000 {
            let v =
                i % 2 == 0
                ? Double(bitPattern: rng.next())
                : (Double(rng.next() >> 11) / Double(1 << 53) - 0.5) * Self.pow10(Int(rng.next() % 17))
            if Format.number(v) != Legacy.number(v), mismatches.count < 5 { mismatches.append("\(v)") }
            for d in [2, 4] {
                var new: [UInt8] = []
                var old: [UInt8] = []
                ReportRenderer.appendFileNumber(v, decimals: d, to: &new)
                Legacy.appendFileNumber(v, decimals: d, to: &old)
                if new != old, mismatches.count < 5 { mismatches.append("\(v) (\(d) decimals)") }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }
}
