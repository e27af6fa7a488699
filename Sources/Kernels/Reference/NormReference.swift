import Foundation

/// The plain version of `layernormForward` (biased variance, as torch): sums in double.
public func layernormForwardReference(out: Buf, inp: CBuf, weight: CBuf, bias: CBuf, N: Int, C: Int, eps: Float) {
    for r in 0..<N {
        let x = (0..<C).map { Double(inp[r * C + $0]) }
        let m = x.reduce(0, +) / Double(C)
        let v = x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(C)
        for i in 0..<C { out[r * C + i] = Float((x[i] - m) / (v + Double(eps)).squareRoot() * Double(weight[i]) + Double(bias[i])) }
    }
}

/// GPT-2's `gelu_new`, one value at a time in double: what `geluForward` vectorises.
public func geluReference(_ x: Double) -> Double {
    0.5 * x * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)))
}

/// Its derivative, as `geluBackward` computes it.
public func geluDerivativeReference(_ x: Double) -> Double {
    let k = (2 / Double.pi).squareRoot(), u = k * (x + 0.044715 * x * x * x), th = Foundation.tanh(u)
    return 0.5 * (1 + th) + 0.5 * x * (1 - th * th) * k * (1 + 3 * 0.044715 * x * x)
}
