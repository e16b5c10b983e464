import Engine
import Foundation
import Market

/// The version of the simulation semantics. Part of every result-cache key: bump it whenever a change to
/// `Engine` (fills, costs, sizing, metrics) or `Strategies` (signals, indicators) can change a backtest's
/// output, or when `JobResult` or its byte form changes, so old cached results are never served.
public enum EngineVersion {
    public static let current = "engine-7"
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
/// presence byte; a trade's bars, dates, whole share count and zero commissions in a compact form
/// (`TradeFlags`). Compact (a result with ten trades is about 1.2 kB) and an order of magnitude faster
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
        // Trades are most of a result (a hundred or more over ten years): bars and dates as variable-length
        // deltas, whole share counts as integers, prices that are short decimals (a quote's cents) as scaled
        // integers, zero commissions and a P&L and return the engine's own formula gives back as flags, every
        // other value as its IEEE bits. About 20 bytes a trade instead of 88.
        for t in r.trades {
            let wholeShares = TradeFlags.isWholeCount(t.shares)
            var flags: UInt8 = 0
            if wholeShares { flags |= TradeFlags.wholeShares }
            if t.entryCommission.bitPattern == 0 { flags |= TradeFlags.noEntryCommission }
            if t.exitCommission.bitPattern == 0 { flags |= TradeFlags.noExitCommission }
            let derived = Trade.outcome(
                entryPrice: t.entryPrice, exitPrice: t.exitPrice, shares: t.shares,
                entryCommission: t.entryCommission, exitCommission: t.exitCommission)
            if derived.pnl.bitPattern == t.pnl.bitPattern && derived.returnPct.bitPattern == t.returnPct.bitPattern {
                flags |= TradeFlags.derivedOutcome
            }
            let entryCode = DecimalPrice.code(t.entryPrice)
            let exitCode = DecimalPrice.code(t.exitPrice)
            if entryCode != nil { flags |= TradeFlags.decimalEntryPrice }
            if exitCode != nil { flags |= TradeFlags.decimalExitPrice }
            w.byte(flags)
            w.signed(t.entryBar)
            w.signed(t.exitBar &- t.entryBar)
            w.signed(t.entryDate.daysSinceEpoch)
            w.signed(t.exitDate.daysSinceEpoch &- t.entryDate.daysSinceEpoch)
            if let entryCode { w.varint(entryCode) } else { w.double(t.entryPrice) }
            if let exitCode { w.varint(exitCode) } else { w.double(t.exitPrice) }
            if wholeShares { w.varint(UInt64(t.shares)) } else { w.double(t.shares) }
            if flags & TradeFlags.noEntryCommission == 0 { w.double(t.entryCommission) }
            if flags & TradeFlags.noExitCommission == 0 { w.double(t.exitCommission) }
            if flags & TradeFlags.derivedOutcome == 0 {
                w.double(t.pnl)
                w.double(t.returnPct)
            }
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
                w.signed(m.count[b])
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
        // At least 8 bytes a trade: refuse a count the remaining bytes cannot hold before allocating.
        guard count >= 0, count <= r.remaining / TradeFlags.minimumBytes else {
            throw CodecError("trade count \(count) out of range")
        }
        var trades: [Trade] = []
        trades.reserveCapacity(count)
        for _ in 0..<count {
            let flags = try r.byte()
            guard flags & ~TradeFlags.all == 0 else { throw CodecError("bad trade flags \(flags)") }
            let entryBar = try r.signed()
            let exitBar = entryBar &+ (try r.signed())
            let entryDay = try r.signed()
            let exitDay = entryDay &+ (try r.signed())
            let entryPrice =
                flags & TradeFlags.decimalEntryPrice != 0 ? try DecimalPrice.value(try r.varint()) : try r.double()
            let exitPrice =
                flags & TradeFlags.decimalExitPrice != 0 ? try DecimalPrice.value(try r.varint()) : try r.double()
            let shares = flags & TradeFlags.wholeShares != 0 ? Double(try r.varint()) : try r.double()
            let entryCommission = flags & TradeFlags.noEntryCommission != 0 ? 0 : try r.double()
            let exitCommission = flags & TradeFlags.noExitCommission != 0 ? 0 : try r.double()
            let (pnl, returnPct) =
                flags & TradeFlags.derivedOutcome != 0
                ? Trade.outcome(
                    entryPrice: entryPrice, exitPrice: exitPrice, shares: shares, entryCommission: entryCommission,
                    exitCommission: exitCommission)
                : (try r.double(), try r.double())
            trades.append(
                Trade(
                    entryBar: entryBar, exitBar: exitBar, entryDate: SessionDate(daysSinceEpoch: entryDay),
                    exitDate: SessionDate(daysSinceEpoch: exitDay), entryPrice: entryPrice, exitPrice: exitPrice,
                    shares: shares, entryCommission: entryCommission, exitCommission: exitCommission,
                    pnl: pnl, returnPct: returnPct))
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
            // At least 17 bytes a block: refuse a count the remaining bytes cannot hold before allocating.
            guard blocks >= 0, blocks <= r.remaining / 17 else {
                throw CodecError("block count \(blocks) out of range")
            }
            var m = ReturnMoments(count: [], sum: [], sumSq: [], sumCube: 0, sumQuad: 0)
            for _ in 0..<blocks {
                m.count.append(try r.signed())
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

/// The flag byte of an encoded trade.
enum TradeFlags {
    /// Shares stored as an unsigned variable-length integer.
    static let wholeShares: UInt8 = 1
    /// A commission of +0.0, not stored.
    static let noEntryCommission: UInt8 = 2
    static let noExitCommission: UInt8 = 4
    /// P&L and return are what `Trade.outcome` computes from the other fields, bit for bit: not stored.
    static let derivedOutcome: UInt8 = 8
    /// The price stored as a `DecimalPrice` code, not its IEEE bits.
    static let decimalEntryPrice: UInt8 = 16
    static let decimalExitPrice: UInt8 = 32
    static let all: UInt8 = 63
    /// Flags, four one-byte deltas, two one-byte prices (decimal codes) and a one-byte share count.
    static let minimumBytes = 1 + 4 + 2 + 1

    /// A count `Double(UInt64(v))` gives back bit for bit (so not −0.0, and below 2^53).
    static func isWholeCount(_ v: Double) -> Bool {
        v >= 0 && v < 9_007_199_254_740_992 && v.sign == .plus && v == v.rounded(.towardZero)
    }
}

/// A positive price that is a short decimal (`n / 10^d`, d ≤ 6: a quote's cents or a fraction of one) as the
/// integer `n << 3 | d`, a varint of about three bytes instead of eight. Only a price that `value(code(p))`
/// gives back bit for bit gets a code (the same one division of two exact numbers, IEEE-rounded, decodes
/// it); any other (a fill with slippage, an adjusted close) keeps its bits.
enum DecimalPrice {
    static let scales: [Double] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000]

    static func code(_ p: Double) -> UInt64? {
        // Positive and finite only (−0.0, NaN and infinities keep their bits).
        guard p.isFinite, p > 0 else { return nil }
        for d in scales.indices {
            let n = (p * scales[d]).rounded()
            // n must be an exact integer for the decoder's Double(n).
            guard n < 9_007_199_254_740_992 else { return nil }
            if (n / scales[d]).bitPattern == p.bitPattern { return UInt64(n) << 3 | UInt64(d) }
        }
        return nil
    }

    static func value(_ code: UInt64) throws(CodecError) -> Double {
        let d = Int(code & 7)
        let n = code >> 3
        guard d < scales.count, n < 9_007_199_254_740_992 else { throw CodecError("bad decimal price \(code)") }
        return Double(n) / scales[d]
    }
}

/// Appends little-endian fixed-width values.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ v: UInt8) { bytes.append(v) }
    mutating func u64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func int(_ v: Int) { u64(UInt64(bitPattern: Int64(v))) }
    /// LEB128: seven bits a byte, low first.
    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }
    /// Zigzag, then LEB128: small magnitudes of either sign take a byte or two.
    mutating func signed(_ v: Int) {
        let x = Int64(v)
        varint(UInt64(bitPattern: (x << 1) ^ (x >> 63)))
    }
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
    mutating func varint() throws(CodecError) -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            // The tenth byte may carry only the top bit of 64.
            guard shift < 63 || (shift == 63 && b <= 1) else { throw CodecError("variable-length integer too long") }
            v |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
        }
    }
    mutating func signed() throws(CodecError) -> Int {
        let z = try varint()
        let x = Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1)))
        guard let i = Int(exactly: x) else { throw CodecError("integer out of range") }
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
