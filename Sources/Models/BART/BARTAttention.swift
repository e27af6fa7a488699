import Kernels

/// The training pass's attentions, a document at a time. With every layer's probabilities
/// kept (weights that train), each document's go to its slice of the layer's (B, NH, T, Tk)
/// `att`; with frozen weights `att` is one document's, shared by every layer, and the backward
/// computes each document's probabilities again (`attentionProbabilitiesMatmul`: the same
/// products, so the same floats) just before it needs them. That trades one Q·Kᵀ product per
/// attention for B·NH·T·Tk floats per layer, which at bart-base's 4 × 256 tokens is most of
/// what a prefix run would otherwise hold for its encoder.
extension BARTGraph {
    var keepsProbabilities: Bool { storage.map { !$0.frozen } ?? true }

    /// One attention's forward: `out` (B·T, C) from q (B·T, C) and stores (B, Tk, C);
    /// `mask` (B, Tk) or nil; `past` the keys before query 0 (causal).
    func attend(out: Buf, att: Buf, q: CBuf, keys: CBuf, values: CBuf, mask: UnsafePointer<UInt8>?, mode: AttentionMode,
                B: Int, T: Int, past: Int, Tk: Int, NH: Int, drop site: (layer: Int, site: BARTDropout.Site)) {
        let C = model.config.dModel, per = NH * T * Tk, keeps = keepsProbabilities
        let dropScale = drop?.mask(site.layer, site.site, B * per)
        for d in 0..<B {
            attentionForwardMatmul(out: out + d * T * C, att: keeps ? att + d * per : att, q: q + d * T * C, qStride: C,
                                   keys: keys + d * Tk * C, values: values + d * Tk * C, kvBatchStride: Tk * C,
                                   mask: mask.map { $0 + d * Tk }, maskStride: Tk, mode: mode, B: 1, T: T, past: past, Tk: Tk, C: C, NH: NH,
                                   dropScale: dropScale.map { $0 + d * per }, dropped: drop?.dropped.base)
        }
    }

    /// `attend`'s backward from `dout` (B·T, C) into dq, dk, dv (accumulated; the caller zeroes them).
    func attendBack(dout: CBuf, att: Buf, q: CBuf, keys: CBuf, values: CBuf, mask: UnsafePointer<UInt8>?, mode: AttentionMode,
                    B: Int, T: Int, past: Int, Tk: Int, NH: Int, drop site: (layer: Int, site: BARTDropout.Site)) {
        let C = model.config.dModel, per = NH * T * Tk, keeps = keepsProbabilities
        let dropScale = drop?.mask(site.layer, site.site, B * per)
        for d in 0..<B {
            let probs = keeps ? att + d * per : att
            if !keeps {
                attentionProbabilitiesMatmul(att: probs, q: q + d * T * C, qStride: C, keys: keys + d * Tk * C, kvBatchStride: Tk * C,
                                             mask: mask.map { $0 + d * Tk }, maskStride: Tk, mode: mode, B: 1, T: T, past: past, Tk: Tk, C: C, NH: NH)
            }
            attentionBackwardMatmul(dq: dq + d * T * C, dkeys: dk + d * Tk * C, dvalues: dv + d * Tk * C, dout: dout + d * T * C, scratch: scratch,
                                    q: q + d * T * C, qStride: C, keys: keys + d * Tk * C, values: values + d * Tk * C, att: probs,
                                    B: 1, T: T, Tk: Tk, C: C, NH: NH, dropScale: dropScale.map { $0 + d * per }, dropped: drop?.dropped.base)
        }
    }
}
