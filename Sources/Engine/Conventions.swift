/// Where a market order decided on bar t's close is filled.
public enum FillPrice: String, Sendable, Hashable, Codable {
    /// At the open of bar t+1 (backtesting.py with `trade_on_close=False`).
    case nextOpen = "next_open"
    /// At the close of bar t+1.
    case nextClose = "next_close"
}

/// What happens to a position (or an order) still pending when the data ends.
public enum EndOfData: String, Sendable, Hashable, Codable {
    /// backtesting.py `finalize_trades=True` (SEMANTICS.md §5): an open position is sold at the last
    /// bar's fill price (its open for `.nextOpen`) and counted as a trade; an entry decided on the last
    /// bar is filled at that same price and left open (not a trade).
    case closeAtLastBar = "close_at_last_bar"
    /// Nothing is sold: an open position stays open, valued at the last close, and is not a trade.
    /// An entry decided on the last bar is dropped.
    case markToMarket = "mark_to_market"
}

/// Which legs of a round trip pay commission.
public enum CommissionLegs: String, Sendable, Hashable, Codable {
    case both
    case entryOnly = "entry_only"
    case exitOnly = "exit_only"

    var onEntry: Bool { self != .exitOnly }
    var onExit: Bool { self != .entryOnly }
}

/// The rules of the simulation that differ between engines, as data. Every rule is listed in
/// `docs/conventions.md`. `backtestingPy` reproduces the reference engine (SEMANTICS.md) bit for bit
/// and is the default everywhere.
public struct Conventions: Sendable, Hashable, Codable {
    /// Name printed in reports (`backtesting_py`, `stratopt`).
    public var name: String
    /// Decisions start this many bars after the warm-up bar W, the first bar on which every indicator
    /// is defined (backtesting.py: 1). The period is the data as given: indicators warm up inside it.
    public var firstDecisionOffset: Int
    /// Fill price of market orders.
    public var fillPrice: FillPrice
    /// End-of-data handling.
    public var endOfData: EndOfData
    /// Whole shares rounded down with Python's float `//` (false), or fractional shares (true).
    public var fractionalShares: Bool
    /// Which legs pay commission.
    public var commissionLegs: CommissionLegs
    /// Periods per year for annualised metrics (252 daily, 12 monthly, 52 weekly).
    public var annualization: Double
    /// Annual risk-free rate, as a fraction, for Sharpe and Sortino (per period: rate / annualization).
    public var riskFreeRate: Double

    public init(
        name: String, firstDecisionOffset: Int = 1, fillPrice: FillPrice = .nextOpen,
        endOfData: EndOfData = .closeAtLastBar, fractionalShares: Bool = false, commissionLegs: CommissionLegs = .both,
        annualization: Double = 252, riskFreeRate: Double = 0
    ) {
        self.name = name
        self.firstDecisionOffset = firstDecisionOffset
        self.fillPrice = fillPrice
        self.endOfData = endOfData
        self.fractionalShares = fractionalShares
        self.commissionLegs = commissionLegs
        self.annualization = annualization
        self.riskFreeRate = riskFreeRate
    }

    /// Kept for source compatibility with the first skeleton.
    public init(
        name: String, firstDecisionOffset: Int, finalizeAtLastOpen: Bool, annualization: Double, riskFreeRate: Double
    ) {
        self.init(
            name: name, firstDecisionOffset: firstDecisionOffset,
            endOfData: finalizeAtLastOpen ? .closeAtLastBar : .markToMarket, annualization: annualization,
            riskFreeRate: riskFreeRate)
    }

    /// True when an open position is closed on the last bar (backtesting.py `finalize_trades=True`).
    public var finalizeAtLastOpen: Bool {
        get { endOfData == .closeAtLastBar }
        set { endOfData = newValue ? .closeAtLastBar : .markToMarket }
    }

    /// backtesting.py 0.6.6 with `finalize_trades=True`, `trade_on_close=False`, daily data:
    /// first decision on W+1, fill at the next open, whole shares, commission on both legs,
    /// open positions closed at the last bar's open, 252 periods a year, risk-free 0.
    public static let backtestingPy = Conventions(
        name: "backtesting_py", firstDecisionOffset: 1, fillPrice: .nextOpen, endOfData: .closeAtLastBar,
        fractionalShares: false, commissionLegs: .both, annualization: 252, riskFreeRate: 0)

    /// stratopt's own rules (documented, not yet the default): decide from the first bar on which
    /// every indicator is defined (W, not W+1), fill at the next open, whole shares, commission on both
    /// legs, and leave a position open at the end valued at the last close (no forced sale at a stale
    /// open, no phantom trade for an entry decided on the last bar).
    public static let stratopt = Conventions(
        name: "stratopt", firstDecisionOffset: 0, fillPrice: .nextOpen, endOfData: .markToMarket,
        fractionalShares: false, commissionLegs: .both, annualization: 252, riskFreeRate: 0)

    /// Names accepted by `preset(named:)`, default first.
    public static let presetNames = ["backtesting_py", "stratopt"]

    /// The preset called `name` (`backtesting_py` or `stratopt`; `backtestingPy` is also accepted).
    public static func preset(named name: String) -> Conventions? {
        switch name.lowercased() {
        case "backtesting_py", "backtestingpy", "backtesting.py": return .backtestingPy
        case "stratopt": return .stratopt
        default: return nil
        }
    }

    /// backtesting.py's choice of periods per year from the bar dates (days since epoch, ascending):
    /// median spacing of the last 100 bars 7 days → 52, 31 → 12, 365 → 1; otherwise 365 if more than
    /// 17 % of bars fall on a weekend, else 252.
    public static func inferredAnnualization(daysSinceEpoch d: [Int]) -> Double {
        guard d.count >= 2 else { return 252 }
        let tail = Array(d.suffix(100))
        var gaps = zip(tail.dropFirst(), tail).map { $0 - $1 }.sorted()
        let m = gaps.count
        let median = m % 2 == 1 ? Double(gaps[m / 2]) : Double(gaps[m / 2 - 1] + gaps[m / 2]) / 2
        gaps.removeAll()
        switch Int(median.rounded(.down)) {
        case 7: return 52
        case 31: return 12
        case 365: return 1
        default:
            let weekend = d.filter { v in
                let w = ((v + 4) % 7 + 7) % 7
                return w == 0 || w == 6
            }.count
            return Double(weekend) / Double(d.count) > 2.0 / 7.0 * 0.6 ? 365 : 252
        }
    }
}
