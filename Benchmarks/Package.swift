// swift-tools-version: 6.1
import PackageDescription

// Throughput benchmark of the engine (own package so the product never links it).
// Run: cd Benchmarks && swift run -c release stratopt-bench   (engine throughput, docs/performance.md)
let package = Package(
    name: "StratoptBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "stratopt", path: "..")],
    targets: [
        // Synthetic bars, the reference SMA grid and the timing helpers, shared by both throughput benchmarks
        // so the end-to-end figures are ratios against exactly the engine measurement of stratopt-bench.
        .target(
            name: "BenchSupport",
            dependencies: [.product(name: "StratoptKit", package: "stratopt")],
            path: "Sources/BenchSupport"),
        .executableTarget(
            name: "stratopt-bench",
            dependencies: ["BenchSupport", .product(name: "StratoptKit", package: "stratopt")],
            path: "Sources/StratoptBench"),
        // Report scale: 500 symbols × 68 combinations — render time of report.html and the per-symbol pages, sizes
        // (exit 1 when report.html is over 10 MB), Chromium load time.
        // Run: cd Benchmarks && swift run -c release report-bench [symbols=500] [bars=2520] [out-dir]
        .executableTarget(
            name: "report-bench",
            dependencies: [.product(name: "StratoptKit", package: "stratopt")],
            path: "Sources/report-bench"),
        // End to end: the release `stratopt` binary as a child process on 500 synthetic symbols × 66
        // combinations × 10 years (cold / warm / result cache), against the engine's rate in the same process.
        // Run: cd Benchmarks && swift run -c release e2e-bench --binary ../.build/release/stratopt
        // Walk-forward cost: the pipeline run with validation: walk_forward against the same run without it.
        // Run: cd Benchmarks && swift run -c release walkforward-bench [symbols=100] [years=10] [train=7y] [test=1y]
        .executableTarget(
            name: "walkforward-bench",
            dependencies: ["BenchSupport", .product(name: "StratoptKit", package: "stratopt")],
            path: "Sources/walkforward-bench"),
        // PBO cost: Overfitting.probabilityOfOverfitting on 500 symbols × 66 combinations against the plain
        // implementation it replaced (exit 1 when any result differs).
        // Run: cd Benchmarks && swift run -c release pbo-bench [symbols=500] [combinations=66] [repeats=3]
        .executableTarget(
            name: "pbo-bench",
            dependencies: [.product(name: "StratoptKit", package: "stratopt")],
            path: "Sources/pbo-bench"),
        .executableTarget(
            name: "e2e-bench",
            dependencies: ["BenchSupport", .product(name: "StratoptKit", package: "stratopt")],
            path: "Sources/e2e-bench"),
    ]
)
