#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The exact GELU, x·Φ(x) = 0.5·x·(1 + erf(x/√2)): transformers' "gelu", BART's activation
/// (GPT-2's is the tanh approximation, `geluForward`). out, inp: (N); out may alias inp.
public func geluExactForward(out: Buf, inp: CBuf, N: Int) {
    let r: Float = 0.7071067811865476  // 1/√2
    parallelFor(N, minChunk: 4096) { i in
        let x = inp[i]
        out[i] = 0.5 * x * (1 + erff(x * r))
    }
}

/// dinp = dout · (Φ(x) + x·φ(x)), the exact GELU's derivative. dinp may alias dout.
public func geluExactBackward(dinp: Buf, inp: CBuf, dout: CBuf, N: Int) {
    let r: Float = 0.7071067811865476, c: Float = 0.3989422804014327  // 1/√2, 1/√(2π)
    parallelFor(N, minChunk: 4096) { i in
        let x = inp[i]
        dinp[i] = dout[i] * (0.5 * (1 + erff(x * r)) + x * c * expf(-0.5 * x * x))
    }
}
