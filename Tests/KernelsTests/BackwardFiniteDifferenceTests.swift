import Foundation
import XCTest
import Kernels

/// Each backward kernel against central finite differences of its forward, at tiny shapes.
/// The loss is Σ g·out for a fixed random g, so d loss / d out = g.
final class BackwardFiniteDifferenceTests: XCTestCase {
    var rng = LCG(seed: 7)
    func random(_ n: Int, _ s: Float = 1) -> [Float] { (0..<n).map { _ in rng.normal() * s } }

    /// Checks analytic gradient `grad` of `loss` with respect to `x` (perturbed through `set`).
    func fdCheck(_ name: String, _ x: inout [Float], _ grad: [Float], h: Float = 1e-2, tol: Double = 3e-3,
                 loss: ([Float]) -> Double) {
        for i in x.indices {
            let keep = x[i]
            x[i] = keep + h; let up = loss(x)
            x[i] = keep - h; let down = loss(x)
            x[i] = keep
            let fd = (up - down) / Double(2 * h)
            XCTAssertEqual(Double(grad[i]), fd, accuracy: tol * max(1, abs(fd)), "\(name)[\(i)]")
        }
    }

    func testLayernormBackward() {
        let (N, C) = (3, 6)
        var x = random(N * C, 2), w = random(C), b = random(C)
        let g = random(N * C)
        func loss(_ x: [Float], _ w: [Float], _ b: [Float]) -> Double {
            var out = [Float](repeating: 0, count: N * C)
            layernormForward(out: &out, mean: nil, rstd: nil, inp: x, weight: w, bias: b, N: N, C: C, eps: 1e-5)
            return zip(out, g).reduce(0) { $0 + Double($1.0 * $1.1) }
        }
        var out = [Float](repeating: 0, count: N * C), mean = [Float](repeating: 0, count: N), rstd = mean
        layernormForward(out: &out, mean: &mean, rstd: &rstd, inp: x, weight: w, bias: b, N: N, C: C, eps: 1e-5)
        var dx = [Float](repeating: 0, count: N * C), dw = [Float](repeating: 0, count: C), db = dw
        layernormBackward(dinp: &dx, dweight: &dw, dbias: &db, dout: g, inp: x, weight: w, mean: mean, rstd: rstd, N: N, C: C)
        let (w0, b0, x0) = (w, b, x)
        fdCheck("dinp", &x, dx, h: 1e-3) { loss($0, w0, b0) }
        fdCheck("dweight", &w, dw) { loss(x0, $0, b0) }
        fdCheck("dbias", &b, db) { loss(x0, w0, $0) }
    }

    /// Attention with a shared virtual row first (a prefix) and one in the middle (an infix).
    func testAttentionBackward() {
        let (B, T, C, NH) = (2, 3, 8, 2)
        let Tk = T + 2
        let keyRows: [Int32] = [1, 2, 4, 1, 3, 4]  // batch 0: rows 0 and 3 virtual; batch 1: 0 and 2
        let mask: [UInt8] = [1, 1, 1, 1, 1, 1, 1, 1, 1, 0]
        var q = random(B * T * C), k = random(B * Tk * C), v = random(B * Tk * C)
        let g = random(B * T * C)
        func loss(_ q: [Float], _ k: [Float], _ v: [Float]) -> Double {
            var out = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * Tk)
            attentionForward(out: &out, att: &att, q: q, qStride: C, keys: k, values: v, kvBatchStride: Tk * C,
                             mask: mask, maskStride: Tk, keyRows: keyRows, B: B, T: T, past: 0, Tk: Tk, C: C, NH: NH)
            return zip(out, g).reduce(0) { $0 + Double($1.0 * $1.1) }
        }
        var out = [Float](repeating: 0, count: B * T * C), att = [Float](repeating: 0, count: B * NH * T * Tk)
        attentionForward(out: &out, att: &att, q: q, qStride: C, keys: k, values: v, kvBatchStride: Tk * C,
                         mask: mask, maskStride: Tk, keyRows: keyRows, B: B, T: T, past: 0, Tk: Tk, C: C, NH: NH)
        var dq = [Float](repeating: 0, count: B * T * C), dk = [Float](repeating: 0, count: B * Tk * C), dv = dk
        var scratch = [Float](repeating: 0, count: B * NH * Tk)
        attentionBackward(dq: &dq, dkeys: &dk, dvalues: &dv, dout: g, scratch: &scratch, q: q, qStride: C, keys: k, values: v,
                          att: att, keyRows: keyRows, B: B, T: T, past: 0, Tk: Tk, C: C, NH: NH)
        let (q0, k0, v0) = (q, k, v)
        fdCheck("dq", &q, dq) { loss($0, k0, v0) }
        fdCheck("dk", &k, dk) { loss(q0, $0, v0) }
        fdCheck("dv", &v, dv) { loss(q0, k0, $0) }
    }

    func testCrossEntropyBackward() {
        let (R, C, V) = (3, 4, 11)
        var h = random(R * C), wte = random(V * C)
        let targets: [Int32] = [3, 0, 10], weights: [Float] = [0.5, 0.25, 0.25]
        var scratch = [Float](repeating: 0, count: 2 * V), losses = [Float](repeating: 0, count: R)
        func loss(_ h: [Float], _ wte: [Float]) -> Double {
            var l = [Float](repeating: 0, count: R), s = [Float](repeating: 0, count: 2 * V)
            crossEntropyForwardBackward(losses: &l, dh: nil, h: h, wte: wte, dwte: nil, targets: targets, weights: weights,
                                        R: R, C: C, V: V, scratch: &s, chunk: 2)
            return zip(l, weights).reduce(0) { $0 + Double($1.0 * $1.1) }
        }
        var dh = [Float](repeating: 0, count: R * C), dwte = [Float](repeating: 0, count: V * C)
        crossEntropyForwardBackward(losses: &losses, dh: &dh, h: h, wte: wte, dwte: &dwte, targets: targets, weights: weights,
                                    R: R, C: C, V: V, scratch: &scratch, chunk: 2)
        // The loss itself: -log softmax at the target, in doubles.
        for r in 0..<R {
            let logits = (0..<V).map { j in (0..<C).reduce(0.0) { $0 + Double(h[r * C + $1] * wte[j * C + $1]) } }
            let m = logits.max()!
            let lse = m + Foundation.log(logits.reduce(0) { $0 + Foundation.exp($1 - m) })
            XCTAssertEqual(Double(losses[r]), lse - logits[Int(targets[r])], accuracy: 1e-5)
        }
        let (h0, w0) = (h, wte)
        fdCheck("dh", &h, dh) { loss($0, w0) }
        fdCheck("dwte", &wte, dwte) { loss(h0, $0) }
    }

    func testLinearAndTanhBackward() {
        let (N, C, OC) = (2, 3, 4)
        var x = random(N * C), w = random(OC * C), b = random(OC)
        let g = random(N * OC)
        func loss(_ x: [Float], _ w: [Float], _ b: [Float]) -> Double {
            var y = [Float](repeating: 0, count: N * OC)
            linearForward(out: &y, inp: x, weight: w, bias: b, N: N, C: C, OC: OC)
            tanhForward(out: &y, inp: y, N: N * OC)
            return zip(y, g).reduce(0) { $0 + Double($1.0 * $1.1) }
        }
        var y = [Float](repeating: 0, count: N * OC)
        linearForward(out: &y, inp: x, weight: w, bias: b, N: N, C: C, OC: OC)
        tanhForward(out: &y, inp: y, N: N * OC)
        var dpre = [Float](repeating: 0, count: N * OC)
        tanhBackward(dinp: &dpre, out: y, dout: g, N: N * OC)
        var dx = [Float](repeating: 0, count: N * C), dw = [Float](repeating: 0, count: OC * C), db = [Float](repeating: 0, count: OC)
        linearBackward(dinp: &dx, dweight: &dw, dbias: &db, dout: dpre, inp: x, weight: w, N: N, C: C, OC: OC)
        let (x0, w0, b0) = (x, w, b)
        fdCheck("dinp", &x, dx) { loss($0, w0, b0) }
        fdCheck("dweight", &w, dw) { loss(x0, $0, b0) }
        fdCheck("dbias", &b, db) { loss(x0, w0, $0) }
    }
}
