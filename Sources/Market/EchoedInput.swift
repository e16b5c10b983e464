/// Input quoted back in an error message is cut to a fixed length, so a hostile or broken file (a 50 MB
/// CSV line, a huge HTTP error body, a giant YAML scalar) cannot turn one diagnostic into megabytes of
/// manifest, log or terminal output. The one helper used by the CSV, HTTP and spec error paths.
public enum EchoedInput {
    /// Characters kept (the ellipsis comes on top).
    public static let maxCharacters = 200

    /// `text` unchanged if it has at most `limit` characters, else its first `limit` characters and `…`.
    /// Costs O(limit), not O(text): the length check stops at `limit`.
    public static func clip<S: StringProtocol>(_ text: S, limit: Int = maxCharacters) -> String {
        guard let end = text.index(text.startIndex, offsetBy: max(0, limit), limitedBy: text.endIndex),
            end < text.endIndex
        else { return String(text) }
        return String(text[..<end]) + "…"
    }
}
