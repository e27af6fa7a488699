/// The training methods of the prefix-tuning paper.
public enum TrainingMethod: String, Sendable, CaseIterable, Codable {
    /// Every weight trained (or the top N layers: the paper's FT-top2).
    case finetune
    /// P key/value rows at every layer, prepended; the model frozen.
    case prefix
    /// P virtual input embeddings, prepended (prompt tuning; the paper's embedding-only ablation).
    case embedding
    /// P key/value rows at every layer, between the source's eos and the target.
    case infix

    /// Methods whose trainable parameters are key/value rows at every layer.
    public var usesVirtualKV: Bool { self == .prefix || self == .infix }
}

/// How the prefix (or infix) activations are parameterised during training.
public enum Reparameterization: String, Sendable, Codable {
    /// A P×C embedding through Linear(C, mid) → tanh → Linear(mid, 2·L·C), as the paper.
    case mlp
    /// The P×2·L·C activations themselves.
    case none
}

/// Everything that defines a method's trainable parameters and how they are used.
public struct MethodOptions: Sendable, Equatable, Codable {
    public var method: TrainingMethod
    public var prefixLength: Int = 10
    public var reparam: Reparameterization = .mlp
    public var midDim: Int = 512
    /// Fine-tuning only: train the top N layers (nil: all weights).
    public var trainTopLayers: Int? = nil

    public init(method: TrainingMethod, prefixLength: Int = 10, reparam: Reparameterization = .mlp, midDim: Int = 512,
                trainTopLayers: Int? = nil) {
        self.method = method; self.prefixLength = prefixLength; self.reparam = reparam
        self.midDim = midDim; self.trainTopLayers = trainTopLayers
    }

    /// Virtual key/value rows per sequence (prefix or infix), else 0.
    public var virtualKVRows: Int { method.usesVirtualKV ? prefixLength : 0 }
    /// Virtual input embeddings per sequence (embedding-only), else 0.
    public var virtualEmbeddings: Int { method == .embedding ? prefixLength : 0 }
}

/// How the per-token losses of a batch become the loss the gradients are of.
public enum LossReduction: String, Sendable, Codable {
    /// Mean over all target tokens of the batch (transformers).
    case token
    /// Each sequence's summed NLL, averaged over the batch (the original prefix-tuning code).
    case sequence
}
