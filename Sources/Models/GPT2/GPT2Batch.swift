/// One batch as the training graph sees it: token rows, where each token's key/value goes,
/// where virtual key/value rows (prefix or infix) go, and which rows predict which targets.
///
/// Legend: B sequences of T positions (right-padded); V_kv virtual key/value rows per
/// sequence, so each sequence's key/value store has Tk = T + V_kv rows.
public struct GraphBatch: TrainingBatch {
    public var B: Int
    public var T: Int
    /// (B, T) token ids; a negative id -k-1 takes virtual input embedding k (embedding-only).
    public var tokens: [Int32]
    /// (B, T) position ids.
    public var positions: [Int32]
    /// (B, T) 1 for real tokens, 0 for padding.
    public var keyMask: [UInt8]
    /// Virtual key/value rows per sequence (prefix or infix length; 0 for none).
    public var virtualRows: Int
    /// (B, T) the store row of each token; it attends to rows 0...keyRows[b, t].
    public var keyRows: [Int32]
    /// (B, virtualRows) the store row of virtual row k in sequence b.
    public var virtualRowIndex: [Int32]
    /// Rows (b·T + t) whose next-token prediction is scored, their target ids and loss weights.
    public var targetRows: [Int32]
    public var targetIds: [Int32]
    public var targetWeights: [Float]

    public var Tk: Int { T + virtualRows }
    public var targetCount: Int { targetRows.count }

    public init(B: Int, T: Int, tokens: [Int32], positions: [Int32], keyMask: [UInt8], virtualRows: Int,
                keyRows: [Int32], virtualRowIndex: [Int32], targetRows: [Int32], targetIds: [Int32], targetWeights: [Float]) {
        precondition(tokens.count == B * T && positions.count == B * T && keyMask.count == B * T && keyRows.count == B * T)
        precondition(virtualRowIndex.count == B * virtualRows)
        precondition(targetRows.count == targetIds.count && targetIds.count == targetWeights.count)
        self.B = B; self.T = T; self.tokens = tokens; self.positions = positions; self.keyMask = keyMask
        self.virtualRows = virtualRows; self.keyRows = keyRows; self.virtualRowIndex = virtualRowIndex
        self.targetRows = targetRows; self.targetIds = targetIds; self.targetWeights = targetWeights
    }
}

/// Lays out examples as GPT-2's training graph reads them, under a method's virtual layout:
/// the sequence is source + [eos] + target + [eos], and the target tokens and the final eos
/// are scored (the `lm-score` contract).
///
/// - no virtual rows (fine-tuning): tokens at positions 0..<n.
/// - key/value rows at the start (prefix): P rows first; tokens at positions P..<P+n.
/// - leading embeddings (embedding-only): P virtual input embeddings at positions 0..<P, then
///   the tokens.
/// - key/value rows after the source (infix): [x; eos; INFIX; y]; the target's positions
///   continue after the rows.
public enum GPT2Batching {
    /// `weights[i]` is the loss weight of each scored token of example i.
    public static func build(_ examples: [TokenizedExample], weights: [Float], eos: Int32, layout: VirtualLayout) -> GraphBatch {
        precondition(!examples.isEmpty && weights.count == examples.count)
        let lead = layout.leadingEmbeddings, Pv = layout.keyValueRows
        let B = examples.count
        let T = examples.map { $0.length + lead }.max()!
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
                let row: Int
                switch layout.placement {
                case .start: row = Pv + t
                case .afterSource: row = t > s ? t + Pv : t
                }
                positions[i] = Int32(row); keyRows[i] = Int32(row)
                if t < lead {
                    tokens[i] = Int32(-t - 1)
                    mask[i] = 1
                } else if t - lead < seq.count {
                    tokens[i] = seq[t - lead]
                    mask[i] = 1
                }
            }
            for k in 0..<Pv {
                virtualRowIndex[b * Pv + k] = Int32(layout.placement == .afterSource ? s + 1 + k : k)
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
}

extension KVCache {
    /// A cache for a GPT-2 of this config.
    public convenience init(config: GPT2Config, batch: Int, capacity: Int) {
        self.init(layers: config.nLayer, width: config.nEmbd, batch: batch, capacity: capacity)
    }
}
