import Kernels

/// GPT-2's training pass: forward with every activation the backward needs kept in one
/// arena, the fused head and cross-entropy, and the backward — llm.c's shape.
///
/// Virtual parameters enter in two ways: key/value rows at every layer (prefix-tuning and
/// infix: `virtualKV` is (V_kv, 2·L·C), PEFT's layout, keys of layer l at columns 2l·C and
/// values at (2l+1)·C) and input embeddings (embedding-only: `virtualEmbeds` is (P, C)).
/// Their gradients are accumulated into the matching buffers; the model's weights get
/// gradients only where `TrainableWeights` asks, and are never written.
public final class GPT2Graph {
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
    let rowsInt: UnsafeMutablePointer<Int32>  // keyRows, then target ids (scratch copies)
    let o: Offsets

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
    public init(model: GPT2Model, maxBatch: Int, maxT: Int, maxVirtual: Int = 0, headChunk: Int = 320) {
        self.model = model
        let headChunk = max(1, min(headChunk, maxBatch * maxT))
        maxB = maxBatch; self.maxT = maxT; self.maxVirtual = maxVirtual; self.headChunk = headChunk
        o = Offsets(config: model.config, B: maxBatch, T: maxT, P: maxVirtual, chunk: headChunk)
        acts = FloatArena(count: o.total)
        grads = FloatArena(count: o.gradTotal)
        mask = .allocate(capacity: maxBatch * (maxT + maxVirtual))
        rowsInt = .allocate(capacity: 2 * maxBatch * maxT)
    }

    deinit { mask.deallocate(); rowsInt.deallocate() }

    /// Bytes held by activations and gradient scratch.
    public var memoryBytes: Int { (o.total + o.gradTotal) * 4 }

    /// Per-row NLL of the last pass, in target order (valid until the next pass).
    public func lastLosses(count: Int) -> UnsafeBufferPointer<Float> {
        UnsafeBufferPointer(start: grads[o.losses], count: count)
    }

    /// GPT-2's dropout (embd_pdrop, attn_pdrop and resid_pdrop at one rate), as in training
    /// mode in transformers; the masks come from `seed` alone.
    public struct Dropout: Sendable {
        public var rate: Float
        public var seed: UInt64
        public init(rate: Float, seed: UInt64) { self.rate = rate; self.seed = seed }
    }

    /// Draws the dropout factors for a batch of B·T rows and Tk keys.
    func drawDropout(_ d: Dropout, N: Int, Tk: Int, B: Int, T: Int) -> UnsafeMutablePointer<Float> {
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

    /// Forward pass and loss; with `backward`, also the gradients.
    /// Returns Σ weight·NLL over the batch's targets (the loss the gradients are of).
    @discardableResult
    public func run(_ batch: GraphBatch, virtualKV: UnsafePointer<Float>? = nil, virtualEmbeds: UnsafePointer<Float>? = nil,
                    backward: Bool, weightGrads: UnsafeMutablePointer<Float>? = nil, trainable: TrainableWeights? = nil,
                    dVirtualKV: UnsafeMutablePointer<Float>? = nil, dVirtualEmbeds: UnsafeMutablePointer<Float>? = nil,
                    dropout: Dropout? = nil) -> Double {
        let cfg = model.config
        let B = batch.B, T = batch.T, N = B * T, C = cfg.nEmbd, F = cfg.innerDim, L = cfg.nLayer, NH = cfg.nHead
        let Pv = batch.virtualRows, Tk = batch.Tk, V = cfg.vocabSize
        precondition(B <= maxB && T <= maxT && Pv <= maxVirtual, "batch larger than the graph was built for")
        precondition(Pv == 0 || virtualKV != nil, "virtual key/value rows need virtualKV")
        let p = model.params.base, lay = model.layout
        let a = acts.base, g = grads.base
        let R = batch.targetRows.count

        // Key mask over the store: virtual rows visible, real rows as the batch says.
        mask.update(repeating: 1, count: B * Tk)
        for b in 0..<B { for t in 0..<T { mask[b * Tk + Int(batch.keyRows[b * T + t])] = batch.keyMask[b * T + t] } }
        let keyRows = rowsInt
        batch.keyRows.withUnsafeBufferPointer { keyRows.update(from: $0.baseAddress!, count: N) }

        batch.tokens.withUnsafeBufferPointer { tok in
            batch.positions.withUnsafeBufferPointer { pos in
                if let virtualEmbeds {
                    encoderForwardVirtual(out: a + o.encoded, tokens: tok.baseAddress!, positions: pos.baseAddress!,
                                          wte: p + lay.wte, wpe: p + lay.wpe, embeds: virtualEmbeds, N: N, C: C)
                } else {
                    encoderForward(out: a + o.encoded, tokens: tok.baseAddress!, positions: pos.baseAddress!,
                                   wte: p + lay.wte, wpe: p + lay.wpe, N: N, C: C)
                }
            }
        }
        let eps = cfg.layerNormEpsilon
        let drop: UnsafeMutablePointer<Float>? = dropout.flatMap { $0.rate > 0 ? drawDropout($0, N: N, Tk: Tk, B: B, T: T) : nil }
        // Dropout factors of layer l: attention probabilities, then the two residual branches.
        func dropAtt(_ l: Int) -> UnsafeMutablePointer<Float>? { drop.map { $0 + N * C + l * o.dropPerLayer } }
        func dropAttOut(_ l: Int) -> UnsafeMutablePointer<Float>? { drop.map { $0 + N * C + l * o.dropPerLayer + B * NH * T * Tk } }
        func dropMLPOut(_ l: Int) -> UnsafeMutablePointer<Float>? { drop.map { $0 + N * C + l * o.dropPerLayer + B * NH * T * Tk + N * C } }
        if let drop { scaleInPlace(a + o.encoded, by: drop, N * C) }
        for l in 0..<L {
            let w = lay.layers[l], la = a + o.layer(l)
            let x = l == 0 ? a + o.encoded : a + o.layer(l - 1) + o.res3
            layernormForward(out: la + o.ln1, mean: la + o.ln1Mean, rstd: la + o.ln1Rstd, inp: x,
                             weight: p + w.ln1w, bias: p + w.ln1b, N: N, C: C, eps: eps)
            matmulForward(out: la + o.qkv, inp: la + o.ln1, weight: p + w.qkvw, bias: p + w.qkvb, BT: N, C: C, OC: 3 * C)
            let keys = la + o.keys, values = la + o.values
            for b in 0..<B {
                for t in 0..<T {
                    let row = Int(batch.keyRows[b * T + t]), src = la + o.qkv + (b * T + t) * 3 * C
                    (keys + (b * Tk + row) * C).update(from: src + C, count: C)
                    (values + (b * Tk + row) * C).update(from: src + 2 * C, count: C)
                }
                for k in 0..<Pv {
                    let row = Int(batch.virtualRowIndex[b * Pv + k]), src = virtualKV! + k * 2 * L * C
                    (keys + (b * Tk + row) * C).update(from: src + 2 * l * C, count: C)
                    (values + (b * Tk + row) * C).update(from: src + (2 * l + 1) * C, count: C)
                }
            }
            attentionForward(out: la + o.atty, att: la + o.att, q: la + o.qkv, qStride: 3 * C, keys: keys, values: values,
                             kvBatchStride: Tk * C, mask: mask, maskStride: Tk, keyRows: keyRows, dropScale: dropAtt(l),
                             B: B, T: T, past: 0, Tk: Tk, C: C, NH: NH)
            matmulForward(out: g + o.dln, inp: la + o.atty, weight: p + w.attprojw, bias: p + w.attprojb, BT: N, C: C, OC: C)
            if let d = dropAttOut(l) { scaleInPlace(g + o.dln, by: d, N * C) }
            residualForward(out: la + o.res2, a: x, b: g + o.dln, N: N * C)
            layernormForward(out: la + o.ln2, mean: la + o.ln2Mean, rstd: la + o.ln2Rstd, inp: la + o.res2,
                             weight: p + w.ln2w, bias: p + w.ln2b, N: N, C: C, eps: eps)
            matmulForward(out: la + o.fch, inp: la + o.ln2, weight: p + w.fcw, bias: p + w.fcb, BT: N, C: C, OC: F)
            geluForward(out: la + o.fchGelu, inp: la + o.fch, N: N * F)
            matmulForward(out: g + o.dln, inp: la + o.fchGelu, weight: p + w.fcprojw, bias: p + w.fcprojb, BT: N, C: F, OC: C)
            if let d = dropMLPOut(l) { scaleInPlace(g + o.dln, by: d, N * C) }
            residualForward(out: la + o.res3, a: la + o.res2, b: g + o.dln, N: N * C)
        }
        let last = a + o.layer(L - 1) + o.res3
        layernormForward(out: a + o.lnf, mean: a + o.lnfMean, rstd: a + o.lnfRstd, inp: last,
                         weight: p + lay.lnfw, bias: p + lay.lnfb, N: N, C: C, eps: eps)

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
        let needsInput = dVirtualEmbeds != nil || tw.embeddings
        let lowest = (Pv > 0 && dVirtualKV != nil) || needsInput ? 0 : (tw.layers.firstIndex(of: true) ?? L)
        for l in stride(from: L - 1, through: lowest, by: -1) {
            let w = lay.layers[l], la = a + o.layer(l)
            let x = l == 0 ? a + o.encoded : a + o.layer(l - 1) + o.res3
            let gw = tw.layers[l] ? grad : nil
            // MLP branch: res3 = res2 + fcproj(gelu(fc(ln2(res2)))).
            let dMLPOut = maskedGradient(dres, dropMLPOut(l), into: g + o.dmasked, N * C)
            matmulBackward(dinp: g + o.dfch, dweight: gw.map { $0 + w.fcprojw }, dbias: gw.map { $0 + w.fcprojb },
                           dout: dMLPOut, inp: la + o.fchGelu, weight: p + w.fcprojw, BT: N, C: F, OC: C)
            geluBackward(dinp: g + o.dfch, inp: la + o.fch, dout: g + o.dfch, N: N * F)
            matmulBackward(dinp: dln, dweight: gw.map { $0 + w.fcw }, dbias: gw.map { $0 + w.fcb },
                           dout: g + o.dfch, inp: la + o.ln2, weight: p + w.fcw, BT: N, C: C, OC: F)
            layernormBackward(dinp: dres, dweight: gw.map { $0 + w.ln2w }, dbias: gw.map { $0 + w.ln2b }, dout: dln,
                              inp: la + o.res2, weight: p + w.ln2w, mean: la + o.ln2Mean, rstd: la + o.ln2Rstd, N: N, C: C)
            // Attention branch: res2 = x + attproj(attention(qkv(ln1(x)))).
            let dAttOut = maskedGradient(dres, dropAttOut(l), into: g + o.dmasked, N * C)
            matmulBackward(dinp: g + o.datty, dweight: gw.map { $0 + w.attprojw }, dbias: gw.map { $0 + w.attprojb },
                           dout: dAttOut, inp: la + o.atty, weight: p + w.attprojw, BT: N, C: C, OC: C)
            let dq = g + o.dqkv, dk = g + o.dkeys, dv = g + o.dvalues
            dq.update(repeating: 0, count: N * 3 * C)
            dk.update(repeating: 0, count: B * Tk * C)
            dv.update(repeating: 0, count: B * Tk * C)
            attentionBackward(dq: dq, dkeys: dk, dvalues: dv, dout: g + o.datty, scratch: g + o.attScratch,
                              q: la + o.qkv, qStride: 3 * C, keys: la + o.keys, values: la + o.values, att: la + o.att,
                              dropScale: dropAtt(l), keyRows: keyRows, B: B, T: T, past: 0, Tk: Tk, C: C, NH: NH)
            for b in 0..<B {
                for t in 0..<T {
                    let row = Int(batch.keyRows[b * T + t]), d = dq + (b * T + t) * 3 * C
                    axpy(1, dk + (b * Tk + row) * C, d + C, C)
                    axpy(1, dv + (b * Tk + row) * C, d + 2 * C, C)
                }
                if let dVirtualKV {
                    for k in 0..<Pv {
                        let row = Int(batch.virtualRowIndex[b * Pv + k]), d = dVirtualKV + k * 2 * L * C
                        axpy(1, dk + (b * Tk + row) * C, d + 2 * l * C, C)
                        axpy(1, dv + (b * Tk + row) * C, d + (2 * l + 1) * C, C)
                    }
                }
            }
            matmulBackward(dinp: dln, dweight: gw.map { $0 + w.qkvw }, dbias: gw.map { $0 + w.qkvb },
                           dout: dq, inp: la + o.ln1, weight: p + w.qkvw, BT: N, C: C, OC: 3 * C)
            layernormBackward(dinp: dres, dweight: gw.map { $0 + w.ln1w }, dbias: gw.map { $0 + w.ln1b }, dout: dln,
                              inp: x, weight: p + w.ln1w, mean: la + o.ln1Mean, rstd: la + o.ln1Rstd, N: N, C: C)
        }
        if needsInput && lowest == 0, let drop { scaleInPlace(dres, by: drop, N * C) }
        if needsInput && lowest == 0 {
            batch.tokens.withUnsafeBufferPointer { tok in
                batch.positions.withUnsafeBufferPointer { pos in
                    encoderBackward(dwte: tw.embeddings ? grad.map { $0 + lay.wte } : nil,
                                    dwpe: tw.embeddings ? grad.map { $0 + lay.wpe } : nil,
                                    dembeds: dVirtualEmbeds, dout: dres, tokens: tok.baseAddress!, positions: pos.baseAddress!, N: N, C: C)
                }
            }
        }
        return loss
    }
}

/// x[i] *= s[i].
@inline(__always)
func scaleInPlace(_ x: UnsafeMutablePointer<Float>, by s: UnsafePointer<Float>, _ n: Int) {
    for i in 0..<n { x[i] *= s[i] }
}

/// The gradient through a dropout: g·scale into `scratch`, or g itself when there is none.
@inline(__always)
func maskedGradient(_ g: UnsafeMutablePointer<Float>, _ scale: UnsafeMutablePointer<Float>?,
                    into scratch: UnsafeMutablePointer<Float>, _ n: Int) -> UnsafeMutablePointer<Float> {
    guard let scale else { return g }
    for i in 0..<n { scratch[i] = g[i] * scale[i] }
    return scratch
}
