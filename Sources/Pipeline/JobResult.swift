import Engine
import Foundation

/// The version of the simulation semantics. Part of every result-cache key: bump it whenever a change to
/// `Engine` (fills, costs, sizing, metrics) or `Strategies` (signals, indicators) can change a backtest's
/// output, or when `JobResult` gains a field, so old cached results are never served.
public enum EngineVersion {
    public static let current = "engine-1"
}

/// One backtest's output in the form the pipeline keeps, checkpoints and caches: everything the report
/// needs (metrics, trades, the equity curve) plus the open position and holdings.
///
/// `Codable` with a deterministic encoding (`ResultCoding`), and it round-trips exactly: a result read
/// back from a checkpoint or the result cache renders the same bytes as the one computed.
public struct JobResult: Sendable, Equatable, Codable {
    public var metrics: Metrics
    public var trades: [Trade]
    public var openPosition: OpenPosition?
    /// Equity after each bar's close, one point per bar.
    public var equity: [Double]
    /// Shares held after each bar.
    public var position: [Double]
    public var firstDecisionBar: Int

    public init(_ r: BacktestResult) {
        metrics = r.metrics
        trades = r.trades
        openPosition = r.openPosition
        equity = r.equity
        position = r.position
        firstDecisionBar = r.firstDecisionBar
    }
}

/// The deterministic byte form of checkpoints and cached results: JSON with sorted keys; doubles in their
/// shortest round-trip text, non-finite ones as the strings `nan`, `inf`, `-inf`.
public enum ResultCoding {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try e.encode(value)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try d.decode(type, from: data)
    }
}

/// One finished batch as stored in `runs.sqlite` (`RunStore.saveBatch`): each job's identity and result,
/// so a resumed run can check that the checkpoint belongs to the same plan.
struct BatchCheckpoint: Codable {
    struct Entry: Codable {
        var index: Int
        var symbol: String
        var strategy: String
        var params: String
        var result: JobResult
    }
    var version = 1
    var entries: [Entry]
}
