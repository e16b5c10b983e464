import Foundation

/// Exact money helpers. Money is `Decimal` in every public type (the Trading API sends decimal strings);
/// the paper ledger stores integer cents. Every rounding in the project goes through this file.
public enum Money {
    /// How a value is rounded to a scale.
    public enum Rounding: Sendable {
        /// Half away from zero (0.125 → 0.13, −0.125 → −0.13).
        case halfUp
        /// Toward +∞ (0.121 → 0.13).
        case up
        /// Toward −∞ (0.129 → 0.12).
        case down
    }

    /// `value` rounded to `scale` decimal places.
    public static func round(_ value: Decimal, scale: Int, _ rounding: Rounding) -> Decimal {
        var input = value
        var result = Decimal()
        let mode: NSDecimalNumber.RoundingMode
        switch rounding {
        case .halfUp: mode = .plain
        case .up: mode = .up
        case .down: mode = .down
        }
        NSDecimalRound(&result, &input, scale, mode)
        return result
    }

    /// Whole cents of `value`, rounded as asked.
    public static func cents(_ value: Decimal, _ rounding: Rounding) -> Int64 {
        let rounded = round(value * 100, scale: 0, rounding)
        return NSDecimalNumber(decimal: rounded).int64Value
    }

    /// The exact decimal value of `cents`.
    public static func decimal(cents: Int64) -> Decimal {
        Decimal(cents) / 100
    }

    /// Largest whole number ≤ `value` (shares are always whole).
    public static func floorInt(_ value: Decimal) -> Int {
        NSDecimalNumber(decimal: round(value, scale: 0, .down)).intValue
    }

    /// The decimal a `Double` prints as (`0.1` → exactly 0.1, not 0.1000000000000000055…).
    public static func exact(_ value: Double) -> Decimal {
        Decimal(string: String(value), locale: Locale(identifier: "en_US_POSIX")) ?? Decimal(value)
    }

    /// Parses a decimal string such as `"52310.45"` (POSIX format; nil for anything else).
    public static func parse(_ text: String) -> Decimal? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-" || $0 == "+") })
        else { return nil }
        return Decimal(string: t, locale: Locale(identifier: "en_US_POSIX"))
    }

    public static func double(_ value: Decimal) -> Double {
        NSDecimalNumber(decimal: value).doubleValue
    }

    /// Fixed two decimals, for amounts: `1234.5` → `"1234.50"`, rounded half up.
    public static func format2(_ value: Decimal) -> String {
        let c = cents(value, .halfUp)
        let sign = c < 0 ? "-" : ""
        let a = c.magnitude
        let frac = a % 100
        return "\(sign)\(a / 100).\(frac < 10 ? "0" : "")\(frac)"
    }

    /// Shortest exact text of a price (at most 4 decimals, rounded half up): `181.9` → `"181.9"`.
    public static func formatPrice(_ value: Decimal) -> String {
        round(value, scale: 4, .halfUp).description
    }
}
