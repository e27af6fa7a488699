/// A linear layer of a block that a method can add a low-rank update to (LoRA), under the
/// name the method's options use (GPT-2: `c_attn`, `attn.c_proj`, `c_fc`, `mlp.c_proj`) and its
/// module path within the block (`attn.c_attn`), with its sizes: y (N, out) = x (N, in) · W + b.
public struct LinearSite: Sendable, Equatable {
    public var name: String
    public var module: String
    public var inFeatures: Int
    public var outFeatures: Int
    public init(name: String, module: String, inFeatures: Int, outFeatures: Int) {
        self.name = name; self.module = module; self.inFeatures = inFeatures; self.outFeatures = outFeatures
    }
}

/// LoRA (Hu et al. 2021) as PEFT applies it: at each target site of a block,
/// y += scaling · B·A·dropout(x), with A (r, in) and B (out, r) in torch.nn.Linear's layout.
///
/// A method's tensors for it lie in one arena, block by block and, within a block, site by
/// site in that block's order: A then B. `offset(layer:site:)` says where. Blocks may differ
/// (BART: the encoder's layers, then the decoder's, whose cross-attention has sites of its own).
public struct LoRAShape: Sendable, Equatable {
    public var rank: Int
    /// Each block's target sites, in block order.
    public let blocks: [[LinearSite]]
    /// Dropout on the update's input (PEFT's lora_dropout); 0: none.
    public var dropout: Float
    public var scaling: Float
    private let starts: [Int]

    public init(rank: Int, blocks: [[LinearSite]], dropout: Float, scaling: Float) {
        self.rank = rank; self.blocks = blocks; self.dropout = dropout; self.scaling = scaling
        var at = 0, s: [Int] = []
        for b in blocks { s.append(at); at += b.reduce(0) { $0 + rank * ($1.inFeatures + $1.outFeatures) } }
        starts = s + [at]
    }

    /// The same sites in every one of `layers` blocks (GPT-2).
    public init(rank: Int, sites: [LinearSite], dropout: Float, scaling: Float, layers: Int) {
        self.init(rank: rank, blocks: Array(repeating: sites, count: layers), dropout: dropout, scaling: scaling)
    }

    public var layers: Int { blocks.count }
    /// Block 0's sites: every block's where all blocks have the same (GPT-2).
    public var sites: [LinearSite] { blocks.first ?? [] }
    public func floats(_ s: LinearSite) -> Int { rank * (s.inFeatures + s.outFeatures) }
    public var count: Int { starts.last ?? 0 }
    /// Where site `k`'s A of block `l` starts; its B follows A's rank·in floats.
    public func offset(layer l: Int, site k: Int) -> Int { starts[l] + blocks[l][..<k].reduce(0) { $0 + floats($1) } }
    /// The largest input among the sites (scratch sizes).
    public var widestInput: Int { blocks.joined().map(\.inFeatures).max() ?? 0 }
    /// The sites' names, each once, in first-seen order (the targets as PEFT lists them).
    public var targetNames: [String] {
        var seen: [String] = []
        for s in blocks.joined() where !seen.contains(s.name) { seen.append(s.name) }
        return seen
    }
}

/// Where bottleneck adapters sit in every block.
public enum AdapterPlacement: String, Sendable, Equatable, CaseIterable {
    /// One on the block's output, after the feed-forward residual: LayerNorm → Linear(C, b) →
    /// ReLU → Linear(b, C), added to the residual stream (Lin et al. 2020; the prefix-tuning
    /// authors' adapter_design 1).
    case blockOutput = "lin"
    /// One on each branch's output (attention after its projection and dropout, the
    /// feed-forward after its own), before that branch's residual: Linear(C, b) → ReLU →
    /// Linear(b, C) plus its input, no LayerNorm (Houlsby et al. 2019; adapter_design 2).
    case branchOutputs = "houlsby"
}

/// Bottleneck adapters in every block. A method's tensors for them lie in one arena, block by
/// block and adapter by adapter (attention's, then the feed-forward's): the LayerNorm's weight
/// and bias (C each, `blockOutput` only), project_down's weight (b, C) and bias (b),
/// project_up's weight (C, b) and bias (C), torch.nn.Linear's layout.
public struct AdapterShape: Sendable, Equatable {
    public var placement: AdapterPlacement
    public var bottleneck: Int
    public var width: Int
    public var layers: Int

    public init(placement: AdapterPlacement, bottleneck: Int, width: Int, layers: Int) {
        self.placement = placement; self.bottleneck = bottleneck; self.width = width; self.layers = layers
    }

    public var hasLayerNorm: Bool { placement == .blockOutput }
    public var perLayer: Int { placement == .blockOutput ? 1 : 2 }
    public var floatsPerAdapter: Int { (hasLayerNorm ? 2 * width : 0) + 2 * bottleneck * width + bottleneck + width }
    public var count: Int { layers * perLayer * floatsPerAdapter }
    public func offset(layer l: Int, adapter k: Int) -> Int { (l * perLayer + k) * floatsPerAdapter }

    /// Offsets within one adapter.
    public var lnWeight: Int { 0 }
    public var lnBias: Int { width }
    public var downWeight: Int { hasLayerNorm ? 2 * width : 0 }
    public var downBias: Int { downWeight + bottleneck * width }
    public var upWeight: Int { downBias + bottleneck }
    public var upBias: Int { upWeight + width * bottleneck }

    /// The tensors of adapter `k` of block `l` under the reference's names, the block's module
    /// path `path(l)` first (GPT-2: `h.l.adapter_block.project_down.weight`, `adapter_block2`
    /// for the feed-forward's; BART: `model.encoder.layers.l.adapter_block.…`).
    public func tensors(layer l: Int, adapter k: Int, path: (Int) -> String) -> [(name: String, shape: [Int], offset: Int)] {
        let base = offset(layer: l, adapter: k), b = bottleneck, C = width
        let p = "\(path(l)).adapter_block\(k == 0 ? "" : "2")."
        var out: [(String, [Int], Int)] = []
        if hasLayerNorm { out += [(p + "ln.weight", [C], base + lnWeight), (p + "ln.bias", [C], base + lnBias)] }
        return out + [(p + "project_down.weight", [b, C], base + downWeight), (p + "project_down.bias", [b], base + downBias),
                      (p + "project_up.weight", [C, b], base + upWeight), (p + "project_up.bias", [C], base + upBias)]
    }
}

/// What a method adds inside the blocks of a model besides virtual rows: the sizes a training
/// graph allocates for, and what decoding applies.
public struct BlockAdditions: Sendable, Equatable {
    public var lora: LoRAShape?
    public var adapters: AdapterShape?
    public init(lora: LoRAShape? = nil, adapters: AdapterShape? = nil) { self.lora = lora; self.adapters = adapters }
    public static let none = BlockAdditions()
    public var isEmpty: Bool { lora == nil && adapters == nil }
}

/// The method's tensors for its block additions in a training pass: one arena each, laid out
/// as the shapes say, with the arenas their gradients accumulate into (nil: no gradients).
public struct BlockParameters {
    public var lora: LoRAShape?
    public var loraValues: UnsafePointer<Float>?
    public var loraGrads: UnsafeMutablePointer<Float>?
    /// Draws this pass's LoRA dropout masks (training steps only): per block and site.
    public var loraDropoutSeed: UInt64?
    public var adapters: AdapterShape?
    public var adapterValues: UnsafePointer<Float>?
    public var adapterGrads: UnsafeMutablePointer<Float>?

    public init(lora: LoRAShape? = nil, loraValues: UnsafePointer<Float>? = nil, loraGrads: UnsafeMutablePointer<Float>? = nil,
                loraDropoutSeed: UInt64? = nil, adapters: AdapterShape? = nil, adapterValues: UnsafePointer<Float>? = nil,
                adapterGrads: UnsafeMutablePointer<Float>? = nil) {
        self.lora = lora; self.loraValues = loraValues; self.loraGrads = loraGrads; self.loraDropoutSeed = loraDropoutSeed
        self.adapters = adapters; self.adapterValues = adapterValues; self.adapterGrads = adapterGrads
    }

    public var hasGradients: Bool { loraGrads != nil || adapterGrads != nil }
}
