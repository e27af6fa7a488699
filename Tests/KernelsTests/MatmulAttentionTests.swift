import Foundation
import XCTest
import Kernels
import TestSupport

/// The kernels BART's training pass runs on: attention by matrix products against the
/// row-by-row `attentionForward`/`attentionBackward` (every mode, masks, prefix rows before a
/// causal query), and the 8-lane erf and exact GELU against libm.
final class MatmulAttentionTests: XCTestCase {
    func testMatmulAttentionEqualsTheRowByRowKernel() {
        var rng = LCG(seed: 5)
        let B = 2, NH = 3, hs = 4, C = NH * hs
        for (mode, T, Tk, past, masked) in [(AttentionMode.bidirectional, 7, 9, 0, true), (.causal, 6, 8, 2, false), (.cross, 5, 11, 0, true)] {
            func buf(_ n: Int) -> [Float] { (0..<n).map { _ in rng.normal() } }
            let q = buf(B * T * C), k = buf(B * Tk * C), v = buf(B * Tk * C), dout = buf(B * T * C)
            // Padding at the end of the second sequence (and one in the middle of the first).
            var mask = [UInt8](repeating: 1, count: B * Tk)
            if masked { mask[Tk + Tk - 1] = 0; mask[Tk + Tk - 2] = 0; mask[3] = 0 }
            var out1 = [Float](repeating: 0, count: B * T * C), out2 = out1
            var att1 = [Float](repeating: 0, count: B * NH * T * Tk), att2 = att1
            var dq1 = [Float](repeating: 0, count: B * T * C), dq2 = dq1, dk1 = [Float](repeating: 0, count: B * Tk * C), dk2 = dk1, dv1 = dk1, dv2 = dk1
            var scratch = [Float](repeating: 0, count: B * NH * T * Tk)
            mask.withUnsafeBufferPointer { m in
                let mp = masked ? m.baseAddress : nil
                attentionForward(out: &out1, att: &att1, q: q, qStride: C, keys: k, values: v, kvBatchStride: Tk * C, mask: mp, maskStride: Tk,
                                 mode: mode, B: B, T: T, past: past, Tk: Tk, C: C, NH: NH)
                attentionForwardMatmul(out: &out2, att: &att2, q: q, qStride: C, keys: k, values: v, kvBatchStride: Tk * C, mask: mp, maskStride: Tk,
                                       mode: mode, B: B, T: T, past: past, Tk: Tk, C: C, NH: NH)
            }
            attentionBackward(dq: &dq1, dkeys: &dk1, dvalues: &dv1, dout: dout, scratch: &scratch, q: q, qStride: C, keys: k, values: v, att: att1,
                              keyRows: nil, mode: mode, B: B, T: T, past: past, Tk: Tk, C: C, NH: NH)
            attentionBackwardMatmul(dq: &dq2, dkeys: &dk2, dvalues: &dv2, dout: dout, scratch: &scratch, q: q, qStride: C, keys: k, values: v, att: att2,
                                    B: B, T: T, Tk: Tk, C: C, NH: NH)
            for (name, a, b) in [("out", out1, out2), ("att", att1, att2), ("dq", dq1, dq2), ("dk", dk1, dk2), ("dv", dv1, dv2)] {
                XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max()!, 1e-5, "\(mode) \(name)")
            }
        }
    }

    func testErfAndExactGELUMatchLibm() {
        let xs = stride(from: Float(-8), to: 8, by: 1e-3).map { $0 }
        var worst = 0.0
        for i in stride(from: 0, to: xs.count - 8, by: 8) {
            let e = erf8(SIMD8<Float>(xs[i..<(i + 8)]))
            for j in 0..<8 { worst = max(worst, abs(Double(e[j]) - erf(Double(xs[i + j])))) }
        }
        XCTAssertLessThan(worst, 1e-7)
        let n = 1003  // not a multiple of 8: the scalar tail too
        let x = (0..<n).map { Float($0 - 500) / 80 }, d = (0..<n).map { Float(($0 % 7) - 3) }
        var y = [Float](repeating: 0, count: n), g = y
        geluExactForward(out: &y, inp: x, N: n)
        geluExactBackward(dinp: &g, inp: x, dout: d, N: n)
        for i in 0..<n {
            let xd = Double(x[i]), phi = 0.5 * (1 + erf(xd / 2.squareRoot()))
            XCTAssertEqual(Double(y[i]), xd * phi, accuracy: 1e-6 * max(1, abs(xd)))
            XCTAssertEqual(Double(g[i]), Double(d[i]) * (phi + xd * exp(-xd * xd / 2) / (2 * Double.pi).squareRoot()), accuracy: 1e-6 * max(1, abs(Double(d[i]))))
        }
    }
}
