import DataSources
import Foundation
import GRDB
import Market
import Testing

/// An edited CSV file is read again; the cache key is the absolute folder (real SQLite file).
@Suite struct CSVCacheFreshnessTests {
    static let rows = [
        "date,open,high,low,close,volume",
        "2024-01-02,10,11,9,10.5,1000",
        "2024-01-03,10.5,11.5,10,11,1000",
        "2024-01-04,11,12,10.5,11.5,1000",
    ]

    func write(_ lines: [String], to path: String) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }

    func doubled(_ lines: [String]) -> [String] {
        [lines[0]]
            + lines.dropFirst().map { line in
                let f = line.split(separator: ",").map(String.init)
                return ([f[0]] + f[1...4].map { String(Double($0)! * 2) } + [f[5]]).joined(separator: ",")
            }
    }

    @Test func anEditedFileIsReadAgainAndItsHashChanges() async throws {
        let dir = Paths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/prices", withIntermediateDirectories: true)
        try write(Self.rows, to: dir + "/prices/AAA.csv")
        let cache = try BarCache(dataDir: dir + "/data")
        let loader = MarketDataLoader(
            provider: CSVFolderProvider(folder: dir + "/prices"), calendar: NYSECalendar(), cache: cache)

        let first = await loader.load(symbols: ["AAA"], from: day("2024-01-02"), to: day("2024-01-04"))[0]
        #expect(try first.result.get().close == [10.5, 11, 11.5])
        let hash1 = try #require(first.sourceFile?.sha256)
        #expect(hash1.count == 64)

        // Double every price, keeping the size the same is impossible here, so also check the hash moved.
        try write(doubled(Self.rows), to: dir + "/prices/AAA.csv")
        let second = await loader.load(symbols: ["AAA"], from: day("2024-01-02"), to: day("2024-01-04"))[0]
        #expect(try second.result.get().close == [21, 22, 23])
        #expect(second.sourceFile?.sha256 != hash1)
        // The cache now holds the new bars only, and the stored fingerprint is the new one.
        #expect(
            try cache.bars(
                provider: "csv", symbol: "AAA", from: day("2024-01-02"), to: day("2024-01-04"),
                adjustment: CSVFolderProvider(folder: dir + "/prices").cacheVariant
            ).map(\.close) == [21, 22, 23])
        #expect(
            try cache.sourceFile(
                provider: "csv", symbol: "AAA", adjustment: CSVFolderProvider(folder: dir + "/prices").cacheVariant)
                == second.sourceFile)
    }

    @Test func sameContentAndStatIsServedFromTheCache() async throws {
        let dir = Paths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try write(Self.rows, to: dir + "/AAA.csv")
        let cache = try BarCache(dataDir: dir + "/data")
        let provider = CSVFolderProvider(folder: dir)
        let loader = MarketDataLoader(provider: provider, calendar: NYSECalendar(), cache: cache)
        _ = await loader.load(symbols: ["AAA"], from: day("2024-01-02"), to: day("2024-01-04"))
        let fp = try #require(provider.sourceFile(symbol: "AAA"))
        #expect(
            try cache.reconcile(sourceFile: fp, provider: "csv", symbol: "AAA", adjustment: provider.cacheVariant)
                == false)
        // Same bytes but a new mtime: re-read (stat changed), not an error.
        var touched = fp
        touched.modifiedNanoseconds += 1_000_000_000
        #expect(
            try cache.reconcile(sourceFile: touched, provider: "csv", symbol: "AAA", adjustment: provider.cacheVariant)
                == true)
    }

    @Test func theCacheVariantIsTheAbsoluteNormalisedFolder() throws {
        let dir = Paths.tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createDirectory(atPath: dir + "/a/prices", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: dir + "/b/prices", withIntermediateDirectories: true)
        let a = CSVFolderProvider(folder: dir + "/a/prices")
        let b = CSVFolderProvider(folder: dir + "/b/prices")
        #expect(a.cacheVariant != b.cacheVariant)
        #expect(CSVFolderProvider(folder: dir + "/b/../a/./prices/").cacheVariant == a.cacheVariant)
        let resolvedDir = URL(fileURLWithPath: dir).resolvingSymlinksInPath().path
        #expect(a.cacheVariant == "folder=" + resolvedDir + "/a/prices")
        // A relative folder is absolute against the working directory.
        let rel = CSVFolderProvider(folder: "prices")
        #expect(rel.absoluteFolder.hasPrefix("/") && rel.absoluteFolder.hasSuffix("/prices"))
    }
}
