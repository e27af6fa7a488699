#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Causal multi-head attention over a key/value store that may hold earlier positions
/// (a KV cache, or the virtual tokens of a prefix) in front of the current ones.
///
/// Legend: B batch, T current positions, C channels, NH heads, hs = C/NH,
/// Tk = past + T keys, of which the first `past` precede the current positions.
/// - out: (B, T, C) — heads concatenated, as before c_proj.
/// - att: (B, NH, T, Tk) — softmax probabilities, kept for the backward pass.
/// - q: (B, T, qStride) — the query of head h sits at columns h·hs ..< (h+1)·hs.
/// - keys, values: row r of batch b at `keys + b·kvBatchStride + r·C`, r in 0..<Tk.
///   kvBatchStride may be 0 when every batch row shares them.
/// - mask: (B, maskStride) bytes, nonzero where key r may be attended to; nil for all.
/// Query t may attend to key r when r ≤ past + t and mask allows it. A query with no key
/// left (a padding row) gets zeros.
public func attentionForward(out: Buf, att: Buf, q: CBuf, qStride: Int,
                             keys: CBuf, values: CBuf, kvBatchStride: Int,
                             mask: UnsafePointer<UInt8>?, maskStride: Int,
                             B: Int, T: Int, past: Int, C: Int, NH: Int) {
    let hs = C / NH
    let Tk = past + T
    let scale = 1 / sqrtf(Float(hs))
    parallelFor(B * NH) { bh in
        let b = bh / NH, h = bh % NH
        let kb = keys + b * kvBatchStride + h * hs
        let vb = values + b * kvBatchStride + h * hs
        let m = mask.map { $0 + b * maskStride }
        for t in 0..<T {
            let qt = q + (b * T + t) * qStride + h * hs
            let row = att + (bh * T + t) * Tk
            let last = past + t
            var maxv = -Float.infinity
            for r in 0...last {
                if let m, m[r] == 0 { row[r] = -Float.infinity; continue }
                let s = dot(qt, kb + r * C, hs) * scale
                row[r] = s
                if s > maxv { maxv = s }
            }
            let o = out + (b * T + t) * C + h * hs
            for i in 0..<hs { o[i] = 0 }
            if maxv == -Float.infinity {
                for r in 0..<Tk { row[r] = 0 }
                continue
            }
            var sum: Float = 0
            for r in 0...last {
                let e = row[r] == -Float.infinity ? 0 : expf(row[r] - maxv)
                row[r] = e
                sum += e
            }
            let inv = 1 / sum
            for r in 0...last {
                row[r] *= inv
                if row[r] != 0 { axpy(row[r], vb + r * C, o, hs) }
            }
            for r in (last + 1)..<max(last + 1, Tk) { row[r] = 0 }
        }
    }
}
