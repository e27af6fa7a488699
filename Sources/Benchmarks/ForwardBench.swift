import Foundation
import JSON
import Kernels
import Models
import Support

public struct ForwardBench {
    public init() {}
    public var config = "gpt2"
    public var batch = 5
    public var seq = 64
    public var repeats = 10
    public var json = false

    public func run(_ out: (String) -> Void) throws {
        let cfg = try benchConfig(config)
        guard batch >= 1, seq >= 1, seq <= cfg.nPositions, repeats >= 1 else {
            throw BenchError("--batch, --seq and --repeats must be positive and --seq at most \(cfg.nPositions)")
        }
        let model = GPT2Model(config: cfg)
        model.randomize(seed: 1)
        var rng = SplitMix64(seed: 2)
        let N = batch * seq
        let tokens = (0..<N).map { _ in Int32(rng.next() % UInt64(cfg.vocabSize)) }
        let positions = (0..<N).map { Int32($0 % seq) }
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: N * cfg.vocabSize)
        defer { logits.deallocate() }
        let cache = KVCache(config: cfg, batch: batch, capacity: seq)
        func step() {
            cache.reset()
            let h = model.forward(tokens: tokens, positions: positions, B: batch, T: seq, cache: cache)
            model.logits(hidden: h, N: N, into: logits)
        }
        step()
        var times: [Double] = []
        for _ in 0..<repeats {
            let t0 = now()
            step()
            times.append(now() - t0)
        }
        let t = median(times)
        let C = Double(cfg.nEmbd), L = Double(cfg.nLayer), V = Double(cfg.vocabSize), T = Double(seq)
        let flopsPerToken = L * (2 * C * (3 * C + C) + 2 * 2 * C * Double(cfg.innerDim) + 2 * 2 * C * (T + 1) / 2) + 2 * C * V
        let gflops = flopsPerToken * Double(N) / t / 1e9
        let sgemm = measureSgemm(M: N, N: cfg.innerDim, K: cfg.nEmbd)
        let tps = Double(N) / t
        out(String(format: "forward %@ batch %d × seq %d, %d threads: %.1f ms/forward, %.0f tokens/s, %.1f GFLOP/s (sgemm %.1f GFLOP/s in this run: %.0f%%)",
                     config, batch, seq, EngineThreads.count, t * 1000, tps, gflops, sgemm, 100 * gflops / sgemm))
        if json {
            out(JSONValue.object([
                ("tokens_per_s", .number((tps * 10).rounded() / 10)),
                ("gflops", .number((gflops * 100).rounded() / 100)),
                ("ms_per_forward", .number((t * 1e5).rounded() / 100)),
                ("sgemm_gflops", .number((sgemm * 100).rounded() / 100)),
                ("threads", .number(Double(EngineThreads.count))),
            ]).serialized)
        }
    }
}
