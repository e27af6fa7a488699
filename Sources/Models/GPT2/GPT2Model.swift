import Foundation
import Kernels
import Support

/// A GPT-2 language model in float32: the parameters in one arena (see `GPT2Layout`) and the
/// inference forward pass over a KV cache, through the same block as training (`GPT2Block`).
public final class GPT2Model: CausalLM, @unchecked Sendable {
    public let config: GPT2Config
    public let layout: GPT2Layout
    public let params: FloatArena
    private var buffers: ForwardBuffers
    /// Precision of the weights that decoding a few rows (≤ 8) streams; float16 rounds each
    /// weight once and reads half the bytes.
    public var decodingPrecision: DecodingPrecision = .f32 { didSet { if decodingPrecision != oldValue { decoding = nil } } }
    /// The panel-packed copy of the matrices for few-row decoding, built at the first such step.
    private var decoding: GPT2DecodingWeights?
    /// Rows up to which a forward step (and `logits`) uses the packed copy rather than BLAS.
    public static let fewRowLimit = 8

    public init(config: GPT2Config) {
        self.config = config
        layout = GPT2Layout(config)
        params = FloatArena(count: layout.total)
        buffers = ForwardBuffers(config: config)
    }

    public var parameterCount: Int { layout.total }

    // MARK: LanguageModel

    public var modelType: String { "gpt2" }
    public var shape: ModelShape { GPT2Model.shape(config, parameterCount: layout.total) }
    static func shape(_ config: GPT2Config, parameterCount: Int) -> ModelShape {
        ModelShape(layers: config.nLayer, heads: config.nHead, width: config.nEmbd, vocabSize: config.vocabSize,
                   positions: config.nPositions, eosTokenId: config.eosTokenId, bosTokenId: config.bosTokenId, parameterCount: parameterCount)
    }
    public var summary: ModelSummary { GPT2Model.summary(config, layout: layout) }
    static func summary(_ c: GPT2Config, layout: GPT2Layout) -> ModelSummary {
        ModelSummary(shape: shape(c, parameterCount: layout.total), tensors: layout.parameterEntries, linearSites: c.linearSites,
                     layerNormEpsilon: c.layerNormEpsilon, basePrefix: "transformer.", blockPath: { "h.\($0)" })
    }
    public var parameters: FloatArena { params }
    public var tensors: [ParameterEntry] { layout.parameterEntries }

    /// Must be called after the parameters change (training, loading), so that few-row
    /// decoding does not read a stale packed copy.
    public func weightsDidChange() { decoding = nil }

    public func save(to dir: String, dtype: DType) throws { try GPT2Family.save(self, to: dir, dtype: dtype) }

    public func hasSameArchitecture(as other: any LanguageModel) -> Bool { (other as? GPT2Model)?.config == config }

    public func makeTrainingGraph(maxBatch: Int, maxT: Int, maxVirtual: Int, additions: BlockAdditions) -> TrainingGraph {
        GPT2Graph(model: self, maxBatch: maxBatch, maxT: maxT, maxVirtual: maxVirtual, additions: additions)
    }

    public func trainingGraphBytes(maxBatch: Int, maxT: Int, maxVirtual: Int, additions: BlockAdditions, dropout: Bool) -> Double {
        GPT2Graph.estimatedBytes(config, maxBatch: maxBatch, maxT: maxT, maxVirtual: maxVirtual, additions: additions, dropout: dropout)
    }

    public func linearWeight(layer: Int, module: String) -> (offset: Int, inputMajor: Bool)? {
        guard layout.layers.indices.contains(layer), let o = GPT2Config.siteWeight(module, layout.layers[layer]) else { return nil }
        return (o, true)
    }

    public func trainingBatch(_ examples: [TokenizedExample], weights: [Float], layout: VirtualLayout) -> TrainingBatch {
        GPT2Batching.build(examples, weights: weights, eos: Int32(config.eosTokenId), layout: layout)
    }

    public func positionsNeeded(_ e: TokenizedExample, layout: VirtualLayout) -> Int { e.length + layout.extraPositions }

    public func tokenEmbedding(_ id: Int32) -> UnsafePointer<Float> {
        precondition(id >= 0 && Int(id) < config.vocabSize, "token id out of range")
        return UnsafePointer(params[layout.wte + Int(id) * config.nEmbd])
    }

    public func makeCache(batch: Int, capacity: Int) -> KVCache {
        KVCache(layers: config.nLayer, width: config.nEmbd, batch: batch, capacity: capacity)
    }

    private func decodingWeights() -> GPT2DecodingWeights {
        if let decoding { return decoding }
        let d = GPT2DecodingWeights(model: self, precision: decodingPrecision)
        decoding = d
        return d
    }

    /// Fills the weights with a deterministic pseudo-random draw (benchmarks and tests):
    /// normal(0, std) for matrices, LayerNorm gains 1 and biases 0.
    public func randomize(seed: UInt64, std: Float = 0.02) {
        var rng = SplitMix64(seed: seed)
        for e in layout.entries {
            let p = params[e.offset]
            if e.name.hasSuffix("ln_1.weight") || e.name.hasSuffix("ln_2.weight") || e.name == "ln_f.weight" {
                p.update(repeating: 1, count: e.count)
            } else if e.shape.count == 1 {
                p.update(repeating: 0, count: e.count)
            } else {
                for i in 0..<e.count { p[i] = rng.nextNormal() * std }
            }
        }
        weightsDidChange()
    }

    /// Overwrites wpe with the Transformer's sine/cosine table, scaled so each entry has the
    /// given standard deviation: row t, columns 2i and 2i+1 = sin, cos(t / 10000^(2i/C)).
    public func setSinusoidalPositions(std: Float) {
        let C = config.nEmbd, wpe = params[layout.wpe]
        let scale = Double(std) * 2.0.squareRoot()  // sin and cos over many positions have std 1/√2
        for t in 0..<config.nPositions {
            for i in stride(from: 0, to: C, by: 2) {
                let angle = Double(t) / pow(10000, Double(i) / Double(C))
                wpe[t * C + i] = Float(sin(angle) * scale)
                if i + 1 < C { wpe[t * C + i + 1] = Float(cos(angle) * scale) }
            }
        }
        weightsDidChange()
    }

    // MARK: CausalLM

    /// The blocks run on one set of scratch slots (nothing kept); a step of at most
    /// `fewRowLimit` rows reads the packed copy of the matrices.
    public func forward(tokens: [Int32], positions: [Int32], keyMask: [UInt8]?, B: Int, T: Int, cache: KVCache,
                        virtualEmbeds: UnsafePointer<Float>?, blocks: BlockParameters?, probe: AttentionProbe?) -> UnsafePointer<Float> {
        precondition(blocks?.lora == nil, "decoding reads LoRA merged into the weights (Conditioning.mergingLoRA)")
        precondition(tokens.count == B * T && positions.count == B * T && cache.B == B)
        precondition(tokens.allSatisfy { ($0 >= 0 || virtualEmbeds != nil) && Int($0) < config.vocabSize }, "token id out of range")
        precondition(positions.allSatisfy { $0 >= 0 && Int($0) < config.nPositions }, "position out of range")
        let C = config.nEmbd, NH = config.nHead, N = B * T
        let past = cache.length
        let buf = buffers
        let p = params.base
        let few = N <= GPT2Model.fewRowLimit ? decodingWeights() : nil
        buf.ensure(rows: N, attention: B * NH * T * (past + T))
        tokens.withUnsafeBufferPointer { tok in
            positions.withUnsafeBufferPointer { pos in
                if let virtualEmbeds {
                    encoderForwardVirtual(out: buf.residual, tokens: tok.baseAddress!, positions: pos.baseAddress!,
                                          wte: p + layout.wte, wpe: p + layout.wpe, embeds: virtualEmbeds, N: N, C: C)
                } else {
                    encoderForward(out: buf.residual, tokens: tok.baseAddress!, positions: pos.baseAddress!,
                                   wte: p + layout.wte, wpe: p + layout.wpe, N: N, C: C)
                }
            }
        }
        if let keyMask { keyMask.withUnsafeBufferPointer { cache.append(T: T, keyMask: $0.baseAddress) } }
        else { cache.append(T: T, keyMask: nil) }

        let slots = GPT2BlockSlots(ln1: buf.ln, ln1Mean: nil, ln1Rstd: nil, qkv: buf.qkv, att: buf.att, atty: buf.atty,
                                   res2: buf.residual, ln2: buf.ln, ln2Mean: nil, ln2Rstd: nil, fch: buf.fch, fchGelu: buf.fch,
                                   out: buf.residual, branch: buf.ln)
        let dim = GPT2Dims(B: B, T: T, C: C, F: config.innerDim, NH: NH, eps: config.layerNormEpsilon)
        let adapters = blocks.flatMap { b in b.adapters.map { (b, buf.adapterSlots(for: BlockAdditions(adapters: $0), config: config, rows: N)) } }
        for l in 0..<config.nLayer {
            let store = AttentionStore(keys: cache.keys(layer: l), values: cache.values(layer: l), batchStride: cache.capacity * C,
                                       Tk: past + T, mask: cache.mask, maskStride: cache.capacity, tokenRows: nil, past: past)
            let weights = GPT2BlockWeights(p: p, w: layout.layers[l], packed: few.map { ($0, l) })
            gpt2BlockForward(x: buf.residual, s: slots, store: store, weights: weights, dropout: .none,
                             additions: adapters.map { $1.block(l, params: $0, N: N, drawDropout: false) }, dim)
            probe?(l, buf.att)
        }
        cache.advance(by: T)
        layernormForward(out: buf.ln, mean: nil, rstd: nil, inp: buf.residual,
                         weight: p + layout.lnfw, bias: p + layout.lnfb, N: N, C: C, eps: config.layerNormEpsilon)
        return UnsafePointer(buf.ln)
    }

    /// logits (N, V) = hidden (N, C) · wteᵀ — the tied language-model head.
    public func logits(hidden: UnsafePointer<Float>, N: Int, into out: UnsafeMutablePointer<Float>) {
        let C = config.nEmbd, V = config.vocabSize
        if N <= GPT2Model.fewRowLimit {
            decodingWeights().logits(out: out, hidden: hidden, M: N, C: C, V: V)
            return
        }
        BLAS.sgemm(transA: false, transB: true, M: N, N: V, K: C,
                   A: hidden, lda: C, B: params[layout.wte], ldb: C, beta: 0, C: out, ldc: V)
    }
}

/// Activation buffers of the inference forward pass, grown on demand and reused.
final class ForwardBuffers {
    let C: Int, F: Int
    private(set) var rows = 0
    private(set) var attCount = 0
    var residual: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    var ln: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    var qkv: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    var atty: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    var fch: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    var att: UnsafeMutablePointer<Float> = .allocate(capacity: 1)
    /// Scratch of a method's adapters, shared by every block; rebuilt for more rows or another shape.
    private var adapters: GPT2AdditionSlots?

    init(config: GPT2Config) { C = config.nEmbd; F = config.innerDim }

    func adapterSlots(for a: BlockAdditions, config: GPT2Config, rows: Int) -> GPT2AdditionSlots {
        if let s = adapters, s.additions == a, s.maxN >= rows { return s }
        let s = GPT2AdditionSlots(a, config: config, maxN: max(rows, adapters?.maxN ?? 0), training: false)
        adapters = s
        return s
    }

    func ensure(rows n: Int, attention a: Int) {
        if n > rows {
            for p in [residual, ln, qkv, atty, fch] { p.deallocate() }
            residual = .allocate(capacity: n * C)
            ln = .allocate(capacity: n * C)
            qkv = .allocate(capacity: n * 3 * C)
            atty = .allocate(capacity: n * C)
            fch = .allocate(capacity: n * F)
            rows = n
        }
        if a > attCount {
            att.deallocate()
            att = .allocate(capacity: a)
            attCount = a
        }
    }

    deinit { for p in [residual, ln, qkv, atty, fch, att] { p.deallocate() } }
}
