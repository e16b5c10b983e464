/// A calendar date with no time zone: the New York session date a daily bar belongs to.
///
/// Stored as days since 1970-01-01 so comparisons and arithmetic are integer operations and
/// every machine agrees on the value (no `Calendar`, no locale, no time zone).
public struct SessionDate: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    /// Days since 1970-01-01 (negative before).
    public let daysSinceEpoch: Int

    public init(daysSinceEpoch: Int) { self.daysSinceEpoch = daysSinceEpoch }

    /// Returns nil when the triple is not a real date (2023-02-29, month 13, …).
    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= SessionDate.daysInMonth(year: year, month: month) else {
            return nil
        }
        self.daysSinceEpoch = SessionDate.days(fromCivil: year, month, day)
    }

    /// Parses `YYYY-MM-DD` exactly (no time, no surrounding spaces).
    public init?(iso: some StringProtocol) {
        let u = Array(iso.utf8)
        guard let date = u.withUnsafeBufferPointer({ SessionDate(isoUTF8: $0) }) else { return nil }
        self = date
    }

    /// `init?(iso:)` from UTF-8 bytes in place (a million cached bars are read without a String each).
    public init?(isoUTF8 u: UnsafeBufferPointer<UInt8>) {
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-") else { return nil }
        let num = { SessionDate.decimal(u, $0) }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10) else { return nil }
        self.init(year: y, month: m, day: d)
    }

    /// The ASCII decimal digits `u[r]` as a number; nil when one is not a digit. Shared by the date and
    /// timestamp parsers (`NewYorkTime.unixSeconds(rfc3339:)`), which read fixed-width fields.
    static func decimal<Bytes: RandomAccessCollection<UInt8>>(_ u: Bytes, _ r: Range<Int>) -> Int?
    where Bytes.Index == Int {
        var v = 0
        for i in r {
            let d = Int(u[i]) - 48
            guard d >= 0 && d <= 9 else { return nil }
            v = v * 10 + d
        }
        return v
    }

    public var components: (year: Int, month: Int, day: Int) { SessionDate.civil(fromDays: daysSinceEpoch) }
    public var year: Int { components.year }
    public var month: Int { components.month }
    public var day: Int { components.day }

    /// 0 = Sunday … 6 = Saturday.
    public var weekday: Int {
        let w = (daysSinceEpoch + 4) % 7  // 1970-01-01 was a Thursday
        return w < 0 ? w + 7 : w
    }
    public var isWeekend: Bool { weekday == 0 || weekday == 6 }

    /// `YYYY-MM-DD`.
    public var iso: String { String(decoding: isoBytes, as: UTF8.self) }

    /// `YYYY-MM-DD` as ASCII bytes (years 0…9999; others as `iso` would print them are out of the
    /// calendar's range and written with as many digits as they need).
    public var isoBytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(10)
        appendISO(to: &out)
        return out
    }

    /// Appends `YYYY-MM-DD` to `out` without building a String: the CSV writers and the bar
    /// fingerprint call this once per bar or trade, where String formatting dominated.
    public func appendISO(to out: inout [UInt8]) {
        let (y, m, d) = components
        let zero = UInt8(ascii: "0")
        if y < 0 || y > 9999 {
            out.append(contentsOf: String(y).utf8)
        } else {
            out.append(zero + UInt8(y / 1000))
            out.append(zero + UInt8(y / 100 % 10))
            out.append(zero + UInt8(y / 10 % 10))
            out.append(zero + UInt8(y % 10))
        }
        out.append(UInt8(ascii: "-"))
        out.append(zero + UInt8(m / 10))
        out.append(zero + UInt8(m % 10))
        out.append(UInt8(ascii: "-"))
        out.append(zero + UInt8(d / 10))
        out.append(zero + UInt8(d % 10))
    }
    public var description: String { iso }

    public func adding(days: Int) -> SessionDate { SessionDate(daysSinceEpoch: daysSinceEpoch + days) }

    /// Same day-of-month `months` later, clamped to the month's last day (2024-03-31 − 1 month = 2024-02-29).
    public func adding(months: Int) -> SessionDate {
        let (y, m, d) = components
        let total = y * 12 + (m - 1) + months
        let ny = Int((Double(total) / 12).rounded(.down))
        let nm = total - ny * 12 + 1
        let nd = min(d, SessionDate.daysInMonth(year: ny, month: nm))
        return SessionDate(year: ny, month: nm, day: nd)!
    }

    public static func < (a: SessionDate, b: SessionDate) -> Bool { a.daysSinceEpoch < b.daysSinceEpoch }

    public static func isLeapYear(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: return 31
        case 4, 6, 9, 11: return 30
        case 2: return isLeapYear(year) ? 29 : 28
        default: return 0
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic Gregorian calendar.
    static func days(fromCivil y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (y, m, d)
    }

    public init(from decoder: Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let d = SessionDate(iso: s) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "not a YYYY-MM-DD date: \(s)"))
        }
        self = d
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(iso)
    }
}
