import Foundation

/// The plain version of `attentionForward` and `attentionBackward`: per (sequence, head,
/// query), scores over the visible rows, a softmax, the weighted values; sums in double, no
/// dropout. Same legend and arguments as the optimised kernels (Kernels/Attention.swift).
public func attentionForwardReference(out: Buf, q: CBuf, qStride: Int, keys: CBuf, values: CBuf, kvBatchStride: Int,
                                      mask: UnsafePointer<UInt8>?, maskStride: Int, keyRows: UnsafePointer<Int32>?,
                                      mode: AttentionMode, B: Int, T: Int, past: Int, Tk: Int, C: Int, NH: Int) {
    let hs = C / NH
    for b in 0..<B {
        for h in 0..<NH {
            for t in 0..<T {
                let weights = attentionWeightsReference(q: q, qStride: qStride, keys: keys, kvBatchStride: kvBatchStride, mask: mask,
                                                        maskStride: maskStride, keyRows: keyRows, mode: mode, b: b, h: h, t: t,
                                                        T: T, past: past, Tk: Tk, C: C, NH: NH)
                for i in 0..<hs {
                    var o = 0.0
                    for (r, p) in weights { o += p * Double(values[b * kvBatchStride + r * C + h * hs + i]) }
                    out[(b * T + t) * C + h * hs + i] = Float(o)
                }
            }
        }
    }
}

/// The softmax weights of one query over the rows it may see: (row, weight) pairs.
func attentionWeightsReference(q: CBuf, qStride: Int, keys: CBuf, kvBatchStride: Int, mask: UnsafePointer<UInt8>?, maskStride: Int,
                               keyRows: UnsafePointer<Int32>?, mode: AttentionMode, b: Int, h: Int, t: Int,
                               T: Int, past: Int, Tk: Int, C: Int, NH: Int) -> [(Int, Double)] {
    let hs = C / NH
    let last = mode == .causal ? keyRows.map { Int($0[b * T + t]) } ?? past + t : Tk - 1
    var scores: [(Int, Double)] = []
    for r in 0...last where mask.map({ $0[b * maskStride + r] != 0 }) ?? true {
        var s = 0.0
        for i in 0..<hs { s += Double(q[(b * T + t) * qStride + h * hs + i]) * Double(keys[b * kvBatchStride + r * C + h * hs + i]) }
        scores.append((r, s / Double(hs).squareRoot()))
    }
    guard let m = scores.map(\.1).max() else { return [] }
    let e = scores.map { ($0.0, Foundation.exp($0.1 - m)) }
    let z = e.reduce(0) { $0 + $1.1 }
    return e.map { ($0.0, $0.1 / z) }
}

/// Gradients of attention (no dropout): dq at the query columns, dkeys and dvalues in the
/// store's layout (kvBatchStride = Tk·C), all accumulated into.
public func attentionBackwardReference(dq: Buf, dkeys: Buf, dvalues: Buf, dout: CBuf, q: CBuf, qStride: Int, keys: CBuf, values: CBuf,
                                       mask: UnsafePointer<UInt8>?, maskStride: Int, keyRows: UnsafePointer<Int32>?, mode: AttentionMode,
                                       B: Int, T: Int, past: Int, Tk: Int, C: Int, NH: Int) {
    let hs = C / NH, scale = 1 / Double(hs).squareRoot(), kv = Tk * C
    for b in 0..<B {
        for h in 0..<NH {
            for t in 0..<T {
                let w = attentionWeightsReference(q: q, qStride: qStride, keys: keys, kvBatchStride: kv, mask: mask, maskStride: maskStride,
                                                  keyRows: keyRows, mode: mode, b: b, h: h, t: t, T: T, past: past, Tk: Tk, C: C, NH: NH)
                let g = dout + (b * T + t) * C + h * hs
                // dp_r = g · v_r; dscore_r = p_r (dp_r − Σ p dp).
                let dp = w.map { r, _ in (0..<hs).reduce(0.0) { $0 + Double(g[$1]) * Double(values[b * kv + r * C + h * hs + $1]) } }
                let mean = zip(w, dp).reduce(0.0) { $0 + $1.0.1 * $1.1 }
                for (k, (r, p)) in w.enumerated() {
                    let ds = p * (dp[k] - mean) * scale
                    for i in 0..<hs {
                        dvalues[b * kv + r * C + h * hs + i] += Float(p * Double(g[i]))
                        dq[(b * T + t) * qStride + h * hs + i] += Float(ds * Double(keys[b * kv + r * C + h * hs + i]))
                        dkeys[b * kv + r * C + h * hs + i] += Float(ds * Double(q[(b * T + t) * qStride + h * hs + i]))
                    }
                }
            }
        }
    }
}
