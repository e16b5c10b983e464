import DataSources
import Foundation
import Market
import Spec

/// Builds the bar provider a spec's `data:` section names. One instance per run, so an HTTP
/// provider's request budget covers the whole run.
public enum ProviderFactory {
    /// - Parameters:
    ///   - specPath: the spec file; a relative `data.path` resolves against its folder.
    ///   - environment: where API keys come from (never logged).
    public static func make(
        _ data: PipelineSpec.DataSpec, specPath: String, calendar: any TradingCalendar,
        environment: [String: String], log: @escaping @Sendable (String) -> Void,
        trace: (@Sendable (String) -> Void)? = nil
    ) throws(RunError) -> any BarProvider {
        switch data.provider {
        case .synthetic:
            return SyntheticProvider(seed: data.seed, calendar: calendar)
        case .csv:
            guard let path = data.path else {
                throw RunError("\(specPath): data.path is required with provider csv (a folder of <SYMBOL>.csv files)")
            }
            return CSVFolderProvider(folder: resolve(path, against: specPath))
        case .alpaca, .yahoo, .stooq:
            let httpTrace: (@Sendable (String) -> Void)? =
                if let trace { { @Sendable line in trace("fetch: " + line) } } else { nil }
            var baseURL: URL?
            if let b = data.baseURL {
                guard let u = URL(string: b), u.scheme == "http" || u.scheme == "https" else {
                    throw RunError("\(specPath): data.base_url \"\(b)\" is not an http(s) URL")
                }
                baseURL = u
            }
            do {
                return try HTTPProviders.make(
                    id: data.provider.rawValue, adjustment: data.adjustment?.rawValue, feed: data.feed?.rawValue,
                    baseURL: baseURL, environment: environment,
                    options: HTTPClientOptions(
                        timeout: data.timeoutSeconds ?? HTTPClientOptions().timeout,
                        fetchBudget: data.fetchBudgetSeconds ?? HTTPClientOptions().fetchBudget,
                        warningHandler: { log("fetch: " + $0) },
                        traceHandler: httpTrace))
            } catch {
                throw RunError("\(specPath): \(error)")
            }
        }
    }

    /// `path` as given when absolute, else relative to the folder holding `specPath`.
    static func resolve(_ path: String, against specPath: String) -> String {
        if path.hasPrefix("/") { return path }
        let dir = (specPath as NSString).deletingLastPathComponent
        return dir.isEmpty ? path : dir + "/" + path
    }
}

extension PipelineRunner {
    /// The runner as the CLI uses it: the spec's calendar (`data.calendar`, default NYSE), the spec's provider,
    /// the SQLite cache under the data folder.
    public static func standard(
        environment: RunEnvironment, spec: PipelineSpec, specPath: String, offline: Bool = false,
        processEnvironment: [String: String] = ProcessInfo.processInfo.environment, makeProvider: Bool = true
    ) throws(RunError) -> PipelineRunner {
        let calendar = TradingCalendars.make(spec.data.calendar)
        let provider: any BarProvider =
            makeProvider
            ? try ProviderFactory.make(
                spec.data, specPath: specPath, calendar: calendar, environment: processEnvironment,
                log: environment.log, trace: environment.trace)
            : RecordedProvider(id: spec.data.provider.rawValue, cacheVariant: "", isSynthetic: false)
        let cache: BarCache
        do { cache = try BarCache(dataDir: environment.dataDirectory) } catch {
            throw RunError("cannot open the bar cache in \(environment.dataDirectory)/: \(error)")
        }
        return PipelineRunner(
            environment: environment, calendar: calendar, provider: provider, cache: cache, offline: offline,
            qualityThresholds: SpecMapping.qualityThresholds(spec))
    }
}
