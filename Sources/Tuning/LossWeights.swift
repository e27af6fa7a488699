import Models
import Specs

/// The loss weight of each example's scored tokens, for the micro-batches that together make
/// one optimizer step, so that the step's loss is the reduction's mean however it is split.
public enum LossWeights {
    public static func weights(for groups: [[TokenizedExample]], reduction: LossReduction) -> [[Float]] {
        switch reduction {
        case .token:
            let total = groups.reduce(0) { $0 + $1.reduce(0) { $0 + $1.scoredTokens } }
            return groups.map { g in g.map { _ in 1 / Float(total) } }
        case .sequence:
            let total = groups.reduce(0) { $0 + $1.count }
            return groups.map { g in g.map { _ in 1 / Float(total) } }
        }
    }
}
