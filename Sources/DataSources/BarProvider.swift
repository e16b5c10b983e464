import Market

/// A source of daily bars (synthetic market, CSV folder, HTTP APIs).
///
/// Implementations return bars for trading days in `from...to` (inclusive), ascending, one per date.
/// They do no caching: `MarketDataLoader` puts the SQLite cache in front of them.
public protocol BarProvider: Sendable {
    /// Stable id used as the cache key (`synthetic`, `csv`, `alpaca`, …).
    var id: String { get }
    /// Whether results are labelled synthetic in outputs.
    var isSynthetic: Bool { get }
    /// What else decides the bars' values besides provider and symbol (adjustment, feed, seed, folder).
    /// Part of the cache key, so bars of different variants never mix.
    var cacheVariant: String { get }
    func bars(symbol: String, from: SessionDate, to: SessionDate) async throws -> [Bar]
}

extension BarProvider {
    public var isSynthetic: Bool { false }
    public var cacheVariant: String { BarCache.defaultAdjustment }
}

/// The bars loaded for one symbol, or why they could not be.
public struct SymbolBars: Sendable {
    public var symbol: String
    public var result: Result<BarSeries, MarketDataError>
    /// The local file the bars were read from (csv provider): path, size, mtime and SHA-256, for the
    /// manifest. nil for other providers.
    public var sourceFile: SourceFileFingerprint?

    public init(
        symbol: String, result: Result<BarSeries, MarketDataError>, sourceFile: SourceFileFingerprint? = nil
    ) {
        self.symbol = symbol
        self.result = result
        self.sourceFile = sourceFile
    }
}

/// A market-data failure for one symbol. `description` reads like advice and never contains a secret.
public struct MarketDataError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for callers that react differently (e.g. retry network errors, not bad data).
    public enum Kind: String, Sendable, Equatable {
        /// The provider has nothing for this symbol (unknown ticker, no file).
        case notFound
        /// The provider answered with data that is malformed or fails validation.
        case invalidData
        /// Network or remote-service failure.
        case network
        /// Offline mode and the cache does not cover the requested range.
        case notCached
        /// The local cache could not be read or written.
        case cache
        case other
    }

    public var symbol: String
    public var provider: String
    public var message: String
    public var kind: Kind

    public init(symbol: String, provider: String, message: String, kind: Kind = .other) {
        self.symbol = symbol
        self.provider = provider
        self.message = message
        self.kind = kind
    }

    public var description: String { "\(symbol) (\(provider)): \(message)" }
}
