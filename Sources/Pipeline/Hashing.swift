import Digests
import Market
import Reports
import RunStore

enum Hashing {
    static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String { SHA256Hex.of(bytes) }

    /// SHA-256 of the bars' in-memory bits (a format tag and the count, then the dates' day numbers and each
    /// column's IEEE values), hex: the key under which a computed `fingerprint` is remembered in the result
    /// cache (`PipelineRunner.fingerprints`). Equal bits give the equal text, so a key never names another
    /// fingerprint, and the tag keeps it apart from result and run keys (digests of texts with their own
    /// tags); hashing the bits is about ten times cheaper than formatting every number.
    static func bitsDigest(_ series: BarSeries) -> String {
        var hasher = SHA256Hex.Hasher()
        var tag = "stratopt-bars-bits-1 \(series.count)\n"
        tag.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) }
        series.dates.map(\.daysSinceEpoch).withUnsafeBytes { hasher.update($0) }
        for column in [series.open, series.high, series.low, series.close, series.volume] {
            column.withUnsafeBytes { hasher.update($0) }
        }
        return hasher.finalize()
    }

    /// Fingerprint of the bars a backtest used: SHA-256 of their canonical CSV text
    /// (`date,open,high,low,close,volume`, shortest round-trip numbers, LF line ends).
    static func fingerprint(_ series: BarSeries) -> String {
        var text = [UInt8]("date,open,high,low,close,volume\n".utf8)
        text.reserveCapacity(series.count * 64)
        let columns = [series.open, series.high, series.low, series.close, series.volume]
        for i in 0..<series.count {
            series.dates[i].appendISO(to: &text)
            for column in columns {
                text.append(UInt8(ascii: ","))
                Format.appendNumber(column[i], to: &text)
            }
            text.append(10)
        }
        return sha256Hex(text)
    }
}
