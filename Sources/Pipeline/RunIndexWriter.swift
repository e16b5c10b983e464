import DataSources
import Foundation
import Reports

/// Rebuilds `reports/index.html`: every run folder under the reports root that holds a manifest.
public enum RunIndexWriter {
    /// Scans `<reportsDirectory>/<spec>/<run>/manifest.json` and writes `<reportsDirectory>/index.html`.
    /// A folder without a readable manifest is skipped; runs whose `report.dir` lies elsewhere are not listed.
    public static func rebuild(reportsDirectory root: String) throws {
        let fm = FileManager.default
        var entries: [RunIndexEntry] = []
        for spec in ((try? fm.contentsOfDirectory(atPath: root)) ?? []).sorted() {
            let specDir = root + "/" + spec
            // `latest` is a link to one of the run folders, not a run of its own.
            for run in ((try? fm.contentsOfDirectory(atPath: specDir)) ?? []).sorted()
            where !LatestLink.isLink(specDir + "/" + run) {
                let dir = specDir + "/" + run
                guard let m = try? Manifest.read(from: dir + "/manifest.json") else { continue }
                entries.append(
                    RunIndexEntry(
                        runId: m.runId, startedAt: m.startedAt, specName: m.resolvedSpec.name,
                        symbols: m.symbols.map(\.symbol), bestStrategies: bestStrategies(dir),
                        status: m.status.rawValue,
                        reportPath: spec + "/" + run + "/report.html"))
            }
        }
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data(RunIndex.render(entries: entries).utf8).write(
            to: URL(fileURLWithPath: root + "/index.html"), options: .atomic)
    }

    /// `SYMBOL strategy params` for each row of the run's best.csv.
    static func bestStrategies(_ dir: String) -> [String] {
        guard let records = try? CSVReader.read(path: dir + "/best.csv"), let header = records.first?.fields,
            let s = header.firstIndex(of: "symbol"), let st = header.firstIndex(of: "strategy"),
            let p = header.firstIndex(of: "params")
        else { return [] }
        return records.dropFirst().compactMap { r in
            guard r.fields.count > max(s, st, p) else { return nil }
            return [r.fields[s], r.fields[st], r.fields[p]].filter { !$0.isEmpty }.joined(separator: " ")
        }
    }
}
