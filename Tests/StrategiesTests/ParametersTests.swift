import Foundation
import Testing

@testable import Strategies

@Suite struct ParametersTests {
    @Test func textIsCanonicalAndFollowsEveryChange() {
        var p = Parameters(["slow": .int(50), "fast": .int(10)])
        #expect(p.text == "fast=10;slow=50")
        #expect("\(p)" == "fast=10;slow=50")
        p["mult"] = .double(2.5)
        #expect(p.text == "fast=10;mult=2.5;slow=50")
        p["mult"] = .double(3)  // an integral double prints without a decimal point
        #expect(p.text == "fast=10;mult=3;slow=50")
        p["mult"] = nil
        #expect(p.text == "fast=10;slow=50")
        #expect(Parameters().text.isEmpty && Parameters().isEmpty)
    }

    @Test(arguments: ["", "fast=10;slow=50", "k=-3", "mult=2.5", "x=0.1;y=1e+20"])
    func canonicalTextParsesBackToTheSameText(_ text: String) throws {
        let p = try #require(Parameters(canonical: text))
        #expect(p.text == text)
    }

    @Test func parsedValuesKeepTheirKind() throws {
        let p = try #require(Parameters(canonical: "fast=10;mult=2.5"))
        #expect(p["fast"] == .int(10))
        #expect(p["mult"] == .double(2.5))
    }

    @Test(arguments: [
        "slow=50;fast=10",  // unsorted
        "fast=10;fast=20",  // repeated
        "fast=10;",  // empty pair
        ";fast=10",
        "fast",  // no value
        "=10",  // no name
        "fast=ten",
        "fast=nan",
        "fast=inf",
        "mult=2.50",  // not the shortest form
        "fast=+10",
        "-",  // results.csv's placeholder for no parameters is not parameter text
    ])
    func nonCanonicalTextIsRejected(_ text: String) {
        #expect(Parameters(canonical: text) == nil, "\(text)")
    }

    @Test func codableKeepsTheValuesFormAndRecomputesTheText() throws {
        let p = Parameters(["fast": .int(10), "mult": .double(2.5)])
        let data = try JSONEncoder().encode(p)
        #expect(String(decoding: data, as: UTF8.self).contains("\"values\""))
        let back = try JSONDecoder().decode(Parameters.self, from: data)
        #expect(back == p && back.text == "fast=10;mult=2.5")
    }
}
