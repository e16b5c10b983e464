import Testing

@testable import Reports

/// The byte writer of the report's large parts: its escaping and numbers are the ones of the rest of the
/// report.
@Suite struct HTMLBytesTests {
    @Test func escapesTheFiveCharactersAndNULAndNothingElse() {
        var b = HTMLBytes()
        b.text("<a href=\"x\">Tom & Jerry's</a>\u{0}é☃ plain")
        #expect(b.string == "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;\u{FFFD}é☃ plain")
        #expect(HTMLReport.escape("ok") == "ok")
        var raw = HTMLBytes()
        raw.raw("<b>")
        #expect(raw.string == "<b>")
    }

    /// `grouped` writes the same text as `Format.grouped` for every magnitude, sign and decimal count.
    @Test func groupedMatchesFormatGrouped() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var values: [Double] = [
            0, -0.0, 0.004, -0.004, 0.005, -0.005, 999.995, 1000, -1000, 999_999.999, 1e15, -1e15, 9e15, 1e20, -1e20,
            .nan, .infinity, -.infinity, 1234567.891, -1234567.891,
        ]
        for _ in 0..<20_000 {
            let magnitude = Double(next() % 18)
            let unit = Double(next() % 1_000_000) / 1_000_000
            values.append((next() % 2 == 0 ? 1 : -1) * unit * Double.pow10(magnitude))
        }
        for v in values {
            for d in [0, 1, 2, 4] {
                var b = HTMLBytes()
                b.grouped(v, d)
                #expect(b.string == Format.grouped(v, d), "\(v) with \(d) decimals")
            }
        }
    }
}

extension Double {
    fileprivate static func pow10(_ e: Double) -> Double {
        var r = 1.0
        for _ in 0..<Int(e) { r *= 10 }
        return r
    }
}
