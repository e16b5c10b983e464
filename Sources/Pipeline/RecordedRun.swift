import DataSources
import Foundation
import Market
import RunStore
import Spec

/// Stands in for a recorded run's provider when its bars must come from the cache only (`rerun`): the
/// same id and cache variant, so the cache finds the bars, and any call for bars is an error.
public struct RecordedProvider: BarProvider {
    public let id: String
    public let cacheVariant: String
    public let isSynthetic: Bool

    public init(id: String, cacheVariant: String, isSynthetic: Bool) {
        self.id = id
        self.cacheVariant = cacheVariant
        self.isSynthetic = isSynthetic
    }

    public func bars(symbol: String, from: SessionDate, to: SessionDate) async throws -> [Bar] {
        throw MarketDataError(
            symbol: symbol, provider: id, message: "reproducing a recorded run never calls the provider",
            kind: .notCached)
    }
}

extension PipelineRunner {
    /// The runner that reproduces a recorded run offline: NYSE calendar, the bar cache under the data
    /// folder, and a provider that never goes to the network (`RecordedProvider` when the manifest names
    /// the provider's cache variant, else the spec's provider in offline mode).
    public static func recorded(
        environment: RunEnvironment, manifest: Manifest,
        processEnvironment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(RunError) -> PipelineRunner {
        let spec = manifest.resolvedSpec
        var runner = try standard(
            environment: environment, spec: spec, specPath: manifest.specPath, offline: true,
            processEnvironment: processEnvironment, makeProvider: manifest.providerVariant == nil)
        if let variant = manifest.providerVariant {
            runner.provider = RecordedProvider(
                id: manifest.provider, cacheVariant: variant, isSynthetic: spec.data.provider == .synthetic)
        }
        return runner
    }
}

/// Serialised options of a run (`RunRecord.options`), so `resume` and `rerun` repeat them.
public struct RecordedOptions: Codable, Sendable, Equatable {
    public var reportsDir: String
    public var batchSize: Int?
    public var offline: Bool
    public var noCache: Bool
    /// The run this one reproduces (`rerun`).
    public var rerunOf: String?
    /// The execute stage, when the run includes it (so `resume` executes too).
    public var execute: ExecuteStep?
    /// The result cache's size cap in MiB (`--result-cache-max-mb`); nil: the default.
    public var resultCacheMaxMB: Int?
    /// `--allow-existing-report-dir`: write into a report.dir that holds files stratopt did not write.
    public var allowExistingReportDir: Bool?

    public init(
        reportsDir: String, batchSize: Int?, offline: Bool, noCache: Bool, rerunOf: String? = nil,
        execute: ExecuteStep? = nil, resultCacheMaxMB: Int? = nil, allowExistingReportDir: Bool? = nil
    ) {
        self.reportsDir = reportsDir
        self.batchSize = batchSize
        self.offline = offline
        self.noCache = noCache
        self.rerunOf = rerunOf
        self.execute = execute
        self.resultCacheMaxMB = resultCacheMaxMB
        self.allowExistingReportDir = allowExistingReportDir
    }

    /// The result cache's cap in bytes.
    public var resultCacheBytes: Int {
        resultCacheMaxMB.map { max(0, min($0, 1 << 30)) * 1024 * 1024 } ?? ResultCache.defaultMaxBytes
    }

    public var text: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? e.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    public static func parse(_ text: String?) -> RecordedOptions? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(RecordedOptions.self, from: Data(text.utf8))
    }

    enum CodingKeys: String, CodingKey {
        case reportsDir = "reports_dir"
        case batchSize = "batch_size"
        case offline
        case noCache = "no_cache"
        case rerunOf = "rerun_of"
        case execute
        case resultCacheMaxMB = "result_cache_max_mb"
        case allowExistingReportDir = "allow_existing_report_dir"
    }
}
