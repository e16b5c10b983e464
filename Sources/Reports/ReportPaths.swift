/// File-system names derived from untrusted text.
public enum ReportPaths {
    /// Longest folder name `safeFolderName` returns.
    public static let maxFolderNameLength = 80

    /// A folder name for a spec name that cannot leave the reports folder or misbehave on common systems:
    /// every character outside `[A-Za-z0-9._-]` (including `/`, `\`, NUL, spaces and non-ASCII) becomes `_`;
    /// a dot that would start the name, follow another dot or end the name becomes `_` (so no `.`, `..`,
    /// hidden or trailing-dot names); Windows device names (`CON`, `NUL`, `COM1`, …) get a `_` prefix; the
    /// result is at most `maxFolderNameLength` characters; an empty result is `run`.
    public static func safeFolderName(_ specName: String) -> String {
        var out: [UInt8] = []
        for c in specName.unicodeScalars {
            guard out.count < maxFolderNameLength else { break }
            let v = c.value
            let alnum = (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
            if alnum || v == 0x2D || v == 0x5F {
                out.append(UInt8(v))
            } else if v == 0x2E {
                out.append(out.isEmpty || out.last == 0x2E ? 0x5F : 0x2E)
            } else {
                out.append(0x5F)
            }
        }
        if out.last == 0x2E { out[out.count - 1] = 0x5F }
        guard !out.isEmpty else { return "run" }
        var name = String(decoding: out, as: UTF8.self)
        let base = name.split(separator: ".", maxSplits: 1).first.map { $0.uppercased() } ?? ""
        let reserved = Set(["CON", "PRN", "AUX", "NUL"] + (1...9).map { "COM\($0)" } + (1...9).map { "LPT\($0)" })
        if reserved.contains(base) { name = String(("_" + name).prefix(maxFolderNameLength)) }
        return name
    }

    /// A relative URL for an `href`: path segments percent-encoded (only `[A-Za-z0-9._~-]` kept), empty,
    /// `.` and `..` segments dropped, so the link stays under the page's folder and cannot carry a scheme
    /// (`javascript:` becomes `javascript%3A…`, a relative file name).
    public static func relativeHref(_ path: String) -> String {
        let segments = path.split(whereSeparator: { $0 == "/" || $0 == "\\" }).map(String.init).filter {
            $0 != "." && $0 != ".."
        }
        let hex = Array("0123456789ABCDEF".utf8)
        return segments.map { seg in
            var out: [UInt8] = []
            for b in seg.utf8 {
                let keep =
                    (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D
                    || b == 0x2E || b == 0x5F || b == 0x7E
                if keep {
                    out.append(b)
                } else {
                    out.append(UInt8(ascii: "%"))
                    out.append(hex[Int(b >> 4)])
                    out.append(hex[Int(b & 0xF)])
                }
            }
            return String(decoding: out, as: UTF8.self)
        }.joined(separator: "/")
    }
}
