import Market

/// Loads bars for a universe through an optional cache, asking the provider only for what is missing.
///
/// Per symbol, with a cache: compute the uncovered parts of `from...to`; for each, trim to the calendar's
/// trading days (a part with no trading day is marked covered without asking the provider), fetch the trimmed
/// range, validate with `BarValidator`, store the bars and mark the whole part covered in one transaction;
/// finally read `from...to` from the cache. Any rejected bar fails the symbol (corrupt data is worse than none).
/// With `offline`, the provider is never called and a symbol whose trading days are not all covered fails,
/// naming the missing ranges. Without a cache, the provider is asked for the trimmed range directly.
/// Cached bars are re-validated as they are read (`BarCache.bars`): rows altered outside stratopt make the
/// loader drop the symbol's cached range and fetch it again, with a warning (offline: the symbol fails).
/// With `deferredWrites`, a symbol with nothing cached in `from...to` skips the read-back: its validated bars
/// are returned and stored in the background.
/// Symbols are loaded `concurrency` at a time; results come back in input order.
public struct MarketDataLoader: Sendable {
    public let provider: any BarProvider
    public let calendar: any TradingCalendar
    public let cache: BarCache?
    public let offline: Bool
    public let concurrency: Int
    /// The last session whose bars are final (e.g. `NYSECalendar.lastCompletedSession(asOfUTC: now)`).
    /// Requests are clamped to it, so a session still trading is never fetched nor marked covered.
    /// nil: no clamp (synthetic data, tests).
    public let settledThrough: SessionDate?
    /// Receives warnings (cached bars altered and fetched again). Never receives secrets.
    public let warn: @Sendable (String) -> Void
    /// `--verbose` detail: one line per bar-cache decision (covered, or which ranges are fetched).
    public let trace: (@Sendable (String) -> Void)?
    /// When set, a symbol with nothing cached in its range is returned as fetched and stored in the
    /// background (see `DeferredCacheWrites`); nil: every store is awaited and the range read back.
    public let deferredWrites: DeferredCacheWrites?

    public init(provider: any BarProvider, calendar: any TradingCalendar) {
        self.init(provider: provider, calendar: calendar, cache: nil)
    }

    public init(
        provider: any BarProvider, calendar: any TradingCalendar, cache: BarCache?, offline: Bool = false,
        concurrency: Int = 4, settledThrough: SessionDate? = nil, warn: @escaping @Sendable (String) -> Void = { _ in },
        trace: (@Sendable (String) -> Void)? = nil, deferredWrites: DeferredCacheWrites? = nil
    ) {
        self.trace = trace
        self.deferredWrites = deferredWrites
        self.settledThrough = settledThrough
        self.warn = warn
        self.provider = provider
        self.calendar = calendar
        self.cache = cache
        self.offline = offline
        self.concurrency = max(1, concurrency)
    }

    /// One entry per symbol, in the order given. A failing symbol never stops the others.
    public func load(symbols: [String], from: SessionDate, to: SessionDate) async -> [SymbolBars] {
        var results = [(Result<BarSeries, MarketDataError>, SourceFileFingerprint?)?](
            repeating: nil, count: symbols.count)
        await withTaskGroup(of: (Int, (Result<BarSeries, MarketDataError>, SourceFileFingerprint?)).self) { group in
            var next = 0
            func startNext() {
                guard next < symbols.count else { return }
                let i = next
                let symbol = symbols[i]
                next += 1
                group.addTask { (i, await self.loadWithSource(symbol: symbol, from: from, to: to)) }
            }
            for _ in 0..<concurrency { startNext() }
            while let (i, r) = await group.next() {
                results[i] = r
                startNext()
            }
        }
        return zip(symbols, results).map { SymbolBars(symbol: $0, result: $1!.0, sourceFile: $1!.1) }
    }

    /// Loads one symbol.
    public func load(symbol: String, from: SessionDate, to requestedTo: SessionDate) async -> Result<
        BarSeries, MarketDataError
    > {
        await loadWithSource(symbol: symbol, from: from, to: requestedTo).0
    }

    /// Loads one symbol; for a file-backed provider (csv) also the file's fingerprint. With a cache and
    /// not offline, a file whose size, mtime or SHA-256 differs from the stored fingerprint has its
    /// cached bars dropped first, so the edited file is read again.
    func loadWithSource(symbol: String, from: SessionDate, to requestedTo: SessionDate) async -> (
        Result<BarSeries, MarketDataError>, SourceFileFingerprint?
    ) {
        let source = (provider as? any FileBackedBarProvider)?.sourceFile(symbol: symbol)
        if let source, let cache, !offline {
            do {
                try cache.reconcile(
                    sourceFile: source, provider: provider.id, symbol: symbol, adjustment: provider.cacheVariant)
            } catch {
                return (.failure(self.error(symbol, "\(error)", .cache)), source)
            }
        }
        return (await loadBars(symbol: symbol, from: from, to: requestedTo), source)
    }

    private func loadBars(symbol: String, from: SessionDate, to requestedTo: SessionDate) async -> Result<
        BarSeries, MarketDataError
    > {
        let to = settledThrough.map { min($0, requestedTo) } ?? requestedTo
        guard from <= to else {
            let why =
                to < requestedTo
                ? "nothing settled yet: \(from.iso) is after the last completed session \(to.iso)"
                : "empty date range \(from.iso)…\(to.iso) (from is after to)"
            return .failure(error(symbol, why, .other))
        }
        do {
            let bars: [Bar]
            if let cache {
                bars = try await loadThroughCache(cache, symbol, from, to)
            } else {
                bars = try await fetch(symbol, from...to)
            }
            guard !bars.isEmpty else {
                throw error(symbol, "no bars between \(from.iso) and \(to.iso)", .notFound)
            }
            return .success(BarSeries(symbol: symbol, bars: bars))
        } catch let e as MarketDataError {
            return .failure(e)
        } catch let e as CacheError {
            return .failure(error(symbol, e.description, .cache))
        } catch {
            return .failure(self.error(symbol, "\(error)", .other))
        }
    }

    private func error(_ symbol: String, _ message: String, _ kind: MarketDataError.Kind) -> MarketDataError {
        MarketDataError(symbol: symbol, provider: provider.id, message: message, kind: kind)
    }

    private func loadThroughCache(
        _ cache: BarCache, _ symbol: String, _ from: SessionDate, _ to: SessionDate, refetched: Bool = false
    ) async throws -> [Bar] {
        guard from <= to else { return [] }
        let missing = try cache.missingRanges(
            provider: provider.id, symbol: symbol, from: from, to: to, adjustment: provider.cacheVariant)
        if let trace {
            let asked = "\(symbol) (\(provider.id)) \(from.iso)…\(to.iso)"
            if missing.isEmpty {
                trace("cache: \(asked): covered, read from the cache")
            } else {
                let list = missing.map { "\($0.lowerBound.iso)…\($0.upperBound.iso)" }.joined(separator: ", ")
                trace("cache: \(asked): missing \(list)\(offline ? " (offline: not fetched)" : ", fetching")")
            }
        }
        // Nothing of the range cached yet (a cold universe): the validated bars are the answer, and reading
        // them back would give the same values, so the store need not be waited for.
        if let deferredWrites, !offline, missing == [from...to] {
            let days = calendar.tradingDays(in: from...to)
            if let first = days.first, let last = days.last {
                let bars = try await fetch(symbol, first...last)
                let (provider, variant) = (provider.id, provider.cacheVariant)
                deferredWrites.add(symbol: symbol) {
                    try await cache.storeAsync(
                        bars: bars, covering: from...to, provider: provider, symbol: symbol, adjustment: variant)
                }
                return bars
            }
        }
        var notCached: [ClosedRange<SessionDate>] = []
        for part in missing {
            let days = calendar.tradingDays(in: part)
            guard let first = days.first, let last = days.last else {
                if !offline {
                    try await cache.storeAsync(
                        bars: [], covering: part, provider: provider.id, symbol: symbol,
                        adjustment: provider.cacheVariant)
                }
                continue
            }
            if offline {
                notCached.append(first...last)
                continue
            }
            let bars = try await fetch(symbol, first...last)
            try await cache.storeAsync(
                bars: bars, covering: part, provider: provider.id, symbol: symbol, adjustment: provider.cacheVariant)
        }
        if !notCached.isEmpty {
            let list = notCached.map { "\($0.lowerBound.iso)…\($0.upperBound.iso)" }.joined(separator: ", ")
            throw error(
                symbol, "offline and the cache lacks \(list); run once without offline mode to fetch them",
                .notCached)
        }
        let bars: [Bar]
        do {
            bars = try await cache.barsAsync(
                provider: provider.id, symbol: symbol, from: from, to: to, adjustment: provider.cacheVariant)
        } catch let altered as CachedBarsAltered {
            guard !offline, !refetched else {
                throw error(
                    symbol,
                    "\(altered.description); they are not used. "
                        + (offline
                            ? "Run once without offline mode to fetch them again, or "
                            : "The provider returned them altered again; ")
                        + "clear the symbol (stratopt cache clear \(symbol))",
                    .invalidData)
            }
            warn("\(altered.description); dropped its cached bars and fetched them again")
            try cache.drop(provider: provider.id, symbol: symbol, adjustment: provider.cacheVariant)
            return try await loadThroughCache(cache, symbol, from, to, refetched: true)
        }
        // Bars cached under another `data.calendar` (e.g. a 24x7 run's weekend bars) are off this calendar.
        let off = bars.filter { !calendar.isTradingDay($0.date) }
        if !off.isEmpty {
            let shown = off.prefix(3).map(\.date.iso).joined(separator: ", ")
            throw error(
                symbol,
                "\(off.count) cached bar(s) fall on days that are not sessions of the calendar (\(shown)"
                    + (off.count > 3 ? ", …" : "") + "); they were stored by a run with another data.calendar. "
                    + "Use that calendar, or clear the symbol (stratopt cache clear \(symbol)) to re-validate",
                .invalidData)
        }
        return bars
    }

    /// Asks the provider for the trading days of `range` and validates the answer. Bars outside `range` are
    /// dropped (not asked for); any invalid bar fails the symbol.
    private func fetch(_ symbol: String, _ range: ClosedRange<SessionDate>) async throws -> [Bar] {
        let days = calendar.tradingDays(in: range)
        guard let first = days.first, let last = days.last else { return [] }
        let raw: [Bar]
        do {
            raw = try await provider.bars(symbol: symbol, from: first, to: last)
        } catch var e as MarketDataError {
            if e.symbol.isEmpty { e.symbol = symbol }
            if e.provider.isEmpty { e.provider = provider.id }
            throw e
        }
        let (accepted, rejected) = BarValidator(calendar: calendar).validate(
            raw.filter { $0.date >= first && $0.date <= last })
        if !rejected.isEmpty {
            let shown = rejected.prefix(3).map(\.description).joined(separator: "; ")
            let more = rejected.count > 3 ? " (and \(rejected.count - 3) more)" : ""
            throw error(
                symbol, "\(rejected.count) invalid bar(s) from the provider: \(shown)\(more); nothing was cached",
                .invalidData)
        }
        return accepted
    }
}
