/// ROUGE-L as the MS-COCO caption evaluation computes it (pycocoevalcap's Rouge): per
/// instance, the LCS of the candidate with each reference gives a precision and a recall;
/// their maxima over the references combine as an F-measure with β = 1.2; the corpus score
/// is the mean over instances. Inputs are PTB-tokenised (`PTBTokenizer.tokenize`).
public enum CocoRougeL {
    public static let beta = 1.2

    static func lcs(_ a: [String], _ b: [String]) -> Int {
        if a.isEmpty || b.isEmpty { return 0 }
        var prev = [Int](repeating: 0, count: b.count + 1), cur = prev
        for x in a {
            for (j, y) in b.enumerated() { cur[j + 1] = x == y ? prev[j] + 1 : max(prev[j + 1], cur[j]) }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }

    /// Empty token lists count as one empty token, as Python's "".split(" ") does.
    static func asSplit(_ t: [String]) -> [String] { t.isEmpty ? [""] : t }

    public static func sentence(candidate: [String], references: [[String]]) -> Double {
        let c = asSplit(candidate)
        var pMax = 0.0, rMax = 0.0
        for r0 in references {
            let r = asSplit(r0)
            let l = Double(lcs(r, c))
            pMax = max(pMax, l / Double(c.count))
            rMax = max(rMax, l / Double(r.count))
        }
        guard pMax != 0, rMax != 0 else { return 0 }
        return (1 + beta * beta) * pMax * rMax / (rMax + beta * beta * pMax)
    }

    public static func corpus(candidates: [[String]], references: [[[String]]]) -> (score: Double, perInstance: [Double]) {
        let each = zip(candidates, references).map { sentence(candidate: $0, references: $1) }
        return (each.reduce(0, +) / Double(max(1, each.count)), each)
    }
}
