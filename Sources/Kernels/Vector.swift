/// Small vector helpers shared by the kernels. Explicit SIMD8 with four accumulators:
/// Swift does not reassociate float sums, so a plain loop would not vectorise.

public typealias Buf = UnsafeMutablePointer<Float>
public typealias CBuf = UnsafePointer<Float>

@inline(__always)
func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
}

@inline(__always)
func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
}

/// Σ a[i]·b[i] for i in 0..<n.
@inline(__always)
public func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
    var s0 = SIMD8<Float>(), s1 = SIMD8<Float>(), s2 = SIMD8<Float>(), s3 = SIMD8<Float>()
    var i = 0
    while i + 32 <= n {
        s0 += load8(a + i) * load8(b + i)
        s1 += load8(a + i + 8) * load8(b + i + 8)
        s2 += load8(a + i + 16) * load8(b + i + 16)
        s3 += load8(a + i + 24) * load8(b + i + 24)
        i += 32
    }
    while i + 8 <= n {
        s0 += load8(a + i) * load8(b + i)
        i += 8
    }
    var s = ((s0 + s1) + (s2 + s3)).sum()
    while i < n { s += a[i] * b[i]; i += 1 }
    return s
}

/// y[i] += alpha · x[i] for i in 0..<n.
@inline(__always)
public func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int) {
    let a = SIMD8<Float>(repeating: alpha)
    var i = 0
    while i + 8 <= n {
        store8(load8(UnsafePointer(y + i)) + a * load8(x + i), y + i)
        i += 8
    }
    while i < n { y[i] += alpha * x[i]; i += 1 }
}

/// max(x[0..<n]), eight lanes at a time; −∞ for n = 0.
@inline(__always)
public func rowMax(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    var mv = SIMD8<Float>(repeating: -.infinity)
    var i = 0
    while i + 8 <= n {
        let v = load8(x + i)
        mv = mv.replacing(with: v, where: v .> mv)
        i += 8
    }
    var m = mv.max()
    while i < n { m = max(m, x[i]); i += 1 }
    return m
}
