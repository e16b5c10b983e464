import Foundation
import Market
import Strategies

/// A validated pipeline spec (`pipelines/*.yaml`, `version: 1`), defaults filled in.
///
/// This is the resolved form every later stage reads; `docs/spec.md` documents each key.
public struct PipelineSpec: Sendable, Equatable, Codable {
    public var version: Int
    public var name: String
    public var data: DataSpec
    public var universe: Universe
    public var period: Period
    public var capital: Capital
    public var costs: Costs
    public var sizing: Sizing
    public var conventions: ConventionsPreset
    public var strategies: [StrategyEntry]
    public var scoring: Scoring
    public var batch: Batch
    public var report: Report
    public var execute: Execute
    public var notify: [Webhook]
    /// Out-of-sample validation (`validation:`); nil is `method: none`. Optional so that a spec recorded
    /// before the key existed still decodes.
    public var validation: Validation?

    public init(
        version: Int = 1, name: String, data: DataSpec = DataSpec(), universe: Universe, period: Period = Period(),
        capital: Capital = Capital(), costs: Costs = Costs(), sizing: Sizing = Sizing(),
        conventions: ConventionsPreset = .backtestingPy, strategies: [StrategyEntry], scoring: Scoring = Scoring(),
        batch: Batch = Batch(), report: Report = Report(), execute: Execute = Execute(), notify: [Webhook] = []
    ) {
        self.version = version
        self.name = name
        self.data = data
        self.universe = universe
        self.period = period
        self.capital = capital
        self.costs = costs
        self.sizing = sizing
        self.conventions = conventions
        self.strategies = strategies
        self.scoring = scoring
        self.batch = batch
        self.report = report
        self.execute = execute
        self.notify = notify
    }

    public struct DataSpec: Sendable, Equatable, Codable {
        /// Where bars come from; `synthetic` (default) needs no network.
        public var provider: Provider = .synthetic
        /// Folder of `<SYMBOL>.csv` files, for `csv` (relative paths resolve against the spec's folder).
        public var path: String?
        /// Seed of the synthetic market (default 42).
        public var seed: UInt64 = 42
        /// Overrides an HTTP provider's base URL (tests, proxies).
        public var baseURL: String?
        /// `data.timeout_seconds`: an HTTP provider's per-request deadline (connect and whole body), nil =
        /// the provider's 30 s.
        public var timeoutSeconds: Double?
        /// `data.fetch_budget_seconds`: the most one symbol's fetch may take, retries and waits included, nil =
        /// 300 s.
        public var fetchBudgetSeconds: Double?
        /// Corporate-action adjustment requested from Alpaca (nil = the provider's default).
        public var adjustment: Adjustment?
        /// Alpaca data feed (nil = the provider's default).
        public var feed: Feed?
        /// Data-quality thresholds; nil fields use the data stage's defaults.
        public var quality: DataQuality = DataQuality()
        /// `data.calendar`: which days are sessions (`nyse`, `weekdays`, `24x7`); build it with
        /// `TradingCalendars.make(calendar)`, annualise with `calendar.periodsPerYear`.
        public var calendar: CalendarKind = .nyse

        public init(
            provider: Provider = .synthetic, path: String? = nil, seed: UInt64 = 42, baseURL: String? = nil,
            adjustment: Adjustment? = nil, feed: Feed? = nil, quality: DataQuality = DataQuality(),
            calendar: CalendarKind = .nyse
        ) {
            self.calendar = calendar
            self.provider = provider
            self.path = path
            self.seed = seed
            self.baseURL = baseURL
            self.adjustment = adjustment
            self.feed = feed
            self.quality = quality
        }

        enum CodingKeys: String, CodingKey {
            case provider, path, seed, baseURL, adjustment, feed, quality, calendar, timeoutSeconds, fetchBudgetSeconds
        }

        /// `calendar` may be absent (specs resolved before it existed): `nyse`.
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            provider = try c.decode(Provider.self, forKey: .provider)
            path = try c.decodeIfPresent(String.self, forKey: .path)
            seed = try c.decode(UInt64.self, forKey: .seed)
            baseURL = try c.decodeIfPresent(String.self, forKey: .baseURL)
            adjustment = try c.decodeIfPresent(Adjustment.self, forKey: .adjustment)
            feed = try c.decodeIfPresent(Feed.self, forKey: .feed)
            quality = try c.decodeIfPresent(DataQuality.self, forKey: .quality) ?? DataQuality()
            calendar = try c.decodeIfPresent(CalendarKind.self, forKey: .calendar) ?? .nyse
            timeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .timeoutSeconds)
            fetchBudgetSeconds = try c.decodeIfPresent(Double.self, forKey: .fetchBudgetSeconds)
        }
    }

    /// `data.provider`.
    public enum Provider: String, Sendable, Equatable, Codable, CaseIterable {
        case synthetic
        case csv
        case alpaca
        case yahoo
        case stooq

        /// Providers that fetch over HTTP (and accept `base_url`).
        public var isHTTP: Bool { self == .alpaca || self == .yahoo || self == .stooq }
    }

    /// `data.adjustment` (Alpaca): which corporate actions adjust historical prices.
    public enum Adjustment: String, Sendable, Equatable, Codable, CaseIterable {
        case raw
        case split
        case dividend
        case all
    }

    /// `data.feed` (Alpaca).
    public enum Feed: String, Sendable, Equatable, Codable, CaseIterable {
        case iex
        case sip
    }

    /// `data.quality`: thresholds above which a symbol's bars are flagged.
    public struct DataQuality: Sendable, Equatable, Codable {
        /// Longest tolerated gap between consecutive bars, in calendar days.
        public var maxGapDays: Int?
        /// Most days the last bar may lag the period end.
        public var maxStaleDays: Int?
        /// Largest tolerated close-to-close move, in percent.
        public var maxJumpPct: Double?
        /// Longest tolerated run of bars with zero volume.
        public var maxZeroVolumeRun: Int?

        public init(
            maxGapDays: Int? = nil, maxStaleDays: Int? = nil, maxJumpPct: Double? = nil, maxZeroVolumeRun: Int? = nil
        ) {
            self.maxGapDays = maxGapDays
            self.maxStaleDays = maxStaleDays
            self.maxJumpPct = maxJumpPct
            self.maxZeroVolumeRun = maxZeroVolumeRun
        }
    }

    public struct Universe: Sendable, Equatable, Codable {
        public var tickers: [String]
        public init(tickers: [String]) { self.tickers = tickers }
    }

    /// A date as written in the spec: absolute, relative to the as-of date, or `today`.
    public enum DateExpression: Sendable, Equatable, Codable, CustomStringConvertible {
        case absolute(SessionDate)
        /// `-1y`, `-6m`, `-30d`: a signed offset from the as-of date.
        case relative(years: Int, months: Int, days: Int)
        case today

        /// The calendar date this expression names for a run as of `asOf` (not yet snapped to a session).
        public func resolve(asOf: SessionDate) -> SessionDate {
            switch self {
            case .absolute(let d): return d
            case .today: return asOf
            case .relative(let y, let m, let d): return asOf.adding(months: y * 12 + m).adding(days: d)
            }
        }

        public var description: String {
            switch self {
            case .absolute(let d): return d.iso
            case .today: return "today"
            case .relative(let y, let m, let d):
                // Always signed, so the text parses back (`+1y`, `-6m`, `+0d`).
                func signed(_ n: Int) -> String { n < 0 ? String(n) : "+\(n)" }
                if y != 0 { return "\(signed(y))y" }
                if m != 0 { return "\(signed(m))m" }
                return "\(signed(d))d"
            }
        }

        /// Parses `2020-01-02`, `today`, `-1y`, `-6m`, `-30d` (also `+`), or nil.
        public init?(parsing text: String) {
            let s = text.trimmingCharacters(in: .whitespaces)
            if s == "today" {
                self = .today
                return
            }
            if let d = SessionDate(iso: s) {
                self = .absolute(d)
                return
            }
            guard let unit = s.last, "ymd".contains(unit), s.count >= 2 else { return nil }
            guard let n = Int(s.dropLast()), s.first == "-" || s.first == "+" else { return nil }
            switch unit {
            case "y": self = .relative(years: n, months: 0, days: 0)
            case "m": self = .relative(years: 0, months: n, days: 0)
            default: self = .relative(years: 0, months: 0, days: n)
            }
        }

        public init(from decoder: Decoder) throws {
            let s = try decoder.singleValueContainer().decode(String.self)
            guard let v = DateExpression(parsing: s) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "bad date \(s)"))
            }
            self = v
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(description)
        }
    }

    public struct Period: Sendable, Equatable, Codable {
        public var start: DateExpression = .relative(years: -2, months: 0, days: 0)
        public var end: DateExpression = .today
        public init(start: DateExpression = .relative(years: -2, months: 0, days: 0), end: DateExpression = .today) {
            self.start = start
            self.end = end
        }
    }

    public struct Capital: Sendable, Equatable, Codable {
        public var initial: Double = 100_000
        public init(initial: Double = 100_000) { self.initial = initial }
    }

    public struct Costs: Sendable, Equatable, Codable {
        /// How each fill is charged (default: 0.1 % of traded value).
        public var commission: Commission = .fraction(0.001)
        /// Adverse price move per fill, in basis points of the fill price.
        public var slippageBps: Double = 0
        public init(commission: Commission = .fraction(0.001), slippageBps: Double = 0) {
            self.commission = commission
            self.slippageBps = slippageBps
        }
    }

    /// `costs.commission`: charged on every fill (entry and exit).
    public enum Commission: Sendable, Equatable, Codable {
        /// A fraction of traded value (0.001 = 0.1 %).
        case fraction(Double)
        /// An amount per share, with a minimum per fill.
        case perShare(rate: Double, minimum: Double)
        /// A fixed amount per fill.
        case fixed(Double)

        private enum CodingKeys: String, CodingKey {
            case model
            case rate
            case minimum
            case amount
        }

        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            switch try c.decode(String.self, forKey: .model) {
            case "fraction": self = .fraction(try c.decode(Double.self, forKey: .rate))
            case "per_share":
                self = .perShare(
                    rate: try c.decode(Double.self, forKey: .rate), minimum: try c.decode(Double.self, forKey: .minimum)
                )
            case "fixed": self = .fixed(try c.decode(Double.self, forKey: .amount))
            case let other:
                throw DecodingError.dataCorruptedError(
                    forKey: .model, in: c, debugDescription: "unknown commission model \(other)")
            }
        }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .fraction(let f):
                try c.encode("fraction", forKey: .model)
                try c.encode(f, forKey: .rate)
            case .perShare(let rate, let minimum):
                try c.encode("per_share", forKey: .model)
                try c.encode(rate, forKey: .rate)
                try c.encode(minimum, forKey: .minimum)
            case .fixed(let amount):
                try c.encode("fixed", forKey: .model)
                try c.encode(amount, forKey: .amount)
            }
        }
    }

    public struct Sizing: Sendable, Equatable, Codable {
        /// How many shares an entry buys (default: 100 % of equity).
        public var rule: Rule = .percentOfEquity(100)
        /// Allow fractional share quantities (default false: whole shares).
        public var fractionalShares: Bool = false
        public init(rule: Rule = .percentOfEquity(100), fractionalShares: Bool = false) {
            self.rule = rule
            self.fractionalShares = fractionalShares
        }

        /// Exactly one of the `sizing:` rules.
        public enum Rule: Sendable, Equatable, Codable {
            /// Percent of equity committed per entry, in (0, 100].
            case percentOfEquity(Double)
            /// A fixed amount of cash per entry.
            case fixedCash(Double)
            /// A fixed number of shares per entry.
            case fixedShares(Double)
            /// Shares so that one ATR move is `targetPct` % of equity, capped at `maxPercent` % of equity.
            case volatilityTarget(targetPct: Double, atrPeriod: Int, maxPercent: Double)

            private enum CodingKeys: String, CodingKey {
                case rule
                case value
                case targetPct
                case atrPeriod
                case maxPercent
            }

            public init(from decoder: Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                switch try c.decode(String.self, forKey: .rule) {
                case "percent_of_equity": self = .percentOfEquity(try c.decode(Double.self, forKey: .value))
                case "fixed_cash": self = .fixedCash(try c.decode(Double.self, forKey: .value))
                case "fixed_shares": self = .fixedShares(try c.decode(Double.self, forKey: .value))
                case "volatility_target":
                    self = .volatilityTarget(
                        targetPct: try c.decode(Double.self, forKey: .targetPct),
                        atrPeriod: try c.decode(Int.self, forKey: .atrPeriod),
                        maxPercent: try c.decode(Double.self, forKey: .maxPercent))
                case let other:
                    throw DecodingError.dataCorruptedError(
                        forKey: .rule, in: c, debugDescription: "unknown sizing rule \(other)")
                }
            }

            public func encode(to encoder: Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                switch self {
                case .percentOfEquity(let v):
                    try c.encode("percent_of_equity", forKey: .rule)
                    try c.encode(v, forKey: .value)
                case .fixedCash(let v):
                    try c.encode("fixed_cash", forKey: .rule)
                    try c.encode(v, forKey: .value)
                case .fixedShares(let v):
                    try c.encode("fixed_shares", forKey: .rule)
                    try c.encode(v, forKey: .value)
                case .volatilityTarget(let t, let p, let m):
                    try c.encode("volatility_target", forKey: .rule)
                    try c.encode(t, forKey: .targetPct)
                    try c.encode(p, forKey: .atrPeriod)
                    try c.encode(m, forKey: .maxPercent)
                }
            }
        }
    }

    /// `conventions:`: the named set of simulation rules the engine applies.
    public enum ConventionsPreset: String, Sendable, Equatable, Codable, CaseIterable {
        /// backtesting.py 0.6.6 (the engine's `Conventions.backtestingPy`).
        case backtestingPy = "backtesting_py"
        /// stratopt's own rules (`Conventions.stratopt`): decide on the first bar with valid indicators,
        /// mark a position open at the end to the last close instead of selling it at the last open.
        case stratopt
    }

    /// One `strategies:` item: an id and, per parameter, the values to try (one value, or a grid).
    public struct StrategyEntry: Sendable, Equatable, Codable {
        public var id: String
        /// Parameter name → candidate values, in the order written. Names not given take defaults.
        public var grid: [String: [ParamValue]]
        /// A `- rule:` entry's expressions (nil for a built-in); its grid holds every parameter they name.
        public var rule: RuleDefinition?
        /// A `- signals:` entry's files (nil otherwise).
        public var signals: SignalsFiles?
        public init(
            id: String, grid: [String: [ParamValue]] = [:], rule: RuleDefinition? = nil, signals: SignalsFiles? = nil
        ) {
            self.id = id
            self.grid = grid
            self.rule = rule
            self.signals = signals
        }
    }

    /// `- signals: {path, column_entry, column_exit}` (or `column_position`): a folder of `<SYMBOL>.csv`.
    public struct SignalsFiles: Sendable, Equatable, Codable {
        /// The folder, relative to the working directory, as written.
        public var path: String
        /// Column names of a `date,entry,exit` file; nil when the file gives a target `position`.
        public var columnEntry: String?
        public var columnExit: String?
        /// Column name of a `date,position` file (targets 0/1); nil for an entry/exit file.
        public var columnPosition: String?
        public init(path: String, columnEntry: String? = nil, columnExit: String? = nil, columnPosition: String? = nil)
        {
            self.path = path
            self.columnEntry = columnEntry
            self.columnExit = columnExit
            self.columnPosition = columnPosition
        }
    }

    public struct Scoring: Sendable, Equatable, Codable {
        public var weights: Weights = Weights()
        /// Rows with fewer closed trades are listed but not ranked (0 ranks every row).
        public var minTrades: Int = 1
        /// What the return component caps at +100 %: total return (default) or CAGR.
        public var returnBasis: ReturnBasis = .totalReturn
        public init(weights: Weights = Weights(), minTrades: Int = 1, returnBasis: ReturnBasis = .totalReturn) {
            self.weights = weights
            self.minTrades = minTrades
            self.returnBasis = returnBasis
        }

        // A spec recorded before these keys existed decodes with their defaults.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            weights = try c.decodeIfPresent(Weights.self, forKey: .weights) ?? Weights()
            minTrades = try c.decodeIfPresent(Int.self, forKey: .minTrades) ?? 1
            returnBasis = try c.decodeIfPresent(ReturnBasis.self, forKey: .returnBasis) ?? .totalReturn
        }
    }

    /// `validation:`: how parameters are chosen in sample and judged out of sample.
    public struct Validation: Sendable, Equatable, Codable {
        public var method: ValidationMethod
        /// Length of each training window (walk_forward; holdout trains on everything before its test).
        public var train: WindowLength?
        /// Length of each test window.
        public var test: WindowLength
        public var window: WindowKind
        public init(
            method: ValidationMethod, train: WindowLength? = nil, test: WindowLength, window: WindowKind = .rolling
        ) {
            self.method = method
            self.train = train
            self.test = test
            self.window = window
        }
    }

    public enum ValidationMethod: String, Sendable, Equatable, Codable, CaseIterable {
        case none
        case holdout
        case walkForward = "walk_forward"
    }

    /// `validation.window`.
    public enum WindowKind: String, Sendable, Equatable, Codable, CaseIterable {
        /// Each training window has the same length and moves forward by one test window.
        case rolling
        /// Each training window starts at the period start and grows by one test window.
        case anchored
    }

    /// A calendar length written `3y`, `6m` or `90d`.
    public struct WindowLength: Sendable, Equatable, Codable, CustomStringConvertible {
        public enum Unit: String, Sendable, Equatable, Codable {
            case years = "y"
            case months = "m"
            case days = "d"
        }
        public var count: Int
        public var unit: Unit
        public init(count: Int, unit: Unit) {
            self.count = count
            self.unit = unit
        }
        /// `3y` → 3 years; nil for anything else (counts 1…9999).
        public init?(parsing text: String) {
            guard let last = text.last, let unit = Unit(rawValue: String(last)),
                let n = Int(text.dropLast()), (1...9_999).contains(n), text.dropLast().allSatisfy(\.isASCII)
            else { return nil }
            self.init(count: n, unit: unit)
        }
        /// The date this length after `date` (months and years clamp to the month's last day).
        public func after(_ date: SessionDate) -> SessionDate {
            switch unit {
            case .years: return date.adding(months: 12 * count)
            case .months: return date.adding(months: count)
            case .days: return date.adding(days: count)
            }
        }
        public var description: String { "\(count)\(unit.rawValue)" }
    }

    /// `scoring.return_basis`.
    public enum ReturnBasis: String, Sendable, Equatable, Codable, CaseIterable {
        case totalReturn = "total_return"
        case cagr
    }

    /// Composite-score weights; the default sums to 100.
    public struct Weights: Sendable, Equatable, Codable {
        public var totalReturn: Double = 30
        public var sharpe: Double = 30
        public var drawdown: Double = 20
        public var winRate: Double = 15
        public var activity: Double = 5
        public init(
            totalReturn: Double = 30, sharpe: Double = 30, drawdown: Double = 20, winRate: Double = 15,
            activity: Double = 5
        ) {
            self.totalReturn = totalReturn
            self.sharpe = sharpe
            self.drawdown = drawdown
            self.winRate = winRate
            self.activity = activity
        }
    }

    public struct Batch: Sendable, Equatable, Codable {
        /// Backtests run concurrently per batch.
        public var size: Int = 5
        public init(size: Int = 5) { self.size = size }
    }

    public struct Report: Sendable, Equatable, Codable {
        /// Output folder; default `reports/<name>/<run-id>`. Relative paths resolve against the working directory.
        public var dir: String?
        /// Which curves `equity.csv` holds: the best backtest of each symbol (default), or every backtest.
        public var equity: EquityCurves = .best
        public init(dir: String? = nil, equity: EquityCurves = .best) {
            self.dir = dir
            self.equity = equity
        }
    }

    /// `report.equity`.
    public enum EquityCurves: String, Sendable, Equatable, Codable, CaseIterable {
        /// The rank-1 backtest of each symbol: one curve per symbol.
        case best
        /// Every backtest: bars × backtests lines (hundreds of MB for large grids).
        case all
    }

    /// `execute:`: optional risk-gated order execution after ranking.
    public struct Execute: Sendable, Equatable, Codable {
        public var enabled: Bool = false
        public var broker: Broker = .paper
        public var mode: Mode = .paper
        /// Only results scoring at least this (0...100) are traded.
        public var minScore: Double = 50
        public var symbols: Symbols = .all
        public var sizing: ExecutionSizing = .auto
        public var risk: RiskSettings = RiskSettings()

        public init(
            enabled: Bool = false, broker: Broker = .paper, mode: Mode = .paper, minScore: Double = 50,
            symbols: Symbols = .all, sizing: ExecutionSizing = .auto, risk: RiskSettings = RiskSettings()
        ) {
            self.enabled = enabled
            self.broker = broker
            self.mode = mode
            self.minScore = minScore
            self.symbols = symbols
            self.sizing = sizing
            self.risk = risk
        }

        public enum Broker: String, Sendable, Equatable, Codable, CaseIterable {
            case paper
            case alpaca
        }

        public enum Mode: String, Sendable, Equatable, Codable, CaseIterable {
            case paper
            case live
        }

        /// `all` tickers of the universe, or a subset of them.
        public enum Symbols: Sendable, Equatable, Codable {
            case all
            case list([String])

            public init(from decoder: Decoder) throws {
                let c = try decoder.singleValueContainer()
                if let s = try? c.decode(String.self), s == "all" {
                    self = .all
                } else {
                    self = .list(try c.decode([String].self))
                }
            }

            public func encode(to encoder: Encoder) throws {
                var c = encoder.singleValueContainer()
                switch self {
                case .all: try c.encode("all")
                case .list(let l): try c.encode(l)
                }
            }
        }

        /// `auto` (the broker stage decides) or a percent of equity per order.
        public enum ExecutionSizing: Sendable, Equatable, Codable {
            case auto
            case percentOfEquity(Double)

            private enum CodingKeys: String, CodingKey {
                case percentOfEquity
            }

            public init(from decoder: Decoder) throws {
                if let s = try? decoder.singleValueContainer().decode(String.self), s == "auto" {
                    self = .auto
                    return
                }
                let c = try decoder.container(keyedBy: CodingKeys.self)
                self = .percentOfEquity(try c.decode(Double.self, forKey: .percentOfEquity))
            }

            public func encode(to encoder: Encoder) throws {
                switch self {
                case .auto:
                    var c = encoder.singleValueContainer()
                    try c.encode("auto")
                case .percentOfEquity(let p):
                    var c = encoder.container(keyedBy: CodingKeys.self)
                    try c.encode(p, forKey: .percentOfEquity)
                }
            }
        }
    }

    /// `execute.risk`.
    public struct RiskSettings: Sendable, Equatable, Codable {
        /// Checked in the order written.
        public var rules: [RiskRule] = []
        public init(rules: [RiskRule] = []) { self.rules = rules }
    }

    /// One `execute.risk.rules` item.
    public struct RiskRule: Sendable, Equatable, Codable {
        public var type: RiskRuleType
        /// `limit_pct` (a percentage) for the percent rules, `max` for `position_limit` (positions) and
        /// `max_leverage` (gross exposure ÷ equity).
        public var limit: Double
        public var action: RiskAction
        public init(type: RiskRuleType, limit: Double, action: RiskAction) {
            self.type = type
            self.limit = limit
            self.action = action
        }
    }

    public enum RiskRuleType: String, Sendable, Equatable, Codable, CaseIterable {
        case maxPositionSize = "max_position_size"
        case maxDailyLoss = "max_daily_loss"
        case maxDrawdown = "max_drawdown"
        case positionLimit = "position_limit"
        case maxLeverage = "max_leverage"

        /// The YAML key holding the rule's limit.
        public var limitKey: String {
            switch self {
            case .maxPositionSize, .maxDailyLoss, .maxDrawdown: return "limit_pct"
            case .positionLimit, .maxLeverage: return "max"
            }
        }
    }

    public enum RiskAction: String, Sendable, Equatable, Codable, CaseIterable {
        case block
        case reduceSize = "reduce_size"
        case closePosition = "close_position"
        case alert
    }

    /// One `notify:` webhook. Its URL usually carries a token (user:password, a Slack-style path, a
    /// query string): show `display` (scheme and host only), never `url`. `description` is `display`, so
    /// string interpolation and `print` cannot leak it either.
    public struct Webhook: Sendable, Equatable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
        public var url: String
        /// Scheme and host only (`Redaction.webhookDisplay`): what logs, reports and manifests may show.
        public var display: String { Redaction.webhookDisplay(url) }
        public var description: String { "webhook \(display) (min_priority \(minPriority.rawValue))" }
        public var debugDescription: String { description }
        /// Events below this priority are not sent.
        public var minPriority: Priority = .medium
        /// `allow_link_local: true`: deliver even when the host is (or resolves to) a link-local or cloud
        /// metadata address (169.254.0.0/16, fe80::/10, fd00:ec2::254), which are refused by default.
        public var allowLinkLocal = false
        public init(url: String, minPriority: Priority = .medium, allowLinkLocal: Bool = false) {
            self.url = url
            self.minPriority = minPriority
            self.allowLinkLocal = allowLinkLocal
        }

        // `allowLinkLocal` is encoded only when true, so the JSON of every spec without it stays the same.
        enum CodingKeys: String, CodingKey {
            case url, minPriority, allowLinkLocal
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            url = try c.decode(String.self, forKey: .url)
            minPriority = try c.decodeIfPresent(Priority.self, forKey: .minPriority) ?? .medium
            allowLinkLocal = try c.decodeIfPresent(Bool.self, forKey: .allowLinkLocal) ?? false
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(url, forKey: .url)
            try c.encode(minPriority, forKey: .minPriority)
            if allowLinkLocal { try c.encode(true, forKey: .allowLinkLocal) }
        }
    }

    public enum Priority: String, Sendable, Equatable, Codable, CaseIterable, Comparable {
        case low
        case medium
        case high

        private var rank: Int {
            switch self {
            case .low: return 0
            case .medium: return 1
            case .high: return 2
            }
        }

        public static func < (a: Priority, b: Priority) -> Bool { a.rank < b.rank }
    }
}
