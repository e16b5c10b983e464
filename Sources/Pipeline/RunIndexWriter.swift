import DataSources
import Foundation
import Reports

/// Rebuilds `reports/index.html`: every run folder under the reports root that holds a manifest.
public enum RunIndexWriter {
    /// `<reportsDirectory>/.stratopt-index.json`: what the index shows of each run, with the stamps of the
    /// manifest and best.csv it was read from. A nightly folder gathers hundreds of runs, and decoding every
    /// manifest again on each run grew without bound (300 runs of 500 symbols: 3.8 s a run); only runs whose
    /// files changed are read now.
    public static let cacheName = ".stratopt-index.json"

    /// Scans `<reportsDirectory>/<spec>/<run>/manifest.json` and writes `<reportsDirectory>/index.html`.
    /// A folder without a readable manifest is skipped; runs whose `report.dir` lies elsewhere are not listed.
    public static func rebuild(reportsDirectory root: String) throws {
        let fm = FileManager.default
        let cachePath = root + "/" + cacheName
        let known = IndexCache.read(cachePath)
        var fresh = IndexCache()
        var entries: [RunIndexEntry] = []
        for spec in ((try? fm.contentsOfDirectory(atPath: root)) ?? []).sorted() {
            let specDir = root + "/" + spec
            // `latest` is a link to one of the run folders, not a run of its own.
            for run in ((try? fm.contentsOfDirectory(atPath: specDir)) ?? []).sorted()
            where !LatestLink.isLink(specDir + "/" + run) {
                let dir = specDir + "/" + run
                let name = spec + "/" + run
                guard let manifestStamp = RunReuse.Stamp.of(dir + "/manifest.json") else { continue }
                let bestStamp = RunReuse.Stamp.of(dir + "/best.csv")
                let stamps = IndexCache.Stamps(manifest: manifestStamp, best: bestStamp)
                if let cached = known.runs[name], cached.stamps == stamps {
                    entries.append(cached.entry)
                    fresh.runs[name] = cached
                    continue
                }
                guard let m = try? Manifest.read(from: dir + "/manifest.json") else { continue }
                let entry = RunIndexEntry(
                    runId: m.runId, startedAt: m.startedAt, specName: m.resolvedSpec.name,
                    symbols: m.symbols.map(\.symbol), bestStrategies: bestStrategies(dir), status: m.status.rawValue,
                    reportPath: name + "/report.html"
                ).listedOnly
                entries.append(entry)
                fresh.runs[name] = IndexCache.Run(stamps: stamps, entry: entry)
            }
        }
        try fm.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data(RunIndex.render(entries: entries).utf8).write(
            to: URL(fileURLWithPath: root + "/index.html"), options: .atomic)
        // Best effort: without the cache the next rebuild reads every manifest, as it always could.
        if fresh != known { fresh.write(cachePath) }
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

/// The index's memory of the runs it listed (see `RunIndexWriter.cacheName`). Anything unreadable, of
/// another format or too large reads as empty: the index is then rebuilt from the manifests.
struct IndexCache: Codable, Equatable {
    static let currentFormat = "stratopt-index-cache-2"
    /// A generous bound (tens of thousands of runs) so a foreign or runaway file is never loaded whole.
    static let maxBytes = 64 << 20

    var format = IndexCache.currentFormat
    /// By `<spec>/<run>`.
    var runs: [String: Run] = [:]

    /// Device, inode, size, modification and status-change times (ns) of the two files an entry comes
    /// from; any change to either (an edit in place moves the change time) reads the run again.
    struct Stamps: Codable, Equatable {
        var manifest: [Int64]
        var best: [Int64]?

        init(manifest: RunReuse.Stamp, best: RunReuse.Stamp?) {
            self.manifest = Stamps.numbers(manifest)
            self.best = best.map(Stamps.numbers)
        }

        static func numbers(_ s: RunReuse.Stamp) -> [Int64] {
            [
                Int64(bitPattern: s.device), Int64(bitPattern: s.inode), s.size, s.mtimeNanoseconds,
                s.ctimeNanoseconds,
            ]
        }
    }

    struct Run: Codable, Equatable {
        var stamps: Stamps
        var entry: RunIndexEntry
    }

    static func read(_ path: String) -> IndexCache {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int,
            size <= maxBytes, let data = FileManager.default.contents(atPath: path),
            let cache = try? JSONDecoder().decode(IndexCache.self, from: data), cache.format == currentFormat
        else { return IndexCache() }
        return cache
    }

    func write(_ path: String) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return }
        try? data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
