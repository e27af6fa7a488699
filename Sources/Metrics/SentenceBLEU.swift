/// BLEU of one output against its references, for ranking and inspecting single examples:
/// the mteval-tokenised, lowercased 1–4-gram precisions with add-one smoothing for n > 1
/// (Lin & Och 2004), so a short output without a matching 4-gram still gets a useful score,
/// and the brevity penalty against the closest reference length. On the 0–100 scale.
public enum SentenceBLEU {
    public static func score(hypothesis: String, references: [String]) -> Double {
        score(hypothesisTokens: MTEvalTokenizer.tokenize(hypothesis), referenceTokens: references.map { MTEvalTokenizer.tokenize($0) })
    }

    /// The same on mteval tokens: references tokenized once serve every system's output.
    public static func score(hypothesisTokens hyp: [String], referenceTokens refs: [[String]]) -> Double {
        guard !hyp.isEmpty, !refs.isEmpty else { return 0 }
        var logSum = 0.0
        for n in 1...4 {
            let counts = ngrams(hyp, n)
            var maxRef: [[String]: Int] = [:]
            for r in refs { for (g, c) in ngrams(r, n) { maxRef[g] = max(maxRef[g] ?? 0, c) } }
            let matched = counts.reduce(0) { $0 + min($1.value, maxRef[$1.key] ?? 0) }
            let total = max(0, hyp.count - n + 1)
            let p = n == 1 ? (total == 0 ? 0 : Double(matched) / Double(total)) : Double(matched + 1) / Double(total + 1)
            if p == 0 { return 0 }
            logSum += log(p) / 4
        }
        let closest = refs.map(\.count).min { (abs($0 - hyp.count), $0) < (abs($1 - hyp.count), $1) }!
        let bp = hyp.count >= closest ? 1.0 : exp(1 - Double(closest) / Double(hyp.count))
        return 100 * bp * exp(logSum)
    }

    static func ngrams(_ w: [String], _ n: Int) -> [[String]: Int] {
        var c: [[String]: Int] = [:]
        if w.count >= n { for i in 0...(w.count - n) { c[Array(w[i..<(i + n)]), default: 0] += 1 } }
        return c
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
