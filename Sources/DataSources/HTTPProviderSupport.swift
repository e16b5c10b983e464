import Foundation
import Market

/// URL building and error wording shared by the HTTP providers.
enum HTTPURLBuilder {
    /// RFC 3986 unreserved characters plus `,` (symbol lists stay readable); everything else percent-encoded,
    /// so base64 page tokens (`+`, `/`, `=`) survive intact.
    static let queryValueAllowed = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~,")

    static let pathSegmentAllowed = CharacterSet(
        charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    static func encode(_ value: String, allowed: CharacterSet = queryValueAllowed) -> String {
        value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    /// `base` + `path` (already encoded) + `?k=v&…` in the given order.
    static func url(base: URL, path: String, query: [(String, String)]) -> URL? {
        var root = base.absoluteString
        while root.hasSuffix("/") { root.removeLast() }
        let q = query.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
        return URL(string: root + path + (q.isEmpty ? "" : "?" + q))
    }
}

extension SessionDate {
    /// `YYYYMMDD` (Stooq's `d1`/`d2`).
    var compactISO: String { iso.replacingOccurrences(of: "-", with: "") }
}

enum HTTPProviderText {
    /// `2024-01-02…2024-03-28`
    static func range(_ from: SessionDate, _ to: SessionDate) -> String { "\(from.iso)…\(to.iso)" }

    /// Days a bar may lie outside the asked range and still be dropped quietly (a time-zone edge, a
    /// provider rounding its range to whole weeks); further out, the answer is for something else.
    static let edgeSlackDays = 7

    /// Bars sorted ascending, one per date, restricted to `from...to`. Like the CSV provider (whose
    /// duplicates `BarValidator` refuses), nothing is fixed silently: two different bars for one date, or a
    /// bar far outside the asked range, are an error (the message); an exact repeat (overlapping pages) is
    /// kept once.
    static func normalized(_ bars: [Bar], from: SessionDate, to: SessionDate) -> Result<[Bar], HTTPDataProblem> {
        var byDate: [SessionDate: Bar] = [:]
        for b in bars {
            if b.date < from.adding(days: -edgeSlackDays) || b.date > to.adding(days: edgeSlackDays) {
                return .failure(
                    HTTPDataProblem(
                        "the provider sent a bar for \(b.date.iso), outside the requested \(range(from, to)); "
                            + "refusing its answer (wrong symbol or a broken response?)"))
            }
            guard b.date >= from && b.date <= to else { continue }
            if let seen = byDate[b.date], seen != b {
                return .failure(
                    HTTPDataProblem(
                        "the provider sent two different bars for \(b.date.iso) (close \(seen.close) and \(b.close)); "
                            + "refusing both rather than guessing which is right"))
            }
            byDate[b.date] = b
        }
        return .success(byDate.values.sorted { $0.date < $1.date })
    }
}

/// Why a provider's answer was refused (worded for the symbol's error message).
struct HTTPDataProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
