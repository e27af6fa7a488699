#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// How far a query sees into its key/value store.
public enum AttentionMode: Sendable, Equatable {
    /// Rows 0 ... the query's own (a decoder's self-attention).
    case causal
    /// Every row of its own sequence's store (an encoder's self-attention).
    case bidirectional
    /// Every row of another stream's store (a decoder attending to the encoder's outputs).
    case cross
}

/// Multi-head attention over a key/value store that may hold positions that are not the
/// current tokens: a KV cache, the virtual tokens of a prefix, an infix, another stream.
///
/// Legend: B batch, T current (query) positions, C channels, NH heads, hs = C/NH, Tk rows
/// in the key/value store of each batch row.
/// - out: (B, T, C) — heads concatenated, as before c_proj.
/// - att: (B, NH, T, Tk) — softmax probabilities, kept for the backward pass.
/// - q: (B, T, qStride) — the query of head h sits at columns h·hs ..< (h+1)·hs.
/// - keys, values: row r of batch b at `keys + b·kvBatchStride + r·C`, r in 0..<Tk.
/// - keyRows: (B, T) — the store row of each query's own position; in causal mode it attends
///   to rows 0 ... keyRows[b,t]. nil means past + t (a cache holding `past` earlier positions).
///   In bidirectional and cross mode every query sees rows 0..<Tk.
/// - mask: (B, maskStride) bytes, nonzero where row r may be attended to; nil for all.
/// - dropScale: (B, NH, T, Tk) attention-dropout factors (0 or 1/(1−p)) applied to the
///   probabilities when mixing values; `att` keeps the probabilities before dropout.
/// A query with no row left (a padding row) gets zeros.
public func attentionForward(out: Buf, att: Buf, q: CBuf, qStride: Int,
                             keys: CBuf, values: CBuf, kvBatchStride: Int,
                             mask: UnsafePointer<UInt8>?, maskStride: Int, keyRows: UnsafePointer<Int32>? = nil,
                             dropScale: CBuf? = nil, mode: AttentionMode = .causal,
                             B: Int, T: Int, past: Int, Tk: Int? = nil, C: Int, NH: Int) {
    let hs = C / NH
    let Tk = Tk ?? past + T
    let scale = 1 / sqrtf(Float(hs))
    parallelFor(B * NH) { bh in
        let b = bh / NH, h = bh % NH
        let kb = keys + b * kvBatchStride + h * hs
        let vb = values + b * kvBatchStride + h * hs
        let m = mask.map { $0 + b * maskStride }
        for t in 0..<T {
            let qt = q + (b * T + t) * qStride + h * hs
            let row = att + (bh * T + t) * Tk
            let last = mode == .causal ? keyRows.map { Int($0[b * T + t]) } ?? past + t : Tk - 1
            var maxv = -Float.infinity
            for r in 0...last {
                if let m, m[r] == 0 { row[r] = -Float.infinity; continue }
                let s = dot(qt, kb + r * C, hs) * scale
                row[r] = s
                if s > maxv { maxv = s }
            }
            let o = out + (b * T + t) * C + h * hs
            for i in 0..<hs { o[i] = 0 }
            for r in (last + 1)..<max(last + 1, Tk) { row[r] = 0 }
            if maxv == -Float.infinity {
                for r in 0...last { row[r] = 0 }
                continue
            }
            var sum: Float = 0
            for r in 0...last {
                let e = row[r] == -Float.infinity ? 0 : expf(row[r] - maxv)
                row[r] = e
                sum += e
            }
            let inv = 1 / sum
            let drop = dropScale.map { $0 + (bh * T + t) * Tk }
            for r in 0...last {
                row[r] *= inv
                let w = drop.map { row[r] * $0[r] } ?? row[r]
                if w != 0 { axpy(w, vb + r * C, o, hs) }
            }
        }
    }
}

/// Gradients of `attentionForward`.
/// - dq: (B, T, qStride), accumulated into at the query columns.
/// - dkeys, dvalues: (B, Tk, C) laid out as keys (kvBatchStride must be Tk·C), accumulated into.
/// - dout: (B, T, C); att: the forward's probabilities. Same legend as the forward.
/// - scratch: (B·NH·Tk) floats. dropScale: the forward's attention-dropout factors, or nil.
public func attentionBackward(dq: Buf, dkeys: Buf, dvalues: Buf, dout: CBuf, scratch: Buf,
                              q: CBuf, qStride: Int, keys: CBuf, values: CBuf, att: CBuf, dropScale: CBuf? = nil,
                              keyRows: UnsafePointer<Int32>?, mode: AttentionMode = .causal,
                              B: Int, T: Int, past: Int, Tk: Int, C: Int, NH: Int) {
    let hs = C / NH
    let scale = 1 / sqrtf(Float(hs))
    let kvStride = Tk * C
    parallelFor(B * NH) { bh in
        let b = bh / NH, h = bh % NH
        let kb = keys + b * kvStride + h * hs, vb = values + b * kvStride + h * hs
        let dkb = dkeys + b * kvStride + h * hs, dvb = dvalues + b * kvStride + h * hs
        let da = scratch + bh * Tk
        do {
            for t in 0..<T {
                let last = mode == .causal ? keyRows.map { Int($0[b * T + t]) } ?? past + t : Tk - 1
                let row = att + (bh * T + t) * Tk
                let dot_ = dout + (b * T + t) * C + h * hs
                let qt = q + (b * T + t) * qStride + h * hs
                let dqt = dq + (b * T + t) * qStride + h * hs
                var s: Float = 0
                let drop = dropScale.map { $0 + (bh * T + t) * Tk }
                for r in 0...last {
                    let p = row[r]
                    if p == 0 { da[r] = 0; continue }
                    let m = drop.map { $0[r] } ?? 1
                    axpy(p * m, dot_, dvb + r * C, hs)
                    da[r] = dot(dot_, vb + r * C, hs) * m
                    s += p * da[r]
                }
                for r in 0...last {
                    let p = row[r]
                    if p == 0 { continue }
                    let dpre = p * (da[r] - s) * scale
                    axpy(dpre, kb + r * C, dqt, hs)
                    axpy(dpre, qt, dkb + r * C, hs)
                }
            }
        }
    }
}
