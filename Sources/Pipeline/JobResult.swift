import Engine
import Foundation

/// The version of the simulation semantics. Part of every result-cache key: bump it whenever a change to
/// `Engine` (fills, costs, sizing, metrics) or `Strategies` (signals, indicators) can change a backtest's
/// output, or when `JobResult` gains a field, so old cached results are never served.
public enum EngineVersion {
    public static let current = "engine-2"
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

    enum CodingKeys: String, CodingKey {
        case metrics, trades, openPosition, equity, position, firstDecisionBar
    }

    // The two per-bar arrays are most of a result's bytes: stored as base64 of their little-endian IEEE
    // bits (exact, NaN payloads and -0 included) rather than as thousands of JSON numbers, which made
    // checkpointing and the result cache slower than the backtests themselves.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        metrics = try c.decode(Metrics.self, forKey: .metrics)
        trades = try c.decode([Trade].self, forKey: .trades)
        openPosition = try c.decodeIfPresent(OpenPosition.self, forKey: .openPosition)
        firstDecisionBar = try c.decode(Int.self, forKey: .firstDecisionBar)
        equity = try Self.doubles(c.decode(String.self, forKey: .equity), c, .equity)
        position = try Self.doubles(c.decode(String.self, forKey: .position), c, .position)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(metrics, forKey: .metrics)
        try c.encode(trades, forKey: .trades)
        try c.encodeIfPresent(openPosition, forKey: .openPosition)
        try c.encode(firstDecisionBar, forKey: .firstDecisionBar)
        try c.encode(Self.base64(equity), forKey: .equity)
        try c.encode(Self.base64(position), forKey: .position)
    }

    static func base64(_ values: [Double]) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(values.count * 8)
        for v in values {
            let bits = v.bitPattern.littleEndian
            withUnsafeBytes(of: bits) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }

    static func doubles(_ text: String, _ c: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> [Double] {
        guard let data = Data(base64Encoded: text), data.count % 8 == 0 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "not base64 of float64 values")
        }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 8)).map { i in
                Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
            }
        }
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
