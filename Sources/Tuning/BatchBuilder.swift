import Models

/// One training example as token ids: the sequence is source + [eos] + target + [eos], and
/// the target tokens and the final eos are scored (the `lm-score` contract).
public struct TokenizedExample: Sendable, Equatable {
    public var source: [Int32]
    /// encode(" " + target), without the eos.
    public var target: [Int32]
    public init(source: [Int32], target: [Int32]) { self.source = source; self.target = target }

    public func sequence(eos: Int32) -> [Int32] { source + [eos] + target + [eos] }
    public var length: Int { source.count + target.count + 2 }
}

/// Lays out a batch of examples for a method: where virtual rows go, which positions each
/// token takes, and which rows predict which targets.
///
/// - finetune: tokens at positions 0..<n.
/// - prefix: P key/value rows first; tokens at positions P..<P+n (transformers counts the
///   cached length, as PEFT relies on).
/// - embedding: P virtual input embeddings first, at positions 0..<P, then the tokens.
/// - infix: [x; eos; INFIX; y]: P key/value rows after the source's eos; the target's
///   positions continue after them.
public enum BatchBuilder {
    /// Largest position an example needs under these options.
    public static func positionsNeeded(_ e: TokenizedExample, options: MethodOptions) -> Int {
        options.method == .finetune ? e.length : e.length + options.prefixLength
    }

    /// `weights[i]` is the loss weight of each scored token of example i.
    public static func build(_ examples: [TokenizedExample], weights: [Float], eos: Int32, options: MethodOptions) -> GraphBatch {
        precondition(!examples.isEmpty && weights.count == examples.count)
        let P = options.method == .finetune ? 0 : options.prefixLength
        let lead = options.method == .embedding ? P : 0        // virtual tokens in the token rows
        let B = examples.count
        let T = examples.map { $0.length + lead }.max()!
        let Pv = options.virtualKVRows
        var tokens = [Int32](repeating: eos, count: B * T)
        var positions = [Int32](repeating: 0, count: B * T)
        var mask = [UInt8](repeating: 0, count: B * T)
        var keyRows = [Int32](repeating: 0, count: B * T)
        var virtualRowIndex = [Int32](repeating: 0, count: B * Pv)
        var targetRows: [Int32] = [], targetIds: [Int32] = [], targetWeights: [Float] = []
        for (b, e) in examples.enumerated() {
            let seq = e.sequence(eos: eos)
            let s = e.source.count  // index of the source's eos in seq
            for t in 0..<T {
                let i = b * T + t
                // Row/position of token slot t (padding continues the pattern).
                switch options.method {
                case .finetune, .embedding: positions[i] = Int32(t); keyRows[i] = Int32(t)
                case .prefix: positions[i] = Int32(P + t); keyRows[i] = Int32(P + t)
                case .infix:
                    let shifted = t > s ? t + P : t
                    positions[i] = Int32(shifted); keyRows[i] = Int32(shifted)
                }
                if t < lead {
                    tokens[i] = Int32(-t - 1)
                    mask[i] = 1
                } else if t - lead < seq.count {
                    tokens[i] = seq[t - lead]
                    mask[i] = 1
                }
            }
            for k in 0..<Pv {
                virtualRowIndex[b * Pv + k] = Int32(options.method == .infix ? s + 1 + k : k)
            }
            for k in (s + 1)..<seq.count {
                targetRows.append(Int32(b * T + lead + k - 1))
                targetIds.append(seq[k])
                targetWeights.append(weights[b])
            }
        }
        return GraphBatch(B: B, T: T, tokens: tokens, positions: positions, keyMask: mask, virtualRows: Pv,
                          keyRows: keyRows, virtualRowIndex: virtualRowIndex,
                          targetRows: targetRows, targetIds: targetIds, targetWeights: targetWeights)
    }

    /// Loss weights for micro-batches that together make one optimizer step.
    public static func weights(for groups: [[TokenizedExample]], reduction: LossReduction) -> [[Float]] {
        switch reduction {
        case .token:
            let total = groups.reduce(0) { $0 + $1.reduce(0) { $0 + $1.target.count + 1 } }
            return groups.map { g in g.map { _ in 1 / Float(total) } }
        case .sequence:
            let total = groups.reduce(0) { $0 + $1.count }
            return groups.map { g in g.map { _ in 1 / Float(total) } }
        }
    }
}
