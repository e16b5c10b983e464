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
