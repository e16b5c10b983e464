import Engine
import Market
import Strategies

/// Derived series and tables shown in the report, computed from the model only.
public enum ReportAnalytics {
    /// Buy-and-hold equity of a symbol: `initialCapital × close[t] / close[0]`. Empty when the first close
    /// is not a positive finite number.
    public static func buyAndHold(close: [Double], initialCapital: Double) -> [Double] {
        guard let c0 = close.first, c0.isFinite, c0 > 0 else { return [] }
        return close.map { initialCapital * $0 / c0 }
    }

    /// Drawdown in percent below the running peak, as a positive magnitude (0 at a new high).
    public static func drawdownPct(_ equity: [Double], negated: Bool = false) -> [Double] {
        var peak = -Double.infinity
        var out = [Double]()
        out.reserveCapacity(equity.count)
        for v in equity {
            let dd = drawdownStep(v, peak: &peak)
            // `negated`: below zero, as the drawdown charts draw it (one pass instead of a second array).
            out.append(negated ? -dd : dd)
        }
        return out
    }

    /// One value of `drawdownPct`: raises the running `peak` (start at −∞) and returns the % below it, so
    /// a caller that needs more from the same pass computes the same values.
    @inline(__always) static func drawdownStep(_ v: Double, peak: inout Double) -> Double {
        if v > peak { peak = v }
        return peak > 0 && peak.isFinite ? (1 - v / peak) * 100 : 0
    }

    /// Calendar-month returns of an equity curve.
    public struct MonthlyReturns: Sendable, Equatable {
        public var year: Int
        /// Index 0 = January. nil: no bar in that month.
        public var months: [Double?]
        /// Return over the year's bars (from the last value before the year, or the first value).
        public var yearTotal: Double?
    }

    /// Percent return of each calendar month: last equity of the month / last equity of the previous month
    /// with data − 1; the first month is measured from the first equity value. Years ascending.
    public static func monthlyReturns(dates: [SessionDate], equity: [Double]) -> [MonthlyReturns] {
        let n = min(dates.count, equity.count)
        guard n > 0 else { return [] }
        var out: [MonthlyReturns] = []
        var base = equity[0]
        var yearBase = equity[0]
        var i = 0
        while i < n {
            let (y, m, _) = dates[i].components
            var j = i
            while j + 1 < n, dates[j + 1].year == y, dates[j + 1].month == m { j += 1 }
            let last = equity[j]
            if out.last?.year != y {
                out.append(MonthlyReturns(year: y, months: Array(repeating: nil, count: 12), yearTotal: nil))
            }
            out[out.count - 1].months[m - 1] = base != 0 ? (last / base - 1) * 100 : nil
            base = last
            let yearEnds = j + 1 >= n || dates[j + 1].year != y
            if yearEnds {
                out[out.count - 1].yearTotal = yearBase != 0 ? (last / yearBase - 1) * 100 : nil
                yearBase = last
            }
            i = j + 1
        }
        return out
    }

    /// A strategy's composite score over two varying grid parameters of one symbol.
    public struct ScoreGrid: Sendable, Equatable {
        public var strategy: String
        public var rowParam: String
        public var columnParam: String
        public var rowValues: [String]
        public var columnValues: [String]
        /// `cells[r][c]`: best score among rows with those two values (other varying parameters maximised out).
        public var cells: [[Double?]]
        /// Parameters beyond the two axes that also vary (their best value is taken per cell).
        public var otherVarying: [String]
    }

    /// One grid per strategy whose rows (for one symbol) have at least two parameters taking more than one
    /// value. Axes are the first two varying names in canonical (name-sorted) order; values sort numerically
    /// when all parse as numbers, otherwise by bytes. Strategies in first-appearance order.
    public static func scoreGrids(_ rows: [ResultRow]) -> [ScoreGrid] {
        var order: [String] = []
        var byStrategy: [String: [ResultRow]] = [:]
        for r in rows {
            if byStrategy[r.strategy] == nil { order.append(r.strategy) }
            byStrategy[r.strategy, default: []].append(r)
        }
        var grids: [ScoreGrid] = []
        for s in order {
            let rs = byStrategy[s]!
            var names: [String] = []
            var values: [String: Set<String>] = [:]
            for r in rs {
                for k in r.params.sortedNames {
                    if values[k] == nil { names.append(k) }
                    values[k, default: []].insert(r.params[k]!.description)
                }
            }
            let varying = names.filter { values[$0]!.count > 1 }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            guard varying.count >= 2 else { continue }
            let rp = varying[0]
            let cp = varying[1]
            let rv = sortValues(Array(values[rp]!))
            let cv = sortValues(Array(values[cp]!))
            var cells = Array(repeating: [Double?](repeating: nil, count: cv.count), count: rv.count)
            for r in rs {
                guard let a = r.params[rp]?.description, let b = r.params[cp]?.description,
                    let ri = rv.firstIndex(of: a), let ci = cv.firstIndex(of: b)
                else { continue }
                let v = r.score.total
                if let old = cells[ri][ci] { cells[ri][ci] = max(old, v) } else { cells[ri][ci] = v }
            }
            grids.append(
                ScoreGrid(
                    strategy: s, rowParam: rp, columnParam: cp, rowValues: rv, columnValues: cv, cells: cells,
                    otherVarying: Array(varying.dropFirst(2))))
        }
        return grids
    }

    static func sortValues(_ v: [String]) -> [String] {
        let nums = v.map { Double($0) }
        if nums.allSatisfy({ $0 != nil }) {
            return zip(v, nums).sorted { ($0.1!, $0.0) < ($1.1!, $1.0) }.map(\.0)
        }
        return v.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }
}
