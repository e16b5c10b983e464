import DataSources
import Foundation
import Pipeline
import RunStore
import Strategies

// What the reading commands print with --json: Encodable types written by one encoder (`RunJSON.encode`:
// snake_case keys, sorted, pretty), never assembled by hand, and nothing JSON-encoded inside a string.

/// One run in `history --json`, `status --json`, `show --json`.
struct RunView: Encodable {
    var runId: String
    var specName: String
    var specPath: String
    var specSha256: String
    var status: String
    var stage: String
    var done: Int
    var total: Int
    var startedAt: String
    var finishedAt: String?
    var duration: String?
    var asOf: String?
    var symbols: Int
    var backtests: Int
    var failedSymbols: Int
    var exitCode: Int32?
    var reportPath: String?
    var pid: Int32
    /// The recorded run options as an object (never as JSON text inside a string).
    var options: RecordedOptions?
    /// The report files the run created or changed (relative to its folder): what `delete` removes.
    var writtenFiles: [String]?

    init(_ r: RunRecord) {
        runId = r.runId
        specName = r.specName
        specPath = r.specPath
        specSha256 = r.specSHA256
        status = r.status.rawValue
        stage = r.stage.rawValue
        done = r.done
        total = r.total
        startedAt = r.startedAt
        finishedAt = r.finishedAt
        duration = RunJSON.duration(r)
        asOf = r.asOf
        symbols = r.symbols
        backtests = r.backtests
        failedSymbols = r.failedSymbols
        exitCode = r.exitCode
        reportPath = r.reportPath
        pid = r.pid
        options = RecordedOptions.parse(r.options)
        writtenFiles = r.writtenFiles
    }

    /// Optional fields are written as `null`, so every run has the same keys.
    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(runId, forKey: .runId)
        try c.encode(specName, forKey: .specName)
        try c.encode(specPath, forKey: .specPath)
        try c.encode(specSha256, forKey: .specSha256)
        try c.encode(status, forKey: .status)
        try c.encode(stage, forKey: .stage)
        try c.encode(done, forKey: .done)
        try c.encode(total, forKey: .total)
        try c.encode(startedAt, forKey: .startedAt)
        try c.encode(finishedAt, forKey: .finishedAt)
        try c.encode(duration, forKey: .duration)
        try c.encode(asOf, forKey: .asOf)
        try c.encode(symbols, forKey: .symbols)
        try c.encode(backtests, forKey: .backtests)
        try c.encode(failedSymbols, forKey: .failedSymbols)
        try c.encode(exitCode, forKey: .exitCode)
        try c.encode(reportPath, forKey: .reportPath)
        try c.encode(pid, forKey: .pid)
        try c.encode(writtenFiles, forKey: .writtenFiles)
        try c.encode(options, forKey: .options)
    }

    enum CodingKeys: String, CodingKey {
        case runId, specName, specPath, specSha256, status, stage, done, total, startedAt, finishedAt, duration
        case asOf, symbols, backtests, failedSymbols, exitCode, reportPath, pid, options, writtenFiles
    }
}

/// `status --json` without a run id.
struct DataFolderStatus: Encodable {
    struct Holder: Encodable {
        var runId: String
        var pid: Int32
    }
    var dataDir: String
    var locked: Bool
    var holder: Holder?
    var latest: RunView?

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(dataDir, forKey: .dataDir)
        try c.encode(locked, forKey: .locked)
        try c.encode(holder, forKey: .holder)
        try c.encode(latest, forKey: .latest)
    }

    enum CodingKeys: String, CodingKey { case dataDir, locked, holder, latest }
}

/// `show --json`: the run and its best row per symbol, each row keyed by best.csv's column names.
struct RunShow: Encodable {
    var run: RunView
    var best: [[String: String]]
}

/// One strategy in `strategies --json`.
struct StrategyView: Encodable {
    struct Param: Encodable {
        var name: String
        var type: String
        var `default`: Double
        var min: Double
        var max: Double
        var summary: String
    }
    var id: String
    var summary: String
    var warmup: String
    var constraints: [String]
    var params: [Param]

    init(_ d: StrategyDescriptor) {
        id = d.id
        summary = d.summary
        warmup = d.warmup
        constraints = d.constraints.map(\.summary)
        params = d.params.map {
            Param(
                name: $0.name, type: $0.kind.rawValue, default: $0.defaultValue.asDouble, min: $0.minimum,
                max: $0.maximum, summary: $0.summary)
        }
    }
}

/// One cached series in `cache list --json`.
struct CachedSeriesView: Encodable {
    struct Range: Encodable {
        var first: String
        var last: String
    }
    var symbol: String
    var provider: String
    var adjustment: String
    var bars: Int
    var covered: [Range]
}
