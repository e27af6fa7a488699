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

    public static func score(_ output: String, references refs: [String]) -> OutputScores {
        let refWords = Set(refs.flatMap(words))
        var novel = Set<Int>()
        for (i, w) in words(output).enumerated() where !w.isEmpty && !refWords.contains(w) { novel.insert(i) }
        let rouge = CocoRougeL.sentence(candidate: PTBTokenizer.tokenize(output), references: refs.map { PTBTokenizer.tokenize($0) })
        return OutputScores(bleu: SentenceBLEU.score(hypothesis: output, references: refs), rougeL: rouge, novelWords: novel)
    }
}
