#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Row-wise log-sum-exp. logits: (N, V); lse: (N).
public func logsumexpRows(lse: Buf, logits: CBuf, N: Int, V: Int) {
    parallelFor(N) { r in
        let x = logits + r * V
        let m = rowMax(x, V)
        let mm = SIMD8<Float>(repeating: m)
        var sv = SIMD8<Float>()
        var i = 0
        while i + 8 <= V { sv += exp8(load8(x + i) - mm); i += 8 }
        var s = sv.sum()
        while i < V { s += expf(x[i] - m); i += 1 }
        lse[r] = m + logf(s)
    }
}

/// logits[r] ← weights[r] · softmax(logits[r]) from each row's log-sum-exp `lse`: the
/// weighted cross-entropy's gradient before the target's −weights[r]. Rows in parallel; libm's
/// expf for the reason `softmaxInPlace` gives.
public func weightedSoftmaxRows(_ logits: Buf, lse: CBuf, weights: CBuf, N: Int, V: Int) {
    parallelFor(N) { r in
        let x = logits + r * V, w = weights[r]
        let l = lse[r]
        for i in 0..<V { x[i] = w * expf(x[i] - l) }
    }
}
