import ArgumentParser
import Foundation
import JSON
import Kernels
import Models
import Support

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the engine's speed (random weights; nothing is read or written).",
        subcommands: [BenchForward.self, BenchTrain.self, BenchGenerate.self, BenchBus.self, BenchSgemm.self, BenchFewRows.self, BenchTokenize.self]
    )
}

/// Model shapes for benchmarks: an official name (gpt2, gpt2-medium, ...) or L:C:H.
func benchConfig(_ name: String) throws -> GPT2Config {
    if let c = GPT2Config.official[name] { return c }
    let parts = name.split(separator: ":").compactMap { Int($0) }
    guard parts.count == 3, parts.allSatisfy({ $0 > 0 }), parts[1] % parts[2] == 0 else {
        throw CLIError("--config \(name): expected one of \(GPT2Config.official.keys.sorted().joined(separator: ", ")) or LAYERS:WIDTH:HEADS")
    }
    return GPT2Config(nLayer: parts[0], nHead: parts[2], nEmbd: parts[1])
}

/// Monotonic seconds.
func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// sgemm GFLOP/s at a GPT-2 MLP shape (M×K·K×N), the machine's practical ceiling.
func measureSgemm(M: Int, N: Int, K: Int, transA: Bool = false, transB: Bool = false, repeats: Int = 7) -> Double {
    let a = UnsafeMutablePointer<Float>.allocate(capacity: M * K); a.initialize(repeating: 0.01, count: M * K)
    let b = UnsafeMutablePointer<Float>.allocate(capacity: K * N); b.initialize(repeating: 0.02, count: K * N)
    let c = UnsafeMutablePointer<Float>.allocate(capacity: M * N); c.initialize(repeating: 0, count: M * N)
    defer { a.deallocate(); b.deallocate(); c.deallocate() }
    let lda = transA ? M : K, ldb = transB ? K : N
    BLAS.sgemm(transA: transA, transB: transB, M: M, N: N, K: K, A: a, lda: lda, B: b, ldb: ldb, C: c, ldc: N)
    var times: [Double] = []
    for _ in 0..<repeats {
        let t0 = now()
        BLAS.sgemm(transA: transA, transB: transB, M: M, N: N, K: K, A: a, lda: lda, B: b, ldb: ldb, C: c, ldc: N)
        times.append(now() - t0)
    }
    return 2 * Double(M) * Double(N) * Double(K) / median(times) / 1e9
}

struct BenchSgemm: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sgemm", abstract: "BLAS sgemm GFLOP/s at GPT-2 shapes.")
    @Flag var json = false
    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
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
            if !json { print(String(format: "sgemm %@ %6.1f GFLOP/s", label.padding(toLength: 34, withPad: " ", startingAt: 0), g)) }
        }
        if json { print(JSONValue.object(results.map { ($0.0, .number(($0.1 * 10).rounded() / 10)) }).serialized) }
    }
}

struct BenchForward: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forward",
        abstract: "Inference forward pass (all positions, full vocabulary logits) tokens/s and GFLOP/s."
    )
    @Option(help: "gpt2, gpt2-medium, ... or LAYERS:WIDTH:HEADS.") var config = "gpt2"
    @Option var batch = 5
    @Option var seq = 64
    @Option(help: "Timed repetitions after one warm-up.") var repeats = 10
    @Flag(help: "Print one JSON object as the last line.") var json = false
    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        let cfg = try benchConfig(config)
        guard batch >= 1, seq >= 1, seq <= cfg.nPositions, repeats >= 1 else {
            throw CLIError("--batch, --seq and --repeats must be positive and --seq at most \(cfg.nPositions)")
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
        print(String(format: "forward %@ batch %d × seq %d, %d threads: %.1f ms/forward, %.0f tokens/s, %.1f GFLOP/s (sgemm %.1f GFLOP/s in this run: %.0f%%)",
                     config, batch, seq, EngineThreads.count, t * 1000, tps, gflops, sgemm, 100 * gflops / sgemm))
        if json {
            print(JSONValue.object([
                ("tokens_per_s", .number((tps * 10).rounded() / 10)),
                ("gflops", .number((gflops * 100).rounded() / 100)),
                ("ms_per_forward", .number((t * 1e5).rounded() / 100)),
                ("sgemm_gflops", .number((sgemm * 100).rounded() / 100)),
                ("threads", .number(Double(EngineThreads.count))),
            ]).serialized)
        }
    }
}
