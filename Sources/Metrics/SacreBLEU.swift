import Foundation

/// sacreBLEU's corpus BLEU with its defaults (13a tokenisation, case-sensitive, exponential
/// smoothing, closest reference length with ties to the shorter), ×100. Instances may have
/// different numbers of references.
public enum SacreBLEU {
    public static func corpus(hypotheses: [String], references: [[String]]) -> Double {
        var correct = [Double](repeating: 0, count: 4), total = correct
        var sysLen = 0.0, refLen = 0.0
        for (h, refs) in zip(hypotheses, references) {
            let hyp = MTEvalTokenizer.tokenize(h, lowercase: false)
            let hc = counts(hyp)
            var maxRef: [[String]: Int] = [:]
            var lens: [Int] = []
            for r in refs {
                let t = MTEvalTokenizer.tokenize(r, lowercase: false)
                lens.append(t.count)
                for (g, c) in counts(t) { maxRef[g] = max(maxRef[g] ?? 0, c) }
            }
            sysLen += Double(hyp.count)
            refLen += Double(lens.min { (abs($0 - hyp.count), $0) < (abs($1 - hyp.count), $1) } ?? 0)
            for (g, c) in hc {
                total[g.count - 1] += Double(c)
                correct[g.count - 1] += Double(min(c, maxRef[g] ?? 0))
            }
        }
        var logSum = 0.0, smooth = 1.0
        for n in 0..<4 {
            var p: Double
            if total[n] == 0 { return 0 }
            if correct[n] == 0 { smooth *= 2; p = 100 / (smooth * total[n]) } else { p = 100 * correct[n] / total[n] }
            logSum += log(p)
        }
        let bp = sysLen < refLen ? (sysLen > 0 ? exp(1 - refLen / sysLen) : 0) : 1
        return bp * exp(logSum / 4)
    }

    static func counts(_ w: [String]) -> [[String]: Int] {
        var c: [[String]: Int] = [:]
        for n in 1...4 where w.count >= n {
            for i in 0...(w.count - n) { c[Array(w[i..<(i + n)]), default: 0] += 1 }
        }
        return c
    }
}
