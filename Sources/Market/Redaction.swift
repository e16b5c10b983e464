/// Shows URLs without the secrets they carry. Webhook URLs hold tokens in user:password, the path
/// (Slack's `/services/T…/B…/secret`) and the query (`?token=…`), so anything that displays or records a
/// webhook shows only its scheme and host (and a non-default port). Pure string work, no Foundation.
public enum Redaction {
    /// `https://user:pw@hooks.slack.com:8443/services/T0/B0/xyz?token=1` → `https://hooks.slack.com:8443`.
    /// Text that is not a `scheme://host…` URL becomes `<redacted>` (it may be a bare token).
    public static func webhookDisplay(_ url: String) -> String {
        urlDisplay(url)
    }

    /// The scheme, host and port of `url`; nothing of its user info, path, query or fragment.
    public static func urlDisplay(_ url: String) -> String {
        let text = url.trimmingPrefixSpaces()
        guard let schemeEnd = text.firstRange(of: "://") else { return "<redacted>" }
        let scheme = text[text.startIndex..<schemeEnd.lowerBound]
        guard !scheme.isEmpty, scheme.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." })
        else { return "<redacted>" }
        var rest = text[schemeEnd.upperBound...]
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        // user:password@host — keep what follows the last '@'.
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        guard !rest.isEmpty else { return "<redacted>" }
        return scheme.lowercased() + "://" + rest.lowercased()
    }
}

extension String {
    fileprivate func trimmingPrefixSpaces() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
    }
}
