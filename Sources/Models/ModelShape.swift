/// The sizes of a model that tuning methods, batching and decoding need, whatever the family:
/// how many blocks carry virtual key/value rows, their width, the vocabulary, the context.
public struct ModelShape: Sendable, Equatable {
    /// Blocks with self-attention, in order (GPT-2: n_layer); a prefix has rows for each.
    public var layers: Int
    public var heads: Int
    /// Channels of the residual stream and of each attention's keys and values (n_embd).
    public var width: Int
    public var vocabSize: Int
    /// Positions the model can take (n_positions).
    public var positions: Int
    public var eosTokenId: Int
    public var bosTokenId: Int
    /// Every weight of the model.
    public var parameterCount: Int
    /// An encoder-decoder's encoder layers (0: decoder-only); `layers` are then its decoder's.
    public var encoderLayers: Int

    public init(layers: Int, heads: Int, width: Int, vocabSize: Int, positions: Int, eosTokenId: Int, bosTokenId: Int, parameterCount: Int,
                encoderLayers: Int = 0) {
        self.layers = layers; self.heads = heads; self.width = width; self.vocabSize = vocabSize; self.positions = positions
        self.eosTokenId = eosTokenId; self.bosTokenId = bosTokenId; self.parameterCount = parameterCount; self.encoderLayers = encoderLayers
    }

    /// Columns of one virtual key/value row across every layer: 2·L·C (PEFT's layout).
    public var keyValueWidth: Int { 2 * layers * width }
    public var isEncoderDecoder: Bool { encoderLayers > 0 }

    /// Columns of one prefix row of an attention kind: 2·L·C over its own stack's layers.
    public func keyValueWidth(_ kind: PrefixAttentions) -> Int { 2 * (kind == .encoder ? encoderLayers : layers) * width }
}

/// A model's sizes and named tensors, known from its config alone: what parameter counts and
/// method checks need, without loading (or allocating) the weights.
public struct ModelSummary: Sendable, Equatable {
    public var shape: ModelShape
    public var tensors: [ParameterEntry]
    /// The linear layers LoRA can target, as the help and messages name them (GPT-2: every
    /// block's; BART: a decoder layer's).
    public var linearSites: [LinearSite]
    /// Each block's linear layers, in the block's order (blocks as `blockPath` counts them).
    public var blockSites: [[LinearSite]]
    /// Whether the linear weights are stored (in, out), as GPT-2's Conv1D (PEFT's fan_in_fan_out).
    public var linearWeightsInputMajor: Bool
    /// PEFT's default LoRA targets for the model type (GPT-2: c_attn; BART: q_proj, v_proj).
    public var defaultLoRATargets: [String]
    /// The LayerNorm epsilon of the blocks (an adapter's own LayerNorm uses it too).
    public var layerNormEpsilon: Float
    /// What transformers puts before `tensors`' names in the model with its head
    /// (GPT-2: `transformer.`); block l's modules are under `blockPath(l)`.
    public var basePrefix: String
    public var blockPath: @Sendable (Int) -> String

    public init(shape: ModelShape, tensors: [ParameterEntry], linearSites: [LinearSite], layerNormEpsilon: Float, basePrefix: String,
                blockPath: @escaping @Sendable (Int) -> String, blockSites: [[LinearSite]]? = nil, linearWeightsInputMajor: Bool = true,
                defaultLoRATargets: [String] = ["c_attn"]) {
        self.shape = shape; self.tensors = tensors; self.linearSites = linearSites; self.layerNormEpsilon = layerNormEpsilon
        self.basePrefix = basePrefix; self.blockPath = blockPath
        self.blockSites = blockSites ?? Array(repeating: linearSites, count: shape.layers)
        self.linearWeightsInputMajor = linearWeightsInputMajor; self.defaultLoRATargets = defaultLoRATargets
    }

    /// Blocks in the tensors' groups, in order (GPT-2: n_layer; BART: its encoder's then its
    /// decoder's layers): what `TrainableWeights.layers` counts.
    public var blockCount: Int {
        tensors.reduce(0) { n, t in if case .block(let l) = t.group { return max(n, l + 1) } else { return n } }
    }

    public static func == (a: ModelSummary, b: ModelSummary) -> Bool {
        a.shape == b.shape && a.tensors == b.tensors && a.linearSites == b.linearSites && a.blockSites == b.blockSites && a.layerNormEpsilon == b.layerNormEpsilon
            && a.basePrefix == b.basePrefix && a.blockPath(0) == b.blockPath(0)
    }
}
