import Foundation
import Strategies
import Testing

@testable import Reports

/// docs/reports.md is the contract: its header blocks must equal what the renderer writes.
@Suite struct ContractTests {
    static let docsPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/reports.md")

    /// Fenced blocks whose info string is `<kind> <name>` → name → first line of the block.
    static func blocks(kind: String) throws -> [String: String] {
        let text = try String(contentsOf: docsPath, encoding: .utf8)
        var out: [String: String] = [:]
        let lines = text.components(separatedBy: "\n")
        for (i, line) in lines.enumerated() where line.hasPrefix("```\(kind) ") {
            let name = String(line.dropFirst(3 + kind.count + 1)).trimmingCharacters(in: .whitespaces)
            out[name] = lines[i + 1]
        }
        return out
    }

    @Test func documentedCSVHeadersMatchRenderer() throws {
        let documented = try Self.blocks(kind: "csv-header")
        for (name, columns) in ReportSchema.csvFiles {
            #expect(documented[name] == columns.joined(separator: ","), "docs/reports.md header of \(name)")
        }
        #expect(Set(documented.keys) == Set(ReportSchema.csvFiles.map(\.name)))
    }

    @Test func renderedHeadersMatchDocs() throws {
        let documented = try Self.blocks(kind: "csv-header")
        let files = ReportRenderer.render(Fixture.report(symbols: 1, execution: Fixture.execution()))
        for f in files where f.name.hasSuffix(".csv") {
            var header = String(decoding: f.contents, as: UTF8.self).components(separatedBy: "\r\n")[0]
            if f.name == "results.csv" || f.name == "best.csv" {
                // The documented columns, then one p_<name> column per parameter, names sorted.
                let columns = header.split(separator: ",").map(String.init)
                let parameters = columns.filter { $0.hasPrefix("p_") }
                #expect(!parameters.isEmpty && parameters == parameters.sorted(), "\(f.name): \(parameters)")
                #expect(columns.suffix(parameters.count) == parameters[...], "\(f.name): p_ columns come last")
                header = columns.dropLast(parameters.count).joined(separator: ",")
            }
            #expect(documented[f.name] == header, "\(f.name)")
        }
    }

    @Test func parameterColumnsHoldEachRowsValuesAndStayEmptyForOthers() throws {
        let files = ReportRenderer.render(Fixture.report(symbols: 1))
        let csv = String(decoding: files.first { $0.name == "results.csv" }!.contents, as: UTF8.self)
        let lines = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }.map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
        let header = lines[0]
        let params = header.firstIndex(of: "params")!
        for row in lines.dropFirst() {
            let text = row[params] == "-" ? "" : row[params]
            let given = try #require(Parameters(canonical: text), "params \(text)").values.mapValues(\.description)
            for (i, column) in header.enumerated() where column.hasPrefix("p_") {
                #expect(row[i] == given[String(column.dropFirst(2))] ?? "", "\(column) of \(row[params])")
            }
        }
    }

    @Test func documentedSchemaVersionAndJSONKeys() throws {
        #expect(try Self.blocks(kind: "schema-version")["results.json"] == String(ReportSchema.version))
        let keys = try Self.blocks(kind: "json-keys")
        #expect(keys["result"] == ReportSchema.resultColumns.joined(separator: ","))
    }

    /// Every released schema: version → all column lists and JSON keys. Changing a column list without
    /// bumping `ReportSchema.version` (and adding the new entry here) fails this test.
    static let releasedSchemas: [Int: String] = [
        1: """
        results.csv: symbol,strategy,params,total_return_pct,cagr_pct,volatility_pct,sharpe,max_drawdown_pct,\
        win_rate_pct,trades,profit_factor,exposure_pct,final_equity,score,rank
        best.csv: symbol,strategy,params,total_return_pct,cagr_pct,volatility_pct,sharpe,max_drawdown_pct,\
        win_rate_pct,trades,profit_factor,exposure_pct,final_equity,score,rank
        trades.csv: symbol,strategy,params,entry_date,entry_price,exit_date,exit_price,shares,pnl,return_pct
        equity.csv: date,symbol,strategy,params,equity,drawdown_pct
        orders.csv: symbol,strategy,side,shares,price,value,status,broker_order_id,client_order_id,verdicts,error
        results.json: trade_list
        """,
        2: """
        results.csv: symbol,strategy,params,total_return_pct,cagr_pct,volatility_pct,sharpe,max_drawdown_pct,\
        win_rate_pct,trades,profit_factor,exposure_pct,final_equity,score,rank
        best.csv: symbol,strategy,params,total_return_pct,cagr_pct,volatility_pct,sharpe,max_drawdown_pct,\
        win_rate_pct,trades,profit_factor,exposure_pct,final_equity,score,rank
        trades.csv: symbol,strategy,params,entry_date,entry_price,exit_date,exit_price,shares,pnl,return_pct
        equity.csv: date,symbol,strategy,params,equity,drawdown_pct
        orders.csv: symbol,strategy,side,shares,price,value,status,broker_order_id,client_order_id,verdicts,error
        results.json: results and metrics only
        """,
        3: """
        results.csv: symbol,strategy,params,total_return_pct,cagr_pct,volatility_pct,sharpe,max_drawdown_pct,\
        win_rate_pct,trades,profit_factor,exposure_pct,final_equity,score,rank,sortino,calmar,sqn,expectancy_pct,\
        max_consecutive_losses,max_drawdown_bars,max_drawdown_days,avg_trade_days,best_trade_pct,worst_trade_pct,\
        buy_and_hold_return_pct,information_ratio,beta,ranked,excluded_reason,dsr,pbo,oos_total_return_pct,oos_sharpe,\
        oos_max_drawdown_pct,oos_trades,oos_score
        best.csv: symbol,strategy,params,total_return_pct,cagr_pct,volatility_pct,sharpe,max_drawdown_pct,\
        win_rate_pct,trades,profit_factor,exposure_pct,final_equity,score,rank,sortino,calmar,sqn,expectancy_pct,\
        max_consecutive_losses,max_drawdown_bars,max_drawdown_days,avg_trade_days,best_trade_pct,worst_trade_pct,\
        buy_and_hold_return_pct,information_ratio,beta,ranked,excluded_reason,dsr,pbo,oos_total_return_pct,oos_sharpe,\
        oos_max_drawdown_pct,oos_trades,oos_score
        trades.csv: symbol,strategy,params,entry_date,entry_price,exit_date,exit_price,shares,pnl,return_pct
        equity.csv: date,symbol,strategy,params,equity,drawdown_pct
        orders.csv: symbol,strategy,side,shares,price,value,status,broker_order_id,client_order_id,verdicts,error,\
        params
        results.json: results and metrics only
        """,
    ]

    @Test func columnChangesBumpTheSchemaVersion() {
        var current = ReportSchema.csvFiles.map { "\($0.name): \($0.columns.joined(separator: ","))" }
        current.append("results.json: results and metrics only")
        #expect(
            Self.releasedSchemas[ReportSchema.version] == current.joined(separator: "\n"),
            "columns changed: bump ReportSchema.version and record the new schema in releasedSchemas")
    }

    @Test func requiredResultColumnsInOrder() {
        let required = [
            "symbol", "strategy", "params", "total_return_pct", "cagr_pct", "volatility_pct", "sharpe",
            "max_drawdown_pct", "win_rate_pct", "trades", "profit_factor", "exposure_pct", "final_equity", "score",
            "rank",
        ]
        let cols = ReportSchema.resultColumns
        let positions = required.map { cols.firstIndex(of: $0) }
        #expect(positions.allSatisfy { $0 != nil })
        let p = positions.compactMap { $0 }
        #expect(zip(p, p.dropFirst()).allSatisfy { $0 < $1 })
    }

    @Test func renderedFileNamesAreTheDocumentedSet() {
        let names = ReportRenderer.render(Fixture.report(symbols: 1, execution: Fixture.execution())).map(\.name)
        #expect(names == ReportRenderer.fileNames(hasExecution: true))
        #expect(
            names == [
                "results.csv", "best.csv", "trades.csv", "equity.csv", "results.json", "orders.csv", "report.html",
            ])
    }
}

@Suite struct DeterminismTests {
    @Test func renderingTwiceGivesTheSameBytes() {
        let r = Fixture.report(symbols: 3, execution: Fixture.execution())
        let a = ReportRenderer.render(r)
        let b = ReportRenderer.render(r)
        #expect(a.map(\.name) == b.map(\.name))
        for (x, y) in zip(a, b) { #expect(x.contents == y.contents, "\(x.name)") }
    }

    @Test func resultFilesIgnoreRunIdentity() {
        let r1 = Fixture.report(symbols: 2, execution: Fixture.execution())
        var r2 = r1
        r2.info.runId = "another-run"
        r2.info.startedAt = "2030-01-01T00:00:00Z"
        r2.info.toolVersion = "9.9.9"
        let a = ReportRenderer.render(r1)
        let b = ReportRenderer.render(r2)
        for (x, y) in zip(a, b) where x.name != "report.html" {
            #expect(x.contents == y.contents, "\(x.name)")
            #expect(!String(decoding: x.contents, as: UTF8.self).contains("20261125T060000Z"))
        }
    }

    /// Run ids and timestamps live in manifest.json only: report.html too is the same for the same inputs,
    /// which is what lets an identical rerun reuse a finished run's files.
    @Test func reportHTMLIgnoresRunIdAndStartTime() {
        let r1 = Fixture.report(symbols: 2)
        var r2 = r1
        r2.info.runId = "another-run"
        r2.info.startedAt = "2030-01-01T00:00:00Z"
        let a = ReportRenderer.render(r1).first { $0.name == "report.html" }!
        let b = ReportRenderer.render(r2).first { $0.name == "report.html" }!
        #expect(a.contents == b.contents)
        let html = String(decoding: a.contents, as: UTF8.self)
        #expect(!html.contains(r1.info.runId))
        #expect(!html.contains(r1.info.startedAt))
    }
}
