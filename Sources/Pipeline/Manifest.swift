import Foundation
import Spec

/// manifest.json: everything needed to reproduce a run, and the only file with ids and wall-clock times.
///
/// Written once the bars are loaded (status `running`, so `resume` and `rerun` know which bars the run
/// used) and again when the run ends. Symbol status is `ok`, `failed` or `quarantined`.
public struct Manifest: Codable, Sendable {
    /// How a run stands: `running` from the moment its bars are loaded until it ends.
    public enum RunState: String, Codable, Sendable {
        case running, succeeded, partial, failed

        /// A run that ended with results (a failed execute stage still leaves its results).
        public var hasResults: Bool { self != .running }
    }

    /// A symbol's fate in the run.
    public enum SymbolStatus: String, Codable, Sendable {
        /// Its bars loaded and passed the data-quality gate.
        case ok
        case failed
        case quarantined
    }

    public struct SymbolEntry: Codable, Sendable {
        public var symbol: String
        public var status: SymbolStatus
        public var bars: Int
        public var firstDate: String?
        public var lastDate: String?
        /// SHA-256 of the bars used, in the canonical form of `Hashing.fingerprint`.
        public var barsSHA256: String?
        public var reason: String?
        /// Every reason a symbol failed or was quarantined (`reason` joins them with `; `).
        public var reasons: [String]?
        /// SHA-256 of the source file the bars were read from (csv provider), so a changed file is visible.
        public var sourceSHA256: String?
    }

    /// The files of one `- signals:` strategy: its id, folder and the SHA-256 over every `<SYMBOL>.csv` read
    /// (each file's SHA-256 with its symbol, in universe order), so a changed file is visible like changed bars.
    public struct SignalsEntry: Codable, Sendable, Equatable {
        public var id: String
        public var path: String
        public var sha256: String
    }

    /// The shards a merged run (`stratopt merge`) was made of.
    public struct ShardsEntry: Codable, Sendable, Equatable {
        public var planFingerprint: String
        public var count: Int
        public var directories: [String]
        enum CodingKeys: String, CodingKey {
            case planFingerprint = "plan_fingerprint"
            case count, directories
        }
    }

    public var manifestVersion = 1
    public var runId: String
    public var toolVersion: String
    public var status: RunState
    public var specPath: String
    public var specSHA256: String
    public var resolvedSpec: PipelineSpec
    public var asOf: String
    public var periodStart: String
    public var periodEnd: String
    public var provider: String
    /// The provider's cache variant (seed, folder, adjustment, feed): with `provider`, where `rerun` finds the bars.
    public var providerVariant: String?
    /// `EngineVersion.current` of the run.
    public var engineVersion: String?
    public var conventions: String
    public var startedAt: String
    public var finishedAt: String
    public var symbols: [SymbolEntry]
    public var skippedCombinations: [String]
    public var backtests: Int
    /// Present when the spec has `- signals:` strategies.
    public var signals: [SignalsEntry]? = nil
    /// Present on a run merged from shards.
    public var shards: ShardsEntry? = nil

    enum CodingKeys: String, CodingKey {
        case manifestVersion = "manifest_version"
        case runId = "run_id"
        case toolVersion = "tool_version"
        case status
        case specPath = "spec_path"
        case specSHA256 = "spec_sha256"
        case resolvedSpec = "resolved_spec"
        case asOf = "as_of"
        case periodStart = "period_start"
        case periodEnd = "period_end"
        case provider, conventions
        case providerVariant = "provider_variant"
        case engineVersion = "engine_version"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case symbols
        case skippedCombinations = "skipped_combinations"
        case backtests
        case signals
        case shards
    }

    public func write(to path: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try enc.encode(self)
        data.append(0x0A)
        try data.write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    public static func read(from path: String) throws -> Manifest {
        try JSONDecoder().decode(Manifest.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// ISO 8601 UTC with seconds, e.g. `2026-11-25T10:44:06Z`.
    public static func timestamp(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: d)
    }
}
