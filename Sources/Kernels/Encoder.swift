/// Token plus position embedding.
/// out: (B·T, C); tokens, positions: (B·T); wte: (V, C); wpe: (maxT, C).
/// Callers check ids and positions are in range before calling.
public func encoderForward(out: Buf, tokens: UnsafePointer<Int32>, positions: UnsafePointer<Int32>,
                           wte: CBuf, wpe: CBuf, N: Int, C: Int) {
    for r in 0..<N {
        let o = out + r * C
        let e = wte + Int(tokens[r]) * C
        let p = wpe + Int(positions[r]) * C
        for i in 0..<C { o[i] = e[i] + p[i] }
    }
}

/// Like `encoderForward` but a row may take its input embedding from `embeds` (virtual tokens):
/// rows with tokens[r] < 0 read embeds[-tokens[r] - 1]. embeds: (P, C).
public func encoderForwardVirtual(out: Buf, tokens: UnsafePointer<Int32>, positions: UnsafePointer<Int32>,
                                  wte: CBuf, wpe: CBuf, embeds: CBuf, N: Int, C: Int) {
    for r in 0..<N {
        let o = out + r * C
        let t = Int(tokens[r])
        let e = t >= 0 ? wte + t * C : embeds + (-t - 1) * C
        let p = wpe + Int(positions[r]) * C
        for i in 0..<C { o[i] = e[i] + p[i] }
    }
}
