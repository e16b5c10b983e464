import Engine
import Foundation
import Market

/// The version of the simulation semantics. Part of every result-cache key: bump it whenever a change to
/// `Engine` (fills, costs, sizing, metrics) or `Strategies` (signals, indicators) can change a backtest's
/// output, or when `JobResult` or its byte form changes, so old cached results are never served.
public enum EngineVersion {
    public static let current = "engine-4"
}

/// One backtest's output in the form the pipeline keeps, checkpoints and caches: its metrics, trades and
/// open position — never its curves.
///
/// Curves are bars × backtests of memory and disk; only a few outputs need them (each symbol's best in
/// the report, every curve with `report: {equity: all}`), and a backtest is a pure function of its
/// inputs, so those few are recomputed (`BacktestStage.curve`) instead of stored.
public struct JobResult: Sendable, Equatable {
    public var metrics: Metrics
    public var trades: [Trade]
    public var openPosition: OpenPosition?
    public var firstDecisionBar: Int
    /// Block moments of the bar returns (PBO and the Deflated Sharpe Ratio of the report); nil when the
    /// result came without a curve.
    public var moments: ReturnMoments?

    public init(
        metrics: Metrics, trades: [Trade], openPosition: OpenPosition?, firstDecisionBar: Int,
        moments: ReturnMoments? = nil
    ) {
        self.metrics = metrics
        self.trades = trades
        self.openPosition = openPosition
        self.firstDecisionBar = firstDecisionBar
        self.moments = moments
    }

    /// The compact form of `r`; its curve, when it has one, becomes `moments`.
    public init(_ r: BacktestResult) {
        self.init(
            metrics: r.metrics, trades: r.trades, openPosition: r.openPosition, firstDecisionBar: r.firstDecisionBar,
            moments: r.equity.isEmpty ? nil : ReturnMoments.of(equity: r.equity))
    }
}

/// The byte form of results in checkpoints and the result cache: little-endian fixed-width fields in a
/// fixed order, doubles as their IEEE bits (exact: NaN payloads and −0 survive), optionals behind a
/// presence byte. Compact (a result with ten trades is about 1.5 kB) and an order of magnitude faster
/// than JSON, which made checkpointing slower than the backtests themselves.
///
/// The layout is versioned by `EngineVersion` (cache keys) and `CheckpointCodec.magic` (checkpoints):
/// change either when this changes.
public enum ResultCodec {
    public static func encode(_ r: JobResult) -> [UInt8] {
        var w = ByteWriter()
        write(r, to: &w)
        return w.bytes
    }

    public static func decode(_ bytes: some Collection<UInt8>) throws(CodecError) -> JobResult {
        var r = ByteReader(Array(bytes))
        let value = try read(from: &r)
        guard r.atEnd else { throw CodecError("trailing bytes after a result") }
        return value
    }

    static func write(_ r: JobResult, to w: inout ByteWriter) {
        write(r.metrics, to: &w)
        w.int(r.firstDecisionBar)
        w.int(r.trades.count)
        for t in r.trades {
            w.int(t.entryBar)
            w.int(t.exitBar)
            w.int(t.entryDate.daysSinceEpoch)
            w.int(t.exitDate.daysSinceEpoch)
            w.double(t.entryPrice)
            w.double(t.exitPrice)
            w.double(t.shares)
            w.double(t.entryCommission)
            w.double(t.exitCommission)
            w.double(t.pnl)
            w.double(t.returnPct)
        }
        if let o = r.openPosition {
            w.byte(1)
            w.int(o.entryBar)
            w.int(o.entryDate.daysSinceEpoch)
            w.double(o.entryPrice)
            w.double(o.shares)
            w.double(o.entryCommission)
        } else {
            w.byte(0)
        }
        if let m = r.moments {
            w.byte(1)
            w.int(m.count.count)
            for b in m.count.indices {
                w.int(m.count[b])
                w.double(m.sum[b])
                w.double(m.sumSq[b])
            }
            w.double(m.sumCube)
            w.double(m.sumQuad)
        } else {
            w.byte(0)
        }
    }

    static func read(from r: inout ByteReader) throws(CodecError) -> JobResult {
        let metrics = try readMetrics(&r)
        let firstDecisionBar = try r.int()
        let count = try r.int()
        // 11 eight-byte fields a trade: refuse a count the remaining bytes cannot hold before allocating.
        guard count >= 0, count <= r.remaining / 88 else { throw CodecError("trade count \(count) out of range") }
        var trades: [Trade] = []
        trades.reserveCapacity(count)
        for _ in 0..<count {
            trades.append(
                Trade(
                    entryBar: try r.int(), exitBar: try r.int(), entryDate: SessionDate(daysSinceEpoch: try r.int()),
                    exitDate: SessionDate(daysSinceEpoch: try r.int()), entryPrice: try r.double(),
                    exitPrice: try r.double(), shares: try r.double(), entryCommission: try r.double(),
                    exitCommission: try r.double(), pnl: try r.double(), returnPct: try r.double()))
        }
        var open: OpenPosition?
        if try r.byte() == 1 {
            open = OpenPosition(
                entryBar: try r.int(), entryDate: SessionDate(daysSinceEpoch: try r.int()), entryPrice: try r.double(),
                shares: try r.double(), entryCommission: try r.double())
        }
        var moments: ReturnMoments?
        if try r.byte() == 1 {
            let blocks = try r.int()
            // 24 bytes a block: refuse a count the remaining bytes cannot hold before allocating.
            guard blocks >= 0, blocks <= r.remaining / 24 else {
                throw CodecError("block count \(blocks) out of range")
            }
            var m = ReturnMoments(count: [], sum: [], sumSq: [], sumCube: 0, sumQuad: 0)
            for _ in 0..<blocks {
                m.count.append(try r.int())
                m.sum.append(try r.double())
                m.sumSq.append(try r.double())
            }
            m.sumCube = try r.double()
            m.sumQuad = try r.double()
            moments = m
        }
        return JobResult(
            metrics: metrics, trades: trades, openPosition: open, firstDecisionBar: firstDecisionBar, moments: moments)
    }

    static func write(_ m: Metrics, to w: inout ByteWriter) {
        for v in [
            m.totalReturnPct, m.cagrPct, m.volatilityPct, m.maxDrawdownPct, m.winRatePct, m.exposurePct,
            m.finalEquity, m.annualReturnPct, m.buyAndHoldReturnPct, m.excessReturnPct, m.peakEquity, m.commissions,
            m.durationDays,
        ] {
            w.double(v)
        }
        for v in [
            m.sharpe, m.profitFactor, m.sortino, m.calmar, m.avgDrawdownPct, m.maxDrawdownDurationDays,
            m.avgDrawdownDurationDays, m.bestTradePct, m.worstTradePct, m.avgTradePct, m.expectancyPct, m.sqn,
            m.kellyCriterion, m.maxTradeDurationDays, m.avgTradeDurationDays, m.informationRatio, m.beta,
            m.maxDrawdownDurationBars.map(Double.init),
        ] {
            w.optionalDouble(v)
        }
        w.int(m.trades)
        w.int(m.maxConsecutiveLosses)
        let g = m.backtestingPy
        w.double(g.annualReturnPct)
        w.double(g.volatilityPct)
        w.optionalDouble(g.sharpe)
        w.optionalDouble(g.sortino)
        w.optionalDouble(g.calmar)
    }

    static func readMetrics(_ r: inout ByteReader) throws(CodecError) -> Metrics {
        var d: [Double] = []
        for _ in 0..<13 { d.append(try r.double()) }
        var o: [Double?] = []
        for _ in 0..<18 { o.append(try r.optionalDouble()) }
        guard o[17].map({ $0 >= 0 && $0 < 1e15 && $0.rounded() == $0 }) ?? true else {
            throw CodecError("drawdown bars out of range")
        }
        let trades = try r.int()
        let losses = try r.int()
        let g = GeometricRatios(
            annualReturnPct: try r.double(), volatilityPct: try r.double(), sharpe: try r.optionalDouble(),
            sortino: try r.optionalDouble(), calmar: try r.optionalDouble())
        return Metrics(
            totalReturnPct: d[0], cagrPct: d[1], volatilityPct: d[2], sharpe: o[0], maxDrawdownPct: d[3],
            winRatePct: d[4], trades: trades, profitFactor: o[1], exposurePct: d[5], finalEquity: d[6],
            annualReturnPct: d[7], sortino: o[2], calmar: o[3], avgDrawdownPct: o[4], maxDrawdownDurationDays: o[5],
            avgDrawdownDurationDays: o[6], bestTradePct: o[7], worstTradePct: o[8], avgTradePct: o[9],
            expectancyPct: o[10], sqn: o[11], kellyCriterion: o[12], maxConsecutiveLosses: losses,
            maxTradeDurationDays: o[13], avgTradeDurationDays: o[14], buyAndHoldReturnPct: d[8],
            excessReturnPct: d[9], peakEquity: d[10], commissions: d[11], durationDays: d[12], backtestingPy: g,
            maxDrawdownDurationBars: o[17].map { Int($0) }, informationRatio: o[15], beta: o[16])
    }
}

/// Bytes that do not decode: a truncated or foreign checkpoint or cache entry.
public struct CodecError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Appends little-endian fixed-width values.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ v: UInt8) { bytes.append(v) }
    mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func int(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }
    mutating func double(_ v: Double) { u64(v.bitPattern) }
    mutating func optionalDouble(_ v: Double?) {
        if let v {
            byte(1)
            double(v)
        } else {
            byte(0)
        }
    }
    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        int(utf8.count)
        bytes.append(contentsOf: utf8)
    }
    mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }
}

/// Reads what `ByteWriter` wrote; every read is bounds-checked, so foreign bytes give an error, never a crash.
struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { offset == bytes.count }
    var remaining: Int { bytes.count - offset }

    mutating func byte() throws(CodecError) -> UInt8 {
        guard offset < bytes.count else { throw CodecError("truncated") }
        defer { offset += 1 }
        return bytes[offset]
    }
    mutating func u64() throws(CodecError) -> UInt64 {
        guard bytes.count - offset >= 8 else { throw CodecError("truncated") }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += 8
        return v
    }
    mutating func int() throws(CodecError) -> Int {
        let v = Int64(bitPattern: try u64())
        guard let i = Int(exactly: v) else { throw CodecError("integer out of range") }
        return i
    }
    mutating func double() throws(CodecError) -> Double { Double(bitPattern: try u64()) }
    mutating func optionalDouble() throws(CodecError) -> Double? {
        switch try byte() {
        case 0: return nil
        case 1: return try double()
        case let b: throw CodecError("bad presence byte \(b)")
        }
    }
    mutating func string() throws(CodecError) -> String {
        let n = try int()
        guard n >= 0, n <= remaining else { throw CodecError("string length \(n) out of range") }
        defer { offset += n }
        return String(decoding: bytes[offset..<offset + n], as: UTF8.self)
    }
    mutating func take(_ n: Int) throws(CodecError) -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else { throw CodecError("length \(n) out of range") }
        defer { offset += n }
        return bytes[offset..<offset + n]
    }
}
