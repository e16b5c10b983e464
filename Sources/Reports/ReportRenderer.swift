import Engine
import Market
import Scoring
import Strategies

/// Renders a `RunReport` into its files. Pure: same report, same bytes.
///
/// The CSV and JSON files carry no run id, timestamp or tool version, so reruns over the same inputs are
/// byte-identical; only report.html shows run facts. Contract: `docs/reports.md`, columns: `ReportSchema`.
public enum ReportRenderer {
    /// results.csv / best.csv header (see `ReportSchema.resultColumns`).
    public static var resultColumns: [String] { ReportSchema.resultColumns }
    /// trades.csv header.
    public static var tradeColumns: [String] { ReportSchema.tradeColumns }

    /// Every file of the report folder except manifest.json (written by the pipeline), in a fixed order:
    /// results.csv, best.csv, trades.csv, equity.csv, results.json, orders.csv (only when the execute stage
    /// ran), report.html.
    public static func render(_ report: RunReport) -> [ReportFile] { renderFiles(report, equity: true) }

    private static func renderFiles(_ report: RunReport, equity: Bool) -> [ReportFile] {
        var files = [
            ReportFile(
                name: "results.csv", contents: resultsCSV(report.rows, parameters: parameterNames(report)).bytes),
            ReportFile(
                name: "best.csv", contents: resultsCSV(bestRows(report), parameters: parameterNames(report)).bytes),
            ReportFile(name: "trades.csv", contents: tradesCSV(report.rows).bytes),
        ]
        if equity { files.append(ReportFile(name: "equity.csv", contents: equityCSV(report).bytes)) }
        files.append(
            ReportFile(name: "results.json", contents: resultsJSON(report.rows, validation: report.validation)))
        if let exec = report.execution { files.append(ReportFile(name: "orders.csv", contents: ordersCSV(exec).bytes)) }
        files.append(ReportFile(name: "report.html", contents: Array(HTMLReport.render(report).utf8)))
        return files
    }

    /// results.csv, best.csv, trades.csv and results.json: the result files that need no curves.
    public static func renderResultFiles(_ report: RunReport) -> [ReportFile] {
        resultFileNames.map { renderResultFile($0, report) }
    }

    /// How much of a streamed result file is built before it is handed to the writer (1 MiB).
    public static let chunkBytes = 1 << 20

    /// The names `renderResultFiles` produces, in its order.
    public static let resultFileNames = ["results.csv", "best.csv", "trades.csv", "results.json"]

    /// One of `resultFileNames` (they are independent, so a caller may render them concurrently).
    public static func renderResultFile(_ name: String, _ report: RunReport) -> ReportFile {
        switch name {
        case "results.csv":
            return ReportFile(name: name, contents: resultsCSV(report.rows, parameters: parameterNames(report)).bytes)
        case "best.csv":
            return ReportFile(
                name: name, contents: resultsCSV(bestRows(report), parameters: parameterNames(report)).bytes)
        case "trades.csv": return ReportFile(name: name, contents: tradesCSV(report.rows).bytes)
        case "results.json":
            return ReportFile(name: name, contents: resultsJSON(report.rows, validation: report.validation))
        default: preconditionFailure("not a result file: \(name)")
        }
    }

    /// The names `render` produces, in its order.
    public static func fileNames(hasExecution: Bool) -> [String] {
        ["results.csv", "best.csv", "trades.csv", "equity.csv", "results.json"] + (hasExecution ? ["orders.csv"] : [])
            + ["report.html"]
    }

    /// Rank-1 rows, in symbol (universe) order.
    public static func bestRows(_ report: RunReport) -> [ResultRow] {
        report.symbols.compactMap { s in
            s.rowIndices.filter { report.rows.indices.contains($0) }.map { report.rows[$0] }.first { $0.rank == 1 }
        }
    }

    /// One field of a results.csv row, which is also the value of its results.json key.
    enum ResultValue {
        /// Quoted as needed in CSV; a JSON string.
        case text(String)
        /// `excluded_reason`: text, but JSON `null` when empty.
        case reason(String)
        /// `Format.number`: empty in CSV, `null` in JSON when undefined.
        case number(Double?)
        /// A `.count` metric: an integer when finite and below 1e15, else as `number`.
        case count(Double?)
        case int(Int)
        /// `true` / `false`.
        case bool(Bool)
    }

    /// The values of `ReportSchema.resultColumns` for `r`, in column order (the `p_` columns excluded).
    /// results.csv, best.csv and results.json write these without building a String per field.
    static func forEachResultValue(_ r: ResultRow, _ body: (ResultValue) -> Void) {
        body(.text(r.symbol))
        body(.text(r.strategy))
        body(.text(ReportSchema.paramsField(r.params)))
        for c in ResultColumn.metrics {
            body(c.style == .count ? .count(c.value(r.metrics)) : .number(c.value(r.metrics)))
        }
        body(.number(r.score.total))
        body(.int(r.rank))
        for c in ResultColumn.moreMetrics {
            body(c.style == .count ? .count(c.value(r.metrics)) : .number(c.value(r.metrics)))
        }
        body(.bool(r.excludedReason == nil))
        body(.reason(r.excludedReason ?? ""))
        body(.number(r.overfitting?.dsr))
        body(.number(r.overfitting?.pbo))
        if let o = r.outOfSample {
            body(.number(o.metrics.totalReturnPct))
            body(.number(o.metrics.sharpe))
            body(.number(o.metrics.maxDrawdownPct))
            body(.int(o.metrics.trades))
            body(.number(o.score.total))
        } else {
            for _ in 0..<ReportSchema.outOfSampleColumns.count { body(.number(nil)) }
        }
    }

    /// A value as its CSV field (quoted where needed).
    static func appendCSV(_ value: ResultValue, to out: inout [UInt8]) {
        switch value {
        case .text(let s), .reason(let s): CSVWriter.appendField(s, to: &out)
        case .number(let v): Format.appendNumber(v, to: &out)
        case .count(let v): appendCount(v, to: &out)
        case .int(let i): Format.appendInt(Int64(i), to: &out)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        }
    }

    /// A value as results.json writes it.
    static func appendJSON(_ value: ResultValue, to out: inout [UInt8]) {
        switch value {
        case .text(let s): JSONWriter.appendString(s, to: &out)
        case .reason(let s):
            if s.isEmpty { out.append(contentsOf: "null".utf8) } else { JSONWriter.appendString(s, to: &out) }
        case .number(let v):
            if let v, v.isFinite { Format.appendNumber(v, to: &out) } else { out.append(contentsOf: "null".utf8) }
        case .count(let v):
            if let v, v.isFinite { appendCount(v, to: &out) } else { out.append(contentsOf: "null".utf8) }
        case .int(let i): Format.appendInt(Int64(i), to: &out)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        }
    }

    /// `ResultColumn.fileText` of a `.count` column.
    private static func appendCount(_ v: Double?, to out: inout [UInt8]) {
        if let v, v.isFinite, abs(v) < 1e15 {
            Format.appendInt(Int64(v), to: &out)
        } else {
            Format.appendNumber(v, to: &out)
        }
    }

    /// The CSV fields of `r` (unquoted), `ReportSchema.resultColumns` without the `p_` columns.
    static func resultFields(_ r: ResultRow) -> [String] {
        var fields: [String] = []
        forEachResultValue(r) { value in
            var out: [UInt8] = []
            switch value {
            case .text(let s), .reason(let s): fields.append(s)
            default:
                appendCSV(value, to: &out)
                fields.append(String(decoding: out, as: UTF8.self))
            }
        }
        return fields
    }

    /// results.csv / best.csv: the schema's columns, then one `p_<name>` column per parameter in `parameters`
    /// (empty where the row's strategy has no such parameter).
    static func resultsCSV(_ rows: [ResultRow], parameters: [String] = []) -> CSVWriter {
        var w = CSVWriter(header: [])
        w.reset()
        streamResultsCSV(rows, parameters: parameters) { w.appendRaw($0) }
        return w
    }

    /// `resultsCSV` in pieces (the header and rows, about 1 MiB at a time), so a writer never holds the file.
    public static func streamResultsCSV(
        _ rows: [ResultRow], parameters: [String] = [], _ write: ([UInt8]) throws -> Void
    ) rethrows {
        var out = CSVWriter(header: ReportSchema.resultColumns + parameters.map(ReportSchema.parameterColumn)).bytes
        out.reserveCapacity(chunkBytes + 4096)
        // The `p_` fields depend only on the params, which repeat across symbols: built once per params text.
        var parameterFields: [String: [UInt8]] = [:]
        for r in rows {
            var first = true
            forEachResultValue(r) { value in
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                appendCSV(value, to: &out)
            }
            if let cached = parameterFields[r.params.text] {
                out.append(contentsOf: cached)
            } else {
                var fields: [UInt8] = []
                for name in parameters {
                    fields.append(UInt8(ascii: ","))
                    CSVWriter.appendField(r.params[name]?.description ?? "", to: &fields)
                }
                parameterFields[r.params.text] = fields
                out.append(contentsOf: fields)
            }
            out.append(13)
            out.append(10)
            if out.count >= chunkBytes {
                try write(out)
                out.removeAll(keepingCapacity: true)
            }
        }
        try write(out)
    }

    /// Every parameter name of the run's backtests, sorted: the same `p_` columns in results.csv and best.csv.
    public static func parameterNames(_ report: RunReport) -> [String] {
        var names: Set<String> = []
        for r in report.rows { names.formUnion(r.params.values.keys) }
        return names.sorted()
    }

    static func tradeFields(_ t: Trade) -> [String] {
        [
            t.entryDate.iso, Format.number(t.entryPrice), t.exitDate.iso, Format.number(t.exitPrice),
            Format.number(t.shares), Format.number(t.pnl), Format.number(t.returnPct),
        ]
    }

    static func tradesCSV(_ rows: [ResultRow]) -> CSVWriter {
        var w = CSVWriter(header: [])
        w.reset()
        streamTradesCSV(rows) { w.appendRaw($0) }
        return w
    }

    /// trades.csv in pieces (header first, then about 1 MiB at a time), byte-identical to `tradesCSV`.
    public static func streamTradesCSV(_ rows: [ResultRow], _ write: ([UInt8]) throws -> Void) rethrows {
        try write(CSVWriter(header: ReportSchema.tradeColumns).bytes)
        // The largest result file (one line per trade of every backtest): the row's key is quoted once per
        // backtest, and dates and numbers are appended as bytes instead of a String per field per line.
        var line: [UInt8] = []
        for r in rows where !r.trades.isEmpty {
            var key: [UInt8] = []
            CSVWriter.appendField(r.symbol, to: &key)
            key.append(UInt8(ascii: ","))
            CSVWriter.appendField(r.strategy, to: &key)
            key.append(UInt8(ascii: ","))
            CSVWriter.appendField(ReportSchema.paramsField(r.params), to: &key)
            for t in r.trades {
                line += key
                line.append(UInt8(ascii: ","))
                t.entryDate.appendISO(to: &line)
                line.append(UInt8(ascii: ","))
                Format.appendNumber(t.entryPrice, to: &line)
                line.append(UInt8(ascii: ","))
                t.exitDate.appendISO(to: &line)
                line.append(UInt8(ascii: ","))
                Format.appendNumber(t.exitPrice, to: &line)
                line.append(UInt8(ascii: ","))
                Format.appendNumber(t.shares, to: &line)
                line.append(UInt8(ascii: ","))
                Format.appendNumber(t.pnl, to: &line)
                line.append(UInt8(ascii: ","))
                Format.appendNumber(t.returnPct, to: &line)
                line.append(13)
                line.append(10)
                if line.count >= chunkBytes {
                    try write(line)
                    line.removeAll(keepingCapacity: true)
                }
            }
        }
        if !line.isEmpty { try write(line) }
    }

    /// One line per date of every backtest: symbols in universe order, backtests in plan order, dates
    /// ascending. `equity` rounded to 0.01, `drawdown_pct` (positive, % below the running peak) to 0.0001.
    static func equityCSV(_ report: RunReport) -> CSVWriter {
        var w = CSVWriter(header: ReportSchema.equityColumns)
        var total = 0
        for s in report.symbols { total += s.equity.reduce(0) { $0 + $1.count } }
        w.reserve(total * 64)
        equityCSVBody(report) { w.appendRaw($0) }
        return w
    }

    /// equity.csv in pieces, for writing it without holding the whole file (it has bars × backtests lines:
    /// about 600 MB for 500 symbols × 8 strategies × 10 years). `write` receives the header line first, then
    /// one chunk per backtest; the concatenation is byte-identical to the equity.csv of `render`.
    ///
    /// `curves`, when given, supplies a symbol's curves (aligned with its `rowIndices`) instead of
    /// `SymbolReport.equity`, one symbol at a time, so every curve can be written without holding them all.
    public static func streamEquityCSV(
        _ report: RunReport, curves: ((SymbolReport) -> [[Double]])? = nil, _ write: ([UInt8]) throws -> Void
    ) rethrows {
        try write(CSVWriter(header: ReportSchema.equityColumns).bytes)
        try equityCSVBody(report, curves: curves, write)
    }

    private static func equityCSVBody(
        _ report: RunReport, curves: ((SymbolReport) -> [[Double]])? = nil, _ write: ([UInt8]) throws -> Void
    ) rethrows {
        var chunk = [UInt8]()
        for s in report.symbols {
            let isoDates = s.dates.map(\.isoBytes)
            let equity = curves?(s) ?? s.equity
            for (k, rowIndex) in s.rowIndices.enumerated()
            where k < equity.count && report.rows.indices.contains(rowIndex) {
                let r = report.rows[rowIndex]
                if !report.equityOfEveryBacktest && r.rank != 1 { continue }
                var key = [UInt8](",".utf8)
                CSVWriter.appendField(r.symbol, to: &key)
                key.append(UInt8(ascii: ","))
                CSVWriter.appendField(r.strategy, to: &key)
                key.append(UInt8(ascii: ","))
                CSVWriter.appendField(ReportSchema.paramsField(r.params), to: &key)
                key.append(UInt8(ascii: ","))
                let eq = equity[k]
                guard !eq.isEmpty else { continue }
                let dd = ReportAnalytics.drawdownPct(eq)
                chunk.removeAll(keepingCapacity: true)
                for t in 0..<min(eq.count, isoDates.count) {
                    chunk.append(contentsOf: isoDates[t])
                    chunk.append(contentsOf: key)
                    appendFileNumber(eq[t], decimals: 2, to: &chunk)
                    chunk.append(UInt8(ascii: ","))
                    appendFileNumber(dd[t], decimals: 4, to: &chunk)
                    chunk.append(13)
                    chunk.append(10)
                }
                try write(chunk)
            }
        }
    }

    /// `render` without equity.csv, for callers that write it with `streamEquityCSV` instead.
    public static func render(_ report: RunReport, includeEquityCSV: Bool) -> [ReportFile] {
        includeEquityCSV ? render(report) : renderFiles(report, equity: false)
    }

    /// Fixed decimals with trailing zeros trimmed (`10000`, `10012.5`, `0.0123`); empty when not finite.
    static func appendFileNumber(_ v: Double, decimals: Int, to out: inout [UInt8]) {
        guard v.isFinite else { return }
        let start = out.count
        Format.appendFixed(v, decimals: decimals, to: &out)
        guard out[start...].contains(UInt8(ascii: ".")), !out[start...].contains(UInt8(ascii: "e")) else { return }
        while out.last == UInt8(ascii: "0") { out.removeLast() }
        if out.last == UInt8(ascii: ".") { out.removeLast() }
        if out.count - start == 2 && out[start] == UInt8(ascii: "-") && out[start + 1] == UInt8(ascii: "0") {
            out.removeLast(2)
            out.append(UInt8(ascii: "0"))
        }
    }

    public static func ordersCSV(_ rows: [ExecutionRow]) -> CSVWriter {
        var w = CSVWriter(header: ReportSchema.orderColumns)
        for o in rows {
            // `sma_crossover(fast=10;slow=50)` → strategy and params as in results.csv, so the two files join on
            // (symbol, strategy, params).
            let (strategy, params) = ReportSchema.strategyAndParams(o.strategy)
            w.appendRow([
                o.symbol, strategy, o.side, Format.number(o.shares), o.priceText ?? Format.number(o.price),
                o.valueText ?? Format.number(o.value),
                o.status.rawValue, o.brokerOrderId, o.clientOrderId,
                o.verdicts.joined(separator: ReportSchema.verdictSeparator),
                o.error, ReportSchema.paramsField(params),
            ])
        }
        return w
    }

    /// results.json: `{"schema_version":3,"results":[{<results.csv columns>}]}`; one result per line, keys in
    /// column order, numbers as JSON numbers, `null` where the CSV field is empty. Trades are in trades.csv
    /// only (schema 1 repeated them here, which made the file grow with trades × backtests).
    static func resultsJSON(_ rows: [ResultRow], validation: ValidationSummary? = nil) -> [UInt8] {
        var out: [UInt8] = []
        streamResultsJSON(rows, validation: validation) { out += $0 }
        return out
    }

    /// `resultsJSON` in pieces (about 1 MiB of results at a time, the validation last), so a writer never
    /// holds the file.
    public static func streamResultsJSON(
        _ rows: [ResultRow], validation: ValidationSummary? = nil, _ write: ([UInt8]) throws -> Void
    ) rethrows {
        var j = JSONWriter()
        j.bytes.reserveCapacity(chunkBytes + 4096)
        j.raw("{\n")
        j.key("schema_version")
        j.int(ReportSchema.version)
        j.raw(",\n")
        j.key("results")
        j.raw("[")
        // `"name":` of every column (`,"name":` after the first), escaped once instead of once per row.
        let keys: [[UInt8]] = ReportSchema.resultColumns.enumerated().map { c, name in
            var key: [UInt8] = c > 0 ? [UInt8(ascii: ",")] : []
            JSONWriter.appendString(name, to: &key)
            key.append(UInt8(ascii: ":"))
            return key
        }
        for (i, r) in rows.enumerated() {
            j.raw(i == 0 ? "\n" : ",\n")
            j.bytes.append(UInt8(ascii: "{"))
            var c = 0
            forEachResultValue(r) { value in
                guard c < keys.count else { return }
                j.bytes.append(contentsOf: keys[c])
                appendJSON(value, to: &j.bytes)
                c += 1
            }
            j.bytes.append(UInt8(ascii: "}"))
            if j.bytes.count >= chunkBytes {
                try write(j.bytes)
                j.bytes.removeAll(keepingCapacity: true)
            }
        }
        j.raw(rows.isEmpty ? "],\n" : "\n],\n")
        j.key("validation")
        writeValidation(validation, rows: rows, to: &j)
        j.raw("\n}\n")
        try write(j.bytes)
    }

    /// `"validation"`: null without validation; else the method, the folds' windows and, per (symbol,
    /// strategy) in results order, the parameters each fold chose with their in-sample and out-of-sample
    /// figures.
    static func writeValidation(_ v: ValidationSummary?, rows: [ResultRow], to j: inout JSONWriter) {
        guard let v else {
            j.raw("null")
            return
        }
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
                ("train_start", f.trainFrom), ("train_end", f.testFrom.adding(days: -1)), ("test_start", f.testFrom),
                ("test_end", f.testTo.adding(days: -1)),
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
    }
}
