import Risk
import Testing

@Suite struct LiveTradingGateTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var broker: BrokerKind
        var mode: TradingMode
        var confirm: Bool
        var error: LiveTradingError?
        var testDescription: String { "\(broker) \(mode) confirm=\(confirm)" }
    }

    static let cases: [Case] = [
        Case(broker: .paper, mode: .paper, confirm: false, error: nil),
        Case(broker: .paper, mode: .paper, confirm: true, error: .specModeNotLive),
        Case(broker: .paper, mode: .live, confirm: true, error: .liveNeedsAlpaca),
        Case(broker: .alpaca, mode: .paper, confirm: false, error: nil),
        Case(broker: .alpaca, mode: .paper, confirm: true, error: .specModeNotLive),
        Case(broker: .alpaca, mode: .live, confirm: false, error: .confirmFlagMissing),
        Case(broker: .alpaca, mode: .live, confirm: true, error: nil),
    ]

    @Test(arguments: cases)
    func bothOptInsAreRequired(c: Case) {
        do {
            try LiveTradingGate.check(mode: c.mode, confirmLive: c.confirm, broker: c.broker)
            #expect(c.error == nil)
        } catch {
            #expect(error == c.error)
        }
    }

    @Test func messagesNameTheMissingOptIn() {
        #expect(LiveTradingError.confirmFlagMissing.description.contains("--confirm-live is missing"))
        #expect(LiveTradingError.specModeNotLive.description.contains("execute.mode is paper"))
    }
}
