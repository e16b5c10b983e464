// swift-tools-version: 6.1
import PackageDescription

// One library target per pipeline stage; SwiftPM forbids cycles, so data can only flow one way:
// Spec → (plan) → DataSources (bars) → Strategies/Engine (results) → Scoring → Reports / Risk+Brokers.
let package = Package(
    name: "stratopt",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "stratopt", targets: ["stratopt"]),
        .library(
            name: "StratoptKit",
            targets: [
                "Pipeline", "Engine", "Strategies", "Market", "DataSources", "DataQuality", "Reports", "Scoring",
                "Spec",
                "Risk", "Brokers", "RunStore", "HTTPTransport", "Digests", "SQLiteFiles", "Serve",
            ]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        .systemLibrary(name: "CLibCSV", providers: [.apt(["libcsv-dev"])]),
        // Value types shared by every stage: session dates, bars, the exchange calendar.
        .target(name: "Market"),
        // Lowercase hex SHA-256 (`SHA256Hex`), shared by every target that fingerprints or keys by hash.
        .target(name: "Digests", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // The tool version and the git commit it was built from (stamped by BuildInfoPlugin).
        .target(name: "BuildInfo", plugins: ["BuildInfoPlugin"]),
        .plugin(name: "BuildInfoPlugin", capability: .buildTool()),
        // Indicators and strategies: pure functions from bars to entry/exit signals.
        .target(name: "Strategies", dependencies: ["Market"]),
        // The bar-by-bar simulator, costs, sizing, conventions and metrics. Pure.
        .target(name: "Engine", dependencies: ["Market", "Strategies"]),
        // The split pass of PBO (`Overfitting.probabilityOfOverfitting`), in C so that it can be built for AVX
        // beside the x86-64 baseline and chosen at run time; the same IEEE operations either way.
        .target(name: "COverfitting"),
        // Composite score and per-symbol ranking. Pure.
        .target(name: "Scoring", dependencies: ["Engine", "Strategies", "COverfitting"]),
        // Pipeline spec: YAML with source locations, validation, defaults.
        .target(name: "Spec", dependencies: ["Market", "Strategies", .product(name: "Yams", package: "Yams")]),
        // Risk rules and their verdicts. Pure.
        .target(name: "Risk", dependencies: ["Market"]),
        // The data-quality gate between fetch and backtest: gaps, stale bars, split-like jumps. Pure.
        .target(name: "DataQuality", dependencies: ["Market"]),
        // The one HTTP exchange (deadline, size limit, same-host redirects only) and the retry policy,
        // shared by bar providers, broker clients and webhooks.
        .target(name: "HTTPTransport"),
        // Opening stratopt's SQLite files for read-only commands without writing into the data folder.
        .target(name: "SQLiteFiles", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        // Bar providers (synthetic, csv, http) and the SQLite bar cache.
        .target(
            name: "DataSources",
            dependencies: [
                "Market", "CLibCSV", "HTTPTransport", "Digests", "SQLiteFiles",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]),
        // Paper broker (SQLite ledger) and broker clients.
        .target(
            name: "Brokers",
            dependencies: [
                "Market", "Risk", "HTTPTransport", "Digests",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        // CSV / JSON / HTML rendering of results.
        .target(
            name: "Reports",
            dependencies: [
                "Market", "Engine", "Strategies", "Scoring", "Digests",
                .product(name: "Mustache", package: "swift-mustache"),
            ]),
        // Nightly operation: run history and checkpoints, the data-folder lock, the result cache, progress, signals.
        .target(
            name: "RunStore",
            dependencies: [
                "Market", "Engine", "Digests", "SQLiteFiles",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        // The staged runner: plan, fetch, backtest in batches, score, report, manifest.
        .target(
            name: "Pipeline",
            dependencies: [
                "Spec", "Market", "Strategies", "Engine", "Scoring", "DataSources", "DataQuality", "Reports", "Risk",
                "Brokers", "BuildInfo", "RunStore", "Digests",
            ]),
        // `stratopt serve`: the optimizer's HTTP endpoints and dashboard, thin adapters over Pipeline and RunStore.
        .target(
            name: "Serve",
            dependencies: [
                "Pipeline", "Spec", "RunStore", "Market", "Reports", "Strategies", "Digests", "BuildInfo",
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Hummingbird", package: "hummingbird"),
            ]),
        .executableTarget(
            name: "stratopt",
            dependencies: [
                "Pipeline", "Serve", "RunStore", "BuildInfo",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .testTarget(name: "MarketTests", dependencies: ["Market"]),
        .testTarget(
            name: "CLITests",
            dependencies: ["stratopt", "LoopbackSupport", .product(name: "GRDB", package: "GRDB.swift")],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "DataQualityTests", dependencies: ["DataQuality", "Market"]),
        .testTarget(name: "ScoringTests", dependencies: ["Scoring", "Engine", "Strategies"]),
        .testTarget(
            name: "RunStoreTests",
            dependencies: ["RunStore", "Engine", "Market", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(
            name: "PipelineTests",
            dependencies: ["Pipeline", "DataSources", "Spec", "Market", "Strategies", "RunStore", "Engine"]),
        .testTarget(
            name: "DataSourcesTests",
            dependencies: ["DataSources", "Market", "HTTPTransport", .product(name: "GRDB", package: "GRDB.swift")],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "RiskTests", dependencies: ["Risk", "Market"]),
        .testTarget(
            name: "BrokersTests", dependencies: ["Brokers", "Risk", "Market", "HTTPTransport", "LoopbackSupport"]),
        // Loopback HTTP server and a scripted Alpaca, shared by the broker and CLI tests (test targets cannot
        // share sources); Foundation only, never linked into the product.
        .target(name: "LoopbackSupport", path: "Tests/LoopbackSupport"),
        .testTarget(
            name: "HTTPTransportTests", dependencies: ["HTTPTransport", "LoopbackSupport"], resources: [.copy("Corpus")]
        ),
        .testTarget(name: "SpecTests", dependencies: ["Spec", "Strategies", "Market"], resources: [.copy("Fixtures")]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Strategies", "Market", "DataSources"]),
        .testTarget(name: "StrategiesTests", dependencies: ["Strategies", "Engine", "Market"]),
        .testTarget(
            name: "ReportsTests", dependencies: ["Reports", "Engine", "Strategies", "Scoring", "Market", "Digests"]),
    ]
)
