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

/// Gradients of `layernormForward`. dinp (N, C) is accumulated into (the residual stream's
/// gradient arrives there from two branches); dweight, dbias (C) too, skipped when nil.
public func layernormBackward(dinp: Buf, dweight: Buf?, dbias: Buf?, dout: CBuf, inp: CBuf,
                              weight: CBuf, mean: CBuf, rstd: CBuf, N: Int, C: Int) {
    parallelFor(N, minChunk: 16) { r in
        let x = inp + r * C, g = dout + r * C, dx = dinp + r * C
        let m = mean[r], s = rstd[r]
        var dnormMean: Float = 0, dnormNormMean: Float = 0
        for i in 0..<C {
            let norm = (x[i] - m) * s
            let dnorm = weight[i] * g[i]
            dnormMean += dnorm
            dnormNormMean += dnorm * norm
        }
        dnormMean /= Float(C)
        dnormNormMean /= Float(C)
        for i in 0..<C {
            let norm = (x[i] - m) * s
            dx[i] += (weight[i] * g[i] - dnormMean - norm * dnormNormMean) * s
        }
    }
    guard dweight != nil || dbias != nil else { return }
    for r in 0..<N {
        let x = inp + r * C, g = dout + r * C
        let m = mean[r], s = rstd[r]
        if let dbias { for i in 0..<C { dbias[i] += g[i] } }
        if let dweight { for i in 0..<C { dweight[i] += (x[i] - m) * s * g[i] } }
    }
}
