import Foundation
import Metrics

/// Per-output scores the Compare screen shows: sentence BLEU (add-one smoothed, mteval
/// tokens), COCO ROUGE-L, the word positions found in no reference, and for summaries
/// rouge-score's ROUGE-1/2/L with its stemmer (the best over the references, as rouge-score),
/// and for outputs of an E2E MR their slot errors (`SlotErrors`).
public struct OutputScores: Sendable, Equatable {
    public var bleu: Double
    public var rougeL: Double
    public var novelWords: Set<Int>
    public var rouge: RougeScore.Scores? = nil
    public var slots: SlotErrors.Check? = nil

    public static func words(_ s: String) -> [String] {
        s.lowercased().split(separator: " ").map { $0.trimmingCharacters(in: .punctuationCharacters) }
    }

    /// An example's references as every score reads them, tokenized once for all outputs, and
    /// its source's MR if it is an E2E one.
    public struct References: Sendable {
        let words: Set<String>, ptb: [[String]], mteval: [[String]], texts: [String]
        let mr: [SlotErrors.SlotValue]?
        public init(_ refs: [String], source: String? = nil) {
            texts = refs
            mr = source.flatMap(SlotErrors.mr)
            words = Set(refs.flatMap(OutputScores.words))
            ptb = refs.map { PTBTokenizer.tokenize($0) }
            mteval = refs.map { MTEvalTokenizer.tokenize($0) }
        }
    }

    public static func score(_ output: String, references refs: [String], summary: Bool = false) -> OutputScores {
        score(output, references: References(refs), summary: summary)
    }

    public static func score(_ output: String, references refs: References, summary: Bool = false) -> OutputScores {
        var novel = Set<Int>()
        for (i, w) in words(output).enumerated() where !w.isEmpty && !refs.words.contains(w) { novel.insert(i) }
        let rouge = CocoRougeL.sentence(candidate: PTBTokenizer.tokenize(output), references: refs.ptb)
        let bleu = SentenceBLEU.score(hypothesisTokens: MTEvalTokenizer.tokenize(output), referenceTokens: refs.mteval)
        var scores = OutputScores(bleu: bleu, rougeL: rouge, novelWords: novel)
        if summary { scores.rouge = RougeScore.sentence(hypothesis: output, references: refs.texts, stem: true) }
        if let mr = refs.mr { scores.slots = SlotErrors.check(mr: mr, output: output) }
        return scores
    }
}
