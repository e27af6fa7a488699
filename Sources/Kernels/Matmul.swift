/// Dense layer in Hugging Face's Conv1D layout: weight (C, OC), y = x · W + b.

/// out: (BT, OC); inp: (BT, C); weight: (C, OC); bias: (OC) or nil.
public func matmulForward(out: Buf, inp: CBuf, weight: CBuf, bias: CBuf?, BT: Int, C: Int, OC: Int) {
    var beta: Float = 0
    if let bias {
        for r in 0..<BT { (out + r * OC).update(from: bias, count: OC) }
        beta = 1
    }
    if BT > 1 && BT <= 8 {
        smallMatmulForward(out: out, inp: inp, weight: weight, bias: bias, M: BT, C: C, OC: OC)
        return
    }
    if BT == 1 {
        // One row (decoding one sequence): a matrix-vector product, bound by reading the weight.
        BLAS.sgemv(trans: true, M: C, N: OC, A: weight, lda: OC, x: inp, beta: beta, y: out)
        return
    }
    BLAS.sgemm(transA: false, transB: false, M: BT, N: OC, K: C,
               A: inp, lda: C, B: weight, ldb: OC, beta: beta, C: out, ldc: OC)
}

/// Gradients of `matmulForward`. dinp (BT, C) is overwritten; dweight (C, OC) and dbias (OC)
/// are accumulated into, and skipped when nil (frozen weights get no weight-gradient GEMM).
public func matmulBackward(dinp: Buf?, dweight: Buf?, dbias: Buf?, dout: CBuf, inp: CBuf,
                           weight: CBuf, BT: Int, C: Int, OC: Int) {
    if let dinp {
        BLAS.sgemm(transA: false, transB: true, M: BT, N: C, K: OC,
                   A: dout, lda: OC, B: weight, ldb: OC, beta: 0, C: dinp, ldc: C)
    }
    if let dweight {
        BLAS.sgemm(transA: true, transB: false, M: C, N: OC, K: BT,
                   A: inp, lda: C, B: dout, ldb: OC, beta: 1, C: dweight, ldc: OC)
    }
    if let dbias {
        for r in 0..<BT { axpy(1, dout + r * OC, dbias, OC) }
    }
}
