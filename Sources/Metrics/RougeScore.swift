/// ROUGE-1, ROUGE-2 and ROUGE-L F-measures as Google's rouge-score package computes them
/// (for summarisation): lower-cased, every run of characters other than a-z and 0-9 a
/// separator, the Porter stemmer (NLTK's) on tokens longer than 3 when asked; per example
/// the best reference per metric (score_multi); the corpus figure is the mean.
public enum RougeScore {
    public struct Scores: Sendable, Equatable { public var rouge1: Double, rouge2: Double, rougeL: Double }

    public static func tokenize(_ text: String, stem: Bool) -> [String] {
        var tokens: [String] = [], cur = ""
        for u in text.lowercased().unicodeScalars {
            if (u.value >= 97 && u.value <= 122) || (u.value >= 48 && u.value <= 57) { cur.unicodeScalars.append(u) }
            else if !cur.isEmpty { tokens.append(cur); cur = "" }
        }
        if !cur.isEmpty { tokens.append(cur) }
        guard stem else { return tokens }
        return tokens.map { $0.count > 3 ? PorterStemmer.stem($0) : $0 }
    }

    static func f(_ overlap: Double, _ hyp: Int, _ ref: Int) -> Double {
        let p = overlap / Double(max(hyp, 1)), r = overlap / Double(max(ref, 1))
        return p + r > 0 ? 2 * p * r / (p + r) : 0
    }

    static func ngramF(_ h: [String], _ r: [String], _ n: Int) -> Double {
        func grams(_ t: [String]) -> [[String]: Int] {
            var c: [[String]: Int] = [:]
            if t.count >= n { for i in 0...(t.count - n) { c[Array(t[i..<(i + n)]), default: 0] += 1 } }
            return c
        }
        let hg = grams(h), rg = grams(r)
        let overlap = hg.reduce(0) { $0 + min($1.value, rg[$1.key] ?? 0) }
        return f(Double(overlap), hg.values.reduce(0, +), rg.values.reduce(0, +))
    }

    public static func sentence(hypothesis: String, references: [String], stem: Bool) -> Scores {
        let h = tokenize(hypothesis, stem: stem)
        var best = Scores(rouge1: 0, rouge2: 0, rougeL: 0)
        for ref in references {
            let r = tokenize(ref, stem: stem)
            best.rouge1 = max(best.rouge1, ngramF(h, r, 1))
            best.rouge2 = max(best.rouge2, ngramF(h, r, 2))
            best.rougeL = max(best.rougeL, (h.isEmpty || r.isEmpty) ? 0 : f(Double(CocoRougeL.lcs(r, h)), h.count, r.count))
        }
        return best
    }

    public static func corpus(hypotheses: [String], references: [[String]], stem: Bool) -> Scores {
        var sum = Scores(rouge1: 0, rouge2: 0, rougeL: 0)
        for (h, r) in zip(hypotheses, references) {
            let s = sentence(hypothesis: h, references: r, stem: stem)
            sum.rouge1 += s.rouge1; sum.rouge2 += s.rouge2; sum.rougeL += s.rougeL
        }
        let n = Double(max(1, hypotheses.count))
        return Scores(rouge1: sum.rouge1 / n, rouge2: sum.rouge2 / n, rougeL: sum.rougeL / n)
    }
}
