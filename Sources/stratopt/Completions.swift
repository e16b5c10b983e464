import ArgumentParser
import Foundation
import RunStore

/// Shell completion of run ids: the ids recorded in the run store of the data folder the command line names
/// (`--data-dir`, else $STRATOPT_DATA_DIR, else data), newest first. Never creates the store.
enum RunIdCompletion {
    /// `words`: the command line so far; `prefix`: what is typed of the run id.
    @Sendable static func complete(_ words: [String], _ index: Int, _ prefix: String) -> [String] {
        var dataDir = ProcessInfo.processInfo.environment["STRATOPT_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        for (i, w) in words.enumerated() {
            if w == "--data-dir", i + 1 < words.count { dataDir = words[i + 1] }
            if w.hasPrefix("--data-dir=") { dataDir = String(w.dropFirst("--data-dir=".count)) }
        }
        let dir = dataDir ?? "data"
        guard FileManager.default.fileExists(atPath: dir + "/runs.sqlite"),
            let store = try? RunStore(dataDir: dir), let runs = try? store.list(limit: 500)
        else { return [] }
        return runs.map(\.runId).filter { $0.hasPrefix(prefix) }
    }
}
