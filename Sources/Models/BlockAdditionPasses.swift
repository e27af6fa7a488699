import Kernels
import Support

/// The forward and backward of a method's additions inside a block (LoRA updates of a linear
/// layer, bottleneck adapters on the residual stream), on buffers, for any family's block.

/// One LoRA site of one block in one pass: A (r, in) and B (out, r) with their gradients, the
/// activation the backward reads (u = dropout(x)·Aᵀ, (N, r)), the dropout mask (N, in) when
/// there is dropout, and a scratch (N, in) for the dropped input and the input's gradient.
struct LoRASite {
    let A: CBuf, B: CBuf
    let dA: Buf?, dB: Buf?
    let r: Int, inF: Int, outF: Int
    let scaling: Float
    let u: Buf
    let mask: CBuf?
    let scratch: Buf
}

/// out (N, out) += scaling · dropout(x)·Aᵀ·Bᵀ, the update as two small GEMMs over all N rows;
/// the merged weight is never formed.
func loraForward(out: Buf, x: CBuf, _ s: LoRASite, N: Int) {
    var inp = x
    if let m = s.mask {
        for i in 0..<(N * s.inF) { s.scratch[i] = x[i] * m[i] }
        inp = UnsafePointer(s.scratch)
    }
    linearForward(out: s.u, inp: inp, weight: s.A, bias: nil, N: N, C: s.inF, OC: s.r)
    BLAS.sgemm(transA: false, transB: true, M: N, N: s.outF, K: s.r, alpha: s.scaling, A: s.u, lda: s.r, B: s.B, ldb: s.r,
               beta: 1, C: out, ldc: s.outF)
}

/// From dout (N, out): dA and dB accumulated, and, when `dinp` is given, the update's share
/// of the input's gradient added to it. du (N, r) is scratch.
func loraBackward(dinp: Buf?, dout: CBuf, x: CBuf, _ s: LoRASite, du: Buf, N: Int) {
    if let dB = s.dB {
        BLAS.sgemm(transA: true, transB: false, M: s.outF, N: s.r, K: N, alpha: s.scaling, A: dout, lda: s.outF, B: s.u, ldb: s.r,
                   beta: 1, C: dB, ldc: s.r)
    }
    BLAS.sgemm(transA: false, transB: false, M: N, N: s.r, K: s.outF, alpha: s.scaling, A: dout, lda: s.outF, B: s.B, ldb: s.r,
               beta: 0, C: du, ldc: s.r)
    if let dA = s.dA {
        var inp = x
        if let m = s.mask {
            for i in 0..<(N * s.inF) { s.scratch[i] = x[i] * m[i] }
            inp = UnsafePointer(s.scratch)
        }
        BLAS.sgemm(transA: true, transB: false, M: s.r, N: s.inF, K: N, A: du, lda: s.r, B: inp, ldb: s.inF, beta: 1, C: dA, ldc: s.inF)
    }
    guard let dinp else { return }
    if let m = s.mask {
        BLAS.sgemm(transA: false, transB: false, M: N, N: s.inF, K: s.r, A: du, lda: s.r, B: s.A, ldb: s.inF, beta: 0, C: s.scratch, ldc: s.inF)
        addScaled(s.scratch, by: m, into: dinp, N * s.inF)
    } else {
        BLAS.sgemm(transA: false, transB: false, M: N, N: s.inF, K: s.r, A: du, lda: s.r, B: s.A, ldb: s.inF, beta: 1, C: dinp, ldc: s.inF)
    }
}

/// One bottleneck adapter of one block in one pass: its tensors (laid out as `AdapterShape`
/// says) and gradients, and its activations: the input (N, C), kept for the backward in
/// training; the LayerNorm's output and statistics; the ReLU's output (N, b); a scratch (N, C).
struct BottleneckAdapter {
    let w: CBuf
    let g: Buf?
    let shape: AdapterShape
    let eps: Float
    let input: Buf?
    let ln: Buf?
    let lnMean: Buf?, lnRstd: Buf?
    let hidden: Buf
    let delta: Buf
}

/// x (N, C) += up(relu(down(LayerNorm(x)))) — without the LayerNorm for `branchOutputs`.
func adapterForward(_ x: Buf, _ a: BottleneckAdapter, N: Int) {
    let C = a.shape.width, b = a.shape.bottleneck, w = a.w, sh = a.shape
    if let input = a.input { input.update(from: x, count: N * C) }
    var inp = UnsafePointer(x)
    if sh.hasLayerNorm, let ln = a.ln {
        layernormForward(out: ln, mean: a.lnMean, rstd: a.lnRstd, inp: x, weight: w + sh.lnWeight, bias: w + sh.lnBias, N: N, C: C, eps: a.eps)
        inp = UnsafePointer(ln)
    }
    linearForward(out: a.hidden, inp: inp, weight: w + sh.downWeight, bias: w + sh.downBias, N: N, C: C, OC: b)
    reluForward(out: a.hidden, inp: a.hidden, N: N * b)
    linearForward(out: a.delta, inp: a.hidden, weight: w + sh.upWeight, bias: w + sh.upBias, N: N, C: b, OC: C)
    residualForward(out: x, a: x, b: a.delta, N: N * C)
}

/// dy (N, C), the gradient at the adapter's output, becomes the gradient at its input; the
/// adapter's gradients are accumulated. dhidden (N, b) is scratch; `delta` is reused.
func adapterBackward(_ dy: Buf, _ a: BottleneckAdapter, dhidden: Buf, N: Int) {
    let C = a.shape.width, b = a.shape.bottleneck, w = a.w, sh = a.shape
    guard let g = a.g, let input = a.input else { preconditionFailure("an adapter's backward needs its kept input and gradients") }
    linearBackward(dinp: dhidden, dweight: g + sh.upWeight, dbias: g + sh.upBias, dout: dy, inp: a.hidden, weight: w + sh.upWeight,
                   N: N, C: b, OC: C)
    reluBackward(dinp: dhidden, out: a.hidden, dout: dhidden, N: N * b)
    let inp = sh.hasLayerNorm ? UnsafePointer(a.ln!) : UnsafePointer(input)
    linearBackward(dinp: a.delta, dweight: g + sh.downWeight, dbias: g + sh.downBias, dout: dhidden, inp: inp, weight: w + sh.downWeight,
                   N: N, C: C, OC: b)
    if sh.hasLayerNorm {
        layernormBackward(dinp: dy, dweight: g + sh.lnWeight, dbias: g + sh.lnBias, dout: a.delta, inp: input, weight: w + sh.lnWeight,
                          mean: a.lnMean!, rstd: a.lnRstd!, N: N, C: C)
    } else {
        axpy(1, a.delta, dy, N * C)
    }
}

/// LoRA's dropout masks for one site of one block: a stream of its own from the pass's seed,
/// so the masks do not depend on the thread count (tools/make_lora_fixtures.py draws the same).
func drawLoRAMask(_ mask: Buf, count: Int, rate: Float, seed: UInt64, layer l: Int, site k: Int, sites: Int) {
    var rng = SplitMix64(seed: seed ^ (0x2545_F491_4F6C_DD1D &* UInt64(l * sites + k + 1)))
    let keep = 1 / (1 - rate)
    for i in 0..<count { mask[i] = rng.nextUniform() < rate ? 0 : keep }
}
