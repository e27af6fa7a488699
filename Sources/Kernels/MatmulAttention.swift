#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// `attentionForward` by matrix products, for long sequences (BART's documents): per batch row
/// b and head h, scores (T, Tk) = scale · q_bh · K_bhᵀ by sgemm, each row's softmax over its
/// visible keys, out_bh = P · V_bh by sgemm. Same legend, layout and results as
/// `attentionForward` (no attention dropout, no per-query key rows): `att` holds the
/// probabilities (zeros past a query's last key and at masked keys) for the backward. The
/// heads are columns of q, keys and values, so each product reads them in place (leading
/// dimension C); the heads run side by side on the engine's threads, each product on one
/// BLAS thread (`parallelBLAS`).
/// With `dropScale` (B, NH, T, Tk: 0 or 1/(1−p)), the values mix the dropped probabilities,
/// written to `dropped` (the same size); `att` keeps them before dropout.
public func attentionForwardMatmul(out: Buf, att: Buf, q: CBuf, qStride: Int, keys: CBuf, values: CBuf, kvBatchStride: Int,
                                   mask: UnsafePointer<UInt8>?, maskStride: Int, mode: AttentionMode,
                                   B: Int, T: Int, past: Int, Tk: Int, C: Int, NH: Int, dropScale: CBuf? = nil, dropped: Buf? = nil) {
    let hs = C / NH, scale = 1 / sqrtf(Float(hs))
    parallelBLAS(B * NH) { bh in
        let b = bh / NH, h = bh % NH, P = att + bh * T * Tk
        headProbabilities(P, q: q + b * T * qStride + h * hs, qStride: qStride, keys: keys + b * kvBatchStride + h * hs, C: C,
                          mask: mask.map { $0 + b * maskStride }, mode: mode, T: T, past: past, Tk: Tk, hs: hs, scale: scale)
        let mixed = droppedProbabilities(P, dropScale, dropped, head: bh, n: T * Tk)
        BLAS.sgemm(transA: false, transB: false, M: T, N: hs, K: Tk, A: mixed, lda: Tk, B: values + b * kvBatchStride + h * hs, ldb: C,
                   beta: 0, C: out + b * T * C + h * hs, ldc: C)
    }
}

/// `attentionForwardMatmul`'s probabilities alone, written to `att` (B, NH, T, Tk). The same
/// products in the same order, so a backward that calls it again (instead of keeping every
/// layer's probabilities) gets them bit for bit.
public func attentionProbabilitiesMatmul(att: Buf, q: CBuf, qStride: Int, keys: CBuf, kvBatchStride: Int,
                                         mask: UnsafePointer<UInt8>?, maskStride: Int, mode: AttentionMode,
                                         B: Int, T: Int, past: Int, Tk: Int, C: Int, NH: Int) {
    let hs = C / NH, scale = 1 / sqrtf(Float(hs))
    parallelBLAS(B * NH) { bh in
        let b = bh / NH, h = bh % NH
        headProbabilities(att + bh * T * Tk, q: q + b * T * qStride + h * hs, qStride: qStride, keys: keys + b * kvBatchStride + h * hs, C: C,
                          mask: mask.map { $0 + b * maskStride }, mode: mode, T: T, past: past, Tk: Tk, hs: hs, scale: scale)
    }
}

/// One head's (T, Tk) probabilities: scores by sgemm, then each row's softmax over its visible keys.
@inline(__always)
func headProbabilities(_ P: Buf, q: CBuf, qStride: Int, keys: CBuf, C: Int, mask: UnsafePointer<UInt8>?, mode: AttentionMode,
                       T: Int, past: Int, Tk: Int, hs: Int, scale: Float) {
    BLAS.sgemm(transA: false, transB: true, M: T, N: Tk, K: hs, alpha: scale, A: q, lda: qStride, B: keys, ldb: C, beta: 0, C: P, ldc: Tk)
    for t in 0..<T {
        let row = P + t * Tk
        let last = mode == .causal ? min(Tk - 1, past + t) : Tk - 1
        // Masked keys become −∞, which the softmax takes to 0.
        if let mask { for r in 0...last where mask[r] == 0 { row[r] = -.infinity } }
        softmaxInPlace(row, count: last + 1)
        for r in (last + 1)..<max(last + 1, Tk) { row[r] = 0 }
    }
}

/// x[0..<n] ← softmax(x[0..<n]); −∞ entries get 0, and a row of them all zeros. libm's expf,
/// not exp8: exp8's extra ulp moved the fine-tuning fixture's Adam steps on rarely seen
/// embedding rows past 1e-4 of transformers' (BARTFineTuneTests), and the heads' threads
/// already run these loops side by side.
@inline(__always)
func softmaxInPlace(_ x: Buf, count n: Int) {
    let maxv = rowMax(x, n)
    guard maxv > -Float.infinity else { x.update(repeating: 0, count: n); return }
    var sum: Float = 0
    for i in 0..<n { let e: Float = x[i] == -.infinity ? 0 : expf(x[i] - maxv); x[i] = e; sum += e }
    let inv = 1 / sum, iv = SIMD8<Float>(repeating: inv)
    var i = 0
    while i + 8 <= n { store8(load8(x + i) * iv, x + i); i += 8 }
    while i < n { x[i] *= inv; i += 1 }
}

/// One head's n probabilities as the values mix them: P itself, or P ⊙ its dropout factors
/// written to the head's slice of `dropped`.
@inline(__always)
func droppedProbabilities(_ P: CBuf, _ dropScale: CBuf?, _ dropped: Buf?, head: Int, n: Int) -> CBuf {
    guard let d = dropScale else { return P }
    let o = dropped! + head * n, m = d + head * n
    for i in 0..<n { o[i] = P[i] * m[i] }
    return UnsafePointer(o)
}

/// Gradients of `attentionForwardMatmul` (and of `attentionForward` without dropout), by
/// matrix products: dP = dout · Vᵀ, dV += Pᵀ · dout, dS = P ⊙ (dP − rowsum(dP ⊙ P)) · scale,
/// dq += dS · K, dK += dSᵀ · q. dq, dkeys, dvalues accumulate, laid out as q and the store
/// (kvBatchStride Tk·C); scratch holds B·NH·T·Tk floats. With the forward's `dropScale`
/// (and `dropped` to hold the dropped probabilities again), the gradient goes through it.
/// Each head writes its own columns, so the heads run side by side (`parallelBLAS`).
public func attentionBackwardMatmul(dq: Buf, dkeys: Buf, dvalues: Buf, dout: CBuf, scratch: Buf,
                                    q: CBuf, qStride: Int, keys: CBuf, values: CBuf, att: CBuf,
                                    B: Int, T: Int, Tk: Int, C: Int, NH: Int, dropScale: CBuf? = nil, dropped: Buf? = nil) {
    let hs = C / NH, scale = 1 / sqrtf(Float(hs)), kv = Tk * C
    parallelBLAS(B * NH) { bh in
        let b = bh / NH, h = bh % NH, n = T * Tk
        let dob = dout + b * T * C + h * hs, P = att + bh * n, dS = scratch + bh * n
        let mixed = droppedProbabilities(P, dropScale, dropped, head: bh, n: n)
        BLAS.sgemm(transA: false, transB: true, M: T, N: Tk, K: hs, A: dob, lda: C, B: values + b * kv + h * hs, ldb: C, beta: 0, C: dS, ldc: Tk)
        BLAS.sgemm(transA: true, transB: false, M: Tk, N: hs, K: T, A: mixed, lda: Tk, B: dob, ldb: C, beta: 1, C: dvalues + b * kv + h * hs, ldc: C)
        if let d = dropScale { let m = d + bh * n; for i in 0..<n { dS[i] *= m[i] } }
        let sv = SIMD8<Float>(repeating: scale)
        for t in 0..<T {
            let p = P + t * Tk, d = dS + t * Tk
            var acc = SIMD8<Float>(), r = 0
            while r + 8 <= Tk { acc += load8(p + r) * load8(d + r); r += 8 }
            var s = acc.sum()
            while r < Tk { s += p[r] * d[r]; r += 1 }
            let ss = SIMD8<Float>(repeating: s)
            r = 0
            while r + 8 <= Tk { store8(load8(p + r) * (load8(d + r) - ss) * sv, d + r); r += 8 }
            while r < Tk { d[r] = p[r] * (d[r] - s) * scale; r += 1 }
        }
        BLAS.sgemm(transA: false, transB: false, M: T, N: hs, K: Tk, A: dS, lda: Tk, B: keys + b * kv + h * hs, ldb: C, beta: 1,
                   C: dq + b * T * qStride + h * hs, ldc: qStride)
        BLAS.sgemm(transA: true, transB: false, M: Tk, N: hs, K: T, A: dS, lda: Tk, B: q + b * T * qStride + h * hs, ldb: qStride, beta: 1,
                   C: dkeys + b * kv + h * hs, ldc: C)
    }
}
