/// splitmix64 (Steele, Lea, Flood 2014): a tiny, well-mixed, seeded 64-bit generator. The one copy in the
/// project, here in the lowest target, because its exact output is part of the synthetic market's bytes
/// (DataSources), the HTTP backoff jitter, the tests' random series and the benchmarks' universes.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// The output function on its own: a bijective 64-bit finaliser (also used to derive stream keys).
    public static func mix(_ x0: UInt64) -> UInt64 {
        var z = x0
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 53 random bits (exact conversion, so the same on every platform).
    public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1p-53 }
}
