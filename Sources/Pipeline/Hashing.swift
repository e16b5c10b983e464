import Crypto
import Market
import Reports

enum Hashing {
    static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        SHA256.hash(data: Array(bytes)).map { b in
            let s = String(b, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }

    /// Fingerprint of the bars a backtest used: SHA-256 of their canonical CSV text
    /// (`date,open,high,low,close,volume`, shortest round-trip numbers, LF line ends).
    static func fingerprint(_ series: BarSeries) -> String {
        var text = "date,open,high,low,close,volume\n"
        for i in 0..<series.count {
            text += series.dates[i].iso
            for v in [series.open[i], series.high[i], series.low[i], series.close[i], series.volume[i]] {
                text += "," + Format.number(v)
            }
            text += "\n"
        }
        return sha256Hex(text.utf8)
    }
}
