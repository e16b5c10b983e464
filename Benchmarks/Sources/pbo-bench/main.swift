// PBO cost: `Overfitting.probabilityOfOverfitting` on 500 symbols × 66 combinations × 16 blocks (C(16, 8)/2 =
// 6 435 split pairs per symbol), against the plain implementation it replaced (kept below, only here), on the
// same moments, through every build of the split pass this machine runs (`Overfitting.Kernel`: the x86-64
// baseline, and AVX where the CPU has it). Exits 1 when any symbol's PBO differs (all must return the same
// Double).
//
//   cd Benchmarks && swift run -c release pbo-bench [symbols=500] [combinations=66] [repeats=3]
//
// Moments come from seeded synthetic equity curves (2 520 bars, `ReturnMoments.of`), as the pipeline makes
// them. Times are this thread's CPU seconds (on a loaded machine wall time mostly measures the other jobs),
// fastest of `repeats`; wall seconds in brackets.
import Engine
import Foundation
import Scoring

let args = CommandLine.arguments
let symbols = args.count > 1 ? Int(args[1]) ?? 500 : 500
let combinations = args.count > 2 ? Int(args[2]) ?? 66 : 66
let repeats = args.count > 3 ? Int(args[3]) ?? 3 : 3

/// SplitMix64 uniforms, so every run measures the same moments.
struct Seeded {
    var state: UInt64
    mutating func uniform() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / 9_007_199_254_740_992
    }
}

var rng = Seeded(state: 2015)
let grids: [[ReturnMoments]] = (0..<symbols).map { _ in
    (0..<combinations).map { _ in
        let drift = 0.0004 * (rng.uniform() - 0.4)
        let exposure = rng.uniform()  // the share of bars in the market
        var e = [100.0]
        e.reserveCapacity(2521)
        for _ in 0..<2520 {
            let r = rng.uniform() < exposure ? drift + 0.035 * (rng.uniform() - 0.5) : 0
            e.append(e[e.count - 1] * (1 + r))
        }
        return ReturnMoments.of(equity: e, blocks: ReturnMoments.defaultBlocks)
    }
}

func cpuSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}

/// (CPU, wall) seconds of one pass over every symbol and the PBOs.
func pass(_ pbo: ([ReturnMoments]) -> Double?) -> (cpu: Double, wall: Double, results: [Double?]) {
    let wall = ContinuousClock.now
    let cpu = cpuSeconds()
    let results = grids.map(pbo)
    let d = (ContinuousClock.now - wall).components
    return (cpuSeconds() - cpu, Double(d.seconds) + Double(d.attoseconds) * 1e-18, results)
}

var old = (cpu: Double.infinity, wall: Double.infinity)
var kernels = Overfitting.Kernel.available.map { ($0, old) }
var mismatches = 0
for _ in 0..<max(1, repeats) {
    let o = pass(LegacyPBO.probabilityOfOverfitting)
    old = (min(old.cpu, o.cpu), min(old.wall, o.wall))
    for i in kernels.indices {
        let n = pass { Overfitting.probabilityOfOverfitting($0, kernel: kernels[i].0) }
        mismatches += zip(o.results, n.results).filter { $0 != $1 }.count
        kernels[i].1 = (min(kernels[i].1.cpu, n.cpu), min(kernels[i].1.wall, n.wall))
    }
}
let scale = 500.0 / Double(symbols)
func f(_ x: Double) -> String { String(format: "%.2f", x) }
print(
    "PBO, \(symbols) symbols × \(combinations) combinations × 16 blocks",
    "(figures per 500 symbols, fastest of \(repeats))")
print("  plain (before):   \(f(old.cpu * scale)) s CPU [\(f(old.wall * scale)) s wall]")
for (kernel, t) in kernels {
    let name = "\(kernel.rawValue) kernel:".padding(toLength: 17, withPad: " ", startingAt: 0)
    print(
        "  \(name) \(f(t.cpu * scale)) s CPU [\(f(t.wall * scale)) s wall],",
        "\(f(old.cpu / t.cpu))× CPU [\(f(old.wall / t.wall))× wall]",
        kernel == Overfitting.Kernel.fastest ? "(the one runs use)" : "")
}
print(mismatches == 0 ? "  results: identical on every symbol" : "  results: \(mismatches) results DIFFER")
if mismatches != 0 { exit(1) }
