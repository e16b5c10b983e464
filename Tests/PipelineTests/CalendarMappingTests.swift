import Brokers
import Foundation
import Market
import Testing

@testable import Pipeline
@testable import Spec

/// The spec's calendar reaches the engine's annualisation and the paper broker gets the spec's costs.
@Suite struct CalendarMappingTests {
    func spec(_ calendar: CalendarKind, commission: PipelineSpec.Commission = .fraction(0.001)) -> PipelineSpec {
        var s = PipelineSpec(name: "t", universe: .init(tickers: ["AAA"]), strategies: [])
        s.data.calendar = calendar
        s.costs.commission = commission
        return s
    }

    @Test func annualisationFollowsTheCalendar() throws {
        #expect(try SpecMapping.backtestConfig(spec(.nyse)).conventions.annualization == 252)
        #expect(try SpecMapping.backtestConfig(spec(.weekdays)).conventions.annualization == 252)
        #expect(try SpecMapping.backtestConfig(spec(.allDays)).conventions.annualization == 365)
    }

    @Test func thePaperBrokerChargesTheSpecsCommissionModel() {
        #expect(
            ExecuteStage.paperConfig(spec(.nyse, commission: .fixed(4.95))).commission
                == .fixed(Decimal(string: "4.95")!))
        #expect(
            ExecuteStage.paperConfig(spec(.nyse, commission: .perShare(rate: 0.005, minimum: 1))).commission
                == .perShare(rate: Decimal(string: "0.005")!, minimum: 1))
        #expect(ExecuteStage.paperConfig(spec(.nyse)).commission == .fraction(Decimal(string: "0.001")!))
    }
}
