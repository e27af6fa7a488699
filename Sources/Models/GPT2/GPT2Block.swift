import Kernels

/// GPT-2's transformer block, written once for training and inference, forward and backward
/// side by side as llm.c writes a layer:
///
///   res2 = x + c_proj(attention(c_attn(ln_1(x))))
///   out  = res2 + mlp.c_proj(gelu(mlp.c_fc(ln_2(res2))))
///
/// Legend: B sequences, T new positions, N = B·T rows, C channels, F = 4C (n_inner), NH heads,
/// Tk rows in the attention's key/value store. Training passes each layer its own slots (the
/// backward reads them); inference passes every layer one set of scratch slots, aliased so that
/// nothing is kept (ln_2 = ln_1 = branch, fchGelu = fch, res2 = out = x).
struct GPT2BlockSlots {
    var ln1: Buf                 // (N, C)
    var ln1Mean: Buf?            // (N), training only
    var ln1Rstd: Buf?            // (N)
    var qkv: Buf                 // (N, 3C)
    var att: Buf                 // (B, NH, T, Tk) attention probabilities
    var atty: Buf                // (N, C) heads concatenated, before c_proj
    var res2: Buf                // (N, C)
    var ln2: Buf                 // (N, C)
    var ln2Mean: Buf?            // (N)
    var ln2Rstd: Buf?            // (N)
    var fch: Buf                 // (N, F) before GELU
    var fchGelu: Buf             // (N, F)
    var out: Buf                 // (N, C) the block's output (res3)
    var branch: Buf              // (N, C) scratch: a branch's output before dropout and the residual
}

/// The keys and values one block's attention reads: the training graph's store of this layer,
/// (B, Tk, C), or this layer of the KV cache, (B, capacity, C).
struct AttentionStore {
    var keys: Buf
    var values: Buf
    /// Floats from one sequence's rows to the next's.
    var batchStride: Int
    /// Rows of each sequence in use (the attention rows' length).
    var Tk: Int
    /// (B, maskStride): nonzero where a row may be attended to.
    var mask: UnsafePointer<UInt8>
    var maskStride: Int
    /// (B, T): the store row of each new token (training's layout); nil: past + t (a cache).
    var tokenRows: UnsafePointer<Int32>?
    var past: Int
    var mode: AttentionMode = .causal

    func row(_ b: Int, _ t: Int, T: Int) -> Int { tokenRows.map { Int($0[b * T + t]) } ?? past + t }

    /// Copies the new tokens' keys and values out of qkv (N, 3C) into their rows.
    func writeTokens(qkv: CBuf, B: Int, T: Int, C: Int) {
        for b in 0..<B {
            for t in 0..<T {
                let r = row(b, t, T: T), src = qkv + (b * T + t) * 3 * C
                (keys + b * batchStride + r * C).update(from: src + C, count: C)
                (values + b * batchStride + r * C).update(from: src + 2 * C, count: C)
            }
        }
    }

    /// Adds the gradients at the tokens' rows (dkeys, dvalues laid out as this store) to the
    /// key and value columns of dqkv (N, 3C).
    func gatherTokenGrads(dkeys: CBuf, dvalues: CBuf, into dqkv: Buf, B: Int, T: Int, C: Int) {
        for b in 0..<B {
            for t in 0..<T {
                let r = row(b, t, T: T), d = dqkv + (b * T + t) * 3 * C
                axpy(1, dkeys + b * batchStride + r * C, d + C, C)
                axpy(1, dvalues + b * batchStride + r * C, d + 2 * C, C)
            }
        }
    }
}

/// A method's virtual key/value rows in a training store: row k of sequence b sits at store row
/// rowIndex[b·P + k]; its layer-l key is `values + k·2·L·C + 2l·C` (PEFT's layout), its value the
/// next C. Gradients, when asked for, accumulate in the same layout.
struct VirtualRows {
    let P: Int
    let rowIndex: UnsafePointer<Int32>
    let values: CBuf
    let grads: Buf?
    let L: Int

    func fill(_ s: AttentionStore, layer l: Int, B: Int, C: Int) {
        for b in 0..<B {
            for k in 0..<P {
                let r = Int(rowIndex[b * P + k]), src = values + k * 2 * L * C
                (s.keys + b * s.batchStride + r * C).update(from: src + 2 * l * C, count: C)
                (s.values + b * s.batchStride + r * C).update(from: src + (2 * l + 1) * C, count: C)
            }
        }
    }

    func scatterGrads(dkeys: CBuf, dvalues: CBuf, strideOf s: AttentionStore, layer l: Int, B: Int, C: Int) {
        guard let grads else { return }
        for b in 0..<B {
            for k in 0..<P {
                let r = Int(rowIndex[b * P + k]), d = grads + k * 2 * L * C
                axpy(1, dkeys + b * s.batchStride + r * C, d + 2 * l * C, C)
                axpy(1, dvalues + b * s.batchStride + r * C, d + (2 * l + 1) * C, C)
            }
        }
    }
}

/// Dropout factors (0 or 1/(1−p)) of one block: on the attention probabilities (B, NH, T, Tk)
/// and on each branch's output (N, C). nil: no dropout there.
struct BlockDropout {
    var attention: CBuf? = nil
    var attentionOutput: CBuf? = nil
    var mlpOutput: CBuf? = nil
    static var none: BlockDropout { BlockDropout() }
}

/// Where one block's weights are: the arena and the layer's offsets, and, for a step of at
/// most 8 rows, the packed copy of its matrices.
struct GPT2BlockWeights {
    let p: CBuf
    let w: GPT2Layout.LayerOffsets
    let packed: (weights: GPT2DecodingWeights, layer: Int)?

    /// out (N, OC) = inp (N, C) · W + b, from the packed panels when there are any.
    func linear(_ out: Buf, _ inp: CBuf, _ weight: Int, _ bias: Int, _ packedAt: KeyPath<GPT2DecodingWeights.Layer, Int>,
                N: Int, C: Int, OC: Int) {
        if let (pw, l) = packed { pw.matmul(out: out, inp: inp, at: pw.layers[l][keyPath: packedAt], bias: p + bias, M: N, C: C, OC: OC) }
        else { matmulForward(out: out, inp: inp, weight: p + weight, bias: p + bias, BT: N, C: C, OC: OC) }
    }
}

struct GPT2Dims { let B: Int, T: Int, C: Int, F: Int, NH: Int, eps: Float; var N: Int { B * T } }

/// The block's forward pass: x (N, C) → slots.out. The attention store must already hold
/// every row but the new tokens' (a cache's past, a method's virtual rows). A method's LoRA
/// updates and adapters come in `ad`.
func gpt2BlockForward(x: CBuf, s: GPT2BlockSlots, store: AttentionStore, weights bw: GPT2BlockWeights, dropout d: BlockDropout,
                      additions ad: GPT2BlockAdditions? = nil, _ dim: GPT2Dims) {
    let N = dim.N, C = dim.C, F = dim.F, p = bw.p, w = bw.w
    layernormForward(out: s.ln1, mean: s.ln1Mean, rstd: s.ln1Rstd, inp: x, weight: p + w.ln1w, bias: p + w.ln1b, N: N, C: C, eps: dim.eps)
    bw.linear(s.qkv, s.ln1, w.qkvw, w.qkvb, \.qkv, N: N, C: C, OC: 3 * C)
    if let q = ad?.qkv { loraForward(out: s.qkv, x: s.ln1, q, N: N) }
    store.writeTokens(qkv: s.qkv, B: dim.B, T: dim.T, C: C)
    attentionForward(out: s.atty, att: s.att, q: s.qkv, qStride: 3 * C, keys: store.keys, values: store.values,
                     kvBatchStride: store.batchStride, mask: store.mask, maskStride: store.maskStride, keyRows: store.tokenRows,
                     dropScale: d.attention, mode: store.mode, B: dim.B, T: dim.T, past: store.past, Tk: store.Tk, C: C, NH: dim.NH)
    bw.linear(s.branch, s.atty, w.attprojw, w.attprojb, \.attproj, N: N, C: C, OC: C)
    if let q = ad?.attnProj { loraForward(out: s.branch, x: s.atty, q, N: N) }
    if let m = d.attentionOutput { scaleInPlace(s.branch, by: m, N * C) }
    if let ad, ad.houlsby, let a = ad.first { adapterForward(s.branch, a, N: N) }
    residualForward(out: s.res2, a: x, b: s.branch, N: N * C)
    layernormForward(out: s.ln2, mean: s.ln2Mean, rstd: s.ln2Rstd, inp: s.res2, weight: p + w.ln2w, bias: p + w.ln2b, N: N, C: C, eps: dim.eps)
    bw.linear(s.fch, s.ln2, w.fcw, w.fcb, \.fc, N: N, C: C, OC: F)
    if let q = ad?.fc { loraForward(out: s.fch, x: s.ln2, q, N: N) }
    geluForward(out: s.fchGelu, inp: s.fch, N: N * F)
    bw.linear(s.branch, s.fchGelu, w.fcprojw, w.fcprojb, \.fcproj, N: N, C: F, OC: C)
    if let q = ad?.mlpProj { loraForward(out: s.branch, x: s.fchGelu, q, N: N) }
    if let m = d.mlpOutput { scaleInPlace(s.branch, by: m, N * C) }
    if let ad, ad.houlsby, let a = ad.second { adapterForward(s.branch, a, N: N) }
    residualForward(out: s.out, a: s.res2, b: s.branch, N: N * C)
    if let ad, ad.lin, let a = ad.first { adapterForward(s.out, a, N: N) }
}

/// Scratch the backward pass needs besides the slots.
struct GPT2BackwardScratch {
    var dln: Buf          // (N, C)
    var dqkv: Buf         // (N, 3C)
    var datty: Buf        // (N, C)
    var dfch: Buf         // (N, F)
    var dkeys: Buf        // the store's layout
    var dvalues: Buf
    var attention: Buf    // (B·NH·Tk)
    var masked: Buf       // (N, C) a gradient through a dropout
    var storeFloats: Int  // floats of dkeys and dvalues to zero
}

/// The block's backward pass. `dres` (N, C) holds the gradient at the block's output and is
/// left holding the gradient at its input x. Weight gradients are accumulated into `grads`
/// (the arena's layout) when the block is trained, and skipped (no GEMM) when `grads` is nil;
/// a method's virtual rows get theirs through `virtual`, its LoRA updates and adapters through
/// `ad`. Without `inputGradient` (the lowest block, nothing below it trained) the gradient at
/// x is not formed: the block's last GEMM and LayerNorm backward are skipped when frozen.
func gpt2BlockBackward(dres: Buf, x: CBuf, s: GPT2BlockSlots, store: AttentionStore, virtual: VirtualRows?, layer l: Int,
                       weights bw: GPT2BlockWeights, grads: Buf?, dropout d: BlockDropout, additions ad: GPT2BlockAdditions? = nil,
                       inputGradient: Bool = true, scratch g: GPT2BackwardScratch, _ dim: GPT2Dims) {
    let N = dim.N, C = dim.C, F = dim.F, p = bw.p, w = bw.w
    if let ad, ad.lin, let a = ad.first { adapterBackward(dres, a, dhidden: ad.dhidden!, N: N) }
    // MLP branch: out = res2 + fcproj(gelu(fc(ln2(res2)))).
    let dMLPOut = maskedGradient(branchGradient(dres, ad, ad?.second, N * C), d.mlpOutput, into: g.masked, N * C)
    matmulBackward(dinp: g.dfch, dweight: grads.map { $0 + w.fcprojw }, dbias: grads.map { $0 + w.fcprojb },
                   dout: dMLPOut, inp: s.fchGelu, weight: p + w.fcprojw, BT: N, C: F, OC: C)
    if let q = ad?.mlpProj { loraBackward(dinp: g.dfch, dout: dMLPOut, x: s.fchGelu, q, du: ad!.du!, N: N) }
    geluBackward(dinp: g.dfch, inp: s.fch, dout: g.dfch, N: N * F)
    matmulBackward(dinp: g.dln, dweight: grads.map { $0 + w.fcw }, dbias: grads.map { $0 + w.fcb },
                   dout: g.dfch, inp: s.ln2, weight: p + w.fcw, BT: N, C: C, OC: F)
    if let q = ad?.fc { loraBackward(dinp: g.dln, dout: g.dfch, x: s.ln2, q, du: ad!.du!, N: N) }
    layernormBackward(dinp: dres, dweight: grads.map { $0 + w.ln2w }, dbias: grads.map { $0 + w.ln2b }, dout: g.dln,
                      inp: s.res2, weight: p + w.ln2w, mean: s.ln2Mean!, rstd: s.ln2Rstd!, N: N, C: C)
    // Attention branch: res2 = x + attproj(attention(qkv(ln1(x)))).
    let dAttOut = maskedGradient(branchGradient(dres, ad, ad?.first, N * C), d.attentionOutput, into: g.masked, N * C)
    matmulBackward(dinp: g.datty, dweight: grads.map { $0 + w.attprojw }, dbias: grads.map { $0 + w.attprojb },
                   dout: dAttOut, inp: s.atty, weight: p + w.attprojw, BT: N, C: C, OC: C)
    if let q = ad?.attnProj { loraBackward(dinp: g.datty, dout: dAttOut, x: s.atty, q, du: ad!.du!, N: N) }
    g.dqkv.update(repeating: 0, count: N * 3 * C)
    g.dkeys.update(repeating: 0, count: g.storeFloats)
    g.dvalues.update(repeating: 0, count: g.storeFloats)
    attentionBackward(dq: g.dqkv, dkeys: g.dkeys, dvalues: g.dvalues, dout: g.datty, scratch: g.attention,
                      q: s.qkv, qStride: 3 * C, keys: store.keys, values: store.values, att: s.att, dropScale: d.attention,
                      keyRows: store.tokenRows, mode: store.mode, B: dim.B, T: dim.T, past: store.past, Tk: store.Tk, C: C, NH: dim.NH)
    store.gatherTokenGrads(dkeys: g.dkeys, dvalues: g.dvalues, into: g.dqkv, B: dim.B, T: dim.T, C: C)
    virtual?.scatterGrads(dkeys: g.dkeys, dvalues: g.dvalues, strideOf: store, layer: l, B: dim.B, C: C)
    let needX = inputGradient || grads != nil
    matmulBackward(dinp: needX ? g.dln : nil, dweight: grads.map { $0 + w.qkvw }, dbias: grads.map { $0 + w.qkvb },
                   dout: g.dqkv, inp: s.ln1, weight: p + w.qkvw, BT: N, C: C, OC: 3 * C)
    if let q = ad?.qkv { loraBackward(dinp: needX ? g.dln : nil, dout: g.dqkv, x: s.ln1, q, du: ad!.du!, N: N) }
    guard needX else { return }
    layernormBackward(dinp: dres, dweight: grads.map { $0 + w.ln1w }, dbias: grads.map { $0 + w.ln1b }, dout: g.dln,
                      inp: x, weight: p + w.ln1w, mean: s.ln1Mean!, rstd: s.ln1Rstd!, N: N, C: C)
}

/// The gradient at a branch's output before its Houlsby adapter: dres itself without one, or
/// dres through the adapter's backward (into the additions' scratch; dres carries on down the
/// residual unchanged).
@inline(__always)
func branchGradient(_ dres: Buf, _ ad: GPT2BlockAdditions?, _ adapter: BottleneckAdapter?, _ n: Int) -> Buf {
    guard let ad, ad.houlsby, let adapter, let db = ad.dbranch else { return dres }
    db.update(from: dres, count: n)
    adapterBackward(db, adapter, dhidden: ad.dhidden!, N: n / adapter.shape.width)
    return db
}

/// x[i] *= s[i].
@inline(__always)
func scaleInPlace(_ x: UnsafeMutablePointer<Float>, by s: UnsafePointer<Float>, _ n: Int) {
    for i in 0..<n { x[i] *= s[i] }
}

/// The gradient through a dropout: g·scale into `scratch`, or g itself when there is none.
@inline(__always)
func maskedGradient(_ g: UnsafeMutablePointer<Float>, _ scale: UnsafePointer<Float>?,
                    into scratch: UnsafeMutablePointer<Float>, _ n: Int) -> UnsafeMutablePointer<Float> {
    guard let scale else { return g }
    for i in 0..<n { scratch[i] = g[i] * scale[i] }
    return scratch
}
