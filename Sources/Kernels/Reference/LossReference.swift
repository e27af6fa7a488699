import Foundation

/// The plain version of `crossEntropyForwardBackward` (the tied head fused with the loss):
/// logits = h · wteᵀ row by row, loss = lse − logit[target], dlogits = (softmax − onehot)·weight,
/// dh = dlogits · wte, dwte += dlogitsᵀ · h. Sums in double; no chunks, no BLAS.
public func crossEntropyReference(losses: Buf, dh: Buf?, h: CBuf, wte: CBuf, dwte: Buf?, targets: UnsafePointer<Int32>, weights: CBuf,
                                  R: Int, C: Int, V: Int) {
    for i in 0..<R {
        var logits = [Double](repeating: 0, count: V)
        for v in 0..<V { for c in 0..<C { logits[v] += Double(h[i * C + c]) * Double(wte[v * C + c]) } }
        let m = logits.max()!, z = logits.reduce(0) { $0 + Foundation.exp($1 - m) }
        let t = Int(targets[i])
        losses[i] = Float(m + Foundation.log(z) - logits[t])
        guard dh != nil || dwte != nil else { continue }
        let w = Double(weights[i])
        for c in 0..<C { dh?[i * C + c] = 0 }
        for v in 0..<V {
            let d = (Foundation.exp(logits[v] - m) / z - (v == t ? 1 : 0)) * w
            for c in 0..<C {
                dh?[i * C + c] += Float(d * Double(wte[v * C + c]))
                dwte?[v * C + c] += Float(d * Double(h[i * C + c]))
            }
        }
    }
}

/// The plain `logsumexpRows`: lse[r] = log Σ exp(logits[r, v]), in double.
public func logsumexpRowsReference(lse: Buf, logits: CBuf, N: Int, V: Int) {
    for r in 0..<N {
        let row = (0..<V).map { Double(logits[r * V + $0]) }
        let m = row.max()!
        lse[r] = Float(m + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - m) }))
    }
}

/// The plain `dot` and `axpy`.
public func dotReference(_ a: CBuf, _ b: CBuf, _ n: Int) -> Double { (0..<n).reduce(0.0) { $0 + Double(a[$1]) * Double(b[$1]) } }
public func axpyReference(_ alpha: Float, _ x: CBuf, _ y: Buf, _ n: Int) { for i in 0..<n { y[i] += alpha * x[i] } }
