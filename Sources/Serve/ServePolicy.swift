import Foundation
import Spec
import Yams

/// What a spec submitted over HTTP may not do that a spec file on the server may: name the server's files
/// (a report folder, a csv folder, signals files) or make the server call a URL it chose (a provider's
/// base URL, webhooks). Refused with the key's line and column, like any spec error.
enum ServePolicy {
    static func refusal(_ spec: PipelineSpec, source: String, file: String) -> SpecDiagnostic? {
        var keyPath: [String]?
        var why = ""
        if spec.report.dir != nil {
            keyPath = ["report", "dir"]
            why = "report.dir is chosen by the server (<reports>/<name>/<job id>); remove it"
        } else if spec.data.path != nil {
            keyPath = ["data", "path"]
            why = "data.path names a folder on the server; a spec sent over HTTP may not read server files"
        } else if spec.data.baseURL != nil {
            keyPath = ["data", "base_url"]
            why = "data.base_url makes the server call a URL of the request's choosing; remove it"
        } else if !spec.notify.isEmpty {
            keyPath = ["notify"]
            why = "notify webhooks are not accepted over HTTP (the server would POST where the request says)"
        } else if let i = spec.strategies.firstIndex(where: { $0.signals != nil }) {
            keyPath = ["strategies", String(i)]
            why = "a signals strategy reads files on the server; a spec sent over HTTP may not"
        }
        guard let keyPath else { return nil }
        let (line, column) = location(keyPath, in: source)
        return SpecDiagnostic(
            file: file, line: line, column: column, keyPath: keyPath.joined(separator: "."), message: why)
    }

    /// Line and column (1-based) of the value at `path` (mapping keys, list indices), else of the deepest
    /// part found; 1:1 when the text cannot be composed.
    static func location(_ path: [String], in source: String) -> (Int, Int) {
        guard var node = try? Yams.compose(yaml: source) else { return (1, 1) }
        var best = node.mark.map { ($0.line, $0.column) } ?? (1, 1)
        for part in path {
            var next: Node?
            if let map = node.mapping {
                for (k, v) in map where k.string == part {
                    best = k.mark.map { ($0.line, $0.column) } ?? best
                    next = v
                }
            } else if let seq = node.sequence, let i = Int(part), i >= 0, i < seq.count {
                next = seq[i]
                best = next?.mark.map { ($0.line, $0.column) } ?? best
            }
            guard let n = next else { break }
            node = n
        }
        return best
    }
}
