import Foundation
import Market
import Testing

@testable import Reports

/// Issue 14 item 8: values at the edges of Double (a capital of 1.7e308 once trapped with "Double value
/// cannot be converted to Int" in the chart code) must render, never crash.
@Suite struct ExtremeValuesTests {
    let dates = (0..<50).map { SessionDate(iso: "2024-01-02")!.adding(days: $0) }

    func chart(_ values: [Double], area: Bool = false) -> String {
        SVGChart(
            title: "t", dates: dates, series: [.init(label: "x", cssClass: "s1", values: values, area: area)],
            valueStyle: .money
        ).render()
    }

    @Test(arguments: [1.7e308, -1.7e308, Double.greatestFiniteMagnitude, 1e300])
    func hugeEquityRendersWithoutTrapping(scale: Double) {
        let values = (0..<50).map { i in scale * (i % 2 == 0 ? 1 : 0.5) }
        let svg = chart(values, area: true)
        #expect(svg.hasPrefix("<svg"))
        #expect(svg.hasSuffix("</svg>"))
    }

    @Test func aSpanThatOverflowsSaysSo() {
        // max − min = 3.4e308 overflows to infinity.
        let values = (0..<50).map { i in i % 2 == 0 ? 1.7e308 : -1.7e308 }
        #expect(chart(values).contains("values out of chart range"))
    }

    @Test func tinyAndSubnormalValuesRender() {
        let values = (0..<50).map { i in Double(i) * Double.leastNonzeroMagnitude }
        #expect(chart(values).hasSuffix("</svg>"))
    }

    @Test func unitConversionIsTotal() {
        #expect(SVGChart.unit(.nan) == 0)
        #expect(SVGChart.unit(.infinity) == 1_000_000_000)
        #expect(SVGChart.unit(-.infinity) == -1_000_000_000)
        #expect(SVGChart.unit(1.7e308) == 1_000_000_000)
        #expect(SVGChart.unit(10.25) == 21)  // 10.25 layout units = 20.5 half units, rounded half away
    }

    @Test func niceTicksOfAnOverflowingRangeAreItsEnds() {
        #expect(SVGChart.niceTicks(lo: -1.7e308, hi: 1.7e308, count: 5) == [-1.7e308, 1.7e308])
        #expect(SVGChart.niceTicks(lo: 0, hi: 100, count: 5) == [0, 20, 40, 60, 80, 100])
    }

    @Test func formattingExtremesIsTotal() {
        #expect(Format.fixed(1.7e308, 2) == "1.7e+308")
        #expect(Format.grouped(-1.7e308, 0) == "-1.7e+308")
        #expect(Format.number(1.7e308) == "1.7e+308")
        #expect(HTMLReport.heatClass(1e308, scaleMax: 1e-300) == "h9")
    }
}
