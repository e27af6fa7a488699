import Specs
import Tuning
import Foundation
import JSON
import Kernels
import Models
import Support

public struct TrainStepBench {
    public init() {}
    public var config = "gpt2"
    public var method = "prefix"
    public var batch = 5
    public var seq = 64
    public var prefixLength = 10
    public var midDim = 512
    public var steps = 10
    /// BART's decoder rows (its target, with [<s>] and [</s>]); `seq` is then the encoder's.
    public var targetSeq = 64
    public var json = false

    public func run(_ out: (String) -> Void) throws {
        if let bart = BARTConfig.official[config] { return try runBART(bart, out) }
        let cfg = try benchConfig(config)
        let m = try Self.method(method, prefixLength: prefixLength, midDim: midDim)
        guard m.layout.placement == .start else { throw BenchError("--method \(method): expected a method whose rows, if any, go before the tokens (not infix)") }
        guard steps >= 10 else { throw BenchError("--steps must be at least 10") }
        let model = GPT2Model(config: cfg)
        model.randomize(seed: 1)
        let tm = TrainingModel(model: model, method: m, maxBatch: batch, maxT: seq)
        if let e = tm.encoder { e.randomInit(seed: 2) } else { try tm.state.initialize(seed: 2, encode: { _ in [] }) }
        let batchData = Self.randomBatch(cfg: cfg, layout: m.layout, B: batch, T: seq, seed: 3)
        var losses: [Double] = [], times: [Double] = []
        for s in 0..<(steps + 2) {
            let t0 = now()
            let loss = tm.computeGradients([batchData])
            tm.update(lr: 1e-4)
            let dt = now() - t0
            if s >= 2 { times.append(dt) }
            losses.append(loss)
        }
        let t = median(times)
        let tokens = Double(batch * seq)
        let C = Double(cfg.nEmbd), L = Double(cfg.nLayer), V = Double(cfg.vocabSize), F = Double(cfg.innerDim)
        let Tk = Double(seq + m.layout.extraPositions)
        let matmul = L * 2 * (C * 3 * C + C * C + 2 * C * F), head = 2 * C * V, att = L * 2 * 2 * C * Tk / 2
        // Weight gradients double the matrix work of the backward; frozen weights get none.
        // LoRA's and the adapters' own GEMMs: each of their weights once forward, twice backward.
        let additions = m.additions(for: model.summary).isEmpty ? 0 : 6 * Double(m.trainedParameters(model.summary))
        let perToken = (tm.state.trainableWeights.any ? 3 * (matmul + head + att) : 2 * (matmul + head) + 3 * att) + additions
        let gflops = perToken * tokens / t / 1e9
        let sgemm = measureSgemm(M: batch * seq, N: cfg.innerDim, K: cfg.nEmbd)
        let rss = peakRSSMiB()
        out(String(format: "train %@ %@ batch %d × seq %d, %d threads: %.1f ms/step, %.0f tokens/s, %.1f GFLOP/s (%.0f%% of sgemm %.1f in this run), peak RSS %.0f MiB, %d trainable, loss %.4f → %.4f",
                     method, config, batch, seq, EngineThreads.count, t * 1000, tokens / t, gflops, 100 * gflops / sgemm, sgemm, rss,
                     tm.params.trainableCount, losses.first!, losses.last!))
        if json {
            out(JSONValue.object([
                ("tokens_per_s", .number((tokens / t * 10).rounded() / 10)),
                ("ms_per_step", .number((t * 1e5).rounded() / 100)),
                ("peak_rss_mb", .number(rss.rounded())),
                ("gflops", .number((gflops * 100).rounded() / 100)),
                ("sgemm_gflops", .number((sgemm * 100).rounded() / 100)),
                ("trainable_params", .number(Double(tm.params.trainableCount))),
                ("first_loss", .number(losses.first!)),
                ("last_loss", .number(losses.last!)),
            ]).serialized)
        }
    }

    /// A method by name with a prefix length and MLP width where it has them, its dropout off.
    static func method(_ name: String, prefixLength: Int, midDim: Int) throws -> any TuningMethod {
        guard let d = MethodRegistry.type(named: name)?.descriptor else {
            throw BenchError("--method \(name): expected one of \(MethodRegistry.names.joined(separator: ", "))")
        }
        var spec = MethodSpec(name: name)
        for (k, v) in [("prefix_length", OptionValue.int(prefixLength)), ("mid_dim", .int(midDim)), ("dropout", .number(0))] where d.option(k) != nil {
            spec[k] = v
        }
        return try MethodRegistry.method(spec)
    }

    /// Random token ids with labels = inputs (every position predicts the next token), laid
    /// out for the method as training batches are.
    static func randomBatch(cfg: GPT2Config, layout: VirtualLayout, B: Int, T: Int, seed: UInt64) -> GraphBatch {
        var rng = SplitMix64(seed: seed)
        let lead = layout.leadingEmbeddings, Pv = layout.keyValueRows, Tt = T + lead
        var tokens = [Int32](repeating: 0, count: B * Tt), positions = tokens, keyRows = tokens
        var targetRows: [Int32] = [], targetIds: [Int32] = []
        for b in 0..<B {
            for t in 0..<Tt {
                let i = b * Tt + t
                tokens[i] = t < lead ? Int32(-t - 1) : Int32(rng.next() % UInt64(cfg.vocabSize))
                let pos = Pv + t
                positions[i] = Int32(pos); keyRows[i] = Int32(pos)
            }
            for t in lead..<(Tt - 1) { targetRows.append(Int32(b * Tt + t)); targetIds.append(tokens[b * Tt + t + 1]) }
        }
        let w = [Float](repeating: 1 / Float(targetRows.count), count: targetRows.count)
        return GraphBatch(B: B, T: Tt, tokens: tokens, positions: positions, keyMask: [UInt8](repeating: 1, count: B * Tt),
                          virtualRows: Pv, keyRows: keyRows, virtualRowIndex: (0..<B * Pv).map { Int32($0 % max(1, Pv)) },
                          targetRows: targetRows, targetIds: targetIds, targetWeights: w)
    }
}
