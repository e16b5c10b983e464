import Market
import Strategies

/// A number's allowed interval; an open end is nil.
public struct SpecBounds: Sendable, Equatable {
    public var minimum: Double?
    public var minimumExclusive = false
    public var maximum: Double?
    public var maximumExclusive = false

    public init(
        minimum: Double? = nil, minimumExclusive: Bool = false, maximum: Double? = nil,
        maximumExclusive: Bool = false
    ) {
        self.minimum = minimum
        self.minimumExclusive = minimumExclusive
        self.maximum = maximum
        self.maximumExclusive = maximumExclusive
    }

    /// Any number.
    public static let any = SpecBounds()
    /// `a ≤ x ≤ b`.
    public static func closed(_ a: Double, _ b: Double) -> SpecBounds { SpecBounds(minimum: a, maximum: b) }
    /// `x ≥ a`.
    public static func atLeast(_ a: Double) -> SpecBounds { SpecBounds(minimum: a) }
    /// `a < x ≤ b`.
    public static func above(_ a: Double, upTo b: Double) -> SpecBounds {
        SpecBounds(minimum: a, minimumExclusive: true, maximum: b)
    }
    /// `a ≤ x < b`.
    public static func from(_ a: Double, below b: Double) -> SpecBounds {
        SpecBounds(minimum: a, maximum: b, maximumExclusive: true)
    }
    /// `x > a`.
    public static func above(_ a: Double) -> SpecBounds { SpecBounds(minimum: a, minimumExclusive: true) }

    public func contains(_ v: Double) -> Bool {
        if let lo = minimum, minimumExclusive ? v <= lo : v < lo { return false }
        if let hi = maximum, maximumExclusive ? v >= hi : v > hi { return false }
        return true
    }
}

/// What a key accepts. Mappings are closed: a key that is not listed is an error.
public indirect enum SpecValue: Sendable {
    /// Non-empty text; `pattern` is a regular expression the JSON Schema checks too.
    case text(pattern: String? = nil, maxLength: Int? = nil)
    case integer(SpecBounds)
    case number(SpecBounds)
    case boolean
    /// One of these words.
    case choice([String])
    /// This exact word (`all`, `auto`).
    case word(String)
    case mapping([SpecKey])
    case list(SpecValue, minItems: Int)
    /// Any one of the alternatives.
    case oneOf([SpecValue])
    /// One entry of `strategies:`: a bare strategy id or `{id: {param: value}}`, from the strategy
    /// registry. Other entry forms are added as further cases of ``StrategyEntryForm``.
    case strategyEntry([StrategyEntryForm])
    /// Nothing (`key:` left empty).
    case nothing
    /// A rule's `params`: any parameter names, each a number, a list of numbers or `{from, to, step}`.
    case ruleParameters
}

/// A form a `strategies:` list item may take.
public enum StrategyEntryForm: Sendable {
    /// `- buy_and_hold` or `- sma_crossover: {fast: [10, 20], slow: 50}`, any registered strategy.
    case builtin
    /// `- rule: {id, entry, exit, params}`: a strategy written in the rule language (docs/strategies.md).
    case rule
    /// `- signals: {path, column_entry, column_exit}` or `{path, column_position}`: signals from files.
    case signals
}

/// One key of the pipeline spec: the single definition that the validator (``SpecReader``), the JSON
/// Schema (`stratopt schema`) and the docs test read.
public struct SpecKey: Sendable {
    public var name: String
    /// One line for the schema's `description` and editors' hover text.
    public var summary: String
    public var value: SpecValue
    /// The value used when the key is left out, as it would be written in YAML (nil: none, or required).
    public var defaultValue: SpecDefault?
    public var required: Bool

    public init(
        _ name: String, _ value: SpecValue, default defaultValue: SpecDefault? = nil, required: Bool = false,
        _ summary: String
    ) {
        self.name = name
        self.summary = summary
        self.value = value
        self.defaultValue = defaultValue
        self.required = required
    }

    /// The keys of a mapping value (of all its mapping alternatives for `oneOf`, of its items for a list).
    public var children: [SpecKey] { SpecKey.children(of: value) }

    static func children(of value: SpecValue) -> [SpecKey] {
        switch value {
        case .mapping(let keys): return keys
        case .list(let item, _): return children(of: item)
        case .oneOf(let alternatives):
            // The keys of every mapping alternative, each once (first definition wins).
            var out: [SpecKey] = []
            for a in alternatives {
                for k in children(of: a) where !out.contains(where: { $0.name == k.name }) { out.append(k) }
            }
            return out
        default: return []
        }
    }

    /// The key at a dotted path below this one (`data.quality.max_gap_days`), or nil.
    public func key(at path: String) -> SpecKey? {
        var key = self
        for part in path.split(separator: ".") {
            guard let next = key.children.first(where: { $0.name == part }) else { return nil }
            key = next
        }
        return key
    }
}

/// A default as the spec would spell it.
public enum SpecDefault: Sendable, Equatable {
    case integer(Int)
    case number(Double)
    case text(String)
    case boolean(Bool)
    case emptyList
}

/// The keys of spec version 1.
public enum SpecKeys {
    /// The document itself; its children are the top-level keys.
    public static let root = SpecKey("", .mapping(topLevel), "A stratopt pipeline spec, version 1 (docs/spec.md).")

    /// The keys allowed in the mapping at `path` (`""` for the top level, `data.quality`, `notify`), in the
    /// order messages list them. A missing path is a programming error.
    static func names(_ path: String) -> [String] {
        guard let key = root.key(at: path) else { preconditionFailure("no spec key \(path)") }
        return key.children.map(\.name)
    }

    /// The bounds of the number at `path` (`capital.initial`).
    static func bounds(_ path: String) -> SpecBounds {
        guard let key = root.key(at: path) else { preconditionFailure("no spec key \(path)") }
        return bounds(of: key.value) ?? .any
    }

    private static func bounds(of value: SpecValue) -> SpecBounds? {
        switch value {
        case .integer(let b), .number(let b): return b
        case .oneOf(let alternatives): return alternatives.lazy.compactMap { bounds(of: $0) }.first
        case .list(let item, _): return bounds(of: item)
        default: return nil
        }
    }

    static func choices<E: RawRepresentable & CaseIterable>(_ type: E.Type) -> SpecValue where E.RawValue == String {
        .choice(E.allCases.map(\.rawValue))
    }

    private static let percent = SpecBounds.above(0, upTo: 100)
    private static let cash = SpecBounds.closed(0, SpecLimits.maxCash)
    private static let date = SpecValue.text(pattern: #"^(today|[+-][0-9]+[ymd]|[0-9]{4}-[0-9]{2}-[0-9]{2})$"#)

    static let topLevel: [SpecKey] = [
        SpecKey("version", .integer(.closed(1, 1)), required: true, "Spec version; must be 1."),
        SpecKey(
            "name", .text(maxLength: 200), required: true,
            "The study's name; it names the report folder (unsafe characters become '_')."),
        SpecKey("data", .mapping(data), "Where bars come from and how they are checked."),
        SpecKey("universe", .mapping(universe), required: true, "The tickers to backtest."),
        SpecKey("period", .mapping(period), "The backtest period."),
        SpecKey(
            "capital",
            .mapping([
                SpecKey(
                    "initial", .number(.above(0, upTo: SpecLimits.maxCash)), default: .number(100_000),
                    "Starting cash of each backtest.")
            ]), "Starting cash."),
        SpecKey("costs", .mapping(costs), "Commission and slippage charged on every fill."),
        SpecKey("sizing", .mapping(sizing), "How many shares an entry buys (at most one rule)."),
        SpecKey(
            "conventions", choices(PipelineSpec.ConventionsPreset.self), default: .text("backtesting_py"),
            "Simulation rules preset (docs/conventions.md)."),
        SpecKey(
            "strategies",
            .oneOf([.word("all"), .list(.strategyEntry([.builtin, .rule, .signals]), minItems: 1)]), required: true,
            "Strategies and parameter grids; `all` runs every built-in strategy with its default parameters."),
        SpecKey(
            "scoring", .mapping(scoring), "The composite score: weights, min_trades, return basis (docs/metrics.md)."),
        SpecKey("validation", .mapping(validation), "Out-of-sample ranking: holdout or walk-forward folds."),
        SpecKey(
            "batch",
            .mapping([
                SpecKey(
                    "size", .integer(.closed(1, 1_024)), default: .integer(5),
                    "Backtests run concurrently per batch.")
            ]), "Concurrency."),
        SpecKey("report", .mapping(report), "The report folder."),
        SpecKey("execute", .mapping(execute), "Risk-gated order execution after scoring (docs/execute.md)."),
        SpecKey(
            "notify", .list(.mapping(webhook), minItems: 0), default: .emptyList,
            "Webhooks told about the run's events."),
    ]

    static let data: [SpecKey] = [
        SpecKey(
            "provider", choices(PipelineSpec.Provider.self), default: .text("synthetic"),
            "Bar provider; synthetic needs no network (docs/providers.md)."),
        SpecKey("path", .text(), "Folder of <SYMBOL>.csv files (provider csv; relative to the spec's folder)."),
        SpecKey(
            "seed", .integer(.closed(0, Double(UInt64.max))), default: .integer(42),
            "Seed of the synthetic market (provider synthetic)."),
        SpecKey(
            "base_url", .text(pattern: "^[hH][tT][tT][pP][sS]?://"),
            "Overrides an HTTP provider's base URL (alpaca, yahoo, stooq)."),
        SpecKey(
            "timeout_seconds", .number(.closed(0.1, 600)), default: .number(30),
            "Deadline of one HTTP request, connect and the whole answer together (alpaca, yahoo, stooq)."),
        SpecKey(
            "fetch_budget_seconds", .number(.closed(1, 3600)), default: .number(300),
            "The most one symbol's fetch may take, retries and Retry-After waits included (alpaca, yahoo, stooq)."),
        SpecKey(
            "adjustment", choices(PipelineSpec.Adjustment.self),
            "Corporate-action adjustment: alpaca takes any, yahoo raw or all (default: the provider's raw)."),
        SpecKey("feed", choices(PipelineSpec.Feed.self), "Alpaca data feed (default: the provider's)."),
        SpecKey("quality", .mapping(quality), "Data-quality thresholds above which a symbol is quarantined."),
        SpecKey(
            "calendar", choices(CalendarKind.self), default: .text("nyse"),
            "Which days are sessions: nyse, weekdays (Monday–Friday) or 24x7."),
    ]

    static let quality: [SpecKey] = [
        SpecKey(
            "max_gap_days", .integer(.atLeast(1)), default: .integer(5),
            "Most sessions of the calendar missing between two consecutive bars."),
        SpecKey(
            "max_stale_days", .integer(.atLeast(1)), default: .integer(3),
            "Most sessions the last bar may lag the period end."),
        SpecKey(
            "max_jump_pct", .number(.above(0)), default: .number(40),
            "Largest close-to-close move, in percent, not explained by a split."),
        SpecKey(
            "max_zero_volume_run", .integer(.atLeast(1)), default: .integer(5),
            "Longest run of bars with zero volume."),
    ]

    static let universe: [SpecKey] = [
        SpecKey(
            "tickers", .list(.text(maxLength: 32), minItems: 1), required: true,
            "Ticker symbols, at most 10000, each listed once (AAPL, BRK.B, ^GSPC).")
    ]

    static let period: [SpecKey] = [
        SpecKey("start", date, default: .text("-2y"), "First day: YYYY-MM-DD, today, or an offset such as -2y."),
        SpecKey("end", date, default: .text("today"), "Last day: YYYY-MM-DD, today, or an offset such as -30d."),
    ]

    static let costs: [SpecKey] = [
        SpecKey(
            "commission",
            .oneOf([
                .number(.from(0, below: 1)),
                .mapping([
                    SpecKey(
                        "per_share", .number(.closed(0, SpecLimits.maxPrice)), required: true,
                        "Commission per share."),
                    SpecKey("minimum", .number(cash), default: .number(0), "Minimum commission per fill."),
                ]),
                .mapping([SpecKey("fixed", .number(cash), required: true, "Commission per fill.")]),
            ]), default: .number(0.001),
            "Charged on every fill: a fraction of traded value (0.001 = 0.1 %), {per_share, minimum} or {fixed}."),
        SpecKey(
            "slippage_bps", .number(.from(0, below: 10_000)), default: .number(0),
            "Adverse price move per fill, in basis points (2 = 0.02 %)."),
    ]

    static let sizing: [SpecKey] = [
        SpecKey(
            "percent_of_equity", .number(percent), default: .number(100), "Percent of equity committed per entry."),
        SpecKey("fixed_cash", .number(.above(0, upTo: SpecLimits.maxCash)), "Cash committed per entry."),
        SpecKey(
            "fixed_shares", .number(.above(0, upTo: SpecLimits.maxShares)),
            "Shares per entry (whole unless fractional_shares)."),
        SpecKey(
            "volatility_target",
            .mapping([
                SpecKey(
                    "target_pct", .number(percent), required: true,
                    "Percent of equity one annualised ATR move may cost."),
                SpecKey("atr_period", .integer(.closed(1, 1_000)), default: .integer(14), "ATR window, in bars."),
                SpecKey(
                    "max_percent", .number(percent), default: .number(100), "Cap on the position, percent of equity."),
            ]), "Shares such that an annualised ATR move costs target_pct % of equity."),
        SpecKey("fractional_shares", .boolean, default: .boolean(false), "Allow fractional share quantities."),
    ]

    static let scoring: [SpecKey] = [
        SpecKey(
            "weights",
            .mapping([
                SpecKey("return", .number(.atLeast(0)), default: .number(30), "Weight of total return."),
                SpecKey("sharpe", .number(.atLeast(0)), default: .number(30), "Weight of the Sharpe ratio."),
                SpecKey("drawdown", .number(.atLeast(0)), default: .number(20), "Weight of (low) maximum drawdown."),
                SpecKey("win_rate", .number(.atLeast(0)), default: .number(15), "Weight of the win rate."),
                SpecKey("activity", .number(.atLeast(0)), default: .number(5), "Weight of trading activity."),
            ]), "Weights of the composite score's parts; not all 0."),
        SpecKey(
            "min_trades", .integer(.closed(0, 1_000_000)), default: .integer(1),
            "Fewest closed trades a combination needs to be ranked (fewer: listed, marked, never traded)."),
        SpecKey(
            "return_basis", choices(PipelineSpec.ReturnBasis.self), default: .text("total_return"),
            "What the return part of the score caps at +100 %: total return, or CAGR for long periods."),
    ]

    /// `validation:` (docs/spec.md): out-of-sample ranking.
    static let validation: [SpecKey] = [
        SpecKey(
            "method", choices(PipelineSpec.ValidationMethod.self), required: true,
            "none (in-sample ranking), holdout (one test window at the end) or walk_forward (rolling folds)."),
        SpecKey(
            "train", .text(pattern: "^[0-9]{1,4}[ymd]$"),
            "walk_forward: the length of each in-sample window, such as 3y, 18m or 400d."),
        SpecKey(
            "test", .text(pattern: "^[0-9]{1,4}[ymd]$"),
            "holdout and walk_forward: the length of each out-of-sample window, such as 1y."),
        SpecKey(
            "window", choices(PipelineSpec.WindowKind.self), default: .text("rolling"),
            "walk_forward: rolling (fixed-length training windows) or anchored (training grows from the start)."),
    ]

    static let report: [SpecKey] = [
        SpecKey("dir", .text(), "Folder for this spec's reports (default reports/<name>/<run-id>)."),
        SpecKey(
            "equity", choices(PipelineSpec.EquityCurves.self), default: .text("best"),
            "Which curves equity.csv holds: each symbol's best backtest, or all."),
    ]

    static let execute: [SpecKey] = [
        SpecKey("enabled", .boolean, default: .boolean(false), "Run the execute stage after scoring."),
        SpecKey("broker", choices(PipelineSpec.Execute.Broker.self), default: .text("paper"), "Where orders go."),
        SpecKey(
            "mode", choices(PipelineSpec.Execute.Mode.self), default: .text("paper"),
            "paper or live (live needs broker alpaca)."),
        SpecKey(
            "min_score", .number(.closed(0, 100)), default: .number(50),
            "Only results scoring at least this are traded."),
        SpecKey(
            "symbols", .oneOf([.word("all"), .list(.text(), minItems: 1)]), default: .text("all"),
            "all, or a list of tickers from universe.tickers."),
        SpecKey(
            "sizing",
            .oneOf([
                .word("auto"),
                .mapping([
                    SpecKey(
                        "percent_of_equity", .number(percent), required: true, "Percent of equity per order.")
                ]),
            ]), default: .text("auto"), "auto, or {percent_of_equity: P}."),
        SpecKey(
            "risk",
            .mapping([
                SpecKey(
                    "rules", .list(riskRule, minItems: 0), default: .emptyList,
                    "Risk rules, checked in the order written.")
            ]), "Risk rules every order passes."),
    ]

    /// One alternative per rule type: each type takes its own limit key (`limit_pct` or `max`) and bounds.
    static let riskRule = SpecValue.oneOf(
        PipelineSpec.RiskRuleType.allCases.map { t in
            .mapping([
                SpecKey("type", .word(t.rawValue), required: true, "Which rule."),
                SpecKey(t.limitKey, riskLimit(t), required: true, riskLimitSummary(t)),
                SpecKey("action", choices(PipelineSpec.RiskAction.self), required: true, "What a breach does."),
            ])
        })

    /// Every key a risk rule may have, for the validator's unknown-key check.
    static var riskRuleKeys: [String] { names("execute.risk.rules") }

    static func riskLimit(_ type: PipelineSpec.RiskRuleType) -> SpecValue {
        switch type {
        case .maxPositionSize, .maxDailyLoss, .maxDrawdown: return .number(percent)
        case .positionLimit: return .integer(.atLeast(1))
        case .maxLeverage: return .number(.above(0, upTo: 100))
        }
    }

    static func riskLimitSummary(_ type: PipelineSpec.RiskRuleType) -> String {
        switch type {
        case .maxPositionSize: return "Most percent of equity in one position."
        case .maxDailyLoss: return "Most percent of equity lost today."
        case .maxDrawdown: return "Most percent below the equity peak."
        case .positionLimit: return "Most open positions."
        case .maxLeverage: return "Most gross exposure ÷ equity (1.0 = no leverage)."
        }
    }

    /// The bounds of a risk rule's limit.
    static func riskLimitBounds(_ type: PipelineSpec.RiskRuleType) -> SpecBounds { bounds(of: riskLimit(type)) ?? .any }

    /// The keys of `- rule:` (the expressions' grammar is checked by the rule parser, not the schema).
    public static let rule: [SpecKey] = [
        SpecKey(
            "id", .text(pattern: "^[a-z][a-z0-9_]*$", maxLength: 64), required: true,
            "The rule's id in results, like a built-in strategy's (lowercase letters, digits and _)."),
        SpecKey(
            "entry", .text(maxLength: RuleLimits.maxLength), required: true,
            "Buy when this expression is true on a bar's close (filled at the next open)."),
        SpecKey(
            "exit", .text(maxLength: RuleLimits.maxLength), required: true,
            "Sell when this expression is true on a bar's close (filled at the next open)."),
        SpecKey(
            "params", .ruleParameters,
            "Grid parameters the expressions name: a number, a list of numbers or {from, to, step} each."),
    ]

    /// The keys of `- signals:`.
    public static let signals: [SpecKey] = [
        SpecKey(
            "id", .text(pattern: "^[a-z][a-z0-9_]*$", maxLength: 64), default: .text("signals"),
            "The id the signals show under in results."),
        SpecKey(
            "path", .text(), required: true,
            "A folder of <SYMBOL>.csv files (relative paths resolve against the spec's folder)."),
        SpecKey("column_entry", .text(), default: .text("entry"), "The boolean entry column."),
        SpecKey("column_exit", .text(), default: .text("exit"), "The boolean exit column."),
        SpecKey("column_position", .text(), "A target-position column (0 or 1), instead of entry and exit."),
    ]

    static let webhook: [SpecKey] = [
        SpecKey("url", .text(pattern: "^[hH][tT][tT][pP][sS]?://"), required: true, "The webhook's http(s) URL."),
        SpecKey(
            "min_priority", choices(PipelineSpec.Priority.self), default: .text("medium"),
            "Least priority of the events sent."),
        SpecKey(
            "allow_link_local", .boolean, default: .boolean(false),
            "Allow a link-local or cloud-metadata address (169.254.0.0/16, fd00:ec2::254) as the webhook's host."),
    ]
}
