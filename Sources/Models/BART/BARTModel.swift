import JSON
import Kernels

/// What the encoder leaves for the decoder: for each of B documents (right-padded to S rows)
/// the encoder's output and, per decoder layer, the cross-attention's keys and values of it
/// (after a cross-attention prefix's rows), computed once per document and read by every
/// decoding step; and the decoder self-attention prefix every decoding cache starts with.
public final class EncoderMemory: @unchecked Sendable {
    public let B: Int
    public let S: Int
    public let C: Int
    /// Rows of each document's cross-attention store: a cross prefix's P, then S.
    public let keyRows: Int
    /// (B, S, C): the encoder's last hidden states.
    public let hidden: FloatArena
    /// Per decoder layer: keys, values (B, keyRows, C).
    public let keys: [FloatArena]
    public let values: [FloatArena]
    /// (B, keyRows): 1 for a prefix row or a document's token, 0 for padding.
    public let mask: [UInt8]
    /// The decoder self-attention prefix (L_dec, 2, P, C), `KVCache.prefill`'s layout.
    public let decoderPrefix: (P: Int, rows: [Float], takesPositions: Bool)?
    /// An adapter run's adapters (copied here once per batch), which every decoding step applies as the encoder did.
    public var adapters: (shape: AdapterShape, values: FloatArena)?

    init(B: Int, S: Int, C: Int, layers: Int, mask: [UInt8], crossRows: Int = 0, decoderPrefix: (P: Int, rows: [Float], takesPositions: Bool)? = nil) {
        self.B = B; self.S = S; self.C = C; keyRows = crossRows + S; self.decoderPrefix = decoderPrefix
        var m = [UInt8](repeating: 1, count: B * keyRows)
        for b in 0..<B { for j in 0..<S { m[b * keyRows + crossRows + j] = mask[b * S + j] } }
        self.mask = m
        hidden = FloatArena(count: B * S * C)
        keys = (0..<layers).map { _ in FloatArena(count: B * (crossRows + S) * C) }
        values = (0..<layers).map { _ in FloatArena(count: B * (crossRows + S) * C) }
    }

    /// Positions the decoder's prefix rows take before its first token (PEFT's: P; the original code's: 0).
    public var decoderPositionShift: Int { decoderPrefix.map { $0.takesPositions ? 0 : $0.P } ?? 0 }
    /// Cache rows a decoding needs before its tokens.
    public var decoderPrefixRows: Int { decoderPrefix?.P ?? 0 }

    /// An empty decoder cache for `batch` rows and `capacity` tokens, holding the prefix.
    public func startDecoding(_ cache: KVCache) {
        guard let d = decoderPrefix else { return }
        d.rows.withUnsafeBufferPointer { cache.prefill(prefix: $0.baseAddress!, P: d.P) }
    }
}

/// An encoder-decoder's inference: the encoder once per batch of documents, then the decoder
/// step by step on its own KV cache and the encoder's memory. What the seq2seq scorer and the
/// decoders run on.
public protocol Seq2SeqLM: PretrainedModel {
    var decoderStartTokenId: Int32 { get }
    var padTokenId: Int32 { get }
    var eosTokenId: Int32 { get }
    /// The token forced at the last position of a generation (config.json's forced_eos_token_id).
    var forcedEOSTokenId: Int32? { get }
    /// A PEFT seq2seq PrefixTuning adapter as a prefix (the decoder's self-attention only).
    func peftDecoderPrefix(embeddings: [Float], P: Int, adapterLayers: Int) throws -> Seq2SeqPrefix
    /// Rows of the decoder's self-attention cache per layer, and its layers.
    func makeDecoderCache(batch: Int, capacity: Int) -> KVCache
    /// tokens (B, S) right-padded, mask (B, S): 1 for tokens; `prefix` the method's rows (its
    /// encoder rows used here, its cross and decoder rows kept in the memory for decoding).
    func encode(tokens: [Int32], mask: [UInt8], B: Int, S: Int, prefix: Seq2SeqPrefix?) -> EncoderMemory
    /// Runs T new decoder positions of B sequences (positions cache.length − the memory's
    /// `decoderPositionShift` onwards), appending them to `cache` (started by
    /// `memory.startDecoding`); returns the last layer's hidden states (B·T, C), valid until the next call.
    /// Rows b·beams ..< (b+1)·beams attend to document b of `memory` (its keys shared, not copied).
    func decode(tokens: [Int32], B: Int, T: Int, cache: KVCache, memory: EncoderMemory, beams: Int) -> UnsafePointer<Float>
    /// logits (N, V) from decoder hidden states (N, C).
    func logits(hidden: UnsafePointer<Float>, N: Int, into out: UnsafeMutablePointer<Float>)
}

extension Seq2SeqLM {
    public func encode(tokens: [Int32], mask: [UInt8], B: Int, S: Int) -> EncoderMemory { encode(tokens: tokens, mask: mask, B: B, S: S, prefix: nil) }
}

/// BART (Lewis et al. 2020) on the shared kernels: a bidirectional encoder and a causal
/// decoder with cross-attention, post-LayerNorm, learned positions (offset 2), the head tied to
/// the shared embeddings plus `final_logits_bias`. Float32.
public final class BARTModel: Seq2SeqLM, LanguageModel, @unchecked Sendable {
    public let config: BARTConfig
    public let layout: BARTLayout
    public let params: FloatArena
    /// config.json as read (written back unchanged by `save`).
    public let configJSON: JSONValue
    private let buffers: BARTBuffers
    private var inferenceAdapters: BARTAdapters?

    public init(config: BARTConfig, configJSON: JSONValue? = nil) {
        self.config = config
        self.configJSON = configJSON ?? config.json
        layout = BARTLayout(config)
        params = FloatArena(count: layout.total)
        buffers = BARTBuffers(config)
    }

    public var modelType: String { "bart" }
    public var decoderStartTokenId: Int32 { Int32(config.decoderStartTokenId) }
    public var padTokenId: Int32 { Int32(config.padTokenId) }
    public var eosTokenId: Int32 { Int32(config.eosTokenId) }
    public var forcedEOSTokenId: Int32? { config.forcedEOSTokenId.map(Int32.init) }
    public var parameters: FloatArena { params }
    public var tensors: [ParameterEntry] { layout.parameterEntries }
    public var shape: ModelShape { BARTModel.shape(config, parameterCount: layout.parameterCount) }
    public var summary: ModelSummary { BARTModel.summary(config, layout: layout) }
    public func save(to dir: String, dtype: DType) throws { try BARTFamily.save(self, to: dir, dtype: dtype) }

    /// A prefix's rows go to the decoder's layers (the shape methods see); the encoder's own
    /// sizes are in `config`.
    static func shape(_ c: BARTConfig, parameterCount: Int) -> ModelShape {
        ModelShape(layers: c.decoderLayers, heads: c.decoderHeads, width: c.dModel, vocabSize: c.vocabSize, positions: c.maxPositions,
                   eosTokenId: c.eosTokenId, bosTokenId: c.bosTokenId, parameterCount: parameterCount, encoderLayers: c.encoderLayers)
    }

    static func summary(_ c: BARTConfig, layout: BARTLayout) -> ModelSummary {
        let E = c.encoderLayers
        return ModelSummary(shape: shape(c, parameterCount: layout.parameterCount), tensors: layout.parameterEntries, linearSites: c.decoderSites,
                            layerNormEpsilon: c.layerNormEpsilon, basePrefix: "",
                            blockPath: { $0 < E ? "model.encoder.layers.\($0)" : "model.decoder.layers.\($0 - E)" },
                            blockSites: Array(repeating: c.encoderSites, count: E) + Array(repeating: c.decoderSites, count: c.decoderLayers),
                            linearWeightsInputMajor: false, defaultLoRATargets: ["q_proj", "v_proj"])
    }

    /// The prefix a PEFT seq2seq PrefixTuning adapter gives (`Seq2SeqPrefix.peft`: the decoder's
    /// self-attention only, layers sharing PEFT's blocks, the tokens starting at position P);
    /// refuses an adapter for another encoder depth, and unequal depths, on which PEFT's own
    /// forward raises an IndexError.
    public func peftDecoderPrefix(embeddings e: [Float], P: Int, adapterLayers: Int) throws -> Seq2SeqPrefix {
        let L = config.encoderLayers
        guard adapterLayers == L else {
            throw ModelError(path: "adapter", message: "num_layers \(adapterLayers); this BART's encoder has \(L) layers")
        }
        guard config.decoderLayers == L else {
            throw ModelError(path: "adapter", message: "this BART has \(L) encoder and \(config.decoderLayers) decoder layers; PEFT's PrefixTuning cannot run on unequal depths (its own forward raises an IndexError)")
        }
        return Seq2SeqPrefix.peft(embeddings: e, P: P, encoderLayers: L, decoderLayers: config.decoderLayers, width: config.dModel)
    }

    public func makeDecoderCache(batch: Int, capacity: Int) -> KVCache {
        KVCache(layers: config.decoderLayers, width: config.dModel, batch: batch, capacity: capacity)
    }

    // MARK: LanguageModel (what the trainer and the methods see)

    public func weightsDidChange() {}
    public func hasSameArchitecture(as other: any LanguageModel) -> Bool { (other as? BARTModel)?.config == config }

    /// `maxT` bounds both the encoder's and the decoder's rows (each example's source and
    /// target plus their two special tokens); `maxVirtual` a prefix's rows in each attention.
    /// Block additions: LoRA, adapters (sized by the graph for each batch).
    public func makeTrainingGraph(maxBatch: Int, maxT: Int, maxVirtual: Int, additions: BlockAdditions) -> TrainingGraph {
        BARTGraph(model: self, maxBatch: maxBatch, maxS: maxT, maxT: maxT, maxPrefix: maxVirtual)
    }

    public func trainingGraphBytes(maxBatch: Int, maxT: Int, maxVirtual: Int, additions: BlockAdditions, dropout: Bool) -> Double {
        let c = config, C = Double(c.dModel), B = Double(maxBatch), T = Double(maxT)
        let perRow = 14 * C + 2 * Double(max(c.encoderFFN, c.decoderFFN)) + 6
        let layers = Double(c.encoderLayers + c.decoderLayers)
        let Tk = T + Double(maxVirtual)
        let attention = B * Double(max(c.encoderHeads, c.decoderHeads)) * T * Tk * (layers + Double(c.decoderLayers))
        let stores = 2 * B * Double(maxVirtual) * C * (layers + Double(c.decoderLayers))
        let lora = additions.lora.map { BARTLoRA.estimatedFloats($0) { _, _ in B * T } } ?? 0
        let adapters = additions.adapters.map { BARTAdapters.estimatedFloats($0, training: true) { _ in B * T } } ?? 0
        return 4 * (layers * B * T * perRow + attention + stores + min(B * T, Double(BARTGraph.headRows)) * Double(c.vocabSize) + B * T * 3 * C + 8 * B * Tk * C + lora + adapters)
    }

    public func linearWeight(layer: Int, module: String) -> (offset: Int, inputMajor: Bool)? {
        layout.linearWeight(block: layer, module: module).map { ($0, false) }
    }

    /// A prefix (`layout.keyValueRows` in each of `layout.attentions`) takes no positions, as
    /// in the original code (PEFT's: the decoder's from P); virtual input embeddings go before
    /// every document, at its first positions (PEFT's seq2seq prompt tuning).
    public func trainingBatch(_ examples: [TokenizedExample], weights: [Float], layout: VirtualLayout) -> TrainingBatch {
        precondition(layout.placement == .start, "BART's batches take a prefix, virtual input embeddings, or nothing")
        return BARTBatching.build(examples, weights: weights, config: config, layout: layout)
    }

    /// Every label: [<s>], the target, [</s>].
    public func scoredTokens(_ e: TokenizedExample) -> Int { e.target.count + 2 }

    /// The longer of the encoder's [<s>] source [</s>] and the labels' [<s>] target [</s>]; a
    /// prefix's rows take none, unless the decoder's take positions (PEFT's seq2seq prefix).
    public func positionsNeeded(_ e: TokenizedExample, layout: VirtualLayout) -> Int {
        let shift = layout.decoderRowsTakePositions && layout.attentions.contains(.decoder) ? layout.keyValueRows : 0
        return max(e.source.count + layout.leadingEmbeddings, e.target.count + shift) + 2
    }

    public func tokenEmbedding(_ id: Int32) -> UnsafePointer<Float> { UnsafePointer(params.base + layout.shared + Int(id) * config.dModel) }

    /// x (N, C) = LN(embed_scale · shared[token] + positions[p + 2]); with `virtual` (rows (P, C),
    /// P, the sequence's rows S) the first P rows of each sequence are those rows, unscaled.
    private func embed(_ out: Buf, tokens: [Int32], positions: (Int) -> Int, table: Int, lnW: Int, lnB: Int, N: Int,
                       virtual: (rows: [Float], P: Int, S: Int)? = nil) {
        let C = config.dModel, p = params.base, scale = config.embedScale
        for i in 0..<N {
            let tok = Int(tokens[i]), pos = positions(i) + BARTConfig.positionOffset
            precondition(tok >= 0 && tok < config.vocabSize && pos < config.maxPositions + BARTConfig.positionOffset, "token or position out of range")
            let w = p + table + pos * C, o = out + i * C
            if let v = virtual, i % v.S < v.P {
                let r = i % v.S
                for c in 0..<C { o[c] = v.rows[r * C + c] + w[c] }
                continue
            }
            let e = p + layout.shared + tok * C
            for c in 0..<C { o[c] = scale * e[c] + w[c] }
        }
        layernormForward(out: out, mean: nil, rstd: nil, inp: out, weight: p + lnW, bias: p + lnB, N: N, C: C, eps: config.layerNormEpsilon)
    }

    /// x (N, C) = LN(x + f), the post-LayerNorm residual of every BART sub-layer.
    private func addNorm(_ x: Buf, _ f: CBuf, w: Int, b: Int, N: Int) {
        let p = params.base
        residualForward(out: x, a: x, b: f, N: N * config.dModel)
        layernormForward(out: x, mean: nil, rstd: nil, inp: x, weight: p + w, bias: p + b, N: N, C: config.dModel, eps: config.layerNormEpsilon)
    }

    /// out (N, C) = fc2(act(fc1(x))); hidden (N, F) scratch.
    private func feedForward(_ out: Buf, _ x: CBuf, hidden: Buf, fc1W: Int, fc1B: Int, fc2W: Int, fc2B: Int, F: Int, N: Int) {
        let p = params.base, C = config.dModel
        linearForward(out: hidden, inp: x, weight: p + fc1W, bias: p + fc1B, N: N, C: C, OC: F)
        switch config.activation {
        case .gelu: geluExactForward(out: hidden, inp: hidden, N: N * F)
        case .geluNew: geluForward(out: hidden, inp: hidden, N: N * F)
        case .relu: reluForward(out: hidden, inp: hidden, N: N * F)
        }
        linearForward(out: out, inp: hidden, weight: p + fc2W, bias: p + fc2B, N: N, C: F, OC: C)
    }

    public func encode(tokens docTokens: [Int32], mask docMask: [UInt8], B: Int, S docS: Int, prefix: Seq2SeqPrefix?) -> EncoderMemory {
        precondition(docTokens.count == B * docS && docMask.count == B * docS)
        // Virtual input embeddings (prompt tuning) take the first Pv rows and positions of each document.
        let Pv = prefix?.encoderVirtualTokens ?? 0, S = Pv + docS
        var tokens = docTokens, mask = docMask
        if Pv > 0 {
            tokens = [Int32](repeating: padTokenId, count: B * S); mask = [UInt8](repeating: 1, count: B * S)
            for b in 0..<B { for j in 0..<docS { tokens[b * S + Pv + j] = docTokens[b * docS + j]; mask[b * S + Pv + j] = docMask[b * docS + j] } }
        }
        let C = config.dModel, N = B * S, p = params.base, NH = config.encoderHeads
        let Pe = prefix?.encoder == nil ? 0 : prefix!.P, Pc = prefix?.cross == nil ? 0 : prefix!.P
        let buf = buffers
        buf.ensure(rows: B * (S + max(Pe, Pc)), ffn: max(config.encoderFFN, config.decoderFFN), attention: B * NH * S * (Pe + S))
        let decoderRows = prefix.flatMap { p in
            p.decoder.map { (P: p.P, rows: Seq2SeqPrefix.cacheLayout($0, P: p.P, layers: config.decoderLayers, width: C), takesPositions: p.decoderTakesPositions) }
        }
        let memory = EncoderMemory(B: B, S: S, C: C, layers: config.decoderLayers, mask: mask, crossRows: Pc, decoderPrefix: decoderRows)
        if let a = prefix?.adapters {
            let values = FloatArena(count: a.values.count)
            _ = values.buffer.update(fromContentsOf: a.values)
            memory.adapters = (a.shape, values)
        }
        let x = memory.hidden.base
        embed(x, tokens: tokens, positions: { $0 % S }, table: layout.encPositions, lnW: layout.encLnW, lnB: layout.encLnB, N: N,
              virtual: prefix?.encoderEmbeddings.map { ($0, Pv, S) })
        var storeMask = [UInt8](repeating: 1, count: B * (Pe + S))
        for b in 0..<B { for j in 0..<S { storeMask[b * (Pe + S) + Pe + j] = mask[b * S + j] } }
        let adapters = adapterPasses(memory.adapters, rows: N)
        defer { adapters?.start(values: nil, grads: nil) }
        storeMask.withUnsafeBufferPointer { m in
            for (li, l) in layout.encoder.enumerated() {
                let a = l.attn
                linearForward(out: buf.q, inp: x, weight: p + a.qW, bias: p + a.qB, N: N, C: C, OC: C)
                project(into: buf.k, x, w: a.kW, b: a.kB, B: B, n: S, prefix: prefix?.encoder, P: Pe, column: 2 * li * C, layers: config.encoderLayers)
                project(into: buf.v, x, w: a.vW, b: a.vB, B: B, n: S, prefix: prefix?.encoder, P: Pe, column: (2 * li + 1) * C, layers: config.encoderLayers)
                attentionForward(out: buf.atty, att: buf.att, q: buf.q, qStride: C, keys: buf.k, values: buf.v, kvBatchStride: (Pe + S) * C,
                                 mask: m.baseAddress, maskStride: Pe + S, mode: .bidirectional, B: B, T: S, past: 0, Tk: Pe + S, C: C, NH: NH)
                linearForward(out: buf.branch, inp: buf.atty, weight: p + a.oW, bias: p + a.oB, N: N, C: C, OC: C)
                adapters?.forward(li, .attention, buf.branch, N: N)
                addNorm(x, buf.branch, w: l.ln1W, b: l.ln1B, N: N)
                feedForward(buf.branch, x, hidden: buf.hidden, fc1W: l.fc1W, fc1B: l.fc1B, fc2W: l.fc2W, fc2B: l.fc2B, F: config.encoderFFN, N: N)
                adapters?.forward(li, .feedForward, buf.branch, N: N)
                addNorm(x, buf.branch, w: l.ln2W, b: l.ln2B, N: N)
                adapters?.forward(li, .blockOutput, x, N: N)
            }
        }
        for (l, d) in layout.decoder.enumerated() {
            project(into: memory.keys[l].base, x, w: d.cross.kW, b: d.cross.kB, B: B, n: S, prefix: prefix?.cross, P: Pc, column: 2 * l * C, layers: config.decoderLayers)
            project(into: memory.values[l].base, x, w: d.cross.vW, b: d.cross.vB, B: B, n: S, prefix: prefix?.cross, P: Pc, column: (2 * l + 1) * C, layers: config.decoderLayers)
        }
        return memory
    }

    /// store (B, P + n, C) = [the prefix's rows of one layer; inp (B·n, C) through the projection].
    private func project(into store: Buf, _ inp: CBuf, w: Int, b: Int, B: Int, n: Int, prefix: [Float]?, P: Int, column: Int, layers: Int) {
        let C = config.dModel, p = params.base, W = 2 * layers * C
        guard P > 0, let prefix else { linearForward(out: store, inp: inp, weight: p + w, bias: p + b, N: B * n, C: C, OC: C); return }
        prefix.withUnsafeBufferPointer { rows in
            for s in 0..<B {
                let dst = store + s * (P + n) * C
                for r in 0..<P { (dst + r * C).update(from: rows.baseAddress! + r * W + column, count: C) }
                linearForward(out: dst + P * C, inp: inp + s * n * C, weight: p + w, bias: p + b, N: n, C: C, OC: C)
            }
        }
    }

    public func decode(tokens: [Int32], B: Int, T: Int, cache: KVCache, memory: EncoderMemory, beams: Int = 1) -> UnsafePointer<Float> {
        precondition(tokens.count == B * T && cache.B == B && memory.B * beams == B && cache.length + T <= cache.capacity)
        let C = config.dModel, N = B * T, p = params.base, NH = config.decoderHeads, S = memory.keyRows
        let past = cache.length, first = past - memory.decoderPositionShift
        let buf = buffers
        buf.ensure(rows: N, ffn: max(config.encoderFFN, config.decoderFFN), attention: B * NH * T * max(past + T, S))
        let x = buf.x
        embed(x, tokens: tokens, positions: { first + $0 % T }, table: layout.decPositions, lnW: layout.decLnW, lnB: layout.decLnB, N: N)
        cache.append(T: T, keyMask: nil)
        let adapters = adapterPasses(memory.adapters, rows: N), E = config.encoderLayers
        defer { adapters?.start(values: nil, grads: nil) }
        for (l, d) in layout.decoder.enumerated() {
            let s = d.selfAttn
            linearForward(out: buf.q, inp: x, weight: p + s.qW, bias: p + s.qB, N: N, C: C, OC: C)
            // This step's keys and values go straight into the cache rows past ..< past + T.
            linearForward(out: buf.k, inp: x, weight: p + s.kW, bias: p + s.kB, N: N, C: C, OC: C)
            linearForward(out: buf.v, inp: x, weight: p + s.vW, bias: p + s.vB, N: N, C: C, OC: C)
            let ck = cache.keys(layer: l), cv = cache.values(layer: l)
            for b in 0..<B {
                (ck + (b * cache.capacity + past) * C).update(from: buf.k + b * T * C, count: T * C)
                (cv + (b * cache.capacity + past) * C).update(from: buf.v + b * T * C, count: T * C)
            }
            attentionForward(out: buf.atty, att: buf.att, q: buf.q, qStride: C, keys: ck, values: cv, kvBatchStride: cache.capacity * C,
                             mask: cache.mask, maskStride: cache.capacity, mode: .causal, B: B, T: T, past: past, Tk: past + T, C: C, NH: NH)
            linearForward(out: buf.branch, inp: buf.atty, weight: p + s.oW, bias: p + s.oB, N: N, C: C, OC: C)
            adapters?.forward(E + l, .attention, buf.branch, N: N)
            addNorm(x, buf.branch, w: d.ln1W, b: d.ln1B, N: N)
            let a = d.cross
            linearForward(out: buf.q, inp: x, weight: p + a.qW, bias: p + a.qB, N: N, C: C, OC: C)
            memory.mask.withUnsafeBufferPointer { m in
                // Each document's beams read its keys with a batch stride of 0.
                for doc in 0..<memory.B {
                    let r = doc * beams * T
                    attentionForward(out: buf.atty + r * C, att: buf.att + r * NH * S, q: buf.q + r * C, qStride: C,
                                     keys: memory.keys[l].base + doc * S * C, values: memory.values[l].base + doc * S * C, kvBatchStride: 0,
                                     mask: m.baseAddress! + doc * S, maskStride: 0, mode: .cross, B: beams, T: T, past: 0, Tk: S, C: C, NH: NH)
                }
            }
            linearForward(out: buf.branch, inp: buf.atty, weight: p + a.oW, bias: p + a.oB, N: N, C: C, OC: C)
            addNorm(x, buf.branch, w: d.ln2W, b: d.ln2B, N: N)
            feedForward(buf.branch, x, hidden: buf.hidden, fc1W: d.fc1W, fc1B: d.fc1B, fc2W: d.fc2W, fc2B: d.fc2B, F: config.decoderFFN, N: N)
            adapters?.forward(E + l, .feedForward, buf.branch, N: N)
            addNorm(x, buf.branch, w: d.ln3W, b: d.ln3B, N: N)
            adapters?.forward(E + l, .blockOutput, x, N: N)
        }
        cache.advance(by: T)
        return UnsafePointer(x)
    }

    /// The adapters' scratch for an inference pass of `rows` rows (shared by every block, kept
    /// between passes and grown on demand), started on `adapters`' tensors; nil for none.
    private func adapterPasses(_ adapters: (shape: AdapterShape, values: FloatArena)?, rows: Int) -> BARTAdapters? {
        guard let adapters else { return nil }
        precondition(adapters.shape.layers == config.encoderLayers + config.decoderLayers && adapters.shape.width == config.dModel,
                     "adapters for another BART")
        if inferenceAdapters.map({ $0.shape != adapters.shape || $0.rows[0] < rows }) ?? true {
            inferenceAdapters = BARTAdapters(adapters.shape, eps: config.layerNormEpsilon, training: false) { _ in max(rows, self.inferenceAdapters?.rows[0] ?? 0) }
        }
        inferenceAdapters!.start(values: UnsafePointer(adapters.values.base), grads: nil)
        return inferenceAdapters
    }

    /// logits (N, V) = hidden (N, C) · sharedᵀ + final_logits_bias.
    public func logits(hidden: UnsafePointer<Float>, N: Int, into out: UnsafeMutablePointer<Float>) {
        let C = config.dModel, V = config.vocabSize, p = params.base
        for r in 0..<N { (out + r * V).update(from: p + layout.logitsBias, count: V) }
        BLAS.sgemm(transA: false, transB: true, M: N, N: V, K: C, A: hidden, lda: C, B: p + layout.shared, ldb: C, beta: 1, C: out, ldc: V)
    }
}

/// Activation scratch of BART's inference passes, grown on demand and reused.
final class BARTBuffers {
    let C: Int
    private(set) var rows = 0, ffn = 0, attCount = 0
    var x: Buf = .allocate(capacity: 1)
    var q: Buf = .allocate(capacity: 1)
    var k: Buf = .allocate(capacity: 1)
    var v: Buf = .allocate(capacity: 1)
    var atty: Buf = .allocate(capacity: 1)
    var branch: Buf = .allocate(capacity: 1)
    var hidden: Buf = .allocate(capacity: 1)
    var att: Buf = .allocate(capacity: 1)

    init(_ c: BARTConfig) { C = c.dModel }

    func ensure(rows n: Int, ffn f: Int, attention a: Int) {
        if n > rows || f > ffn {
            for p in [x, q, k, v, atty, branch, hidden] { p.deallocate() }
            rows = max(n, rows); ffn = max(f, ffn)
            x = .allocate(capacity: rows * C); q = .allocate(capacity: rows * C)
            k = .allocate(capacity: rows * C); v = .allocate(capacity: rows * C)
            atty = .allocate(capacity: rows * C); branch = .allocate(capacity: rows * C)
            hidden = .allocate(capacity: rows * ffn)
        }
        if a > attCount { att.deallocate(); att = .allocate(capacity: a); attCount = a }
    }

    deinit { for p in [x, q, k, v, atty, branch, hidden, att] { p.deallocate() } }
}
