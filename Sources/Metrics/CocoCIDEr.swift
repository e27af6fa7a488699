import Foundation

/// CIDEr as the MS-COCO caption evaluation computes it (pycocoevalcap's Cider, which is
/// CIDEr-D: clipped term frequencies and a Gaussian length penalty, σ = 6): TF-IDF vectors of
/// 1- to 4-grams, document frequencies over each instance's reference set, the cosine
/// similarity with each reference averaged over references and n, times 10; the corpus score
/// is the mean over instances. Its "length" counts 2-grams (the original code's n == 1 with
/// 0-based n), and that quirk is kept.
public enum CocoCIDEr {
    static let n = 4
    static let sigma = 6.0

    typealias Counts = [[String]: Int]

    static func ngrams(_ words: [String]) -> Counts {
        var c: Counts = [:]
        for k in 1...n where words.count >= k {
            for i in 0...(words.count - k) { c[Array(words[i..<(i + k)]), default: 0] += 1 }
        }
        return c
    }

    public static func corpus(candidates: [[String]], references: [[[String]]]) -> (score: Double, perInstance: [Double]) {
        let crefs = references.map { $0.map(ngrams) }
        let ctest = candidates.map(ngrams)
        var df: [[String]: Double] = [:]
        for refs in crefs {
            var seen = Set<[String]>()
            for r in refs { for g in r.keys { seen.insert(g) } }
            for g in seen { df[g, default: 0] += 1 }
        }
        let refLen = log(Double(crefs.count))

        func vec(_ counts: Counts) -> (vec: [[[String]: Double]], norm: [Double], length: Double) {
            var v = [[[String]: Double]](repeating: [:], count: n)
            var norm = [Double](repeating: 0, count: n)
            var length = 0.0
            for (g, tf) in counts {
                let d = log(max(1.0, df[g] ?? 0))
                let k = g.count - 1
                let w = Double(tf) * (refLen - d)
                v[k][g] = w
                norm[k] += w * w
                if k == 1 { length += Double(tf) }
            }
            return (v, norm.map { $0.squareRoot() }, length)
        }

        var scores: [Double] = []
        for (test, refs) in zip(ctest, crefs) {
            let (vh, nh, lh) = vec(test)
            var total = [Double](repeating: 0, count: n)
            for ref in refs {
                let (vr, nr, lr) = vec(ref)
                let delta = lh - lr
                for k in 0..<n {
                    var val = 0.0
                    for (g, x) in vh[k] { let y = vr[k][g] ?? 0; val += min(x, y) * y }
                    if nh[k] != 0 && nr[k] != 0 { val /= nh[k] * nr[k] }
                    total[k] += val * exp(-(delta * delta) / (2 * sigma * sigma))
                }
            }
            scores.append(total.reduce(0, +) / Double(n) / Double(refs.count) * 10)
        }
        return (scores.reduce(0, +) / Double(max(1, scores.count)), scores)
    }
}
