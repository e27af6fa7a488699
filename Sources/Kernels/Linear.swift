/// torch.nn.Linear in its own layout: weight (OC, C), y = x · Wᵀ + b. The prefix MLP keeps
/// PyTorch's layout so that PEFT's tensors map onto it without transposes.

/// out: (N, OC); inp: (N, C); weight: (OC, C); bias: (OC).
public func linearForward(out: Buf, inp: CBuf, weight: CBuf, bias: CBuf?, N: Int, C: Int, OC: Int) {
    var beta: Float = 0
    if let bias {
        for r in 0..<N { (out + r * OC).update(from: bias, count: OC) }
        beta = 1
    }
    BLAS.sgemm(transA: false, transB: true, M: N, N: OC, K: C, A: inp, lda: C, B: weight, ldb: C, beta: beta, C: out, ldc: OC)
}

/// dinp (N, C) overwritten (nil: not needed); dweight (OC, C) and dbias (OC) accumulated into.
public func linearBackward(dinp: Buf?, dweight: Buf?, dbias: Buf?, dout: CBuf, inp: CBuf, weight: CBuf, N: Int, C: Int, OC: Int) {
    if let dinp {
        BLAS.sgemm(transA: false, transB: false, M: N, N: C, K: OC, A: dout, lda: OC, B: weight, ldb: C, beta: 0, C: dinp, ldc: C)
    }
    if let dweight {
        BLAS.sgemm(transA: true, transB: false, M: OC, N: C, K: N, A: dout, lda: OC, B: inp, ldb: C, beta: 1, C: dweight, ldc: C)
    }
    if let dbias { for r in 0..<N { axpy(1, dout + r * OC, dbias, OC) } }
}
