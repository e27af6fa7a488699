import Foundation

/// Corpus BLEU and NIST exactly as mteval-v13a.pl computes them for the E2E challenge's
/// evaluation (measure_scores.py): one document, one reference set per reference position
/// (instances with fewer references padded with empty ones, as the script pads them),
/// BLEU with its smoothing (1/2^k for the k-th n-gram order without a match) and the
/// closest reference length (ties to the shorter; empty references skipped); NIST with
/// information weights from n-gram counts over every reference, 5-grams, and its length
/// penalty against the average reference length.
public struct MTEval {
    public struct Scores: Sendable, Equatable {
        public var bleu: Double
        public var nist: Double
    }

    static let maxN = 9

    /// n-grams (1...maxN) of a token list, as space-joined strings, with counts.
    static func ngrams(_ w: [String]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for i in 0..<w.count {
            var g = ""
            for j in i..<min(w.count, i + maxN) {
                g = j == i ? w[j] : g + " " + w[j]
                counts[g, default: 0] += 1
            }
        }
        return counts
    }

    /// hypotheses[i] is scored against references[i] (one or more each).
    public static func score(hypotheses: [String], references: [[String]]) -> Scores {
        precondition(hypotheses.count == references.count)
        let sets = references.map(\.count).max() ?? 0
        // Reference set k holds every instance's k-th reference, or "" where it has fewer.
        let refTokens: [[[String]]] = references.map { refs in
            (0..<sets).map { k in k < refs.count ? MTEvalTokenizer.tokenize(refs[k]) : [] }
        }
        let hypTokens = hypotheses.map { MTEvalTokenizer.tokenize($0) }

        // Information weights from every reference segment.
        var ngramCount: [String: Int] = [:]
        var totalWords = 0
        for refs in refTokens {
            for r in refs {
                totalWords += r.count
                for (g, c) in ngrams(r) { ngramCount[g, default: 0] += c }
            }
        }
        func info(_ g: String) -> Double {
            let count = Double(ngramCount[g]!)
            if let space = g.lastIndex(of: " ") {
                return -log2(count / Double(ngramCount[String(g[..<space])]!))
            }
            return -log2(count / Double(totalWords))
        }

        var refLength = 0, refCount = 0
        var match = [Double](repeating: 0, count: maxN + 1), tst = match, ref = match, tstInfo = match
        for (hyp, refs) in zip(hypTokens, refTokens) {
            let h = ngrams(hyp)
            for j in 1...maxN { tst[j] += Double(max(0, hyp.count - j + 1)) }
            var maxRef: [String: Int] = [:]
            var closest: Int? = nil
            for r in refs {
                if !r.isEmpty { refCount += 1 }
                for (g, c) in ngrams(r) { maxRef[g] = max(maxRef[g] ?? 0, c) }
                for j in 1...maxN { ref[j] += Double(max(0, r.count - j + 1)) }
                guard let current = closest else { closest = r.count; continue }
                if r.isEmpty { continue }
                let dNew = abs(hyp.count - r.count), dCur = abs(hyp.count - current)
                if dNew < dCur || (dNew == dCur && r.count < current) { closest = r.count }
            }
            refLength += closest ?? 0
            for (g, c) in h {
                guard let m = maxRef[g] else { continue }
                let n = g.split(separator: " ").count
                let k = Double(min(c, m))
                match[n] += k
                tstInfo[n] += info(g) * k
            }
        }

        // BLEU: smoothed 4-gram geometric mean with the brevity penalty.
        var logSum = 0.0, smooth = 1.0
        for j in 1...4 {
            if tst[j] == 0 { continue }
            if match[j] == 0 { smooth *= 2; logSum += log(1 / (smooth * tst[j])) } else { logSum += log(match[j] / tst[j]) }
        }
        let bp = tst[1] > 0 ? exp(min(0, 1 - Double(refLength) / tst[1])) : 0
        let bleu = exp(logSum / 4) * bp

        // NIST: information-weighted 5-gram precision with the length penalty.
        var nist = 0.0
        for n in 1...5 { nist += tstInfo[n] / max(tst[n], 1) }
        let avgRefs = Double(refCount) / Double(max(1, hypotheses.count))
        nist *= nistLengthPenalty(tst[1] / (ref[1] / avgRefs))
        return Scores(bleu: bleu, nist: nist)
    }

    static func nistLengthPenalty(_ ratio: Double) -> Double {
        if ratio >= 1 { return 1 }
        if ratio <= 0 { return 0 }
        let beta = -log(0.5) / log(1.5) / log(1.5)
        return exp(-beta * log(ratio) * log(ratio))
    }
}
