/// Products with a handful of rows (beam search over one prompt, a few prompts decoding):
/// the weight is streamed from memory once, each of its rows serving every input row, with
/// the outputs kept in cache. BLAS would pack the whole weight on every call at these shapes,
/// which costs more than the arithmetic.

/// out (M, OC) = inp (M, C) · W (C, OC) [+ bias]; M ≤ 8.
public func smallMatmulForward(out: Buf, inp: CBuf, weight: CBuf, bias: CBuf?, M: Int, C: Int, OC: Int) {
    precondition(M <= 8)
    // Column blocks over threads: each owns its slice of every output row.
    let block = 512
    parallelFor((OC + block - 1) / block) { jb in
        let j0 = jb * block, n = min(block, OC - j0)
        for m in 0..<M {
            let o = out + m * OC + j0
            if let bias { o.update(from: bias + j0, count: n) } else { o.update(repeating: 0, count: n) }
        }
        for k in 0..<C {
            let w = weight + k * OC + j0
            for m in 0..<M { axpy(inp[m * C + k], w, out + m * OC + j0, n) }
        }
    }
}

/// out (M, V) = h (M, C) · Eᵀ, E (V, C): the tied head for a few rows; M ≤ 8.
public func smallLogits(out: Buf, hidden: CBuf, embedding: CBuf, M: Int, C: Int, V: Int) {
    precondition(M <= 8)
    parallelFor(V, minChunk: 1024) { v in
        let e = embedding + v * C
        for m in 0..<M { out[m * V + v] = dot(hidden + m * C, e, C) }
    }
}
