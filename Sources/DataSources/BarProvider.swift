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
    func bars(symbol: String, from: SessionDate, to: SessionDate) async throws -> [Bar]
}

extension BarProvider {
    public var isSynthetic: Bool { false }
}

/// The bars loaded for one symbol, or why they could not be.
public struct SymbolBars: Sendable {
    public var symbol: String
    public var result: Result<BarSeries, MarketDataError>

    public init(symbol: String, result: Result<BarSeries, MarketDataError>) {
        self.symbol = symbol
        self.result = result
    }
}

/// A market-data failure for one symbol. `description` reads like advice and never contains a secret.
public struct MarketDataError: Error, Sendable, Equatable, CustomStringConvertible {
    public var symbol: String
    public var provider: String
    public var message: String

    public init(symbol: String, provider: String, message: String) {
        self.symbol = symbol
        self.provider = provider
        self.message = message
    }

    public var description: String { "\(symbol) (\(provider)): \(message)" }
}

/// Loads bars for a universe through an optional cache, asking the provider only for what is missing.
public struct MarketDataLoader: Sendable {
    public let provider: any BarProvider
    public let calendar: any TradingCalendar

    public init(provider: any BarProvider, calendar: any TradingCalendar) {
        self.provider = provider
        self.calendar = calendar
    }

    /// One entry per symbol, in the order given. A failing symbol never stops the others.
    public func load(symbols: [String], from: SessionDate, to: SessionDate) async -> [SymbolBars] {
        var out: [SymbolBars] = []
        for s in symbols {
            do {
                let bars = try await provider.bars(symbol: s, from: from, to: to)
                out.append(SymbolBars(symbol: s, result: .success(BarSeries(symbol: s, bars: bars))))
            } catch let e as MarketDataError {
                out.append(SymbolBars(symbol: s, result: .failure(e)))
            } catch {
                out.append(
                    SymbolBars(
                        symbol: s, result: .failure(MarketDataError(symbol: s, provider: provider.id, message: "\(error)"))))
            }
        }
        return out
    }
}
