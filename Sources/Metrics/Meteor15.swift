/// METEOR 1.5 as the E2E evaluation runs it (pycocoevalcap: `meteor-1.5.jar - - -stdio -l en
/// -norm` on PTB-tokenised, lower-cased text): each line normalised and lower-cased, aligned
/// with every reference through the exact, stem, synonym and paraphrase stages, the best
/// reference's statistics kept (the first of equal scores), and the corpus score computed
/// from the statistics summed over segments. Equal to the jar on the four real E2E systems
/// (MeteorTests: every segment's statistics, the corpus score to 1e-9).
public struct Meteor15: Sendable {
    public let resources: MeteorResources

    public init(resources: MeteorResources) { self.resources = resources }

    public struct Result: Sendable {
        public let score: Double
        public let segments: [MeteorStats]
    }

    public static let label = "METEOR 1.5 (exact, stem, WordNet synonym and paraphrase stages; the official resources)"

    public func corpus(candidates: [String], references: [[String]]) throws -> Result {
        let prepare = { (s: String) in MeteorText.tokens(resources.normalizer.normalize(s).lowercased()) }
        let hyps = candidates.map(prepare)
        let refs = references.map { $0.map(prepare) }
        var vocabulary = Set<String>()
        for h in hyps { vocabulary.formUnion(h) }
        for rs in refs { for r in rs { vocabulary.formUnion(r) } }
        let table = try MeteorParaphrases(gzipPath: resources.paraphrasePath, vocabulary: vocabulary)
        var words: [String: MeteorAligner.Word] = [:]
        for w in vocabulary {
            words[w] = MeteorAligner.Word(key: MeteorText.javaHash(w), stemKey: MeteorText.javaHash(SnowballEnglishStemmer.stem(w)),
                                          synsets: resources.synonyms.allSynsets(w), paraphraseID: table.id(w),
                                          isFunction: resources.functionWords.contains(w))
        }
        let aligner = MeteorAligner(paraphrases: table)
        var total = MeteorStats()
        var segments: [MeteorStats] = []
        for (h, rs) in zip(hyps, refs) {
            let test = h.map { words[$0]! }
            var best = MeteorStats(), bestScore = -1.0
            for r in rs {
                let s = Self.stats(aligner.align(test, r.map { words[$0]! }), testLength: h.count, referenceLength: r.count)
                let score = s.score
                if score > bestScore { best = s; bestScore = score }
            }
            segments.append(best)
            total.add(best)
        }
        return Result(score: total.score, segments: segments)
    }

    static func stats(_ a: MeteorAligner.Result, testLength: Int, referenceLength: Int) -> MeteorStats {
        var s = MeteorStats()
        s.testLength = Double(testLength); s.referenceLength = Double(referenceLength)
        s.testFunctionWords = Double(a.functionWords1); s.referenceFunctionWords = Double(a.functionWords2)
        s.testContent = a.contentMatches1.map(Double.init); s.referenceContent = a.contentMatches2.map(Double.init)
        s.testFunction = a.functionMatches1.map(Double.init); s.referenceFunction = a.functionMatches2.map(Double.init)
        s.chunks = Double(a.chunks)
        s.testWordMatches = s.testTotalMatches
        s.referenceWordMatches = s.referenceTotalMatches
        return s
    }
}
