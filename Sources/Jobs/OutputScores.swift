import Foundation
import Metrics

/// Per-output scores the Compare screen shows: sentence BLEU (add-one smoothed, mteval
/// tokens), COCO ROUGE-L, and the word positions found in no reference.
public struct OutputScores: Sendable, Equatable {
    public var bleu: Double
    public var rougeL: Double
    public var novelWords: Set<Int>

    public static func words(_ s: String) -> [String] {
        s.lowercased().split(separator: " ").map { $0.trimmingCharacters(in: .punctuationCharacters) }
    }

    /// An example's references as every score reads them, tokenized once for all outputs.
    public struct References: Sendable {
        let words: Set<String>, ptb: [[String]], mteval: [[String]]
        public init(_ refs: [String]) {
            words = Set(refs.flatMap(OutputScores.words))
            ptb = refs.map { PTBTokenizer.tokenize($0) }
            mteval = refs.map { MTEvalTokenizer.tokenize($0) }
        }
    }

    public static func score(_ output: String, references refs: [String]) -> OutputScores {
        score(output, references: References(refs))
    }

    public static func score(_ output: String, references refs: References) -> OutputScores {
        var novel = Set<Int>()
        for (i, w) in words(output).enumerated() where !w.isEmpty && !refs.words.contains(w) { novel.insert(i) }
        let rouge = CocoRougeL.sentence(candidate: PTBTokenizer.tokenize(output), references: refs.ptb)
        let bleu = SentenceBLEU.score(hypothesisTokens: MTEvalTokenizer.tokenize(output), referenceTokens: refs.mteval)
        return OutputScores(bleu: bleu, rougeL: rouge, novelWords: novel)
    }
}
