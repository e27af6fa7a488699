/// The plain versions of the dense-layer kernels: one loop nest, sums in double. The optimised
/// `matmulForward` (BLAS, the small-batch strips, sgemv), `fewRowsMatmul` (packed panels) and
/// `linearForward` are tested against these (KernelsTests).

/// out (BT, OC) = inp (BT, C) · weight (C, OC) + bias — Hugging Face's Conv1D layout.
public func matmulForwardReference(out: Buf, inp: CBuf, weight: CBuf, bias: CBuf?, BT: Int, C: Int, OC: Int) {
    for r in 0..<BT {
        for o in 0..<OC {
            var s = Double(bias?[o] ?? 0)
            for i in 0..<C { s += Double(inp[r * C + i]) * Double(weight[i * OC + o]) }
            out[r * OC + o] = Float(s)
        }
    }
}

/// Gradients of the Conv1D layer: dinp overwritten, dweight and dbias accumulated into.
public func matmulBackwardReference(dinp: Buf?, dweight: Buf?, dbias: Buf?, dout: CBuf, inp: CBuf, weight: CBuf, BT: Int, C: Int, OC: Int) {
    if let dinp {
        for r in 0..<BT {
            for i in 0..<C {
                var s = 0.0
                for o in 0..<OC { s += Double(dout[r * OC + o]) * Double(weight[i * OC + o]) }
                dinp[r * C + i] = Float(s)
            }
        }
    }
    if let dweight {
        for i in 0..<C {
            for o in 0..<OC {
                var s = 0.0
                for r in 0..<BT { s += Double(inp[r * C + i]) * Double(dout[r * OC + o]) }
                dweight[i * OC + o] += Float(s)
            }
        }
    }
    if let dbias {
        for o in 0..<OC {
            var s = 0.0
            for r in 0..<BT { s += Double(dout[r * OC + o]) }
            dbias[o] += Float(s)
        }
    }
}

/// out (N, OC) = inp (N, C) · weightᵀ + bias — torch.nn.Linear's layout, weight (OC, C).
public func linearForwardReference(out: Buf, inp: CBuf, weight: CBuf, bias: CBuf?, N: Int, C: Int, OC: Int) {
    for r in 0..<N {
        for o in 0..<OC {
            var s = Double(bias?[o] ?? 0)
            for i in 0..<C { s += Double(inp[r * C + i]) * Double(weight[o * C + i]) }
            out[r * OC + o] = Float(s)
        }
    }
}
