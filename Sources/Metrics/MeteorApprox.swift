/// An approximation of METEOR 1.5 (Denkowski & Lavie 2014) for machines without its official
/// resources (with them, Meteor15 is METEOR 1.5 itself). Implemented: exact word matching, an
/// alignment with the most matches and then the fewest chunks, and METEOR 1.5's English
/// parameters (α 0.85, β 0.2, γ 0.6), statistics of each segment's best reference summed
/// over the corpus as METEOR does. Not implemented: the stem, synonym and paraphrase
/// matchers and function-word weighting (δ), so it reads below official METEOR (measured on
/// the four E2E systems: 0.015 to 0.03 below the official figure, e.g. 0.4208 vs 0.4503 for
/// TGen). Reported as METEOR with a label saying so.
public enum MeteorApprox {
    public static let alpha = 0.85, beta = 0.2, gamma = 0.6
    public static let label = "METEOR (approximation: exact matches only; no stem, synonym, paraphrase or function-word weighting)"
    /// The same without the metric's name, for a line that names it already.
    public static let note = "an approximation: exact matches only; no stem, synonym, paraphrase or function-word weighting"

    struct Stats { var matches = 0, chunks = 0, hypLen = 0, refLen = 0 }

    /// Matches and chunks of an alignment: the longest monotone alignment (LCS) first, then
    /// remaining equal words paired left to right.
    static func align(_ h: [String], _ r: [String]) -> (matches: Int, chunks: Int) {
        let n = h.count, m = r.count
        if n == 0 || m == 0 { return (0, 0) }
        var dp = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) {
            for j in stride(from: m - 1, through: 0, by: -1) {
                dp[i][j] = h[i] == r[j] ? dp[i + 1][j + 1] + 1 : max(dp[i + 1][j], dp[i][j + 1])
            }
        }
        var map = [Int?](repeating: nil, count: n)
        var usedR = [Bool](repeating: false, count: m)
        var i = 0, j = 0
        while i < n && j < m {
            if h[i] == r[j] && dp[i][j] == dp[i + 1][j + 1] + 1 { map[i] = j; usedR[j] = true; i += 1; j += 1 }
            else if dp[i + 1][j] >= dp[i][j + 1] { i += 1 } else { j += 1 }
        }
        for a in 0..<n where map[a] == nil {
            if let b = (0..<m).first(where: { !usedR[$0] && r[$0] == h[a] }) { map[a] = b; usedR[b] = true }
        }
        var matches = 0, chunks = 0
        var prev: Int? = nil
        for a in 0..<n {
            guard let b = map[a] else { prev = nil; continue }
            matches += 1
            if prev == nil || b != prev! + 1 { chunks += 1 }
            prev = b
        }
        return (matches, chunks)
    }

    static func score(_ s: Stats) -> Double {
        guard s.matches > 0, s.hypLen > 0, s.refLen > 0 else { return 0 }
        let p = Double(s.matches) / Double(s.hypLen), r = Double(s.matches) / Double(s.refLen)
        let fmean = p * r / (alpha * p + (1 - alpha) * r)
        let frag = Double(s.chunks) / Double(s.matches)
        return fmean * (1 - gamma * pow(frag, beta))
    }

    /// Inputs PTB-tokenised and lower-cased (as the COCO evaluation feeds METEOR).
    public static func corpus(candidates: [[String]], references: [[[String]]]) -> Double {
        var total = Stats()
        for (h, refs) in zip(candidates, references) {
            var best: Stats? = nil, bestScore = -1.0
            for r in refs {
                let (m, ch) = align(h, r)
                let s = Stats(matches: m, chunks: ch, hypLen: h.count, refLen: r.count)
                let sc = score(s)
                if sc > bestScore { best = s; bestScore = sc }
            }
            if let b = best {
                total.matches += b.matches; total.chunks += b.chunks; total.hypLen += b.hypLen; total.refLen += b.refLen
            }
        }
        return score(total)
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
