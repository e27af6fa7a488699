import Kernels
import Support

/// GPT-2's training pass: forward with every activation the backward needs kept in one
/// arena, the fused head and cross-entropy, and the backward — llm.c's shape.
///
/// Each layer is `gpt2BlockForward` / `gpt2BlockBackward` on slots of its own; the same block
/// serves inference. A method's virtual parameters enter through `GraphConditioning`: key/value
/// rows at every layer (prefix-tuning and infix: (V_kv, 2·L·C), PEFT's layout, keys of layer l
/// at columns 2l·C and values at (2l+1)·C) and input embeddings (embedding-only: (P, C)).
/// Their gradients are accumulated into the conditioning's buffers; the model's weights get
/// gradients only where `TrainableWeights` asks, and are never written.
public final class GPT2Graph: TrainingGraph {
    public let model: GPT2Model
    public let maxB: Int, maxT: Int, maxVirtual: Int
    /// Rows per chunk of the vocabulary projection.
    public let headChunk: Int

    let acts: FloatArena
    let grads: FloatArena
    let mask: UnsafeMutablePointer<UInt8>
    /// Dropout factors (0 or 1/(1−p)), allocated on first use: embeddings (N·C), then per
    /// layer attention (ATT), attention output (N·C) and MLP output (N·C).
    var dropMasks: FloatArena? = nil
    let rowsInt: UnsafeMutablePointer<Int32>  // keyRows, target ids, virtual row indices (scratch copies)
    let o: Offsets
    /// Activations of a method's LoRA updates and adapters (nil: none).
    let additionSlots: GPT2AdditionSlots?
    public let additions: BlockAdditions

    /// Activation offsets for the largest batch; smaller batches use the front of each slot.
    struct Offsets {
        let N: Int, C: Int, F: Int, KV: Int, ATT: Int
        let encoded: Int
        let perLayer: Int
        // within a layer:
        let ln1 = 0, ln1Mean: Int, ln1Rstd: Int, qkv: Int, keys: Int, values: Int, att: Int, atty: Int
        let res2: Int, ln2: Int, ln2Mean: Int, ln2Rstd: Int, fch: Int, fchGelu: Int, res3: Int
        let layersBase: Int
        let lnf: Int, lnfMean: Int, lnfRstd: Int, total: Int
        // gradient scratch (in `grads`)
        let dres = 0, dln: Int, dqkv: Int, datty: Int, dfch: Int, dkeys: Int, dvalues: Int, attScratch: Int
        let gathered: Int, dgathered: Int, losses: Int, weights: Int, headScratch: Int, dmasked: Int, gradTotal: Int
        var dropPerLayer: Int { ATT + 2 * N * C }
        var dropTotal: Int { N * C + nLayer * dropPerLayer }
        let nLayer: Int

        init(config c: GPT2Config, B: Int, T: Int, P: Int, chunk: Int) {
            let N = B * T, C = c.nEmbd, F = c.innerDim, Tk = T + P
            self.N = N; self.C = C; self.F = F
            KV = B * Tk * C
            ATT = B * c.nHead * T * Tk
            encoded = 0
            var x = N * C
            ln1Mean = x; x += N
            ln1Rstd = x; x += N
            qkv = x; x += 3 * N * C
            keys = x; x += KV
            values = x; x += KV
            att = x; x += ATT
            atty = x; x += N * C
            res2 = x; x += N * C
            ln2 = x; x += N * C
            ln2Mean = x; x += N
            ln2Rstd = x; x += N
            fch = x; x += N * F
            fchGelu = x; x += N * F
            res3 = x; x += N * C
            perLayer = x
            layersBase = N * C
            var y = layersBase + c.nLayer * perLayer
            lnf = y; y += N * C
            lnfMean = y; y += N
            lnfRstd = y; y += N
            total = y
            var g = N * C
            dln = g; g += N * C
            dqkv = g; g += 3 * N * C
            datty = g; g += N * C
            dfch = g; g += N * F
            dkeys = g; g += KV
            dvalues = g; g += KV
            attScratch = g; g += B * c.nHead * Tk
            gathered = g; g += N * C
            dgathered = g; g += N * C
            losses = g; g += N
            weights = g; g += N
            headScratch = g; g += chunk * c.vocabSize
            dmasked = g; g += N * C
            gradTotal = g
            nLayer = c.nLayer
        }
        func layer(_ l: Int) -> Int { layersBase + l * perLayer }
    }

    /// `headChunk` rows go through the vocabulary at a time: measured on GPT-2 small, 320-row
    /// chunks run the head's GEMMs at 233–246 GFLOP/s against 182–204 for 64 rows (8% of a
    /// prefix step), for a (chunk × V) scratch of 64 MB.
    public init(model: GPT2Model, maxBatch: Int, maxT: Int, maxVirtual: Int = 0, additions: BlockAdditions = .none, headChunk: Int = 320) {
        self.model = model
        self.additions = additions
        additionSlots = additions.isEmpty ? nil : GPT2AdditionSlots(additions, config: model.config, maxN: maxBatch * maxT, training: true)
        let headChunk = max(1, min(headChunk, maxBatch * maxT))
        maxB = maxBatch; self.maxT = maxT; self.maxVirtual = maxVirtual; self.headChunk = headChunk
        o = Offsets(config: model.config, B: maxBatch, T: maxT, P: maxVirtual, chunk: headChunk)
        acts = FloatArena(count: o.total)
        grads = FloatArena(count: o.gradTotal)
        mask = .allocate(capacity: maxBatch * (maxT + maxVirtual))
        rowsInt = .allocate(capacity: 2 * maxBatch * maxT + maxBatch * max(1, maxVirtual))
    }

    deinit { mask.deallocate(); rowsInt.deallocate() }

    /// Bytes held by activations and gradient scratch.
    public var memoryBytes: Int { (o.total + o.gradTotal + (additionSlots?.arena.count ?? 0)) * 4 }

    /// Per-row NLL of the last pass, in target order (valid until the next pass).
    public func lastLosses(count: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: grads[o.losses], count: count)
    }

    /// Draws the dropout factors for a batch of B·T rows and Tk keys.
    func drawDropout(_ d: ModelDropout, N: Int, Tk: Int, B: Int, T: Int) -> UnsafeMutablePointer<Float> {
        if dropMasks == nil { dropMasks = FloatArena(count: o.dropTotal) }
        let m = dropMasks!.base
        let keep = 1 / (1 - d.rate), C = model.config.nEmbd, NH = model.config.nHead
        // One stream per layer, so the masks of a given layer do not depend on thread count.
        for part in 0...model.config.nLayer {
            var rng = SplitMix64(seed: d.seed &+ 0x5851_F42D_4C95_7F2D &* UInt64(part + 1))
            let (base, count) = part == 0 ? (0, N * C) : (N * C + (part - 1) * o.dropPerLayer, B * NH * T * Tk + 2 * N * C)
            for i in 0..<count { m[base + i] = rng.nextUniform() < d.rate ? 0 : keep }
        }
        return m
    }

    /// What `Offsets` adds up, in doubles: activations and gradient scratch for the largest
    /// batch, plus the dropout masks when there is dropout.
    static func estimatedBytes(_ c: GPT2Config, maxBatch B: Int, maxT T: Int, maxVirtual P: Int, additions: BlockAdditions, dropout: Bool,
                               headChunk: Int = 320) -> Double {
        let b = Double(B), t = Double(T), C = Double(c.nEmbd), F = Double(c.innerDim), L = Double(c.nLayer), NH = Double(c.nHead)
        let N = b * t, Tk = t + Double(P), KV = b * Tk * C, ATT = b * NH * t * Tk
        let perLayer = N * (8 * C + 2 * F + 4) + 2 * KV + ATT
        let acts = 2 * N * C + L * perLayer + 2 * N
        let grads = 8 * N * C + N * F + 2 * KV + b * NH * Tk + 2 * N + Double(min(headChunk, B * T)) * Double(c.vocabSize)
        let masks = dropout ? N * C + L * (ATT + 2 * N * C) : 0
        return 4 * (acts + grads + masks + GPT2AdditionSlots.estimatedFloats(additions, config: c, maxN: N))
    }

    /// The slots of layer l in the activation arena.
    func slots(_ l: Int) -> GPT2BlockSlots {
        let la = acts.base + o.layer(l), g = grads.base
        return GPT2BlockSlots(ln1: la + o.ln1, ln1Mean: la + o.ln1Mean, ln1Rstd: la + o.ln1Rstd, qkv: la + o.qkv, att: la + o.att,
                              atty: la + o.atty, res2: la + o.res2, ln2: la + o.ln2, ln2Mean: la + o.ln2Mean, ln2Rstd: la + o.ln2Rstd,
                              fch: la + o.fch, fchGelu: la + o.fchGelu, out: la + o.res3, branch: g + o.dln)
    }

    public func run(_ batch: TrainingBatch, conditioning: GraphConditioning, backward: Bool, weightGrads: UnsafeMutablePointer<Float>?,
                    trainable: TrainableWeights?, dropout: ModelDropout?) -> Double {
        guard let batch = batch as? GraphBatch else { preconditionFailure("GPT2Graph runs GPT-2 batches (GPT2Batching)") }
        return run(batch, conditioning: conditioning, backward: backward, weightGrads: weightGrads, trainable: trainable, dropout: dropout)
    }

    /// Forward pass and loss; with `backward`, also the gradients.
    /// Returns Σ weight·NLL over the batch's targets (the loss the gradients are of).
    @discardableResult
    public func run(_ batch: GraphBatch, conditioning cond: GraphConditioning = .none, backward: Bool,
                    weightGrads: UnsafeMutablePointer<Float>? = nil, trainable: TrainableWeights? = nil,
                    dropout: ModelDropout? = nil) -> Double {
        let cfg = model.config
        let B = batch.B, T = batch.T, N = B * T, C = cfg.nEmbd, L = cfg.nLayer, NH = cfg.nHead
        let Pv = batch.virtualRows, Tk = batch.Tk, V = cfg.vocabSize
        precondition(B <= maxB && T <= maxT && Pv <= maxVirtual, "batch larger than the graph was built for")
        precondition(Pv == 0 || cond.keyValues != nil, "virtual key/value rows need conditioning.keyValues")
        precondition(cond.blocks == nil || cond.blocks!.lora == additions.lora && cond.blocks!.adapters == additions.adapters,
                     "the graph was built for other block additions")
        let p = model.params.base, lay = model.layout
        let a = acts.base, g = grads.base
        let R = batch.targetRows.count
        let dim = GPT2Dims(B: B, T: T, C: C, F: cfg.innerDim, NH: NH, eps: cfg.layerNormEpsilon)

        // Key mask over the store: virtual rows visible, real rows as the batch says.
        mask.update(repeating: 1, count: B * Tk)
        for b in 0..<B { for t in 0..<T { mask[b * Tk + Int(batch.keyRows[b * T + t])] = batch.keyMask[b * T + t] } }
        let keyRows = rowsInt
        batch.keyRows.withUnsafeBufferPointer { keyRows.update(from: $0.baseAddress!, count: N) }
        let virtualIndex = rowsInt + 2 * maxB * maxT
        batch.virtualRowIndex.withUnsafeBufferPointer { if Pv > 0 { virtualIndex.update(from: $0.baseAddress!, count: B * Pv) } }
        let virtual = Pv > 0 ? VirtualRows(P: Pv, rowIndex: virtualIndex, values: cond.keyValues!, grads: cond.keyValueGrads, L: L) : nil
        func store(_ l: Int) -> AttentionStore {
            AttentionStore(keys: a + o.layer(l) + o.keys, values: a + o.layer(l) + o.values, batchStride: Tk * C, Tk: Tk,
                           mask: mask, maskStride: Tk, tokenRows: keyRows, past: 0)
        }

        batch.tokens.withUnsafeBufferPointer { tok in
            batch.positions.withUnsafeBufferPointer { pos in
                if let e = cond.embeddings {
                    encoderForwardVirtual(out: a + o.encoded, tokens: tok.baseAddress!, positions: pos.baseAddress!,
                                          wte: p + lay.wte, wpe: p + lay.wpe, embeds: e, N: N, C: C)
                } else {
                    encoderForward(out: a + o.encoded, tokens: tok.baseAddress!, positions: pos.baseAddress!,
                                   wte: p + lay.wte, wpe: p + lay.wpe, N: N, C: C)
                }
            }
        }
        let drop: UnsafeMutablePointer<Float>? = dropout.flatMap { $0.rate > 0 ? drawDropout($0, N: N, Tk: Tk, B: B, T: T) : nil }
        // Dropout factors of layer l: attention probabilities, then the two residual branches.
        func blockDropout(_ l: Int) -> BlockDropout {
            guard let drop else { return .none }
            let base = drop + N * C + l * o.dropPerLayer
            return BlockDropout(attention: base, attentionOutput: base + B * NH * T * Tk, mlpOutput: base + B * NH * T * Tk + N * C)
        }
        if let drop { scaleInPlace(a + o.encoded, by: drop, N * C) }
        func input(_ l: Int) -> UnsafeMutablePointer<Float> { l == 0 ? a + o.encoded : a + o.layer(l - 1) + o.res3 }
        let blocks = cond.blocks.flatMap { b in additionSlots.map { (b, $0) } }
        for l in 0..<L {
            let s = store(l)
            virtual?.fill(s, layer: l, B: B, C: C)
            gpt2BlockForward(x: input(l), s: slots(l), store: s, weights: GPT2BlockWeights(p: p, w: lay.layers[l], packed: nil),
                             dropout: blockDropout(l), additions: blocks.map { $1.block(l, params: $0, N: N, drawDropout: true) }, dim)
        }
        let last = input(L)
        layernormForward(out: a + o.lnf, mean: a + o.lnfMean, rstd: a + o.lnfRstd, inp: last,
                         weight: p + lay.lnfw, bias: p + lay.lnfb, N: N, C: C, eps: cfg.layerNormEpsilon)

        // The head: only rows that predict a target go through the vocabulary.
        let targets = rowsInt + N
        batch.targetIds.withUnsafeBufferPointer { targets.update(from: $0.baseAddress!, count: R) }
        batch.targetWeights.withUnsafeBufferPointer { (g + o.weights).update(from: $0.baseAddress!, count: R) }
        for (i, r) in batch.targetRows.enumerated() { (g + o.gathered + i * C).update(from: a + o.lnf + Int(r) * C, count: C) }
        let grad = backward ? weightGrads : nil
        let tw = trainable ?? .none(layers: L)
        crossEntropyForwardBackward(losses: g + o.losses, dh: backward ? g + o.dgathered : nil, h: g + o.gathered,
                                    wte: p + lay.wte, dwte: tw.embeddings ? grad.map { $0 + lay.wte } : nil,
                                    targets: targets, weights: g + o.weights, R: R, C: C, V: V,
                                    scratch: g + o.headScratch, chunk: headChunk)
        var loss = 0.0
        for i in 0..<R { loss += Double(g[o.losses + i]) * Double(g[o.weights + i]) }
        guard backward else { return loss }

        // Backward. dres holds the gradient of the residual stream as it flows down.
        let dres = g + o.dres, dln = g + o.dln
        dln.update(repeating: 0, count: N * C)
        for (i, r) in batch.targetRows.enumerated() { axpy(1, g + o.dgathered + i * C, dln + Int(r) * C, C) }
        dres.update(repeating: 0, count: N * C)
        layernormBackward(dinp: dres, dweight: tw.finalNorm ? grad.map { $0 + lay.lnfw } : nil,
                          dbias: tw.finalNorm ? grad.map { $0 + lay.lnfb } : nil, dout: dln, inp: last,
                          weight: p + lay.lnfw, mean: a + o.lnfMean, rstd: a + o.lnfRstd, N: N, C: C)
        // Nothing below the lowest layer with trainable weights or virtual rows needs gradients.
        let needsInput = cond.embeddingGrads != nil || tw.embeddings
        let inBlocks = (Pv > 0 && cond.keyValueGrads != nil) || (cond.blocks?.hasGradients ?? false)
        let lowest = inBlocks || needsInput ? 0 : (tw.layers.firstIndex(of: true) ?? L)
        let scratch = GPT2BackwardScratch(dln: dln, dqkv: g + o.dqkv, datty: g + o.datty, dfch: g + o.dfch, dkeys: g + o.dkeys,
                                          dvalues: g + o.dvalues, attention: g + o.attScratch, masked: g + o.dmasked, storeFloats: B * Tk * C)
        for l in stride(from: L - 1, through: lowest, by: -1) {
            gpt2BlockBackward(dres: dres, x: input(l), s: slots(l), store: store(l), virtual: virtual, layer: l,
                              weights: GPT2BlockWeights(p: p, w: lay.layers[l], packed: nil), grads: tw.layers[l] ? grad : nil,
                              dropout: blockDropout(l), additions: blocks.map { $1.block(l, params: $0, N: N, drawDropout: false) },
                              inputGradient: l > 0 || needsInput, scratch: scratch, dim)
        }
        if needsInput && lowest == 0, let drop { scaleInPlace(dres, by: drop, N * C) }
        if needsInput && lowest == 0 {
            batch.tokens.withUnsafeBufferPointer { tok in
                batch.positions.withUnsafeBufferPointer { pos in
                    encoderBackward(dwte: tw.embeddings ? grad.map { $0 + lay.wte } : nil,
                                    dwpe: tw.embeddings ? grad.map { $0 + lay.wpe } : nil,
                                    dembeds: cond.embeddingGrads, dout: dres, tokens: tok.baseAddress!, positions: pos.baseAddress!, N: N, C: C)
                }
            }
        }
        return loss
    }
}
