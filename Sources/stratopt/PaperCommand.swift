import ArgumentParser
import Brokers
import Foundation

/// `stratopt paper`: the embedded paper broker's ledger (`<data dir>/paper.sqlite`).
struct Paper: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or reset the paper broker's account (<data dir>/paper.sqlite).",
        discussion: """
            `stratopt paper` prints cash, open positions with their market value (at the last fill price), the \
            equity history (one mark per executed session) and the realised P&L of every sale, from the ledger. \
            `--json` prints the same as JSON (money in integer cents). `stratopt paper reset --yes` deletes the \
            ledger: the next execute starts again from the spec's capital.initial. See docs/execute.md.
            """,
        subcommands: [Show.self, Reset.self], defaultSubcommand: Show.self)

    static func ledgerPath(_ data: DataOptions) -> String { data.resolvedDataDir + "/paper.sqlite" }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cash, positions with market value, equity history and realised P&L.")
        @OptionGroup var data: DataOptions
        @Flag(help: "Print JSON (money in integer cents) instead of text.") var json = false

        func run() throws {
            let statement: PaperStatement
            do { statement = try PaperStatement.read(path: Paper.ledgerPath(data)) } catch {
                throw CLIFailure("stratopt: \(error)", .failed)
            }
            if json {
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                enc.keyEncodingStrategy = .convertToSnakeCase
                print(String(decoding: try enc.encode(statement), as: UTF8.self))
            } else {
                print(statement.text, terminator: "")
            }
        }
    }

    struct Reset: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete the paper ledger (cash, positions, orders, history); needs --yes.")
        @OptionGroup var data: DataOptions
        @Flag(help: "Confirm: the ledger cannot be restored.") var yes = false

        func run() throws {
            guard yes else {
                throw CLI.usage(
                    "paper reset deletes \(Paper.ledgerPath(data)) for good; add --yes to confirm")
            }
            let lock = try CLI.lockDataFolder(data.resolvedDataDir, runId: "paper-reset", wait: false)
            defer { lock.release() }
            do {
                let removed = try PaperStatement.reset(path: Paper.ledgerPath(data))
                print(
                    removed
                        ? "paper ledger \(Paper.ledgerPath(data)) deleted; the next execute starts from capital.initial"
                        : "no paper ledger at \(Paper.ledgerPath(data)); nothing to reset")
            } catch {
                throw CLIFailure("stratopt: \(error)", .failed)
            }
        }
    }
}
