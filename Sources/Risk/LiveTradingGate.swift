/// Why live trading was refused.
public enum LiveTradingError: Error, Equatable, CustomStringConvertible {
    /// `--confirm-live` was given but the spec says `execute.mode: paper`.
    case specModeNotLive
    /// The spec says `execute.mode: live` but `--confirm-live` was not given.
    case confirmFlagMissing
    /// `execute.mode: live` with `execute.broker: paper`: the paper broker has no live account.
    case liveNeedsAlpaca

    public var description: String {
        switch self {
        case .specModeNotLive:
            return "live trading refused: --confirm-live was given but the spec's execute.mode is paper; "
                + "set `execute: { mode: live }` in the spec as well (both are required)"
        case .confirmFlagMissing:
            return "live trading refused: the spec sets execute.mode: live but --confirm-live is missing; "
                + "add --confirm-live to the command line (both are required)"
        case .liveNeedsAlpaca:
            return "live trading refused: execute.mode: live needs execute.broker: alpaca (the paper broker "
                + "cannot trade live)"
        }
    }
}

public enum LiveTradingGate {
    /// Passes when the run stays on paper, or when both opt-ins are present for live trading:
    /// `mode: live` in the spec AND `--confirm-live` on the command line. Throws naming the missing one.
    ///
    /// | broker | mode  | --confirm-live | result |
    /// |--------|-------|----------------|--------|
    /// | paper  | paper | no             | ok |
    /// | paper  | paper | yes            | `specModeNotLive` |
    /// | paper  | live  | any            | `liveNeedsAlpaca` |
    /// | alpaca | paper | no             | ok (paper endpoint) |
    /// | alpaca | paper | yes            | `specModeNotLive` |
    /// | alpaca | live  | no             | `confirmFlagMissing` |
    /// | alpaca | live  | yes            | ok (live endpoint) |
    public static func check(mode: TradingMode, confirmLive: Bool, broker: BrokerKind) throws(LiveTradingError) {
        switch (mode, confirmLive) {
        case (.paper, false): return
        case (.paper, true): throw .specModeNotLive
        case (.live, _) where broker == .paper: throw .liveNeedsAlpaca
        case (.live, false): throw .confirmFlagMissing
        case (.live, true): return
        }
    }
}
