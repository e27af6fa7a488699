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

/// Gradients of `encoderForwardVirtual` (and `encoderForward`): accumulated into dwte and
/// dwpe (nil when frozen) and, for virtual rows, into dembeds (P, C).
public func encoderBackward(dwte: Buf?, dwpe: Buf?, dembeds: Buf?, dout: CBuf,
                            tokens: UnsafePointer<Int32>, positions: UnsafePointer<Int32>, N: Int, C: Int) {
    for r in 0..<N {
        let g = dout + r * C
        let t = Int(tokens[r])
        if t >= 0 { if let dwte { axpy(1, g, dwte + t * C, C) } } else if let dembeds { axpy(1, g, dembeds + (-t - 1) * C, C) }
        if let dwpe { axpy(1, g, dwpe + Int(positions[r]) * C, C) }
    }
}
