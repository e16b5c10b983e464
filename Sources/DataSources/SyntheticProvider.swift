import Market

/// A deterministic synthetic market: identical bars for the same (symbol, seed, calendar) on every machine.
///
/// Model (documented in docs/providers.md):
/// - Each symbol gets a key from FNV-1a-64 of its UTF-8 bytes mixed with the seed (splitmix64), and from it a
///   profile: annual drift μ in [−2 %, +15 %), annual volatility σ in [15 %, 60 %), a price level in
///   [10, 200) on the anchor date 2020-01-02, and a base volume in [100 000, 10 000 000).
/// - Each calendar day has its own random stream (splitmix64 of the symbol key and the day number), so a day's
///   draws never depend on other days or on the requested range.
/// - The log close is a trend plus a mean-reverting deviation, walked over trading days from `origin`
///   (1990-01-02): `X += −θ·X·dt + σ·√dt·Z` with θ = 0.5 per year (so prices wander for a year or two, then
///   drift back to trend), `dt = 1/252`, `Z` an Irwin–Hall normal (sum of 12 uniforms − 6); close =
///   level × exp(μ·(t − 2020-01-02 in years) + X). Day-to-day volatility is σ; the trend keeps prices
///   plausible across the decades the generator covers (a pure random walk from 1990 reached six figures); open = previous close × exp(0.3·σ·√dt·Zg); high/low extend max/min(open, close)
///   by exp(±0.5·σ·√dt·U). Prices are rounded to cents (at least 0.01); volume is an integer.
/// - Only IEEE-754 exactly-rounded operations are used (+ − × ÷ √, rounding); `exp` is this file's own
///   fixed-order polynomial, so no libm difference can change a bar.
/// Asking for `[from, to]` walks every trading day from `origin` to `to`: O(days since origin), about 9 000
/// steps for a 2025 date. No bars before `origin`.
public struct SyntheticProvider: BarProvider {
    public let seed: UInt64
    public let calendar: any TradingCalendar
    public var id: String { "synthetic" }
    public var cacheVariant: String { "seed=\(seed)" }
    public var isSynthetic: Bool { true }

    /// First possible bar date; the walk always starts here, whatever range is asked for.
    public static let origin = SessionDate(year: 1990, month: 1, day: 2)!
    /// The date on which a symbol's trend passes through its profile's price level.
    public static let anchor = SessionDate(year: 2020, month: 1, day: 2)!
    /// Mean-reversion speed of the deviation from trend, per year.
    static let reversion = 0.5

    public init(seed: UInt64, calendar: any TradingCalendar) {
        self.seed = seed
        self.calendar = calendar
    }

    /// A symbol's drift, volatility, start price and base volume.
    public struct Profile: Sendable, Equatable {
        public var drift: Double
        public var volatility: Double
        public var startPrice: Double
        public var baseVolume: Double
    }

    public func profile(symbol: String) -> Profile {
        var rng = SplitMix64(state: symbolKey(symbol))
        let drift = -0.02 + 0.17 * rng.nextUniform()
        let vol = 0.15 + 0.45 * rng.nextUniform()
        let start = SyntheticProvider.cents(10 + 190 * rng.nextUniform())
        let volume = (100_000 + 9_900_000 * rng.nextUniform()).rounded(.down)
        return Profile(drift: drift, volatility: vol, startPrice: start, baseVolume: volume)
    }

    /// The symbol's random key: splitmix64 of FNV-1a-64(UTF-8 of symbol) xor a mix of the seed.
    func symbolKey(_ symbol: String) -> UInt64 {
        var s = SplitMix64(state: seed)
        return SplitMix64.mix(SyntheticProvider.fnv1a64(symbol) ^ s.next())
    }

    /// FNV-1a 64-bit hash of the UTF-8 bytes (stable across runs and machines, unlike `hashValue`).
    public static func fnv1a64(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x0000_0100_0000_01b3
        }
        return h
    }

    public func bars(symbol: String, from: SessionDate, to: SessionDate) async throws -> [Bar] {
        generate(symbol: symbol, from: from, to: to)
    }

    /// The synchronous generator behind `bars`.
    public func generate(symbol: String, from: SessionDate, to: SessionDate) -> [Bar] {
        guard to >= SyntheticProvider.origin, from <= to else { return [] }
        let p = profile(symbol: symbol)
        let key = symbolKey(symbol)
        let dt = 1.0 / 252.0
        let sdt = p.volatility * dt.squareRoot()
        let decay = 1 - SyntheticProvider.reversion * dt
        var deviation = 0.0
        var prevClose = p.startPrice
        var out: [Bar] = []
        var day = SyntheticProvider.origin
        while day <= to {
            defer { day = day.adding(days: 1) }
            guard calendar.isTradingDay(day) else { continue }
            var rng = SplitMix64(
                state: SplitMix64.mix(key ^ (UInt64(bitPattern: Int64(day.daysSinceEpoch)) &* 0x9E37_79B9_7F4A_7C15)))
            let z = rng.nextNormal()
            let zGap = rng.nextNormal()
            let uHigh = rng.nextUniform()
            let uLow = rng.nextUniform()
            let uVol = rng.nextUniform()
            deviation = deviation * decay + sdt * z
            let years = Double(day.daysSinceEpoch - SyntheticProvider.anchor.daysSinceEpoch) / 365.25
            let rawClose = p.startPrice * DeterministicMath.exp(p.drift * years + deviation)
            let rawOpen = prevClose * DeterministicMath.exp(0.3 * sdt * zGap)
            let rawHigh = max(rawOpen, rawClose) * DeterministicMath.exp(0.5 * sdt * uHigh)
            let rawLow = min(rawOpen, rawClose) * DeterministicMath.exp(-0.5 * sdt * uLow)
            let close = SyntheticProvider.cents(rawClose)
            prevClose = close
            if day < from { continue }
            // Rounding to cents is monotone, so high ≥ max(open, close) and low ≤ min(open, close) survive it.
            let zAbs = z < 0 ? -z : z
            let volume = (p.baseVolume * (0.5 + uVol) * (1 + 0.5 * zAbs)).rounded(.down)
            out.append(
                Bar(
                    date: day, open: SyntheticProvider.cents(rawOpen), high: SyntheticProvider.cents(rawHigh),
                    low: SyntheticProvider.cents(rawLow), close: close, volume: volume))
        }
        return out
    }

    static func cents(_ x: Double) -> Double { max(0.01, (x * 100).rounded() / 100) }
}

/// The synthetic market's normal draws. `SplitMix64` itself lives in Market (one copy for the project).
extension SplitMix64 {
    /// Approximately standard normal: Irwin–Hall sum of 12 uniforms − 6 (mean 0, variance 1, range ±6).
    mutating func nextNormal() -> Double {
        var s = 0.0
        for _ in 0..<12 { s += nextUniform() }
        return s - 6
    }
}

/// Elementary functions built only from exactly-rounded IEEE operations, so results are bit-identical
/// on every platform (libm's `exp` is not guaranteed to be).
public enum DeterministicMath {
    private static let ln2Hi = 6.931_471_803_691_238_164_90e-01  // high bits of ln 2 (exact in 32 bits)
    private static let ln2Lo = 1.908_214_929_270_587_700_02e-10  // ln 2 − ln2Hi
    private static let log2e = 1.442_695_040_888_963_387_00

    /// 1/n! for n = 0…13, built by successive division (exact IEEE operations in a fixed order).
    private static let inverseFactorials: [Double] = {
        var c: [Double] = [1]
        for n in 1...13 { c.append(c[n - 1] / Double(n)) }
        return c
    }()

    /// e^x, relative error about 1e-16. Range reduction x = k·ln2 + r, |r| ≤ ln2/2, then a degree-13
    /// Taylor polynomial in Horner form, scaled by 2^k exactly. Saturates outside ±700.
    public static func exp(_ x: Double) -> Double {
        if x.isNaN { return x }
        if x > 700 { return .infinity }
        if x < -700 { return 0 }
        let k = (x * log2e).rounded()
        let r = (x - k * ln2Hi) - k * ln2Lo
        var p = inverseFactorials[13]
        for n in stride(from: 12, through: 0, by: -1) { p = p * r + inverseFactorials[n] }
        return p * Double(sign: .plus, exponent: Int(k), significand: 1)
    }
}
