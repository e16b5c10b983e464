/// "Did you mean" suggestions for misspelt keys, ids, values and expression and command names: the one home of the rule,
/// shared by the spec reader and the rule-expression checker.
public enum Suggestions {
    /// The candidate closest to `word` (optimal string alignment distance, case-insensitive), when it is
    /// close enough to be a plausible typo: at most 2 edits, or a third of the longer word's length;
    /// failing that, a candidate that starts with the word or that the word starts with (at least 4 letters:
    /// `sma_cross` → `sma_crossover`). Ties go to the earlier candidate.
    public static func closest(to word: String, in candidates: [String]) -> String? {
        let w = Array(word.lowercased())
        guard !w.isEmpty, w.count <= 64 else { return nil }
        var best: (candidate: String, distance: Int)?
        for c in candidates {
            let cw = Array(c.lowercased())
            var d = distance(w, cw)
            let limit = max(2, max(w.count, cw.count) / 3)
            // A single letter is 2 edits from every 3-letter name: a match must keep part of the word.
            if d > limit || d >= min(w.count, cw.count) {
                let shorter = min(w.count, cw.count)
                guard shorter >= 4, cw.starts(with: w) || w.starts(with: cw) else { continue }
                d = limit + 1
            }
            if d < (best?.distance ?? Int.max) { best = (c, d) }
        }
        return best?.candidate
    }

    /// `; did you mean "x"?` or an empty string.
    public static func hint(for word: String, in candidates: [String]) -> String {
        closest(to: word, in: candidates).map { "; did you mean \"\($0)\"?" } ?? ""
    }

    /// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
    public static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev2 = [Int](repeating: 0, count: b.count + 1)
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { v = min(v, prev2[j - 2] + 1) }
                cur[j] = v
            }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[b.count]
    }
}
