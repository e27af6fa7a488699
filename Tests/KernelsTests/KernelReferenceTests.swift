import Foundation
import XCTest
import Kernels
import TestSupport

/// Each optimised kernel against a plain double-precision version written out here.
final class KernelReferenceTests: XCTestCase {
    var rng = LCG(seed: 42)

    func random(_ n: Int, scale: Float = 1) -> [Float] { (0..<n).map { _ in rng.normal() * scale } }

    func testDotAndAxpyAtOddLengths() {
        for n in [0, 1, 7, 8, 9, 31, 32, 33, 64, 100] {
            let a = random(n), b = random(n)
            let ref = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            XCTAssertEqual(Double(dot(a, b, n)), ref, accuracy: 1e-4, "n=\(n)")
            var y = b
            y.withUnsafeMutableBufferPointer { axpy(0.5, a, $0.baseAddress!, n) }
            for i in 0..<n { XCTAssertEqual(y[i], b[i] + 0.5 * a[i], accuracy: 1e-6) }
        }
    }

    func testMatmulForwardMatchesNaive() {
        for BT in [7, 1, 9] { checkMatmul(BT: BT) }  // 1: sgemv; 2...8: the small-batch kernel; 9: sgemm
    }

    func checkMatmul(BT: Int) {
        let (C, OC) = (13, 1030)  // more than one 512-column block
        let x = random(BT * C), w = random(C * OC), b = random(OC)
        var out = [Float](repeating: 0, count: BT * OC)
        matmulForward(out: &out, inp: x, weight: w, bias: b, BT: BT, C: C, OC: OC)
        for r in 0..<BT {
            for o in 0..<OC {
                var s = Double(b[o])
                for i in 0..<C { s += Double(x[r * C + i]) * Double(w[i * OC + o]) }
                XCTAssertEqual(Double(out[r * OC + o]), s, accuracy: 1e-4)
            }
        }
    }

    func testMatmulBackwardMatchesFiniteDifferences() {
        let (BT, C, OC) = (3, 4, 5)
        var x = random(BT * C), w = random(C * OC), b = random(OC)
        let g = random(BT * OC)  // loss = Σ g · out
        func loss() -> Double {
            var out = [Float](repeating: 0, count: BT * OC)
            matmulForward(out: &out, inp: x, weight: w, bias: b, BT: BT, C: C, OC: OC)
            return zip(out, g).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        }
        var dx = [Float](repeating: 0, count: BT * C), dw = [Float](repeating: 0, count: C * OC), db = [Float](repeating: 0, count: OC)
        matmulBackward(dinp: &dx, dweight: &dw, dbias: &db, dout: g, inp: x, weight: w, BT: BT, C: C, OC: OC)
        let h: Float = 1e-2
        // which: 0 input, 1 weight, 2 bias
        func nudge(_ which: Int, _ i: Int, _ delta: Float) {
            switch which { case 0: x[i] += delta; case 1: w[i] += delta; default: b[i] += delta }
        }
        for (which, grad, name) in [(0, dx, "dinp"), (1, dw, "dweight"), (2, db, "dbias")] {
            for i in grad.indices {
                nudge(which, i, h); let up = loss()
                nudge(which, i, -2 * h); let down = loss()
                nudge(which, i, h)
                XCTAssertEqual(Double(grad[i]), (up - down) / Double(2 * h), accuracy: 2e-3, "\(name)[\(i)]")
            }
        }
    }

    func testLayernormMatchesNaive() {
        let (N, C) = (5, 37)
        let x = random(N * C, scale: 3), w = random(C), b = random(C)
        var out = [Float](repeating: 0, count: N * C), mean = [Float](repeating: 0, count: N), rstd = mean
        layernormForward(out: &out, mean: &mean, rstd: &rstd, inp: x, weight: w, bias: b, N: N, C: C, eps: 1e-5)
        for r in 0..<N {
            let row = x[(r * C)..<(r * C + C)].map(Double.init)
            let m = row.reduce(0, +) / Double(C)
            let v = row.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(C)
            for i in 0..<C {
                let ref = (row[i] - m) / (v + 1e-5).squareRoot() * Double(w[i]) + Double(b[i])
                XCTAssertEqual(Double(out[r * C + i]), ref, accuracy: 1e-4)
            }
            XCTAssertEqual(Double(mean[r]), m, accuracy: 1e-5)
        }
    }

    func testGeluNewMatchesFormulaAndItsDerivative() {
        let n = 1000
        let x = (0..<n).map { Float($0 - n / 2) / 60 }
        var y = [Float](repeating: 0, count: n)
        geluForward(out: &y, inp: x, N: n)
        func ref(_ v: Double) -> Double { 0.5 * v * (1 + tanh((2 / Double.pi).squareRoot() * (v + 0.044715 * v * v * v))) }
        for i in 0..<n { XCTAssertEqual(Double(y[i]), ref(Double(x[i])), accuracy: 1e-5) }
        var d = [Float](repeating: 0, count: n)
        geluBackward(dinp: &d, inp: x, dout: [Float](repeating: 1, count: n), N: n)
        for i in 0..<n {
            let v = Double(x[i])
            XCTAssertEqual(Double(d[i]), (ref(v + 1e-4) - ref(v - 1e-4)) / 2e-4, accuracy: 1e-3)
        }
    }

    /// Attention with a past of cached keys, a padding mask and several heads, against a
    /// straightforward softmax(QKᵀ/√hs)·V in doubles.
    func testAttentionWithPastAndMaskMatchesNaive() {
        let (B, T, past, C, NH) = (2, 5, 3, 16, 4)
        let hs = C / NH, Tk = past + T
        let q = random(B * T * C)
        let keys = random(B * Tk * C), values = random(B * Tk * C)
        var mask = [UInt8](repeating: 1, count: B * Tk)
        mask[1 * Tk + 4] = 0  // batch 1: one padded key among the current positions
        mask[0 * Tk + 1] = 0  // batch 0: one masked cached key
        var out = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * Tk)
        attentionForward(out: &out, att: &att, q: q, qStride: C, keys: keys, values: values, kvBatchStride: Tk * C,
                         mask: mask, maskStride: Tk, B: B, T: T, past: past, C: C, NH: NH)
        for b in 0..<B {
            for h in 0..<NH {
                for t in 0..<T {
                    var scores: [Double] = []
                    var allowed: [Int] = []
                    for r in 0...(past + t) where mask[b * Tk + r] != 0 {
                        var s = 0.0
                        for i in 0..<hs { s += Double(q[(b * T + t) * C + h * hs + i]) * Double(keys[(b * Tk + r) * C + h * hs + i]) }
                        scores.append(s / Double(hs).squareRoot())
                        allowed.append(r)
                    }
                    let m = scores.max()!
                    let e = scores.map { Foundation.exp($0 - m) }
                    let z = e.reduce(0, +)
                    for i in 0..<hs {
                        var o = 0.0
                        for (k, r) in allowed.enumerated() { o += e[k] / z * Double(values[(b * Tk + r) * C + h * hs + i]) }
                        XCTAssertEqual(Double(out[(b * T + t) * C + h * hs + i]), o, accuracy: 1e-5)
                    }
                    let rowSum = (0..<Tk).reduce(Float(0)) { $0 + att[((b * NH + h) * T + t) * Tk + $1] }
                    XCTAssertEqual(rowSum, 1, accuracy: 1e-5)
                }
            }
        }
    }

    func testLogsumexpRows() {
        let (N, V) = (3, 1001)
        let x = random(N * V, scale: 10)
        var lse = [Float](repeating: 0, count: N)
        logsumexpRows(lse: &lse, logits: x, N: N, V: V)
        for r in 0..<N {
            let row = x[(r * V)..<(r * V + V)].map(Double.init)
            let m = row.max()!
            XCTAssertEqual(Double(lse[r]), m + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - m) }), accuracy: 1e-4)
        }
    }

    func testParallelForCoversEveryIndexOnce() {
        EngineThreads.count = 2
        var hits = [Int](repeating: 0, count: 1003)
        hits.withUnsafeMutableBufferPointer { h in
            let p = h.baseAddress!
            parallelFor(1003) { p[$0] += 1 }
        }
        XCTAssertEqual(hits, [Int](repeating: 1, count: 1003))
    }
}

/// A tiny deterministic generator for test data.
struct LCG {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state
    }
    mutating func uniform() -> Float { Float(next() >> 40) / Float(1 << 24) }
    mutating func normal() -> Float {
        let u1 = max(uniform(), 1e-7), u2 = uniform()
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * .pi * u2)
    }
}

final class FastMathTests: XCTestCase {
    func testExp8IsWithinTwoUlpOfLibm() {
        var x: Float = -87
        while x < 88 {
            let v = SIMD8<Float>((0..<8).map { x + Float($0) * 0.0137 })
            let e = exp8(v)
            for k in 0..<8 {
                let ref = Foundation.exp(Double(v[k]))
                XCTAssertEqual(Double(e[k]), ref, accuracy: 3e-7 * ref, "exp(\(v[k]))")
            }
            x += 0.173
        }
        XCTAssertEqual(exp8(SIMD8(repeating: -200))[0], 0)
        XCTAssertEqual(exp8(SIMD8(repeating: -.infinity))[0], 0)
        XCTAssertEqual(exp8(SIMD8(repeating: 0))[0], 1)
    }

    func testTanh8() {
        for i in -2000...2000 {
            let u = Float(i) / 100
            XCTAssertEqual(tanh8(SIMD8(repeating: u))[0], Foundation.tanh(u), accuracy: 2e-7)
        }
    }
}
