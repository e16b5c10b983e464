/// The version printed by `stratopt --version` and recorded in every manifest.
public enum ToolVersion {
    public static let release = "0.1.0"
    /// The git commit the binary was built from (`unknown` outside a git checkout; `-dirty` with local edits).
    public static var commit: String { buildCommit }
    /// `0.1.0+<commit>`.
    public static var current: String { "\(release)+\(buildCommit)" }
}
