#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Row-wise log-sum-exp. logits: (N, V); lse: (N).
public func logsumexpRows(lse: Buf, logits: CBuf, N: Int, V: Int) {
    parallelFor(N) { r in
        let x = logits + r * V
        var m = -Float.infinity
        for i in 0..<V where x[i] > m { m = x[i] }
        var s: Float = 0
        for i in 0..<V { s += expf(x[i] - m) }
        lse[r] = m + logf(s)
    }
}
