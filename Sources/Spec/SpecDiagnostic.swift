/// One problem found in a spec file, located by line and column (both 1-based).
///
/// A `line` of 0 means the problem concerns the whole file (it cannot be read, for example).
public struct SpecDiagnostic: Sendable, Equatable, CustomStringConvertible {
    /// The spec file as the user named it.
    public var file: String
    public var line: Int
    public var column: Int
    /// Where in the spec: `strategies[0].sma_crossover.fast`; empty for the document itself.
    public var keyPath: String
    /// What is wrong, what was expected and how to fix it.
    public var message: String
    /// The valid name a misspelt key, strategy, parameter or value was probably meant to be (the message's
    /// "did you mean"), for editors that offer it as a quick fix; nil when there is none.
    public var suggestion: String?

    public init(file: String, line: Int, column: Int, keyPath: String, message: String, suggestion: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
        self.suggestion = suggestion
    }

    /// `pipelines/x.yaml:12:5: <message>` (`pipelines/x.yaml: <message>` when the line is unknown).
    public var description: String {
        line > 0 ? "\(file):\(line):\(column): \(message)" : "\(file): \(message)"
    }
}

/// Every problem found in a spec, sorted by line and column.
public struct SpecError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [SpecDiagnostic]

    public init(diagnostics: [SpecDiagnostic]) {
        // A stable sort keeps problems at the same position in the order they were found.
        self.diagnostics = diagnostics.enumerated()
            .sorted { a, b in
                (a.element.line, a.element.column, a.offset) < (b.element.line, b.element.column, b.offset)
            }
            .map(\.element)
    }

    /// One diagnostic per line.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
