/// The E2E challenge's metric set on one system's outputs, under its names and scales:
/// BLEU, METEOR, ROUGE_L as fractions, NIST and CIDEr as the official script prints them;
/// plus sacreBLEU (×100) as a second BLEU line.
public struct E2EMetrics: Sendable, Equatable {
    public var bleu: Double
    public var nist: Double
    public var meteor: Double
    public var rougeL: Double
    public var cider: Double
    public var sacreBLEU: Double
    /// Which METEOR `meteor` is: METEOR 1.5 with the resources it read, or the approximation.
    public var meteorNote: String = MeteorApprox.label
    public var meteorIsOfficial = false
    /// Per-instance BLEU (mteval's smoothed sentence BLEU) and ROUGE-L, for inspection.
    public var sentenceROUGEL: [Double]

    public static func compute(hypotheses: [String], references: [[String]]) -> E2EMetrics {
        let mt = MTEval.score(hypotheses: hypotheses, references: references)
        let h = hypotheses.map(PTBTokenizer.tokenize)
        let r = references.map { $0.map(PTBTokenizer.tokenize) }
        let rouge = CocoRougeL.corpus(candidates: h, references: r)
        return E2EMetrics(bleu: mt.bleu, nist: mt.nist, meteor: MeteorApprox.corpus(candidates: h, references: r),
                          rougeL: rouge.score, cider: CocoCIDEr.corpus(candidates: h, references: r).score,
                          sacreBLEU: SacreBLEU.corpus(hypotheses: hypotheses, references: references),
                          sentenceROUGEL: rouge.perInstance)
    }

    /// The same with METEOR 1.5 itself, on the PTB-tokenised text as pycocoevalcap hands it
    /// to the jar.
    public static func compute(hypotheses: [String], references: [[String]], meteor: Meteor15) throws -> E2EMetrics {
        var m = compute(hypotheses: hypotheses, references: references)
        let joined = { (s: String) in PTBTokenizer.tokenize(s).joined(separator: " ") }
        m.meteor = try meteor.corpus(candidates: hypotheses.map(joined), references: references.map { $0.map(joined) }).score
        m.meteorNote = Meteor15.label + " from " + meteor.resources.location
        m.meteorIsOfficial = true
        return m
    }
}
