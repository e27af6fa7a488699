import Models
import Specs

/// The loss weight of each example's scored tokens, for the micro-batches that together make
/// one optimizer step, so that the step's loss is the reduction's mean however it is split.
public enum LossWeights {
    /// `scored`: how many tokens of an example the model scores (decoder-only: the target and
    /// its eos; BART: [<s>], the target and [</s>]); `LanguageModel.scoredTokens`.
    public static func weights(for groups: [[TokenizedExample]], reduction: LossReduction,
                               scored: (TokenizedExample) -> Int = { $0.scoredTokens }) -> [[Float]] {
        switch reduction {
        case .token:
            let total = groups.reduce(0) { $0 + $1.reduce(0) { $0 + scored($1) } }
            return groups.map { g in g.map { _ in 1 / Float(total) } }
        case .sequence:
            let total = groups.reduce(0) { $0 + $1.count }
            return groups.map { g in g.map { _ in 1 / Float(total) } }
        }
    }
}
