/// out = a + b, elementwise over N values. out may alias a or b.
public func residualForward(out: Buf, a: CBuf, b: CBuf, N: Int) {
    for i in 0..<N { out[i] = a[i] + b[i] }
}
