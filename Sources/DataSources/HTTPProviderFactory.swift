import Foundation
import HTTPTransport

/// A provider setting that cannot work, worded as advice.
public struct HTTPProviderConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Builds the HTTP providers by id (for the CLI / pipeline composition).
public enum HTTPProviders {
    public static let ids = ["alpaca", "yahoo", "stooq"]
    public static let alpacaAdjustments: Set<String> = ["raw", "split", "dividend", "spin-off", "all"]
    public static let alpacaFeeds: Set<String> = ["iex", "sip", "otc", "boats", "delayed_sip"]

    /// The provider named `id` (`alpaca`, `yahoo`, `stooq`). `adjustment`, `feed`, `baseURL` nil = provider
    /// default. Alpaca: adjustment `raw|split|dividend|spin-off|all` (comma-combinable), feed `iex|sip|…`;
    /// Yahoo: adjustment `raw|all`, no feed; Stooq: neither.
    public static func make(
        id: String, adjustment: String? = nil, feed: String? = nil, baseURL: URL? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        options: HTTPClientOptions = HTTPClientOptions()
    ) throws(HTTPProviderConfigurationError) -> any BarProvider {
        switch id {
        case "alpaca":
            let adj = adjustment ?? "raw"
            let parts = adj.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard !parts.isEmpty, parts.allSatisfy(alpacaAdjustments.contains) else {
                throw HTTPProviderConfigurationError(
                    "alpaca: unknown adjustment \"\(adj)\" (use raw, split, dividend, spin-off or all, "
                        + "or a comma combination such as split,spin-off)")
            }
            let f = feed ?? "iex"
            guard alpacaFeeds.contains(f) else {
                throw HTTPProviderConfigurationError(
                    "alpaca: unknown feed \"\(f)\" (use one of \(alpacaFeeds.sorted().joined(separator: ", ")))")
            }
            return AlpacaBarsProvider(
                baseURL: baseURL ?? AlpacaBarsProvider.defaultBaseURL, environment: environment, adjustment: adj,
                feed: f, options: options)
        case "yahoo":
            guard feed == nil else { throw HTTPProviderConfigurationError("yahoo: has no feed option; remove it") }
            let adj = adjustment ?? "raw"
            guard let a = YahooChartProvider.Adjustment(rawValue: adj) else {
                throw HTTPProviderConfigurationError("yahoo: unknown adjustment \"\(adj)\" (use raw or all)")
            }
            return YahooChartProvider(
                baseURL: baseURL ?? YahooChartProvider.defaultBaseURL, adjustment: a, options: options)
        case "stooq":
            guard feed == nil else { throw HTTPProviderConfigurationError("stooq: has no feed option; remove it") }
            guard adjustment == nil || adjustment == "adjusted" else {
                throw HTTPProviderConfigurationError(
                    "stooq: serves only its own adjusted series; remove adjustment \"\(adjustment!)\"")
            }
            return StooqProvider(
                baseURL: baseURL ?? StooqProvider.defaultBaseURL, environment: environment, options: options)
        default:
            throw HTTPProviderConfigurationError(
                "unknown HTTP provider \"\(id)\" (expected \(ids.joined(separator: ", ")))")
        }
    }
}
