import Foundation
import Spec
import Testing

/// docs/spec.md and the validator's key table (`SpecKeys`) name the same keys, so they cannot drift apart.
@Suite struct SpecDocsTests {
    static let doc = (try? String(contentsOf: repoRoot.appendingPathComponent("docs/spec.md"), encoding: .utf8)) ?? ""

    /// (section key path, key) of every row of a `| key | …` table, the section taken from the heading above
    /// it: `## Top-level keys` → "", ``### `data` `` → "data"; a table inside the data section whose rows are
    /// quality keys belongs to `data.quality`.
    static func documentedKeys() -> [(section: String, key: String)] {
        var section: String?
        var inKeyTable = false
        var out: [(String, String)] = []
        for line in doc.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("## ") { section = line == "## Top-level keys" ? "" : nil }
            if line.hasPrefix("### `"), let name = line.split(separator: "`").dropFirst().first {
                section = String(name)
            }
            if line.hasPrefix("| key |") {
                inKeyTable = true
                continue
            }
            guard line.hasPrefix("|") else {
                inKeyTable = false
                continue
            }
            guard inKeyTable, let section, !line.hasPrefix("|---") else { continue }
            let cell = line.split(separator: "|").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard cell.hasPrefix("`"), cell.hasSuffix("`") else { continue }
            let key = String(cell.dropFirst().dropLast())
            let inSection = section.isEmpty ? key : "\(section).\(key)"
            out.append((SpecKeys.root.key(at: inSection) == nil && section == "data" ? "data.quality" : section, key))
        }
        return out
    }

    @Test func everyKeyInDocsSpecTablesIsAKeyTheValidatorAccepts() {
        let keys = Self.documentedKeys()
        #expect(keys.count >= 30)
        for (section, key) in keys {
            let path = section.isEmpty ? key : "\(section).\(key)"
            #expect(SpecKeys.root.key(at: path) != nil, "docs/spec.md documents \(path), which the validator refuses")
        }
    }

    @Test func everyKeyOfTheTablesSectionsIsInDocsSpec() {
        let documented = Set(Self.documentedKeys().map { $0.section.isEmpty ? $0.key : "\($0.section).\($0.key)" })
        for section in ["", "data", "data.quality", "execute"] {
            let key = section.isEmpty ? SpecKeys.root : SpecKeys.root.key(at: section)!
            for child in key.children {
                let path = section.isEmpty ? child.name : "\(section).\(child.name)"
                #expect(documented.contains(path), "\(path) is missing from docs/spec.md's tables")
            }
        }
    }

    /// Every key anywhere in the table is named in docs/spec.md (prose sections included).
    @Test func everyKeyIsNamedInDocsSpec() {
        func walk(_ key: SpecKey, _ path: String) {
            for child in key.children {
                let p = path.isEmpty ? child.name : "\(path).\(child.name)"
                // `name` in backticks, or `name: value` inside a flow mapping such as `{per_share: X}`.
                let named = Self.doc.contains("`\(child.name)") || Self.doc.contains("\(child.name): ")
                #expect(named, "\(p) is not named in docs/spec.md")
                walk(child, p)
            }
        }
        walk(SpecKeys.root, "")
    }

    @Test func theDocumentedDefaultsAreTheTablesDefaults() {
        // The rows that state a default in backticks, compared with SpecKeys' default.
        for line in Self.doc.split(separator: "\n").map(String.init) where line.hasPrefix("| `") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3 else { continue }
            let key = cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            for section in ["", "data", "data.quality", "execute"] {
                let path = section.isEmpty ? key : "\(section).\(key)"
                guard let k = SpecKeys.root.key(at: path), let d = k.defaultValue else { continue }
                let written: String
                switch d {
                case .integer(let i): written = "`\(i)`"
                case .number(let n): written = n.rounded() == n ? "`\(Int(n))`" : "`\(n)`"
                case .text(let t): written = "`\(t)`"
                case .boolean(let b): written = "`\(b)`"
                case .emptyList: written = "`[]`"
                }
                if cells[2].hasPrefix("`") && !cells[2].hasPrefix("`{") {
                    #expect(
                        cells[2] == written, "docs/spec.md: \(path) defaults to \(cells[2]), the code to \(written)")
                }
            }
        }
    }

    @Test func yahooTakesAdjustmentRawOrAll() {
        let yahoo = ["version: 1", "name: t", "universe: {tickers: [AAPL]}", "strategies: [buy_and_hold]"]
        #expect(problems(yahoo + ["data: {provider: yahoo, adjustment: all}"]).isEmpty)
        #expect(problems(yahoo + ["data: {provider: yahoo, adjustment: raw}"]).isEmpty)
        let split = problems(yahoo + ["data: {provider: yahoo, adjustment: split}"])
        #expect(split.count == 1)
        #expect(split.first?.contains("provider yahoo takes adjustment raw or all") == true)
        #expect(problems(yahoo + ["data: {provider: stooq, adjustment: all}"]).count == 1)
    }
}
