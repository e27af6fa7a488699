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
/// dimension C) and BLAS's own threads do the work.
/// With `dropScale` (B, NH, T, Tk: 0 or 1/(1−p)), the values mix the dropped probabilities,
/// written to `dropped` (the same size); `att` keeps them before dropout.
public func attentionForwardMatmul(out: Buf, att: Buf, q: CBuf, qStride: Int, keys: CBuf, values: CBuf, kvBatchStride: Int,
                                   mask: UnsafePointer<UInt8>?, maskStride: Int, mode: AttentionMode,
                                   B: Int, T: Int, past: Int, Tk: Int, C: Int, NH: Int, dropScale: CBuf? = nil, dropped: Buf? = nil) {
    let hs = C / NH, scale = 1 / sqrtf(Float(hs))
    // Every head's scores, then one parallel softmax over all rows (the engine's threads wake
    // once, not per head, between BLAS calls), then every head's mix of values.
    for bh in 0..<(B * NH) {
        let b = bh / NH, h = bh % NH
        BLAS.sgemm(transA: false, transB: true, M: T, N: Tk, K: hs, alpha: scale, A: q + b * T * qStride + h * hs, lda: qStride,
                   B: keys + b * kvBatchStride + h * hs, ldb: C, beta: 0, C: att + bh * T * Tk, ldc: Tk)
    }
    parallelFor(B * NH * T, minChunk: 16) { i in
        let b = i / (NH * T), t = i % T
        let row = att + i * Tk, m = mask.map { $0 + b * maskStride }
        let last = mode == .causal ? min(Tk - 1, past + t) : Tk - 1
        var maxv = -Float.infinity
        for r in 0...last where m == nil || m![r] != 0 { maxv = max(maxv, row[r]) }
        guard maxv > -Float.infinity else { for r in 0..<Tk { row[r] = 0 }; return }
        var sum: Float = 0
        for r in 0...last {
            let e: Float = m == nil || m![r] != 0 ? expf(row[r] - maxv) : 0
            row[r] = e
            sum += e
        }
        let inv = 1 / sum
        for r in 0...last { row[r] *= inv }
        for r in (last + 1)..<max(last + 1, Tk) { row[r] = 0 }
    }
    let mixed: CBuf = dropScale.map { d in dropMultiply(att, d, into: dropped!, B * NH * T * Tk) } ?? UnsafePointer(att)
    for bh in 0..<(B * NH) {
        let b = bh / NH, h = bh % NH
        BLAS.sgemm(transA: false, transB: false, M: T, N: hs, K: Tk, A: mixed + bh * T * Tk, lda: Tk, B: values + b * kvBatchStride + h * hs, ldb: C,
                   beta: 0, C: out + b * T * C + h * hs, ldc: C)
    }
}

/// out = a ⊙ m over n floats; returns out.
@discardableResult
func dropMultiply(_ a: CBuf, _ m: CBuf, into out: Buf, _ n: Int) -> CBuf {
    parallelFor(n / 4096 + 1) { k in
        for i in (k * 4096)..<min(n, (k + 1) * 4096) { out[i] = a[i] * m[i] }
    }
    return UnsafePointer(out)
}

/// Gradients of `attentionForwardMatmul` (and of `attentionForward` without dropout), by
/// matrix products: dP = dout · Vᵀ, dV += Pᵀ · dout, dS = P ⊙ (dP − rowsum(dP ⊙ P)) · scale,
/// dq += dS · K, dK += dSᵀ · q. dq, dkeys, dvalues accumulate, laid out as q and the store
/// (kvBatchStride Tk·C); scratch holds B·NH·T·Tk floats. With the forward's `dropScale`
/// (and `dropped` to hold the dropped probabilities again), the gradient goes through it.
public func attentionBackwardMatmul(dq: Buf, dkeys: Buf, dvalues: Buf, dout: CBuf, scratch: Buf,
                                    q: CBuf, qStride: Int, keys: CBuf, values: CBuf, att: CBuf,
                                    B: Int, T: Int, Tk: Int, C: Int, NH: Int, dropScale: CBuf? = nil, dropped: Buf? = nil) {
    let hs = C / NH, scale = 1 / sqrtf(Float(hs)), kv = Tk * C
    let mixed: CBuf = dropScale.map { d in dropMultiply(att, d, into: dropped!, B * NH * T * Tk) } ?? UnsafePointer(att)
    for bh in 0..<(B * NH) {
        let b = bh / NH, h = bh % NH
        let dob = dout + b * T * C + h * hs, P = mixed + bh * T * Tk
        BLAS.sgemm(transA: false, transB: true, M: T, N: Tk, K: hs, A: dob, lda: C, B: values + b * kv + h * hs, ldb: C, beta: 0,
                   C: scratch + bh * T * Tk, ldc: Tk)
        BLAS.sgemm(transA: true, transB: false, M: Tk, N: hs, K: T, A: P, lda: Tk, B: dob, ldb: C, beta: 1, C: dvalues + b * kv + h * hs, ldc: C)
    }
    if let dropScale { dropMultiply(scratch, dropScale, into: scratch, B * NH * T * Tk) }
    parallelFor(B * NH * T, minChunk: 16) { i in
        let p = att + i * Tk, d = scratch + i * Tk
        var s: Float = 0
        for r in 0..<Tk { s += p[r] * d[r] }
        for r in 0..<Tk { d[r] = p[r] * (d[r] - s) * scale }
    }
    for bh in 0..<(B * NH) {
        let b = bh / NH, h = bh % NH
        let dS = scratch + bh * T * Tk
        BLAS.sgemm(transA: false, transB: false, M: T, N: hs, K: Tk, A: dS, lda: Tk, B: keys + b * kv + h * hs, ldb: C, beta: 1,
                   C: dq + b * T * qStride + h * hs, ldc: qStride)
        BLAS.sgemm(transA: true, transB: false, M: Tk, N: hs, K: T, A: dS, lda: Tk, B: q + b * T * qStride + h * hs, ldb: qStride, beta: 1,
                   C: dkeys + b * kv + h * hs, ldc: C)
    }
}
