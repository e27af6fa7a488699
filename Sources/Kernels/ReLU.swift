/// out = max(x, 0), elementwise over N values; out may alias inp.
public func reluForward(out: Buf, inp: CBuf, N: Int) {
    for i in 0..<N { out[i] = inp[i] > 0 ? inp[i] : 0 }
}

/// dinp = dout where the ReLU's output is positive, else 0 (out is what `reluForward` wrote);
/// dinp may alias dout.
public func reluBackward(dinp: Buf, out: CBuf, dout: CBuf, N: Int) {
    for i in 0..<N { dinp[i] = out[i] > 0 ? dout[i] : 0 }
}

/// y += x · s elementwise (a gradient through a dropout mask, accumulated).
public func addScaled(_ x: CBuf, by s: CBuf, into y: Buf, _ n: Int) {
    for i in 0..<n { y[i] += x[i] * s[i] }
}
