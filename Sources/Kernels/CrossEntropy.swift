#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The language-model head fused with cross-entropy and its backward, chunk by chunk, so
/// that no (rows × V) buffer outlives a chunk: logits = h · wteᵀ, loss = lse − logit[target],
/// dlogits = (softmax − onehot) · weight, dh = dlogits · wte, dwte += dlogitsᵀ · h.
///
/// - h: (R, C) hidden rows that predict a target; dh: (R, C), overwritten; nil computes the
///   loss only (validation).
/// - targets: (R) ids; weights: (R) loss weight of each row (1/tokens for a token mean).
/// - losses: (R) per-row NLL out (unweighted).
/// - scratch: (chunk, V) floats; chunk rows go through the vocabulary at a time.
/// - dwte: (V, C) accumulated into, or nil when the embedding is frozen.
public func crossEntropyForwardBackward(losses: Buf, dh: Buf?, h: CBuf, wte: CBuf, dwte: Buf?,
                                        targets: UnsafePointer<Int32>, weights: CBuf,
                                        R: Int, C: Int, V: Int, scratch: Buf, chunk: Int) {
    var start = 0
    while start < R {
        let n = min(chunk, R - start)
        let hc = h + start * C
        BLAS.sgemm(transA: false, transB: true, M: n, N: V, K: C, A: hc, lda: C, B: wte, ldb: C, beta: 0, C: scratch, ldc: V)
        parallelFor(n) { i in
            let row = scratch + i * V
            let m = rowMax(row, V)
            var j = 0
            let target = Int(targets[start + i])
            let targetLogit = row[target]
            let mm = SIMD8<Float>(repeating: m)
            var sv = SIMD8<Float>()
            j = 0
            while j + 8 <= V {
                let e = exp8(load8(row + j) - mm)
                store8(e, row + j)
                sv += e
                j += 8
            }
            var s = sv.sum()
            while j < V { row[j] = expf(row[j] - m); s += row[j]; j += 1 }
            losses[start + i] = m + logf(s) - targetLogit
            guard dh != nil else { return }
            let w = weights[start + i]
            let ws = SIMD8<Float>(repeating: w / s)
            j = 0
            while j + 8 <= V { store8(load8(row + j) * ws, row + j); j += 8 }
            while j < V { row[j] *= w / s; j += 1 }
            row[target] -= w
        }
        guard let dh else { start += n; continue }
        BLAS.sgemm(transA: false, transB: false, M: n, N: C, K: V, A: scratch, lda: V, B: wte, ldb: C, beta: 0, C: dh + start * C, ldc: C)
        if let dwte {
            BLAS.sgemm(transA: true, transB: false, M: V, N: C, K: n, A: scratch, lda: V, B: hc, ldb: C, beta: 1, C: dwte, ldc: C)
        }
        start += n
    }
}
