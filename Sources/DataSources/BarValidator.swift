import Market

/// A bar that failed validation and why.
public struct RejectedBar: Sendable, Equatable, CustomStringConvertible {
    public var bar: Bar
    public var reason: String

    public init(bar: Bar, reason: String) {
        self.bar = bar
        self.reason = reason
    }

    public var description: String { "\(bar.date.iso): \(reason)" }
}

/// Checks bars before they are cached or used. Pure.
///
/// Rules: open/high/low/close positive and finite; high ≥ max(open, close); low ≤ min(open, close);
/// volume finite and ≥ 0; dates strictly ascending (a repeated or earlier date is rejected, the first one kept);
/// dates are trading days of the calendar (skipped when `calendar` is nil).
public struct BarValidator: Sendable {
    public let calendar: (any TradingCalendar)?

    public init(calendar: (any TradingCalendar)?) {
        self.calendar = calendar
    }

    /// Why `bar` is invalid on its own (calendar and ordering aside), or nil when it is fine.
    /// True when `problem(with:)` is nil, without building its message (checked for every bar read).
    @inline(__always)
    public static func isValid(_ bar: Bar) -> Bool {
        bar.open.isFinite && bar.open > 0 && bar.high.isFinite && bar.high > 0 && bar.low.isFinite && bar.low > 0
            && bar.close.isFinite && bar.close > 0 && bar.high >= max(bar.open, bar.close)
            && bar.low <= min(bar.open, bar.close) && bar.volume.isFinite && bar.volume >= 0
    }

    public static func problem(with bar: Bar) -> String? {
        if isValid(bar) { return nil }
        let prices = [("open", bar.open), ("high", bar.high), ("low", bar.low), ("close", bar.close)]
        for (name, v) in prices where !(v.isFinite && v > 0) {
            return "\(name) \(v) is not a positive finite price"
        }
        if bar.high < max(bar.open, bar.close) {
            return "high \(bar.high) is below max(open \(bar.open), close \(bar.close))"
        }
        if bar.low > min(bar.open, bar.close) {
            return "low \(bar.low) is above min(open \(bar.open), close \(bar.close))"
        }
        if !(bar.volume.isFinite && bar.volume >= 0) { return "volume \(bar.volume) is not a finite number ≥ 0" }
        return nil
    }

    /// Splits `bars` into accepted (ascending, unique dates) and rejected, keeping input order in each.
    public func validate(_ bars: [Bar]) -> (accepted: [Bar], rejected: [RejectedBar]) {
        var accepted: [Bar] = []
        var rejected: [RejectedBar] = []
        accepted.reserveCapacity(bars.count)
        for bar in bars {
            if let why = BarValidator.problem(with: bar) {
                rejected.append(RejectedBar(bar: bar, reason: why))
            } else if let last = accepted.last, bar.date <= last.date {
                let why =
                    bar.date == last.date
                    ? "duplicate date (one bar per date)" : "out of order: comes after \(last.date.iso)"
                rejected.append(RejectedBar(bar: bar, reason: why))
            } else if let calendar, !calendar.isTradingDay(bar.date) {
                rejected.append(RejectedBar(bar: bar, reason: "not a trading day of the exchange calendar"))
            } else {
                accepted.append(bar)
            }
        }
        return (accepted, rejected)
    }
}
