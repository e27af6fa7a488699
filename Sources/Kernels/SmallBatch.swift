/// Products with a handful of rows (beam search over one prompt, a few prompts decoding):
/// the weight is streamed from memory once, each of its rows serving every input row, with
/// the outputs kept in cache. BLAS would pack the whole weight on every call at these shapes,
/// which costs more than the arithmetic.

/// out (M, OC) = inp (M, C) · W (C, OC) [+ bias]; M ≤ 8.
/// Strips of 16 output columns: the M × 16 accumulators stay in registers while the strip's
/// 64-byte slice of every weight row streams past once.
public func smallMatmulForward(out: Buf, inp: CBuf, weight: CBuf, bias: CBuf?, M: Int, C: Int, OC: Int) {
    precondition(M <= 8)
    let strips = OC / 16
    parallelFor(strips, minChunk: 4) { s in
        let j = s * 16
        // Up to 8 rows × 2 vectors, as named locals so they live in registers.
        var a0 = SIMD8<Float>(), b0 = SIMD8<Float>(), a1 = SIMD8<Float>(), b1 = SIMD8<Float>()
        var a2 = SIMD8<Float>(), b2 = SIMD8<Float>(), a3 = SIMD8<Float>(), b3 = SIMD8<Float>()
        var a4 = SIMD8<Float>(), b4 = SIMD8<Float>(), a5 = SIMD8<Float>(), b5 = SIMD8<Float>()
        var a6 = SIMD8<Float>(), b6 = SIMD8<Float>(), a7 = SIMD8<Float>(), b7 = SIMD8<Float>()
        for k in 0..<C {
            let w = weight + k * OC + j
            let lo = load8(w), hi = load8(w + 8)
            let x = inp + k
            a0 += lo * x[0]; b0 += hi * x[0]
            if M > 1 { a1 += lo * x[C]; b1 += hi * x[C] }
            if M > 2 { a2 += lo * x[2 * C]; b2 += hi * x[2 * C] }
            if M > 3 { a3 += lo * x[3 * C]; b3 += hi * x[3 * C] }
            if M > 4 { a4 += lo * x[4 * C]; b4 += hi * x[4 * C] }
            if M > 5 { a5 += lo * x[5 * C]; b5 += hi * x[5 * C] }
            if M > 6 { a6 += lo * x[6 * C]; b6 += hi * x[6 * C] }
            if M > 7 { a7 += lo * x[7 * C]; b7 += hi * x[7 * C] }
        }
        let bl = bias.map { load8($0 + j) } ?? SIMD8<Float>(), bh = bias.map { load8($0 + j + 8) } ?? SIMD8<Float>()
        @inline(__always) func put(_ m: Int, _ a: SIMD8<Float>, _ b: SIMD8<Float>) {
            store8(a + bl, out + m * OC + j)
            store8(b + bh, out + m * OC + j + 8)
        }
        put(0, a0, b0)
        if M > 1 { put(1, a1, b1) }
        if M > 2 { put(2, a2, b2) }
        if M > 3 { put(3, a3, b3) }
        if M > 4 { put(4, a4, b4) }
        if M > 5 { put(5, a5, b5) }
        if M > 6 { put(6, a6, b6) }
        if M > 7 { put(7, a7, b7) }
    }
    // Columns past the last full strip.
    for jj in (strips * 16)..<OC {
        for m in 0..<M {
            var sum = bias?[jj] ?? 0
            for k in 0..<C { sum += inp[m * C + k] * weight[k * OC + jj] }
            out[m * OC + jj] = sum
        }
    }
}
