/// Vectorised exp for the kernels (softmax, log-sum-exp, GELU's tanh): libm's expf and tanhf
/// are scalar calls, and at GPT-2 sizes a forward pass makes tens of millions of them.
///
/// exp: Cephes' single-precision method. x = n·ln2 + r with |r| ≤ ln2/2 (ln2 split in two
/// for an exact reduction), a degree-6 polynomial for e^r, then 2^n put into the exponent.
/// Relative error ≤ 2 ulp over [-87.3, 88.3]; below that it flushes to 0.

@inline(__always)
public func exp8(_ x0: SIMD8<Float>) -> SIMD8<Float> {
    // Clamp with masks: SIMD's clamped(lowerBound:upperBound:) is a generic call here.
    let lo = SIMD8<Float>(repeating: -87.3), hi = SIMD8<Float>(repeating: 88.3)
    let x = x0.replacing(with: lo, where: x0 .< lo).replacing(with: hi, where: x0 .> hi)
    // Adding 1.5·2²³ rounds to an integer held in the low mantissa bits (no int conversion,
    // which Swift's generic SIMD init does not vectorise).
    let magic = SIMD8<Float>(repeating: 12_582_912)
    let t = x * 1.44269504088896341 + magic
    let n = t - magic
    var r = x - n * 0.693359375
    r = r - n * -2.12194440e-4
    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = p * r + 1.3981999507e-3
    p = p * r + 8.3334519073e-3
    p = p * r + 4.1665795894e-2
    p = p * r + 1.6666665459e-1
    p = p * r + 5.0000001201e-1
    let y = p * (r * r) + r + 1
    let ni = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000
    let scale = unsafeBitCast((ni &+ 127) &<< 23, to: SIMD8<Float>.self)
    // Inputs at or below the clamp are taken as underflow.
    return (y * scale).replacing(with: 0, where: x0 .<= -87.3)
}

/// tanh(u) = 1 − 2 / (e^{2u} + 1): exact limits ±1, absolute error ~1e-7.
@inline(__always)
public func tanh8(_ u: SIMD8<Float>) -> SIMD8<Float> {
    1 - 2 / (exp8(u + u) + 1)
}

/// Scalar exp with the same method, for loop tails.
@inline(__always)
public func expScalar(_ x: Float) -> Float {
    exp8(SIMD8(repeating: x))[0]
}
