#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// erf on 8 lanes to float precision (max abs error 6e-8 against double erf over ±8, as libm's
/// erff: 4.5e-8): two minimax polynomials split at |x| = 0.9277 — x·(1 + p(x²)) below, 1 −
/// e^{q(|x|)} above with the sign put back (the coefficients of N. Juffa's published erff).
/// libm's erff is a scalar call per element, and BART's feed-forwards make tens of millions a
/// training step.
@inline(__always)
public func erf8(_ a: SIMD8<Float>) -> SIMD8<Float> {
    let t = a.replacing(with: -a, where: a .< 0), s = a * a
    var r = SIMD8<Float>(repeating: -1.72853470e-5) * t + 3.83197126e-4
    let u = SIMD8<Float>(repeating: -3.88396438e-3) * t + 2.42546219e-2
    r = r * s + u
    r = r * t - 1.06777877e-1
    r = r * t - 6.34846687e-1
    r = r * t - 1.28717512e-1
    r = r * t - t
    var big = 1 - exp8(r)
    big = big.replacing(with: -big, where: a .< 0)
    var small = SIMD8<Float>(repeating: -5.96761703e-4)
    small = small * s + 4.99119423e-3
    small = small * s - 2.67681349e-2
    small = small * s + 1.12819925e-1
    small = small * s - 3.76125336e-1
    small = small * s + 1.28379166e-1
    small = small * a + a
    return small.replacing(with: big, where: t .> 0.927734375)
}

/// The exact GELU, x·Φ(x) = 0.5·x·(1 + erf(x/√2)): transformers' "gelu", BART's activation
/// (GPT-2's is the tanh approximation, `geluForward`). out, inp: (N); out may alias inp.
public func geluExactForward(out: Buf, inp: CBuf, N: Int) {
    let r: Float = 0.7071067811865476  // 1/√2
    let blocks = N / 8
    parallelFor(blocks, minChunk: 512) { k in
        let x = load8(inp + 8 * k)
        store8(0.5 * x * (1 + erf8(x * r)), out + 8 * k)
    }
    for i in (8 * blocks)..<N {
        let x = inp[i]
        out[i] = 0.5 * x * (1 + erff(x * r))
    }
}

/// dinp = dout · (Φ(x) + x·φ(x)), the exact GELU's derivative. dinp may alias dout.
public func geluExactBackward(dinp: Buf, inp: CBuf, dout: CBuf, N: Int) {
    let r: Float = 0.7071067811865476, c: Float = 0.3989422804014327  // 1/√2, 1/√(2π)
    let blocks = N / 8
    parallelFor(blocks, minChunk: 512) { k in
        let x = load8(inp + 8 * k)
        let g: SIMD8<Float> = 0.5 * (1 + erf8(x * r)) + x * c * exp8(-0.5 * x * x)
        store8(load8(dout + 8 * k) * g, dinp + 8 * k)
    }
    for i in (8 * blocks)..<N {
        let x = inp[i]
        dinp[i] = dout[i] * (0.5 * (1 + erff(x * r)) + x * c * expf(-0.5 * x * x))
    }
}
