import Foundation
import Kernels
import Models
import Support
#if canImport(Glibc)
import Glibc
#endif

/// A benchmark that cannot run as asked.
public struct BenchError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Model shapes for benchmarks: an official name (gpt2, gpt2-medium, ...) or L:C:H.
public func benchConfig(_ name: String) throws -> GPT2Config {
    if let c = GPT2Config.official[name] { return c }
    let parts = name.split(separator: ":").compactMap { Int($0) }
    guard parts.count == 3, parts.allSatisfy({ $0 > 0 }), parts[1] % parts[2] == 0 else {
        throw BenchError("--config \(name): expected one of \(GPT2Config.official.keys.sorted().joined(separator: ", ")) or LAYERS:WIDTH:HEADS")
    }
    let c = GPT2Config(nLayer: parts[0], nHead: parts[2], nEmbd: parts[1])
    do { try c.validate(path: "--config") } catch { throw BenchError("\(error)") }
    return c
}

func now() -> Double { MonotonicClock.now() }

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

/// Bytes/s at which the engine's threads can stream-read memory (a 1 GiB buffer summed with
/// the SIMD dot kernel, median of 3): the ceiling of one-prompt decoding.
func measureReadBandwidth() -> Double {
    let n = 1 << 28
    let a = UnsafeMutablePointer<Float>.allocate(capacity: n)
    a.initialize(repeating: 1, count: n)
    defer { a.deallocate() }
    var times: [Double] = []
    let chunks = 64
    let sums = UnsafeMutablePointer<Float>.allocate(capacity: chunks)
    defer { sums.deallocate() }
    for _ in 0..<3 {
        let t0 = now()
        parallelFor(chunks) { c in
            let lo = n / chunks * c
            sums[c] = dot(a + lo, a + lo, n / chunks)  // kept, so the reads cannot be optimised away
        }
        times.append(now() - t0)
        precondition((0..<chunks).reduce(Float(0)) { $0 + sums[$1] } > 0)
    }
    return Double(n * 4) / median(times)
}

/// Peak resident memory of this process, MiB.
func peakRSSMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024  // KiB on Linux
}

/// A BART of `cfg` with transformers' init (normal 0.02, zero biases, unit LayerNorms).
func randomBART(_ cfg: BARTConfig, rng: inout SplitMix64) -> BARTModel {
    let model = BARTModel(config: cfg)
    let p = model.params.base
    for e in model.layout.entries {
        let norm = e.name.hasSuffix("layer_norm.weight") || e.name.hasSuffix("layernorm_embedding.weight")
        for i in 0..<e.count { p[e.offset + i] = norm ? 1 : (e.shape.count == 1 ? 0 : 0.02 * rng.nextNormal()) }
    }
    return model
}
