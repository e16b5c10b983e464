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
    public var strategies: [StrategyEntry]
    public var scoring: Scoring
    public var batch: Batch
    public var report: Report

    public init(
        version: Int = 1, name: String, data: DataSpec = DataSpec(), universe: Universe, period: Period = Period(),
        capital: Capital = Capital(), costs: Costs = Costs(), sizing: Sizing = Sizing(), strategies: [StrategyEntry],
        scoring: Scoring = Scoring(), batch: Batch = Batch(), report: Report = Report()
    ) {
        self.version = version
        self.name = name
        self.data = data
        self.universe = universe
        self.period = period
        self.capital = capital
        self.costs = costs
        self.sizing = sizing
        self.strategies = strategies
        self.scoring = scoring
        self.batch = batch
        self.report = report
    }

    public struct DataSpec: Sendable, Equatable, Codable {
        /// `synthetic` (default), `csv`, later `alpaca`, `yahoo`, `stooq`.
        public var provider: String = "synthetic"
        /// Folder of `<SYMBOL>.csv` files, for `csv` (relative paths resolve against the spec's folder).
        public var path: String?
        /// Seed of the synthetic market (default 42).
        public var seed: UInt64 = 42
        /// Overrides an HTTP provider's base URL (tests, proxies).
        public var baseURL: String?
        public init(provider: String = "synthetic", path: String? = nil, seed: UInt64 = 42, baseURL: String? = nil) {
            self.provider = provider
            self.path = path
            self.seed = seed
            self.baseURL = baseURL
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
                if y != 0 { return "\(y)y" }
                if m != 0 { return "\(m)m" }
                return "\(d)d"
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
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad date \(s)"))
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
        /// Fraction of traded value charged on every fill (0.001 = 0.1 %).
        public var commission: Double = 0.001
        /// Adverse price move per fill, in basis points of the fill price.
        public var slippageBps: Double = 0
        public init(commission: Double = 0.001, slippageBps: Double = 0) {
            self.commission = commission
            self.slippageBps = slippageBps
        }
    }

    public struct Sizing: Sendable, Equatable, Codable {
        /// Percent of equity committed per entry (100 = all available cash, less the entry commission).
        public var percentOfEquity: Double = 100
        public init(percentOfEquity: Double = 100) { self.percentOfEquity = percentOfEquity }
    }

    /// One `strategies:` item: an id and, per parameter, the values to try (one value, or a grid).
    public struct StrategyEntry: Sendable, Equatable, Codable {
        public var id: String
        /// Parameter name → candidate values, in the order written. Names not given take defaults.
        public var grid: [String: [ParamValue]]
        public init(id: String, grid: [String: [ParamValue]] = [:]) {
            self.id = id
            self.grid = grid
        }
    }

    public struct Scoring: Sendable, Equatable, Codable {
        public var weights: Weights = Weights()
        public init(weights: Weights = Weights()) { self.weights = weights }
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
        public init(dir: String? = nil) { self.dir = dir }
    }
}
