import Foundation
import JSON
import Kernels
import Models
import Support

public struct SgemmBench {
    public init() {}
    public var json = false

    public func run(_ out: (String) -> Void) throws {
        var results: [(String, Double)] = []
        // The shapes of a GPT-2 small step at batch 5 × 64 (M = 320 rows): forward (NN), the
        // input gradients (NT: dout · Wᵀ), weight gradients (TN: inpᵀ · dout), and the head.
        let shapes: [(String, Int, Int, Int, Bool, Bool)] = [
            ("qkv fwd", 320, 768, 2304, false, false), ("attproj fwd", 320, 768, 768, false, false),
            ("fc fwd", 320, 768, 3072, false, false), ("fcproj fwd", 320, 3072, 768, false, false),
            ("head fwd", 64, 768, 50257, false, true), ("head fwd", 160, 768, 50257, false, true), ("head fwd", 320, 768, 50257, false, true),
            ("head dh", 160, 50257, 768, false, false), ("head dh", 320, 50257, 768, false, false),
            ("qkv dinp", 320, 2304, 768, false, true), ("attproj dinp", 320, 768, 768, false, true),
            ("fc dinp", 320, 3072, 768, false, true), ("fcproj dinp", 320, 768, 3072, false, true),
            ("head dh", 64, 50257, 768, false, false),
            ("fc dweight", 768, 320, 3072, true, false), ("head dwte", 50257, 64, 768, true, false),
        ]
        for (name, m, k, n, ta, tb) in shapes {
            let g = measureSgemm(M: m, N: n, K: k, transA: ta, transB: tb)
            let label = "\(name) \(m)x\(k)x\(n)\(ta ? " Aᵀ" : "")\(tb ? " Bᵀ" : "")"
            results.append((label, g))
            if !json { out(String(format: "sgemm %@ %6.1f GFLOP/s", label.padding(toLength: 34, withPad: " ", startingAt: 0), g)) }
        }
        if json { out(JSONValue.object(results.map { ($0.0, .number(($0.1 * 10).rounded() / 10)) }).serialized) }
    }
}
