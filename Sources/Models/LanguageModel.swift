import Kernels

/// One named tensor of a model's weight arena, under Hugging Face's name and in the file's layout.
public struct ParameterEntry: Sendable, Equatable {
    /// Where a tensor sits in the model, for methods that train a part of it (FT-top2).
    /// `buffer`: not a parameter in transformers (BART's final_logits_bias); never trained.
    public enum Group: Sendable, Equatable { case embeddings, block(Int), final, buffer }
    public let name: String
    public let shape: [Int]
    public let offset: Int
    public let group: Group
    public var count: Int { shape.reduce(1, *) }
    public init(name: String, shape: [Int], offset: Int, group: Group) {
        self.name = name; self.shape = shape; self.offset = offset; self.group = group
    }
}

/// Which weights get weight gradients in a training pass. Frozen weights get no
/// weight-gradient GEMMs.
public struct TrainableWeights: Sendable, Equatable {
    /// Per block, in the model's order: does it get weight gradients?
    public var layers: [Bool]
    /// The input embeddings (GPT-2's wte is tied to the head, so its gradient has two sources).
    public var embeddings: Bool
    public var finalNorm: Bool

    public init(layers: [Bool], embeddings: Bool, finalNorm: Bool) {
        self.layers = layers; self.embeddings = embeddings; self.finalNorm = finalNorm
    }
    public static func none(layers: Int) -> TrainableWeights {
        TrainableWeights(layers: Array(repeating: false, count: layers), embeddings: false, finalNorm: false)
    }
    public static func all(layers: Int) -> TrainableWeights {
        TrainableWeights(layers: Array(repeating: true, count: layers), embeddings: true, finalNorm: true)
    }
    /// The top `n` blocks and the final norm (the paper's FT-top2 baseline with n = 2).
    public static func top(_ n: Int, of layers: Int) -> TrainableWeights {
        TrainableWeights(layers: (0..<layers).map { $0 >= layers - n }, embeddings: false, finalNorm: true)
    }
    public var any: Bool { embeddings || finalNorm || layers.contains(true) }

    /// Whether a tensor of this group is trained.
    public func contains(_ g: ParameterEntry.Group) -> Bool {
        switch g {
        case .embeddings: return embeddings
        case .block(let l): return layers.indices.contains(l) && layers[l]
        case .final: return finalNorm
        case .buffer: return false
        }
    }
}

/// Dropout inside the model in training mode (GPT-2: embd_pdrop, attn_pdrop and resid_pdrop
/// at one rate); the masks come from `seed` alone, so a resumed run draws the same ones.
public struct ModelDropout: Sendable {
    public var rate: Float
    public var seed: UInt64
    public init(rate: Float, seed: UInt64) { self.rate = rate; self.seed = seed }
}

/// A batch laid out by a model family for its training graph.
public protocol TrainingBatch: Sendable {
    /// Rows whose next token is scored; per-row losses come back in this order.
    var targetCount: Int { get }
}

/// A model's training pass: forward with every activation the backward needs kept, the loss,
/// and the backward. One per (model, largest batch); reused every step.
public protocol TrainingGraph: AnyObject {
    /// Forward pass and loss; with `backward`, also the gradients: of the weights where
    /// `trainable` says (into `weightGrads`, the model arena's layout) and of the virtual
    /// rows into the conditioning's gradient buffers. Returns Σ weight·NLL over the targets.
    @discardableResult
    func run(_ batch: TrainingBatch, conditioning: GraphConditioning, backward: Bool, weightGrads: UnsafeMutablePointer<Float>?,
             trainable: TrainableWeights?, dropout: ModelDropout?) -> Double
    /// Per-row NLL of the last pass, in target order (valid until the next pass).
    func lastLosses(count: Int) -> UnsafeBufferPointer<Float>
    /// Bytes held by activations and gradient scratch.
    var memoryBytes: Int { get }
}

/// What every model read from a Hugging Face folder is: its family, sizes and named weights in
/// one arena, and how to write it back. `LanguageModel` (what the tuning methods train) and
/// `Seq2SeqLM` (an encoder-decoder's inference) refine it.
public protocol PretrainedModel: AnyObject, Sendable {
    /// config.json's `model_type` ("gpt2", "bart").
    var modelType: String { get }
    var shape: ModelShape { get }
    /// Sizes, named tensors and the blocks' linear layers.
    var summary: ModelSummary { get }
    /// Every weight, in one arena; `tensors` names its slices.
    var parameters: FloatArena { get }
    var tensors: [ParameterEntry] { get }
    /// Writes config.json and model.safetensors, as transformers' save_pretrained does.
    func save(to dir: String, dtype: DType) throws
}

/// What every model family gives the tuning methods, the training loop and the run store:
/// its sizes, its weights as named tensors in one arena, a training graph, its batch layout,
/// and Hugging Face folder output. A family is one folder under Models/ (Models/GPT2) and one
/// line in `ModelFamilies.all`.
public protocol LanguageModel: PretrainedModel {
    /// Must be called after the weights change (training, loading), so that copies made from
    /// them (few-row decoding's packed weights) are rebuilt.
    func weightsDidChange()
    /// Whether `other` is the same family and size, so its weights can replace these.
    func hasSameArchitecture(as other: any LanguageModel) -> Bool
    /// A training graph for batches of up to maxBatch × maxT, `maxVirtual` virtual key/value
    /// rows, and a method's additions inside the blocks.
    func makeTrainingGraph(maxBatch: Int, maxT: Int, maxVirtual: Int, additions: BlockAdditions) -> TrainingGraph
    /// Bytes such a graph would hold (activations, gradient scratch, dropout masks), computed
    /// in floating point so that no size can overflow: checked before anything is allocated.
    func trainingGraphBytes(maxBatch: Int, maxT: Int, maxVirtual: Int, additions: BlockAdditions, dropout: Bool) -> Double
    /// The weight of the linear layer at `module` (a site of `summary.blockSites[layer]`) in
    /// block `layer`: its offset in the arena, and whether it is stored (in, out) as Conv1D
    /// does (else (out, in)).
    func linearWeight(layer: Int, module: String) -> (offset: Int, inputMajor: Bool)?
    /// Lays out examples for the training graph under a method's virtual layout;
    /// `weights[i]` is the loss weight of each scored token of example i.
    func trainingBatch(_ examples: [TokenizedExample], weights: [Float], layout: VirtualLayout) -> TrainingBatch
    /// Positions an example takes under a layout (checked against `shape.positions`).
    func positionsNeeded(_ e: TokenizedExample, layout: VirtualLayout) -> Int
    /// Row `id` of the input embedding (C floats): initialisation from real words.
    func tokenEmbedding(_ id: Int32) -> UnsafePointer<Float>
    /// Tokens of an example the loss scores (the token reduction's count).
    func scoredTokens(_ e: TokenizedExample) -> Int
}

extension LanguageModel {
    /// The decoder-only contract: the target and its eos.
    public func scoredTokens(_ e: TokenizedExample) -> Int { e.scoredTokens }

    public func makeTrainingGraph(maxBatch: Int, maxT: Int, maxVirtual: Int) -> TrainingGraph {
        makeTrainingGraph(maxBatch: maxBatch, maxT: maxT, maxVirtual: maxVirtual, additions: .none)
    }
}

/// Precision of the weights that decoding a few rows streams: float32 (exact: the same numbers
/// as the model's own), or float16 (half the bytes a step reads, each weight rounded once).
public enum DecodingPrecision: String, Sendable, CaseIterable {
    case f32, f16
}

/// A decoder-only model's inference: a forward pass over a KV cache and the head. What the
/// decoders (greedy, beam search, sampling) and the scorers run on.
public protocol CausalLM: LanguageModel {
    var decodingPrecision: DecodingPrecision { get set }
    func makeCache(batch: Int, capacity: Int) -> KVCache
    /// Runs T new positions of B sequences, appending them to `cache`. tokens, positions:
    /// (B, T); keyMask (B, T): 0 marks padding no later position may attend to (nil: none);
    /// a token id -k-1 takes row k of `virtualEmbeds` (P, C) as its input embedding. Returns
    /// the final hidden states (B·T, C), valid until the next call.
    /// `blocks`: a method's adapters inside the blocks (LoRA is merged into the weights for
    /// decoding, see `Conditioning.mergingLoRA`).
    /// `probe`: the instruments' view of attention, called after each layer's block with
    /// (layer, its softmax probabilities (B, heads, T, cache length + T)), valid during the call.
    func forward(tokens: [Int32], positions: [Int32], keyMask: [UInt8]?, B: Int, T: Int, cache: KVCache,
                 virtualEmbeds: UnsafePointer<Float>?, blocks: BlockParameters?, probe: AttentionProbe?) -> UnsafePointer<Float>
    /// logits (N, V) from hidden states (N, C).
    func logits(hidden: UnsafePointer<Float>, N: Int, into out: UnsafeMutablePointer<Float>)
}

/// What `CausalLM.forward` reports of attention, layer by layer (`inspect attention`).
public typealias AttentionProbe = (_ layer: Int, _ probabilities: UnsafePointer<Float>) -> Void

extension CausalLM {
    public func forward(tokens: [Int32], positions: [Int32], keyMask: [UInt8]?, B: Int, T: Int, cache: KVCache,
                        virtualEmbeds: UnsafePointer<Float>?, blocks: BlockParameters?) -> UnsafePointer<Float> {
        forward(tokens: tokens, positions: positions, keyMask: keyMask, B: B, T: T, cache: cache, virtualEmbeds: virtualEmbeds, blocks: blocks, probe: nil)
    }
    public func forward(tokens: [Int32], positions: [Int32], keyMask: [UInt8]? = nil, B: Int, T: Int, cache: KVCache,
                        blocks: BlockParameters? = nil) -> UnsafePointer<Float> {
        forward(tokens: tokens, positions: positions, keyMask: keyMask, B: B, T: T, cache: cache, virtualEmbeds: nil, blocks: blocks)
    }
}
