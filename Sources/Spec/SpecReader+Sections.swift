import Foundation
import Market
import Yams

extension SpecReader {
    static var topLevelKeys: [String] { SpecKeys.names("") }

    /// The resolved spec, or nil when the document is not a mapping. Check ``diagnostics`` before using it.
    func readSpec(_ root: Node) -> PipelineSpec? {
        guard case .mapping(let mapping) = root else {
            report(
                root.mark, "",
                "expected a mapping of pipeline keys (version, name, universe, strategies, …), got \(root.described)")
            return nil
        }
        let f = fields(of: mapping, path: "", allowed: SpecReader.topLevelKeys)
        func required(_ key: String, _ advice: String) -> Field? {
            if let field = f[key] { return field }
            report(root.mark, key, "missing required key \"\(key)\"; \(advice)")
            return nil
        }

        var spec = PipelineSpec(name: "", universe: .init(tickers: []), strategies: [])
        if let v = required("version", "add version: 1 at the top") {
            spec.version = integer(v, "1 (the only spec version this stratopt reads)", in: "version") ?? 1
        }
        if let v = required("name", "add name: followed by a folder-safe name, e.g. name: megacaps") {
            spec.name = readName(v) ?? ""
        }
        if let v = f["data"] { spec.data = readData(v) }
        if let v = required("universe", "add universe: {tickers: [AAPL, MSFT]}") {
            spec.universe.tickers = readTickers(v)
        }
        if let v = f["period"] { spec.period = readPeriod(v) }
        if let v = f["capital"] { spec.capital = readCapital(v) }
        if let v = f["costs"] { spec.costs = readCosts(v) }
        if let v = f["sizing"] { spec.sizing = readSizing(v) }
        if let v = f["conventions"] {
            spec.conventions =
                choice(v, PipelineSpec.ConventionsPreset.self, "a conventions preset, ") ?? .backtestingPy
        }
        if let v = required("strategies", "add a list of strategies, e.g. strategies: [buy_and_hold]") {
            spec.strategies = readStrategies(v)
        }
        if let v = f["strategies"] { checkBacktestCount(spec, at: v) }
        if let v = f["scoring"] { spec.scoring = readScoring(v) }
        if let v = f["validation"] { spec.validation = readValidation(v) }
        if let v = f["batch"] { spec.batch = readBatch(v) }
        if let v = f["report"] { spec.report = readReport(v) }
        if let v = f["execute"] { spec.execute = readExecute(v, universe: spec.universe.tickers) }
        if let v = f["notify"] { spec.notify = readNotify(v) }
        return spec
    }

    /// Refuses a spec whose tickers × combinations pass ``SpecLimits/maxBacktestsPerRun``. Counted from the
    /// grid sizes, never by expanding: 10 000 tickers × 100 000 combinations must fail here in microseconds,
    /// not in the planner after allocating 48 GB.
    func checkBacktestCount(_ spec: PipelineSpec, at field: Field) {
        let perSymbol = spec.strategies.reduce(0.0) { sum, e in
            sum + e.grid.values.reduce(1.0) { $0 * Double($1.count) }
        }
        let tickers = Double(spec.universe.tickers.count)
        let total = tickers * perSymbol
        let limit = Double(SpecLimits.maxBacktestsPerRun)
        guard total > limit else { return }
        let perShard = max(1, (limit / max(perSymbol, 1)).rounded(.down))
        report(
            field.key.mark, field.path,
            "the spec asks for \(SpecReader.format(tickers)) tickers × \(SpecReader.format(perSymbol)) combinations = "
                + "\(SpecReader.format(total)) backtests; the limit is \(SpecLimits.maxBacktestsPerRun) per run; "
                + "split the universe into specs of at most \(SpecReader.format(perShard)) tickers each and run them "
                + "one after the other (see docs/spec.md, Limits), or use fewer grid values")
    }

    // MARK: - name

    func readName(_ field: Field) -> String? {
        let what = "a non-empty name (it names the report folder; unsafe characters become '_')"
        guard let name = string(field, what) else { return nil }
        if name.isEmpty || name.unicodeScalars.count > 200
            || name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        {
            report(
                field.mark, field.path,
                "name: expected \(what) of at most 200 characters without control characters")
            return nil
        }
        return name
    }

    // MARK: - data

    func readData(_ field: Field) -> PipelineSpec.DataSpec {
        var data = PipelineSpec.DataSpec()
        let keys = SpecKeys.names("data")
        guard
            let f = fields(
                of: field, allowed: keys, expectation: "a mapping such as {provider: synthetic, seed: 42}")
        else { return data }
        if let v = f["provider"] { data.provider = choice(v, PipelineSpec.Provider.self) ?? .synthetic }
        let provider = data.provider
        func onlyFor(_ v: Field, _ allowed: Bool, _ who: String) -> Bool {
            if !allowed {
                report(
                    v.key.mark, v.path,
                    "\(v.path): only \(who) uses \(v.key.string ?? ""); remove it (provider is \(provider.rawValue))")
            }
            return allowed
        }
        if let v = f["path"], onlyFor(v, provider == .csv, "provider csv") {
            data.path = string(v, "a folder of <SYMBOL>.csv files, e.g. data/bars")
        } else if provider == .csv && f["path"] == nil {
            missing("path", in: field, "provider csv reads <SYMBOL>.csv files from a folder; add e.g. path: data/bars")
        }
        if let v = f["seed"], onlyFor(v, provider == .synthetic, "provider synthetic") {
            if let scalar = v.value.scalar, scalar.style == .plain,
                let seed = UInt64(scalar.string.replacingOccurrences(of: "_", with: ""))
            {
                data.seed = seed
            } else {
                expected(v, "a whole number from 0 to \(UInt64.max)")
            }
        }
        if let v = f["base_url"], onlyFor(v, provider.isHTTP, "an HTTP provider (alpaca, yahoo, stooq)") {
            data.baseURL = readURL(v)
        }
        if let v = f["timeout_seconds"], onlyFor(v, provider.isHTTP, "an HTTP provider (alpaca, yahoo, stooq)") {
            data.timeoutSeconds = number(
                v, "seconds from 0.1 to 600 for one request (connect and the whole answer)",
                where: { $0 >= 0.1 && $0 <= 600 })
        }
        if let v = f["fetch_budget_seconds"], onlyFor(v, provider.isHTTP, "an HTTP provider (alpaca, yahoo, stooq)") {
            data.fetchBudgetSeconds = number(
                v, "seconds from 1 to 3600 for one symbol's fetch, retries included",
                where: { $0 >= 1 && $0 <= 3600 })
        }
        if let v = f["adjustment"], onlyFor(v, provider == .alpaca || provider == .yahoo, "provider alpaca or yahoo") {
            data.adjustment = choice(v, PipelineSpec.Adjustment.self)
            // Yahoo sends split-adjusted prices and an adjusted close: raw as sent, or all (dividends too).
            if provider == .yahoo, let a = data.adjustment, a != .raw && a != .all {
                report(
                    v.mark, v.path,
                    "\(v.path): provider yahoo takes adjustment raw or all, got \(a.rawValue); use raw (as Yahoo sends "
                        + "it: split-adjusted) or all (dividend-adjusted too)")
                data.adjustment = nil
            }
        }
        if let v = f["feed"], onlyFor(v, provider == .alpaca, "provider alpaca") {
            data.feed = choice(v, PipelineSpec.Feed.self)
        }
        if let v = f["quality"] { data.quality = readQuality(v) }
        if let v = f["calendar"] {
            data.calendar = choice(v, CalendarKind.self, "which days are sessions, ") ?? .nyse
        }
        return data
    }

    /// `secret`: the URL may carry a token (webhooks), so a diagnostic shows only its scheme and host.
    func readURL(_ field: Field, secret: Bool = false) -> String? {
        let what = "an http:// or https:// URL"
        guard let text = string(field, what) else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty
        else {
            let shown = Redaction.webhookDisplay(text)
            if secret && shown != text {
                report(
                    field.mark, field.path,
                    "\(field.path): expected \(what), got \"\(shown)\" (shown without its path, query and "
                        + "credentials, which may hold a token)")
            } else {
                expected(field, what)
            }
            return nil
        }
        return text
    }

    func readQuality(_ field: Field) -> PipelineSpec.DataQuality {
        var q = PipelineSpec.DataQuality()
        let keys = SpecKeys.names("data.quality")
        guard let f = fields(of: field, allowed: keys, expectation: "a mapping such as {max_gap_days: 5}") else {
            return q
        }
        let days = "a whole number of days, at least 1"
        if let v = f["max_gap_days"] { q.maxGapDays = integer(v, days, in: "data.quality.max_gap_days") }
        if let v = f["max_stale_days"] { q.maxStaleDays = integer(v, days, in: "data.quality.max_stale_days") }
        if let v = f["max_jump_pct"] {
            q.maxJumpPct = number(v, "a percentage above 0 (e.g. 50)", in: "data.quality.max_jump_pct")
        }
        if let v = f["max_zero_volume_run"] {
            q.maxZeroVolumeRun = integer(
                v, "a whole number of bars, at least 1", in: "data.quality.max_zero_volume_run")
        }
        return q
    }

    // MARK: - universe

    func readTickers(_ field: Field) -> [String] {
        guard
            let f = fields(
                of: field, allowed: SpecKeys.names("universe"),
                expectation: "a mapping with tickers, e.g. universe: {tickers: [AAPL, MSFT]}")
        else { return [] }
        guard let v = f["tickers"] else {
            missing("tickers", in: field, "add e.g. tickers: [AAPL, MSFT]")
            return []
        }
        if case .sequence(let seq) = v.value, seq.count > SpecLimits.maxTickers {
            report(
                v.mark, v.path,
                "\(v.path): \(seq.count) tickers is more than the limit of \(SpecLimits.maxTickers) per spec; "
                    + "split the universe over several specs (see docs/spec.md, Limits)")
            return []
        }
        guard
            let items = list(
                v, "a list of ticker symbols, e.g. [AAPL, MSFT]",
                emptyAdvice: "add at least one ticker symbol, e.g. [AAPL]")
        else { return [] }
        var tickers: [String] = []
        var seen: [String: (ticker: String, mark: Mark?)] = [:]
        // Any printable text without spaces: providers map or refuse what they cannot look up, and every
        // output escapes it. Real tickers use letters, digits, '.', '^' and '-'.
        for (i, item) in items.enumerated() {
            let path = "\(v.path)[\(i)]"
            let itemField = Field(key: item, value: item, path: path)
            guard let t = string(itemField, "a ticker symbol such as AAPL") else { continue }
            guard !t.isEmpty, t.unicodeScalars.count <= 32,
                !t.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || $0.properties.isWhitespace }
                )
            else {
                report(
                    item.mark, path,
                    "\(path): \"\(EchoedInput.clip(t, limit: 40))\" is not a ticker symbol; use at most 32 characters without spaces, e.g. AAPL, BRK.B, ^GSPC"
                )
                continue
            }
            if let why = SpecReader.deceptiveTicker(t) {
                report(
                    item.mark, path,
                    "\(path): \"\(EchoedInput.clip(t, limit: 40))\" \(why); type the symbol in plain letters, e.g. AAPL"
                )
                continue
            }
            if let first = seen[t.uppercased()] {
                let at = "line \(first.mark?.line ?? 0), column \(first.mark?.column ?? 0)"
                let same =
                    first.ticker == t
                    ? "first listed at \(at)" : "same as \"\(first.ticker)\" at \(at); tickers ignore case"
                report(item.mark, path, "\(path): duplicate ticker \"\(t)\" (\(same)); list each ticker once")
                continue
            }
            seen[t.uppercased()] = (t, item.mark)
            tickers.append(t)
        }
        return tickers
    }

    // MARK: - period

    func readPeriod(_ field: Field) -> PipelineSpec.Period {
        var period = PipelineSpec.Period()
        guard
            let f = fields(
                of: field, allowed: SpecKeys.names("period"), expectation: "a mapping such as {start: -2y, end: today}")
        else { return period }
        var ok = true
        if let v = f["start"] {
            if let d = readDate(v) { period.start = d } else { ok = false }
        }
        if let v = f["end"] {
            if let d = readDate(v) { period.end = d } else { ok = false }
        }
        if ok, let order = SpecReader.order(period.start, period.end), order >= 0 {
            let endField = f["end"] ?? f["start"]!
            report(
                endField.mark, "period.end",
                "period.end: \(period.end) is not after period.start \(period.start); the period must run forward in time"
            )
        }
        return period
    }

    func readDate(_ field: Field) -> PipelineSpec.DateExpression? {
        let what = "a date: YYYY-MM-DD, today, or an offset such as -2y, -6m, -30d"
        guard case .scalar(let s) = field.value, !field.value.isEmptyValue,
            let d = PipelineSpec.DateExpression(parsing: s.string)
        else {
            expected(field, what)
            return nil
        }
        if case .relative(let y, let m, let days) = d, abs(y) > 100 || abs(m) > 1_200 || abs(days) > 36_600 {
            report(
                field.mark, field.path,
                "\(field.path): \(d) is out of range; an offset may reach at most 100 years (100y, 1200m, 36600d)")
            return nil
        }
        return d
    }

    /// Sign of (a − b) when it does not depend on the as-of date; nil when it does.
    static func order(_ a: PipelineSpec.DateExpression, _ b: PipelineSpec.DateExpression) -> Int? {
        typealias D = PipelineSpec.DateExpression
        func months(_ d: D) -> Int? {
            switch d {
            case .today: return 0
            case .relative(let y, let m, let days) where days == 0: return y * 12 + m
            default: return nil
            }
        }
        func days(_ d: D) -> Int? {
            switch d {
            case .today: return 0
            case .relative(let y, let m, let days) where y == 0 && m == 0: return days
            default: return nil
            }
        }
        if case .absolute(let x) = a, case .absolute(let y) = b {
            return x.daysSinceEpoch - y.daysSinceEpoch
        }
        if let x = months(a), let y = months(b) { return x - y }
        if let x = days(a), let y = days(b) { return x - y }
        return nil
    }

    // MARK: - capital, costs, sizing

    func readCapital(_ field: Field) -> PipelineSpec.Capital {
        var capital = PipelineSpec.Capital()
        guard
            let f = fields(
                of: field, allowed: SpecKeys.names("capital"), expectation: "a mapping such as {initial: 100000}")
        else { return capital }
        if let v = f["initial"] {
            capital.initial =
                number(
                    v, "a positive amount of cash up to \(SpecLimits.cashText) (e.g. 100000)", in: "capital.initial")
                ?? capital.initial
        }
        return capital
    }

    func readCosts(_ field: Field) -> PipelineSpec.Costs {
        var costs = PipelineSpec.Costs()
        guard
            let f = fields(
                of: field, allowed: SpecKeys.names("costs"),
                expectation: "a mapping such as {commission: 0.001, slippage_bps: 2}")
        else { return costs }
        if let v = f["commission"], let c = readCommission(v) { costs.commission = c }
        if let v = f["slippage_bps"] {
            costs.slippageBps =
                number(v, "basis points, at least 0 and below 10000 (2 = 0.02 %)", in: "costs.slippage_bps") ?? 0
        }
        return costs
    }

    func readCommission(_ field: Field) -> PipelineSpec.Commission? {
        switch field.value {
        case .mapping(let mapping):
            let f = fields(of: mapping, path: field.path, allowed: SpecKeys.names("costs.commission"))
            if f["fixed"] != nil && (f["per_share"] != nil || f["minimum"] != nil) {
                report(
                    field.mark, field.path,
                    "\(field.path): use either {per_share: X, minimum: Y} or {fixed: X}, not both")
                return nil
            }
            if let v = f["fixed"] {
                return number(
                    v, "an amount per fill from 0 to \(SpecLimits.cashText) (e.g. 1.0)", in: "costs.commission.fixed"
                ).map { .fixed($0) }
            }
            guard let rate = f["per_share"] else {
                if f.isEmpty {
                    report(
                        field.mark, field.path,
                        "\(field.path): expected {per_share: X, minimum: Y} or {fixed: X}, got an empty mapping")
                } else if f["minimum"] != nil {
                    missing("per_share", in: field, "minimum needs an amount per share, e.g. per_share: 0.005")
                }
                return nil
            }
            let r = number(
                rate, "an amount per share from 0 to \(SpecLimits.priceText) (e.g. 0.005)",
                in: "costs.commission.per_share")
            var minimum = 0.0
            if let v = f["minimum"] {
                guard
                    let m = number(
                        v, "a minimum amount per fill from 0 to \(SpecLimits.cashText) (e.g. 1.0)",
                        in: "costs.commission.minimum")
                else {
                    return nil
                }
                minimum = m
            }
            return r.map { .perShare(rate: $0, minimum: minimum) }
        default:
            return number(
                field,
                "a number between 0 and 1 (a fraction of traded value, 0.001 = 0.1 %), "
                    + "{per_share: X, minimum: Y} or {fixed: X}", in: "costs.commission"
            ).map { .fraction($0) }
        }
    }

    func readSizing(_ field: Field) -> PipelineSpec.Sizing {
        var sizing = PipelineSpec.Sizing()
        let keys = SpecKeys.names("sizing")
        let rules = keys.filter { $0 != "fractional_shares" }
        guard
            let f = fields(
                of: field, allowed: keys,
                expectation: "a mapping such as {percent_of_equity: 100}")
        else { return sizing }
        if let v = f["fractional_shares"] { sizing.fractionalShares = bool(v) ?? false }
        let given = rules.filter { f[$0] != nil }
        if given.count > 1 {
            report(
                field.mark, field.path,
                "sizing: choose exactly one of percent_of_equity, fixed_cash, fixed_shares, volatility_target; "
                    + "found \(given.joined(separator: " and "))")
            return sizing
        }
        if let v = f["percent_of_equity"] {
            if let p = number(v, "a percentage above 0 and at most 100", in: "sizing.percent_of_equity") {
                sizing.rule = .percentOfEquity(p)
            }
        } else if let v = f["fixed_cash"] {
            if let c = number(
                v, "a positive amount of cash per entry up to \(SpecLimits.cashText)", in: "sizing.fixed_cash")
            {
                sizing.rule = .fixedCash(c)
            }
        } else if let v = f["fixed_shares"] {
            let whole = !sizing.fractionalShares
            let what =
                (whole ? "a positive whole number of shares" : "a positive number of shares")
                + " up to \(SpecLimits.sharesText)"
            if let n = number(
                v, what,
                where: { SpecKeys.bounds("sizing.fixed_shares").contains($0) && (!whole || $0.rounded() == $0) })
            {
                sizing.rule = .fixedShares(n)
            }
        } else if let v = f["volatility_target"] {
            guard
                let g = fields(
                    of: v, allowed: SpecKeys.names("sizing.volatility_target"),
                    expectation: "a mapping such as {target_pct: 1, atr_period: 14, max_percent: 100}")
            else { return sizing }
            guard let t = g["target_pct"] else {
                missing("target_pct", in: v, "add the equity percentage one ATR move may cost, e.g. target_pct: 1")
                return sizing
            }
            let target = number(t, "a percentage above 0 and at most 100", in: "sizing.volatility_target.target_pct")
            var period: Int? = 14
            if let p = g["atr_period"] {
                period = integer(p, "a whole number of bars from 1 to 1000", in: "sizing.volatility_target.atr_period")
            }
            var maxPercent: Double? = 100
            if let m = g["max_percent"] {
                maxPercent = number(
                    m, "a percentage above 0 and at most 100", in: "sizing.volatility_target.max_percent")
            }
            if let target, let period, let maxPercent {
                sizing.rule = .volatilityTarget(targetPct: target, atrPeriod: period, maxPercent: maxPercent)
            }
        }
        return sizing
    }

    // MARK: - scoring, batch, report, notify

    func readScoring(_ field: Field) -> PipelineSpec.Scoring {
        var scoring = PipelineSpec.Scoring()
        guard
            let f = fields(
                of: field, allowed: SpecKeys.names("scoring"),
                expectation: "a mapping such as {weights: {return: 30, sharpe: 30}, min_trades: 1}")
        else { return scoring }
        if let v = f["min_trades"] {
            scoring.minTrades =
                integer(v, "a whole number of closed trades from 0 to 1000000 (0 ranks every row)") {
                    (0...1_000_000).contains($0)
                } ?? scoring.minTrades
        }
        if let v = f["return_basis"] {
            scoring.returnBasis =
                choice(v, PipelineSpec.ReturnBasis.self, "what the return part of the score caps at +100 %, ")
                ?? .totalReturn
        }
        guard let v = f["weights"] else { return scoring }
        guard
            let g = fields(
                of: v, allowed: SpecKeys.names("scoring.weights"),
                expectation:
                    "a mapping of weights such as {return: 30, sharpe: 30, drawdown: 20, win_rate: 15, activity: 5}")
        else { return scoring }
        var w = scoring.weights
        func weight(_ key: String, _ set: (Double) -> Void) {
            if let x = g[key], let n = number(x, "a weight of at least 0", in: "scoring.weights.\(key)") { set(n) }
        }
        weight("return") { w.totalReturn = $0 }
        weight("sharpe") { w.sharpe = $0 }
        weight("drawdown") { w.drawdown = $0 }
        weight("win_rate") { w.winRate = $0 }
        weight("activity") { w.activity = $0 }
        if w.totalReturn + w.sharpe + w.drawdown + w.winRate + w.activity == 0 {
            report(v.mark, v.path, "scoring.weights: all weights are 0; give at least one a positive weight")
        }
        scoring.weights = w
        return scoring
    }

    func readValidation(_ field: Field) -> PipelineSpec.Validation? {
        guard
            let f = fields(
                of: field, allowed: SpecKeys.names("validation"),
                expectation: "a mapping such as {method: walk_forward, train: 3y, test: 1y, window: rolling}")
        else { return nil }
        guard let m = f["method"] else {
            missing("method", in: field, "add method: none, holdout or walk_forward")
            return nil
        }
        guard let method = choice(m, PipelineSpec.ValidationMethod.self, "a validation method, ") else { return nil }
        func length(_ key: String) -> PipelineSpec.WindowLength? {
            guard let v = f[key] else { return nil }
            if case .scalar(let s) = v.value, let l = PipelineSpec.WindowLength(parsing: s.string) { return l }
            expected(v, "a length such as 3y, 6m or 90d (years, months or calendar days, 1 to 9999)")
            return nil
        }
        func refuse(_ key: String, _ why: String) {
            if let v = f[key] { report(v.key.mark, v.path, "\(v.path): \(why); remove it") }
        }
        let train = length("train")
        let test = length("test")
        let window = f["window"].flatMap { choice($0, PipelineSpec.WindowKind.self, "a window kind, ") } ?? .rolling
        switch method {
        case .none:
            for k in ["train", "test", "window"] { refuse(k, "method none validates nothing, so it takes no \(k)") }
            return nil
        case .holdout:
            refuse("train", "holdout trains on every bar before its test window, so it takes no train length")
            refuse("window", "holdout has one window, so it takes no window kind")
            guard f["test"] != nil else {
                missing(
                    "test", in: field, "add the length of the held-out test window at the period's end, e.g. test: 1y")
                return nil
            }
            return test.map { PipelineSpec.Validation(method: .holdout, test: $0) }
        case .walkForward:
            if f["train"] == nil {
                missing("train", in: field, "add the length of each training window, e.g. train: 3y")
            }
            if f["test"] == nil { missing("test", in: field, "add the length of each test window, e.g. test: 1y") }
            guard let train, let test else { return nil }
            return PipelineSpec.Validation(method: .walkForward, train: train, test: test, window: window)
        }
    }

    func readBatch(_ field: Field) -> PipelineSpec.Batch {
        var batch = PipelineSpec.Batch()
        guard let f = fields(of: field, allowed: SpecKeys.names("batch"), expectation: "a mapping such as {size: 5}")
        else {
            return batch
        }
        if let v = f["size"] {
            batch.size =
                integer(v, "a whole number from 1 to 1024 (backtests run concurrently per batch)", in: "batch.size")
                ?? batch.size
        }
        return batch
    }

    func readReport(_ field: Field) -> PipelineSpec.Report {
        var report = PipelineSpec.Report()
        guard
            let f = fields(
                of: field, allowed: SpecKeys.names("report"),
                expectation: "a mapping such as {dir: reports/custom, equity: best}")
        else {
            return report
        }
        if let v = f["dir"] { report.dir = string(v, "a folder path such as reports/custom") }
        if let v = f["equity"] {
            report.equity = choice(v, PipelineSpec.EquityCurves.self, "which curves equity.csv holds, ") ?? .best
        }
        return report
    }

    func readNotify(_ field: Field) -> [PipelineSpec.Webhook] {
        guard
            let items = list(
                field, "a list of webhooks such as [{url: \"http://127.0.0.1:9000/hook\", min_priority: medium}]",
                allowEmpty: true)
        else { return [] }
        var hooks: [PipelineSpec.Webhook] = []
        for (i, item) in items.enumerated() {
            let itemField = Field(key: item, value: item, path: "notify[\(i)]")
            guard
                let f = fields(
                    of: itemField, allowed: SpecKeys.names("notify"),
                    expectation: "a mapping such as {url: \"http://127.0.0.1:9000/hook\", min_priority: medium}")
            else { continue }
            guard let u = f["url"] else {
                missing("url", in: itemField, "add the webhook address, e.g. url: \"http://127.0.0.1:9000/hook\"")
                continue
            }
            var hook = PipelineSpec.Webhook(url: "")
            guard let url = readURL(u, secret: true) else { continue }
            hook.url = url
            if let p = f["min_priority"] { hook.minPriority = choice(p, PipelineSpec.Priority.self) ?? .medium }
            if let a = f["allow_link_local"] { hook.allowLinkLocal = bool(a) ?? false }
            hooks.append(hook)
        }
        return hooks
    }
}
