#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// GPT-2's `gelu_new` (the tanh approximation). out, inp: (N) — any shape, elementwise.
public func geluForward(out: Buf, inp: CBuf, N: Int) {
    let s: Float = 0.7978845608028654  // sqrt(2/pi)
    let blocks = N / 8
    parallelFor(blocks, minChunk: 2048) { k in
        let x = load8(inp + 8 * k)
        let u = s * (x + 0.044715 * x * x * x)
        store8(0.5 * x * (1 + tanh8(u)), out + 8 * k)
    }
    for i in (8 * blocks)..<N {
        let x = inp[i]
        out[i] = 0.5 * x * (1 + tanhf(s * (x + 0.044715 * x * x * x)))
    }
}

/// dinp = dout · gelu'(inp). dinp, dout, inp: (N); dinp may alias dout.
public func geluBackward(dinp: Buf, inp: CBuf, dout: CBuf, N: Int) {
    let s: Float = 0.7978845608028654
    let blocks = N / 8
    parallelFor(blocks, minChunk: 2048) { k in
        let x = load8(inp + 8 * k)
        let x2: SIMD8<Float> = x * x
        let u: SIMD8<Float> = s * (x + 0.044715 * x2 * x)
        let t = tanh8(u)
        let sech2: SIMD8<Float> = 1 - t * t
        let du: SIMD8<Float> = s * (1 + 0.134145 * x2)
        let grad: SIMD8<Float> = 0.5 * (1 + t) + 0.5 * x * sech2 * du
        store8(grad * load8(dout + 8 * k), dinp + 8 * k)
    }
    for i in (8 * blocks)..<N {
        let x = inp[i]
        let u = s * (x + 0.044715 * x * x * x)
        let t = tanhf(u)
        let sech2 = 1 - t * t
        let grad = 0.5 * (1 + t) + 0.5 * x * sech2 * s * (1 + 3 * 0.044715 * x * x)
        dinp[i] = grad * dout[i]
    }
}
