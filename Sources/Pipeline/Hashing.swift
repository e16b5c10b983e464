import Digests
import Market
import Reports
import RunStore

enum Hashing {
    static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String { SHA256Hex.of(bytes) }

    /// Fingerprint of the bars a backtest used: SHA-256 of their canonical CSV text
    /// (`date,open,high,low,close,volume`, shortest round-trip numbers, LF line ends).
    static func fingerprint(_ series: BarSeries) -> String {
        var text = [UInt8]("date,open,high,low,close,volume\n".utf8)
        text.reserveCapacity(series.count * 64)
        for i in 0..<series.count {
            text += series.dates[i].iso.utf8
            for v in [series.open[i], series.high[i], series.low[i], series.close[i], series.volume[i]] {
                text.append(UInt8(ascii: ","))
                text += Format.number(v).utf8
            }
            text.append(10)
        }
        return sha256Hex(text)
    }
}
