/// out = tanh(inp), elementwise over N values (the prefix MLP's nonlinearity).
public func tanhForward(out: Buf, inp: CBuf, N: Int) {
    var i = 0
    while i + 8 <= N { store8(tanh8(load8(inp + i)), out + i); i += 8 }
    while i < N { out[i] = tanh8(SIMD8(repeating: inp[i]))[0]; i += 1 }
}

/// dinp = dout · (1 − out²), from the forward's output.
public func tanhBackward(dinp: Buf, out: CBuf, dout: CBuf, N: Int) {
    for i in 0..<N { dinp[i] = dout[i] * (1 - out[i] * out[i]) }
}
