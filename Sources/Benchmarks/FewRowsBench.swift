import Foundation
import JSON
import Kernels
import Models
import Support

public struct FewRowsBench {
    public init() {}
    public var rows : [Int] = [1, 2, 5, 8]
    public var calls = 50

    public func run(_ out: (String) -> Void) throws {
        // All four matrices of one layer, 12 times over (one step's worth, so they stream from memory).
        let shapes = [(768, 2304), (768, 768), (768, 3072), (3072, 768)]
        let layers = 12
        let perLayer = shapes.reduce(0) { $0 + $1.0 * $1.1 }
        let count = layers * perLayer
        let w = UnsafeMutablePointer<Float>.allocate(capacity: count), h = UnsafeMutablePointer<UInt16>.allocate(capacity: count)
        defer { w.deallocate(); h.deallocate() }
        var rng = UInt64(1)
        for i in 0..<count { rng = rng &* 6364136223846793005 &+ 1442695040888963407; w[i] = Float(Int(rng >> 40) - (1 << 23)) / Float(1 << 28) }
        // The same matrices in both panel layouts, each at the same offsets as the float32 original.
        let pf = UnsafeMutablePointer<Float>.allocate(capacity: count)
        defer { pf.deallocate() }
        do {
            var off = 0
            for _ in 0..<layers { for (C, OC) in shapes {
                packPanels(OC: OC, C: C, srcRowStride: 1, srcColStride: OC, src: w + off, into: pf + off)
                packPanels(OC: OC, C: C, srcRowStride: 1, srcColStride: OC, src: w + off, into: h + off)
                off += C * OC
            } }
        }
        let maxRows = rows.max() ?? 1
        let x = UnsafeMutablePointer<Float>.allocate(capacity: maxRows * 3072), y = UnsafeMutablePointer<Float>.allocate(capacity: maxRows * 3072)
        defer { x.deallocate(); y.deallocate() }
        for i in 0..<(maxRows * 3072) { x[i] = Float(i % 7) * 0.1 }
        out("one step's matrices of GPT-2 small (12 layers, \(count * 4 / 1_000_000) MB as float32), \(EngineThreads.count) threads")
        for M in rows {
            func time(_ body: () -> Void) -> Double {
                body()
                var ts: [Double] = []
                for _ in 0..<3 { let t0 = now(); for _ in 0..<max(1, calls / 10) { body() }; ts.append((now() - t0) / Double(max(1, calls / 10))) }
                return median(ts)
            }
            func pass(_ f: (UnsafePointer<Float>, Int, Int, Int) -> Void) {
                var off = 0
                for _ in 0..<layers { for (C, OC) in shapes { f(UnsafePointer(w + off), off, C, OC); off += C * OC } }
            }
            let tF32 = time { pass { _, off, C, OC in fewRowsMatmul(out: y, inp: x, panels: UnsafePointer(pf + off), bias: nil, M: M, C: C, OC: OC) } }
            let tF16 = time { pass { _, off, C, OC in fewRowsMatmul(out: y, inp: x, panels: UnsafePointer(h + off), bias: nil, M: M, C: C, OC: OC) } }
            // BLAS on the weights as the model stores them, (C, OC).
            let tBLAS = time { pass { wp, _, C, OC in
                if M == 1 { BLAS.sgemv(trans: true, M: C, N: OC, A: wp, lda: OC, x: x, y: y) }
                else { BLAS.sgemm(transA: false, transB: false, M: M, N: OC, K: C, A: x, lda: C, B: wp, ldb: OC, beta: 0, C: y, ldc: OC) }
            } }
            let flops = Double(2 * M * count)
            func line(_ name: String, _ t: Double, _ bytes: Int) -> String {
                String(format: "%-22@ %7.2f ms  %6.1f GB/s  %6.1f GFLOP/s", name, t * 1e3, Double(bytes) / t / 1e9, flops / t / 1e9)
            }
            out("rows \(M):")
            out("  " + line("few-rows float32", tF32, count * 4))
            out("  " + line("few-rows float16", tF16, count * 2))
            out("  " + line(M == 1 ? "BLAS sgemv" : "BLAS sgemm", tBLAS, count * 4))
        }
    }
}
