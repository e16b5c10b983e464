import DataSources
import Foundation
import Testing

@Suite struct HTTPProviderFactoryTests {
    @Test func buildsEachProviderWithItsVariant() throws {
        let env = ["APCA_API_KEY_ID": "k", "APCA_API_SECRET_KEY": "s"]
        let alpaca = try HTTPProviders.make(id: "alpaca", adjustment: "split,spin-off", feed: "sip", environment: env)
        #expect(alpaca.id == "alpaca")
        #expect((alpaca as? AlpacaBarsProvider)?.variant == "adjustment=split,spin-off;feed=sip")
        let yahoo = try HTTPProviders.make(id: "yahoo", adjustment: "all")
        #expect((yahoo as? YahooChartProvider)?.variant == "adjustment=all")
        let stooq = try HTTPProviders.make(id: "stooq", environment: [:])
        #expect(stooq.id == "stooq" && !stooq.isSynthetic)
    }

    @Test(
        arguments: [
            ("alpaca", "splits", nil, "alpaca: unknown adjustment \"splits\""),
            ("alpaca", nil, "nasdaq", "alpaca: unknown feed \"nasdaq\""),
            ("yahoo", "dividend", nil, "yahoo: unknown adjustment \"dividend\" (use raw or all)"),
            ("yahoo", nil, "iex", "yahoo: has no feed option; remove it"),
            ("stooq", "raw", nil, "stooq: serves only its own adjusted series"),
            ("polygon", nil, nil, "unknown HTTP provider \"polygon\" (expected alpaca, yahoo, stooq)"),
        ] as [(String, String?, String?, String)])
    func rejectsSettingsThatCannotWork(id: String, adjustment: String?, feed: String?, message: String) {
        #expect {
            _ = try HTTPProviders.make(id: id, adjustment: adjustment, feed: feed, environment: [:])
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }
}
