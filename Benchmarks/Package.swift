// swift-tools-version: 6.1
import PackageDescription

// Throughput benchmark of the engine (own package so the product never links it).
// Run: cd Benchmarks && swift run -c release stratopt-bench
let package = Package(
    name: "StratoptBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [.package(name: "stratopt", path: "..")],
    targets: [
        // libcsv, to read the reference GOOG.csv (same system library as the root package's CLibCSV).
        .systemLibrary(name: "CLibCSVBench", providers: [.apt(["libcsv-dev"])]),
        .executableTarget(
            name: "stratopt-bench",
            dependencies: ["CLibCSVBench", .product(name: "StratoptKit", package: "stratopt")],
            path: "Sources/StratoptBench"),
    ]
)
