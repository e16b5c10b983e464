import Engine
import Market

/// report.html: one self-contained file, readable without JavaScript. Every string from the spec,
/// a file or a provider goes through `escape`.
public enum HTMLReport {
    public static func render(_ report: RunReport) -> String {
        let i = report.info
        var h = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>stratopt — \(escape(i.specName))</title>
            <style>body{font-family:system-ui,sans-serif;margin:2em}table{border-collapse:collapse}
            td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td:first-child,th:first-child{text-align:left}
            tr.best{background:#e6f4ea;font-weight:bold}.neg{color:#b00020}.pos{color:#137333}</style></head><body>
            <h1>\(escape(i.specName))</h1>
            <p>Period \(i.periodStart.iso) – \(i.periodEnd.iso) · provider \(escape(i.provider))\(i.isSynthetic ? " (synthetic data)" : "") · conventions \(escape(i.conventions)) · run \(escape(i.runId))</p>

            """
        for s in report.symbols {
            h += "<h2 id=\"sym-\(escape(s.symbol))\">\(escape(s.symbol))</h2>\n<table><tr>"
            for c in ["rank", "strategy", "params", "return %", "sharpe", "max dd %", "win %", "trades", "score"] {
                h += "<th>\(c)</th>"
            }
            h += "</tr>\n"
            let rows = s.rowIndices.map { report.rows[$0] }.sorted { $0.rank < $1.rank }
            for r in rows {
                let cls = r.metrics.totalReturnPct < 0 ? "neg" : "pos"
                h += "<tr\(r.rank == 1 ? " class=\"best\"" : "")><td>\(r.rank)</td><td>\(escape(r.strategy))</td>"
                h += "<td>\(escape(r.params))</td><td class=\"\(cls)\">\(fixed(r.metrics.totalReturnPct, 2))</td>"
                h += "<td>\(r.metrics.sharpe.map { fixed($0, 2) } ?? "–")</td><td>\(fixed(r.metrics.maxDrawdownPct, 2))</td>"
                h += "<td>\(fixed(r.metrics.winRatePct, 1))</td><td>\(r.metrics.trades)</td><td>\(fixed(r.score.total, 1))</td></tr>\n"
            }
            h += "</table>\n"
        }
        for issue in report.issues {
            h += "<p class=\"neg\">\(escape(issue.symbol)) \(issue.kind.rawValue): \(escape(issue.reasons.joined(separator: "; ")))</p>\n"
        }
        if let rows = report.execution {
            h += "<h2 id=\"execution\">Execution</h2>\n<table><tr><th>symbol</th><th>side</th><th>shares</th><th>status</th><th>order id</th><th>verdicts / error</th></tr>\n"
            for r in rows {
                let why = r.verdicts.isEmpty ? r.error : r.verdicts.joined(separator: "; ")
                h += "<tr><td>\(escape(r.symbol))</td><td>\(escape(r.side))</td><td>\(Int(r.shares))</td>"
                h += "<td>\(escape(r.status))</td><td>\(escape(r.brokerOrderId))</td><td>\(escape(why))</td></tr>\n"
            }
            h += "</table>\n"
        }
        h += "</body></html>\n"
        return h
    }

    /// Escapes text for HTML element content and quoted attribute values.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// Fixed decimals without Foundation's locale-dependent formatting.
    public static func fixed(_ v: Double, _ decimals: Int) -> String {
        guard v.isFinite else { return "–" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let r = (abs(v) * scale).rounded()
        let neg = v < 0 && r != 0
        let ip = Int64(r / scale)
        var frac = String(Int64(r) - ip * Int64(scale))
        while frac.count < decimals { frac = "0" + frac }
        return (neg ? "-" : "") + String(ip) + (decimals > 0 ? "." + frac : "")
    }
}
