import Mustache

/// One run as listed in `reports/index.html`, built by the pipeline from a stored manifest.
public struct RunIndexEntry: Sendable, Equatable, Codable {
    public var runId: String
    /// Start time as the manifest stores it (ISO 8601, e.g. `2026-11-25T06:00:00Z`); entries sort on it.
    public var startedAt: String
    public var specName: String
    /// The run's symbols (the index shows the first `RunIndex.maxListed`; `symbolCount` counts them all).
    public var symbols: [String]
    public var symbolCount: Int
    /// The rank-1 result per symbol, as display text (e.g. `AAPL sma_crossover fast=10;slow=30`); the
    /// index shows the first `RunIndex.maxListed`, `bestCount` counts them all.
    public var bestStrategies: [String]
    public var bestCount: Int
    /// `succeeded`, `partial`, `failed`, …
    public var status: String
    /// Path of the run's report.html relative to index.html (e.g. `nightly/20261125T060000Z/report.html`).
    public var reportPath: String

    /// An entry with the counts of `symbols` and `bestStrategies`; `symbolCount` / `bestCount` give larger
    /// counts when only the listed heads are kept.
    public init(
        runId: String, startedAt: String, specName: String, symbols: [String], bestStrategies: [String], status: String,
        reportPath: String, symbolCount: Int? = nil, bestCount: Int? = nil
    ) {
        self.runId = runId
        self.startedAt = startedAt
        self.specName = specName
        self.symbols = symbols
        self.symbolCount = max(symbolCount ?? 0, symbols.count)
        self.bestStrategies = bestStrategies
        self.bestCount = max(bestCount ?? 0, bestStrategies.count)
        self.status = status
        self.reportPath = reportPath
    }

    /// The same entry with only what the index shows of its lists (the counts are kept).
    public var listedOnly: RunIndexEntry {
        var e = self
        e.symbols = Array(symbols.prefix(RunIndex.maxListed))
        e.bestStrategies = Array(bestStrategies.prefix(RunIndex.maxListed))
        return e
    }
}

extension RunIndexEntry {
    /// `SYMBOL strategy params` of each symbol's rank-1 result, in universe order: the text `bestStrategies`
    /// expects (store it in the manifest when the run ends, or rebuild it from best.csv).
    public static func bestStrategies(of report: RunReport) -> [String] {
        ReportRenderer.bestRows(report).map { r in
            r.params.isEmpty ? "\(r.symbol) \(r.strategy)" : "\(r.symbol) \(r.strategy) \(r.params)"
        }
    }
}

/// `reports/index.html`: every run, newest first, linking to its report. Self-contained, no script needed.
public enum RunIndex {
    /// Symbols and best strategies listed per run before "… and N more".
    public static let maxListed = 8

    static let template: MustacheTemplate = {
        do { return try MustacheTemplate(string: page) } catch {
            fatalError("index.html template does not parse: \(error)")
        }
    }()

    /// The page. Entries sort by `startedAt` descending, then `runId` descending (byte order), so the
    /// output does not depend on the order the manifests were read in.
    public static func render(entries: [RunIndexEntry]) -> String {
        let sorted = entries.sorted { a, b in
            if a.startedAt != b.startedAt { return b.startedAt.utf8.lexicographicallyPrecedes(a.startedAt.utf8) }
            return b.runId.utf8.lexicographicallyPrecedes(a.runId.utf8)
        }
        let rows = sorted.map { e in
            IndexRow(
                date: e.startedAt, runId: e.runId, specName: e.specName, symbolCount: String(e.symbolCount),
                symbols: listed(e.symbols, count: e.symbolCount, separator: ", "),
                best: Array(e.bestStrategies.prefix(maxListed)), bestMore: e.bestCount > maxListed,
                bestMoreNote: "… and \(e.bestCount - maxListed) more",
                status: e.status, statusCls: statusClass(e.status), href: ReportPaths.relativeHref(e.reportPath))
        }
        return template.render(IndexView(count: String(rows.count), hasRuns: !rows.isEmpty, runs: rows))
    }

    static func listed(_ items: [String], count: Int, separator: String) -> String {
        let head = items.prefix(maxListed).joined(separator: separator)
        return count > maxListed ? head + " … and \(count - maxListed) more" : head
    }

    static func statusClass(_ s: String) -> String {
        switch s {
        case "succeeded", "ok", "success": return "submitted"
        case "failed", "error": return "failed"
        default: return "warn"
        }
    }

    struct IndexRow {
        var date: String
        var runId: String
        var specName: String
        var symbolCount: String
        var symbols: String
        var best: [String]
        var bestMore: Bool
        var bestMoreNote: String
        var status: String
        var statusCls: String
        var href: String
    }

    struct IndexView {
        var count: String
        var hasRuns: Bool
        var runs: [IndexRow]
    }

    static let page = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        \(HTMLTemplates.csp)
        <title>stratopt runs</title>
        <style>
        \(HTMLTemplates.css)
        </style>
        </head>
        <body>
        <header class="top"><div class="in"><div class="eyebrow">stratopt</div><h1>Runs</h1><div class="sub">{{count}} run(s), newest first</div></div></header>
        <main class="in"><section class="card">
        {{#hasRuns}}<div class="scroll"><table class="runs"><thead><tr><th class="t">Started</th><th class="t">Spec</th><th>Symbols</th><th class="t">Best strategies</th><th class="t">Status</th><th class="t">Report</th></tr></thead><tbody>
        {{#runs}}<tr><td class="t">{{date}}<div class="mut"><code>{{runId}}</code></div></td><td class="t">{{specName}}</td><td title="{{symbols}}">{{symbolCount}}</td><td class="t wrap">{{#best}}<div>{{.}}</div>{{/best}}{{#bestMore}}<div class="mut">{{bestMoreNote}}</div>{{/bestMore}}</td><td class="t"><span class="badge {{statusCls}}">{{status}}</span></td><td class="t"><a href="{{href}}">Open report</a></td></tr>
        {{/runs}}</tbody></table></div>{{/hasRuns}}
        {{^hasRuns}}<p class="mut">No runs yet.</p>{{/hasRuns}}
        </section></main>
        </body>
        </html>

        """
}
