import Foundation
import Market
import Strategies
import Testing

/// Indicators against TA-Lib 0.8.2 (`results/GOOG_talib_indicators.csv`) and pandas (the SMA values
/// logged in the reference runs' `decisions`).
@Suite struct IndicatorParityTests {
    static func columns() throws -> (close: [Double], high: [Double], low: [Double], ref: [String: [Double]]) {
        let cols = try ReferenceData.talibColumns()
        return (cols["close"]!, cols["high"]!, cols["low"]!, cols)
    }

    /// Same NaN warm-up, then every value within 1e-9 relative.
    func expectMatches(_ ours: [Double], _ ref: [Double], _ name: String) {
        #expect(ours.count == ref.count, "\(name): length")
        var worst = 0.0
        for i in ref.indices {
            if ref[i].isNaN {
                #expect(ours[i].isNaN, "\(name)[\(i)]: expected warm-up NaN, got \(ours[i])")
            } else {
                worst = max(worst, relativeDifference(ours[i], ref[i]))
            }
        }
        #expect(worst <= 1e-9, "\(name): max relative difference \(worst)")
        #expect(ref.contains { !$0.isNaN })
    }

    @Test func sma() throws {
        let c = try Self.columns()
        expectMatches(Indicators.sma(c.close, 20), c.ref["sma_20"]!, "SMA(20)")
    }

    @Test func ema() throws {
        let c = try Self.columns()
        expectMatches(Indicators.ema(c.close, 20), c.ref["ema_20"]!, "EMA(20)")
    }

    @Test func rsi() throws {
        let c = try Self.columns()
        expectMatches(Indicators.rsi(c.close, 14), c.ref["rsi_14"]!, "RSI(14)")
    }

    @Test func macdWithTALibSeeding() throws {
        let c = try Self.columns()
        let m = Indicators.macd(c.close, fast: 12, slow: 26, signal: 9)
        expectMatches(m.macd, c.ref["macd_12_26_9"]!, "MACD")
        expectMatches(m.signal, c.ref["macd_signal_12_26_9"]!, "MACD signal")
        expectMatches(m.histogram, c.ref["macd_hist_12_26_9"]!, "MACD hist")
    }

    @Test func bollingerBandsWithPopulationStd() throws {
        let c = try Self.columns()
        let b = Indicators.bollinger(c.close, 20, k: 2)
        expectMatches(b.upper, c.ref["bb_upper_20_2"]!, "BB upper")
        expectMatches(b.middle, c.ref["bb_middle_20_2"]!, "BB middle")
        expectMatches(b.lower, c.ref["bb_lower_20_2"]!, "BB lower")
    }

    @Test func atr() throws {
        let c = try Self.columns()
        expectMatches(Indicators.atr(high: c.high, low: c.low, close: c.close, 14), c.ref["atr_14"]!, "ATR(14)")
    }

    /// The SMA values logged with every decision of the GOOG SMA runs are pandas' own: ours are bit-identical.
    @Test(arguments: ["GOOG__sma_cross_10_20.json", "GOOG__sma_cross_20_50.json", "GOOG__sma_cross_50_200.json"])
    func smaIsBitIdenticalToPandas(file: String) throws {
        struct Decision: Decodable {
            var bar: Int
            var fast: Double
            var slow: Double
            var fast_prev: Double
            var slow_prev: Double
        }
        struct Meta: Decodable { var params: [String: Int] }
        struct File: Decodable {
            var meta: Meta
            var decisions: [Decision]
        }
        let f = try JSONDecoder().decode(
            File.self, from: Data(contentsOf: ReferenceData.root.appendingPathComponent("results/\(file)")))
        let close = try ReferenceData.series("GOOG").series.close
        let fast = Indicators.sma(close, f.meta.params["n1"]!)
        let slow = Indicators.sma(close, f.meta.params["n2"]!)
        #expect(!f.decisions.isEmpty)
        for d in f.decisions {
            #expect(fast[d.bar] == d.fast && slow[d.bar] == d.slow, "\(file) bar \(d.bar)")
            #expect(fast[d.bar - 1] == d.fast_prev && slow[d.bar - 1] == d.slow_prev, "\(file) bar \(d.bar - 1)")
        }
    }
}
