#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// out, inp: (N, C); mean, rstd: (N) kept for the backward pass; weight, bias: (C).
/// N is the number of rows (B·T). Variance is biased, as torch.nn.LayerNorm computes it.
public func layernormForward(out: Buf, mean: Buf?, rstd: Buf?, inp: CBuf,
                             weight: CBuf, bias: CBuf, N: Int, C: Int, eps: Float) {
    parallelFor(N, minChunk: 16) { r in
        let x = inp + r * C
        let y = out + r * C
        var m: Float = 0
        for i in 0..<C { m += x[i] }
        m /= Float(C)
        var v: Float = 0
        for i in 0..<C { let d = x[i] - m; v += d * d }
        v /= Float(C)
        let s = 1 / sqrtf(v + eps)
        for i in 0..<C { y[i] = (x[i] - m) * s * weight[i] + bias[i] }
        mean?[r] = m
        rstd?[r] = s
    }
}
