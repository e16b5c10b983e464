import Yams

/// The commented starter spec `stratopt init` writes: valid as written, one provider's keys filled in.
public enum SpecTemplate {
    /// The providers a starter spec can be written for.
    public enum Provider: String, Sendable, CaseIterable {
        case synthetic
        case csv
        case alpaca
    }

    /// The spec text for a study called `name`. `name` is written as a quoted YAML string, so any text is safe.
    public static func text(name: String, provider: Provider) -> String {
        var parts: [String] = []
        parts.append(
            """
            # A stratopt pipeline spec (stratopt init). Every key: docs/spec.md; check it: stratopt validate FILE.
            # Editors with the YAML language server check it as you type against `stratopt schema`; save that
            # next to this file and add a first line: # yaml-language-server: $schema=pipeline.schema.json
            version: 1                    # spec format version; must be 1
            name: \(quoted(name))\(String(repeating: " ", count: max(1, 24 - quoted(name).count)))# names the report folder: reports/<name>/<run-id>
            """)
        switch provider {
        case .synthetic:
            parts.append(
                """
                data:
                  provider: synthetic         # offline, deterministic bars, clearly labelled synthetic
                  seed: 42                    # same seed, same bars

                universe:
                  tickers: [AAPL, MSFT, NVDA] # any symbols: the synthetic market invents their bars
                """)
        case .csv:
            parts.append(
                """
                data:
                  provider: csv
                  path: bars                  # a folder of <SYMBOL>.csv (date,open,high,low,close,volume), relative to this file

                universe:
                  tickers: [AAPL]             # needs bars/AAPL.csv
                """)
        case .alpaca:
            parts.append(
                """
                data:
                  provider: alpaca            # needs APCA_API_KEY_ID and APCA_API_SECRET_KEY in the environment
                  adjustment: all             # raw | split | dividend | all
                  feed: iex                   # iex (free) | sip

                universe:
                  tickers: [SPY, AAPL, MSFT]
                """)
        }
        parts.append(
            """
            period:
              start: -2y                  # YYYY-MM-DD, today, or an offset from the as-of date: -2y, -6m, -30d
              end: today

            capital:
              initial: 100000             # starting cash of each backtest

            costs:
              commission: 0.001           # fraction of traded value per fill (0.001 = 0.1 %)
              slippage_bps: 2             # adverse price move per fill, in basis points

            strategies:                   # `strategies: all` runs every built-in strategy with its defaults
              - sma_crossover:
                  fast: [10, 20]          # a list makes a grid: every combination is backtested
                  slow: {from: 50, to: 100, step: 50}   # a range, inclusive: 50, 100
              - rsi_reversion             # a bare id: default parameters (stratopt strategies lists them)
              - buy_and_hold              # the benchmark
            """)
        if provider == .alpaca {
            parts.append(
                """
                execute:
                  enabled: false              # true (or run --execute) sends orders after scoring
                  broker: alpaca
                  mode: paper                 # an Alpaca paper account
                  min_score: 60               # only results scoring at least this are traded
                  risk:
                    rules:
                      - {type: max_position_size, limit_pct: 10, action: reduce_size}
                """)
        }
        return parts.joined(separator: "\n\n") + "\n"
    }

    /// `name` as a double-quoted YAML scalar, written by libyaml's emitter (through Yams).
    static func quoted(_ name: String) -> String {
        let node = Node.scalar(Node.Scalar(name, Tag(.str), .doubleQuoted))
        let text = (try? Yams.serialize(node: node, width: -1, allowUnicode: true)) ?? "\"stratopt\""
        // A lone scalar document ends with a line break (and, for some scalars, a `...` end marker).
        return text.split(separator: "\n").first.map(String.init) ?? "\"stratopt\""
    }
}
