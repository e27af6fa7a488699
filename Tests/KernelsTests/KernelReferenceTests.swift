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
            XCTAssertEqual(Double(dot(a, b, n)), dotReference(a, b, n), accuracy: 1e-4, "n=\(n)")
            var y = b, ref = b
            y.withUnsafeMutableBufferPointer { axpy(0.5, a, $0.baseAddress!, n) }
            ref.withUnsafeMutableBufferPointer { axpyReference(0.5, a, $0.baseAddress!, n) }
            for i in 0..<n { XCTAssertEqual(y[i], ref[i], accuracy: 1e-6) }
        }
    }

    func testMatmulForwardMatchesNaive() {
        for BT in [7, 1, 9] { checkMatmul(BT: BT) }  // 1: sgemv; 2...8: the small-batch kernel; 9: sgemm
    }

    func checkMatmul(BT: Int) {
        let (C, OC) = (13, 1030)  // more than one 512-column block
        let x = random(BT * C), w = random(C * OC), b = random(OC)
        var out = [Float](repeating: 0, count: BT * OC), ref = out
        matmulForward(out: &out, inp: x, weight: w, bias: b, BT: BT, C: C, OC: OC)
        matmulForwardReference(out: &ref, inp: x, weight: w, bias: b, BT: BT, C: C, OC: OC)
        for i in ref.indices { XCTAssertEqual(out[i], ref[i], accuracy: 1e-4) }
    }

    /// The backward GEMMs against the plain loops, then the plain loops against finite differences.
    func testMatmulBackwardMatchesItsReference() {
        let (BT, C, OC) = (9, 13, 21)
        let x = random(BT * C), w = random(C * OC), g = random(BT * OC)
        var dx = [Float](repeating: 0, count: BT * C), dw = [Float](repeating: 0.5, count: C * OC), db = [Float](repeating: 0.5, count: OC)
        var rx = dx, rw = dw, rb = db
        matmulBackward(dinp: &dx, dweight: &dw, dbias: &db, dout: g, inp: x, weight: w, BT: BT, C: C, OC: OC)
        matmulBackwardReference(dinp: &rx, dweight: &rw, dbias: &rb, dout: g, inp: x, weight: w, BT: BT, C: C, OC: OC)
        for (a, b) in zip(dx + dw + db, rx + rw + rb) { XCTAssertEqual(a, b, accuracy: 1e-4) }
        var lo = [Float](repeating: 0, count: 3 * OC), lr = lo
        linearForward(out: &lo, inp: Array(x.prefix(3 * C)), weight: Array(w.prefix(OC * C)), bias: Array(g.prefix(OC)), N: 3, C: C, OC: OC)
        linearForwardReference(out: &lr, inp: Array(x.prefix(3 * C)), weight: Array(w.prefix(OC * C)), bias: Array(g.prefix(OC)), N: 3, C: C, OC: OC)
        for (a, b) in zip(lo, lr) { XCTAssertEqual(a, b, accuracy: 1e-4) }
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
        var out = [Float](repeating: 0, count: N * C), mean = [Float](repeating: 0, count: N), rstd = mean, ref = out
        layernormForward(out: &out, mean: &mean, rstd: &rstd, inp: x, weight: w, bias: b, N: N, C: C, eps: 1e-5)
        layernormForwardReference(out: &ref, inp: x, weight: w, bias: b, N: N, C: C, eps: 1e-5)
        for i in ref.indices { XCTAssertEqual(out[i], ref[i], accuracy: 1e-4) }
        for r in 0..<N {
            let m = x[(r * C)..<(r * C + C)].reduce(0.0) { $0 + Double($1) } / Double(C)
            XCTAssertEqual(Double(mean[r]), m, accuracy: 1e-5)
        }
    }

    func testGeluNewMatchesFormulaAndItsDerivative() {
        let n = 1000
        let x = (0..<n).map { Float($0 - n / 2) / 60 }
        var y = [Float](repeating: 0, count: n)
        geluForward(out: &y, inp: x, N: n)
        let ref = geluReference
        for i in 0..<n { XCTAssertEqual(Double(y[i]), ref(Double(x[i])), accuracy: 1e-5) }
        var d = [Float](repeating: 0, count: n)
        geluBackward(dinp: &d, inp: x, dout: [Float](repeating: 1, count: n), N: n)
        for i in 0..<n {
            let v = Double(x[i])
            XCTAssertEqual(Double(d[i]), (ref(v + 1e-4) - ref(v - 1e-4)) / 2e-4, accuracy: 1e-3)
            XCTAssertEqual(Double(d[i]), geluDerivativeReference(v), accuracy: 1e-4)
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
        var ref = out
        attentionForwardReference(out: &ref, q: q, qStride: C, keys: keys, values: values, kvBatchStride: Tk * C, mask: mask, maskStride: Tk,
                                  keyRows: nil, mode: .causal, B: B, T: T, past: past, Tk: Tk, C: C, NH: NH)
        for i in ref.indices { XCTAssertEqual(out[i], ref[i], accuracy: 1e-5) }
        for row in 0..<(B * NH * T) {
            XCTAssertEqual((0..<Tk).reduce(Float(0)) { $0 + att[row * Tk + $1] }, 1, accuracy: 1e-5)
        }
    }

    /// Every mode, with store rows of its own (a training layout: virtual rows first) and a
    /// padding mask, forward and backward against the plain versions.
    func testAttentionModesAndBackwardMatchTheReference() {
        let (B, T, P, C, NH) = (2, 4, 3, 16, 4)
        let Tk = T + P
        let q = random(B * T * 3 * C), keys = random(B * Tk * C), values = random(B * Tk * C), g = random(B * T * C)
        var mask = [UInt8](repeating: 1, count: B * Tk)
        mask[1 * Tk + P + 3] = 0
        let rows: [Int32] = (0..<(B * T)).map { Int32(P + $0 % T) }
        for mode in [AttentionMode.causal, .bidirectional, .cross] {
            var out = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * Tk), ref = out
            attentionForward(out: &out, att: &att, q: q, qStride: 3 * C, keys: keys, values: values, kvBatchStride: Tk * C, mask: mask,
                             maskStride: Tk, keyRows: rows, mode: mode, B: B, T: T, past: 0, Tk: Tk, C: C, NH: NH)
            attentionForwardReference(out: &ref, q: q, qStride: 3 * C, keys: keys, values: values, kvBatchStride: Tk * C, mask: mask,
                                      maskStride: Tk, keyRows: rows, mode: mode, B: B, T: T, past: 0, Tk: Tk, C: C, NH: NH)
            for i in ref.indices { XCTAssertEqual(out[i], ref[i], accuracy: 1e-5, "\(mode) [\(i)]") }
            var dq = [Float](repeating: 0, count: B * T * 3 * C), dk = [Float](repeating: 0, count: B * Tk * C), dv = dk
            var rq = dq, rk = dk, rv = dv, scratch = [Float](repeating: 0, count: B * NH * Tk)
            attentionBackward(dq: &dq, dkeys: &dk, dvalues: &dv, dout: g, scratch: &scratch, q: q, qStride: 3 * C, keys: keys, values: values,
                              att: att, keyRows: rows, mode: mode, B: B, T: T, past: 0, Tk: Tk, C: C, NH: NH)
            attentionBackwardReference(dq: &rq, dkeys: &rk, dvalues: &rv, dout: g, q: q, qStride: 3 * C, keys: keys, values: values, mask: mask,
                                       maskStride: Tk, keyRows: rows, mode: mode, B: B, T: T, past: 0, Tk: Tk, C: C, NH: NH)
            for (a, b) in zip(dq + dk + dv, rq + rk + rv) { XCTAssertEqual(a, b, accuracy: 1e-4, "\(mode) backward") }
        }
        // Bidirectional and cross see the rows after a query's own; causal does not.
        var causal = [Float](repeating: 0, count: B * T * C), full = causal, att = [Float](repeating: 0, count: B * NH * T * Tk)
        attentionForward(out: &causal, att: &att, q: q, qStride: 3 * C, keys: keys, values: values, kvBatchStride: Tk * C, mask: mask,
                         maskStride: Tk, keyRows: rows, mode: .causal, B: B, T: T, past: 0, Tk: Tk, C: C, NH: NH)
        attentionForward(out: &full, att: &att, q: q, qStride: 3 * C, keys: keys, values: values, kvBatchStride: Tk * C, mask: mask,
                         maskStride: Tk, keyRows: rows, mode: .bidirectional, B: B, T: T, past: 0, Tk: Tk, C: C, NH: NH)
        XCTAssertNotEqual(Array(causal.prefix(C)), Array(full.prefix(C)), "the first query sees later rows only bidirectionally")
    }

    /// The fused, chunked head and loss against one row at a time.
    func testCrossEntropyMatchesItsReference() {
        let (R, C, V) = (7, 12, 301)
        let h = random(R * C), wte = random(V * C, scale: 0.5), w = random(R).map { abs($0) }
        let targets: [Int32] = (0..<R).map { Int32($0 * 37 % V) }
        var losses = [Float](repeating: 0, count: R), dh = [Float](repeating: 0, count: R * C), dwte = [Float](repeating: 0, count: V * C)
        var rl = losses, rdh = dh, rdw = dwte, scratch = [Float](repeating: 0, count: 3 * V)
        crossEntropyForwardBackward(losses: &losses, dh: &dh, h: h, wte: wte, dwte: &dwte, targets: targets, weights: w,
                                    R: R, C: C, V: V, scratch: &scratch, chunk: 3)
        crossEntropyReference(losses: &rl, dh: &rdh, h: h, wte: wte, dwte: &rdw, targets: targets, weights: w, R: R, C: C, V: V)
        for (a, b) in zip(losses + dh + dwte, rl + rdh + rdw) { XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b))) }
    }

    func testLogsumexpRows() {
        let (N, V) = (3, 1001)
        let x = random(N * V, scale: 10)
        var lse = [Float](repeating: 0, count: N), ref = lse
        logsumexpRows(lse: &lse, logits: x, N: N, V: V)
        logsumexpRowsReference(lse: &ref, logits: x, N: N, V: V)
        for r in 0..<N { XCTAssertEqual(lse[r], ref[r], accuracy: 1e-4) }
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
