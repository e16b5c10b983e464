import Foundation
import Spec

/// The repository root, found from this file's path (Tests/SpecTests/Support.swift).
let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func fixtureURL(_ name: String) -> URL {
    let dot = name.lastIndex(of: ".")!
    return Bundle.module.url(
        forResource: String(name[..<dot]), withExtension: String(name[name.index(after: dot)...]),
        subdirectory: "Fixtures")!
}

/// The diagnostics' full text for `lines` joined with newlines, or [] when the spec is valid.
func problems(_ lines: [String], file: String = "p.yaml") -> [String] {
    problems(yaml: lines.joined(separator: "\n") + "\n", file: file)
}

func problems(yaml: String, file: String = "p.yaml") -> [String] {
    do {
        _ = try SpecLoader.parse(yaml: yaml, displayPath: file)
        return []
    } catch {
        return error.diagnostics.map(\.description)
    }
}

/// A valid spec's resolved value (nil and the problems printed if it is not valid).
func parsed(_ lines: [String]) -> PipelineSpec? {
    do {
        return try SpecLoader.parse(yaml: lines.joined(separator: "\n") + "\n", displayPath: "p.yaml").spec
    } catch {
        print(error)
        return nil
    }
}

/// The smallest valid spec's first lines; tests append sections after line 3 or 4.
let header = ["version: 1", "name: t", "universe: {tickers: [AAPL, MSFT]}"]
