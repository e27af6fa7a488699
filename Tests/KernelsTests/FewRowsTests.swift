import Foundation
import XCTest
import Kernels

/// The few-row decoding kernel against a double-precision product, for every row count it
/// specialises (1–8), widths that are not multiples of the panel's 8 columns or 4 outputs,
/// both weight layouts it is packed from, and float16 panels against the rounded weights.
final class FewRowsTests: XCTestCase {
    var rng = LCG(seed: 9)
    func random(_ n: Int) -> [Float] { (0..<n).map { _ in rng.normal() } }

    func reference(_ x: [Float], _ w: (Int, Int) -> Float, _ b: [Float]?, M: Int, C: Int, OC: Int) -> [Double] {
        var out = [Double](repeating: 0, count: M * OC)
        for m in 0..<M {
            for j in 0..<OC {
                var s = Double(b?[j] ?? 0)
                for k in 0..<C { s += Double(x[m * C + k]) * Double(w(j, k)) }
                out[m * OC + j] = s
            }
        }
        return out
    }

    func testFloat32PanelsFromConv1DLayoutMatchTheProduct() {
        for (C, OC) in [(16, 8), (13, 10), (40, 37), (264, 70)] {
            for M in 1...8 {
                let x = random(M * C), w = random(C * OC), b = random(OC)  // w: (C, OC), Hugging Face's Conv1D
                var panels = [Float](repeating: .nan, count: panelCount(OC: OC, C: C))
                packPanels(OC: OC, C: C, srcRowStride: 1, srcColStride: OC, src: w, into: &panels)
                var out = [Float](repeating: .nan, count: M * OC)
                fewRowsMatmul(out: &out, inp: x, panels: panels, bias: b, M: M, C: C, OC: OC)
                var ref = [Float](repeating: 0, count: M * OC)
                matmulForwardReference(out: &ref, inp: x, weight: w, bias: b, BT: M, C: C, OC: OC)
                for i in ref.indices { XCTAssertEqual(out[i], ref[i], accuracy: 1e-4 * max(1, abs(ref[i])), "C=\(C) OC=\(OC) M=\(M) [\(i)]") }
            }
        }
    }

    func testFloat16PanelsFromRowLayoutMatchTheRoundedProduct() {
        for (C, OC) in [(24, 9), (72, 50)] {
            for M in [1, 2, 5, 8] {
                let x = random(M * C), w = random(OC * C)  // w: (OC, C), the tied head's layout; no bias
                var panels = [UInt16](repeating: 0xFFFF, count: panelCount(OC: OC, C: C))
                packPanels(OC: OC, C: C, srcRowStride: C, srcColStride: 1, src: w, into: &panels)
                var out = [Float](repeating: .nan, count: M * OC)
                fewRowsMatmul(out: &out, inp: x, panels: panels, bias: nil, M: M, C: C, OC: OC)
                let ref = reference(x, { halfToFloat(floatToHalf(w[$0 * C + $1])) }, nil, M: M, C: C, OC: OC)
                for i in ref.indices { XCTAssertEqual(Double(out[i]), ref[i], accuracy: 1e-4 * max(1, abs(ref[i])), "C=\(C) OC=\(OC) M=\(M) [\(i)]") }
            }
        }
    }

    /// Nested parallel loops and loops started from two threads at once all complete, each
    /// index exactly once: the worker pool is taken by one caller, the others run inline.
    func testParallelForNestedAndFromTwoThreads() {
        let n = 257
        let hits = UnsafeMutablePointer<Int>.allocate(capacity: 2 * n * n)
        hits.initialize(repeating: 0, count: 2 * n * n)
        defer { hits.deallocate() }
        let shared = UncheckedSendable(hits)
        DispatchQueue.concurrentPerform(iterations: 2) { t in
            for _ in 0..<20 {
                parallelFor(n) { i in parallelFor(n) { j in shared.value[t * n * n + i * n + j] += 1 } }
            }
        }
        for i in 0..<(2 * n * n) where hits[i] != 20 { XCTFail("cell \(i) ran \(hits[i]) times"); break }
    }
}
