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

    /// Bars sorted ascending, one per date (the last one seen wins), restricted to `from...to`.
    static func normalized(_ bars: [Bar], from: SessionDate, to: SessionDate) -> [Bar] {
        var byDate: [SessionDate: Bar] = [:]
        for b in bars where b.date >= from && b.date <= to { byDate[b.date] = b }
        return byDate.values.sorted { $0.date < $1.date }
    }
}
