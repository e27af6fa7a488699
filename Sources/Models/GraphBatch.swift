/// One batch as the training graph sees it: token rows, where each token's key/value goes,
/// where virtual key/value rows (prefix or infix) go, and which rows predict which targets.
///
/// Legend: B sequences of T positions (right-padded); V_kv virtual key/value rows per
/// sequence, so each sequence's key/value store has Tk = T + V_kv rows.
public struct GraphBatch: Sendable {
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

/// Which weight gradients the graph computes. Frozen weights get no weight-gradient GEMMs.
public struct TrainableWeights: Sendable {
    /// Per layer: does it get weight gradients?
    public var layers: [Bool]
    /// wte and wpe (wte is tied to the head, so its gradient has two sources).
    public var embeddings: Bool
    public var finalNorm: Bool

    public static func none(layers: Int) -> TrainableWeights {
        TrainableWeights(layers: Array(repeating: false, count: layers), embeddings: false, finalNorm: false)
    }
    public static func all(layers: Int) -> TrainableWeights {
        TrainableWeights(layers: Array(repeating: true, count: layers), embeddings: true, finalNorm: true)
    }
    /// The top `n` layers and ln_f (the paper's FT-top2 baseline with n = 2).
    public static func top(_ n: Int, of layers: Int) -> TrainableWeights {
        TrainableWeights(layers: (0..<layers).map { $0 >= layers - n }, embeddings: false, finalNorm: true)
    }
    public var any: Bool { embeddings || finalNorm || layers.contains(true) }
}
