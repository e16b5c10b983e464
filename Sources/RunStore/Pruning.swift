/// Why an `--older-than` value was rejected.
public struct AgeParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var input: String
    public var reason: String

    public init(input: String, reason: String) {
        self.input = input
        self.reason = reason
    }

    public var description: String {
        "--older-than \(input.isEmpty ? "''" : input): \(reason); write a whole number and a unit: h (hours), d (days) or w (weeks), e.g. 30d, 12h, 2w"
    }
}

/// Helpers for `stratopt prune`.
public enum Pruning {
    /// Seconds in an `--older-than` duration: `<n>h`, `<n>d` or `<n>w`, n a positive whole number
    /// (`30d` = 2,592,000 s, `12h` = 43,200 s, `2w` = 1,209,600 s). Surrounding spaces are ignored; units
    /// are lower case.
    public static func parseAge(_ text: String) throws(AgeParseError) -> Double {
        let s = text.trimmingSpaces
        guard let unit = s.last else { throw AgeParseError(input: text, reason: "empty duration") }
        let secondsPerUnit: Double
        switch unit {
        case "h": secondsPerUnit = 3_600
        case "d": secondsPerUnit = 86_400
        case "w": secondsPerUnit = 604_800
        default:
            if unit.isASCII, unit.isNumber { throw AgeParseError(input: text, reason: "missing unit") }
            throw AgeParseError(input: text, reason: "unknown unit '\(unit)'")
        }
        let digits = s.dropLast()
        guard !digits.isEmpty else { throw AgeParseError(input: text, reason: "missing number") }
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits) else {
            throw AgeParseError(input: text, reason: "'\(digits)' is not a whole number")
        }
        guard n > 0 else { throw AgeParseError(input: text, reason: "the duration must be more than zero") }
        guard n <= 100_000 else { throw AgeParseError(input: text, reason: "\(n) is too large") }
        return Double(n) * secondsPerUnit
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
