import RunStore
import Testing

@Suite struct PruningTests {
    // 1 h = 3,600 s; 1 d = 86,400 s; 1 w = 604,800 s.
    static let valid: [(String, Double)] = [
        ("30d", 2_592_000), ("12h", 43_200), ("2w", 1_209_600), ("1d", 86_400), (" 7d ", 604_800),
    ]

    @Test(arguments: valid)
    func validAges(text: String, seconds: Double) throws {
        #expect(try Pruning.parseAge(text) == seconds)
    }

    static let invalid: [(String, String)] = [
        ("", "empty duration"),
        ("30", "missing unit"),
        ("d", "missing number"),
        ("30x", "unknown unit 'x'"),
        ("30D", "unknown unit 'D'"),
        ("-1d", "'-1' is not a whole number"),
        ("1.5d", "'1.5' is not a whole number"),
        ("0d", "the duration must be more than zero"),
        ("30 d", "'30 ' is not a whole number"),
    ]

    @Test(arguments: invalid)
    func invalidAges(text: String, reason: String) {
        #expect(throws: AgeParseError(input: text, reason: reason)) { try Pruning.parseAge(text) }
    }

    @Test func errorReadsLikeAdvice() {
        let e = AgeParseError(input: "30x", reason: "unknown unit 'x'")
        #expect(
            e.description
                == "--older-than 30x: unknown unit 'x'; write a whole number and a unit: h (hours), d (days) or w (weeks), e.g. 30d, 12h, 2w"
        )
    }
}
