import Foundation
import Kernels
import JSON
import Models
import Support
import Tuning

extension TrainStepBench {
    /// BART: `batch` random documents of `seq` encoder rows and targets of `targetSeq` decoder
    /// rows ([<s>] … [</s>] each), every label scored; prefix is the original code's three
    /// prefixes (P `prefixLength`, MLP `midDim` each), finetune every weight, lora PEFT's
    /// default BART targets (q_proj, v_proj of every attention; r 8, alpha 16), adapter lin
    /// (bottleneck 100) in every layer of both stacks. tokens/s counts both stacks' rows
    /// (batch × (seq + targetSeq)), as tools/bench_torch.py does.
    func runBART(_ cfg: BARTConfig, _ out: (String) -> Void) throws {
        let m = try Self.method(method, prefixLength: prefixLength, midDim: midDim)
        guard !(m is Infix) else { throw BenchError("--method infix: BART trains with finetune, prefix, embedding, lora or adapter") }
        guard seq >= 3 && targetSeq >= 3 else { throw BenchError("--seq and --target-seq must be at least 3 (the two special tokens and one more)") }
        var rng = SplitMix64(seed: 1)
        let model = randomBART(cfg, rng: &rng)
        let tm = TrainingModel(model: model, method: m, maxBatch: batch, maxT: max(seq, targetSeq))
        try tm.state.initialize(seed: 2, encode: { _ in [] })
        func ids(_ n: Int) -> [Int32] { (0..<n).map { _ in Int32(4 + rng.next() % UInt64(cfg.vocabSize - 5)) } }
        let examples = (0..<batch).map { _ in TokenizedExample(source: ids(seq - 2), target: ids(targetSeq - 2)) }
        let batchData = tm.batch(examples, weights: [Float](repeating: 1 / Float(batch * targetSeq), count: batch))
        var losses: [Double] = [], times: [Double] = []
        for s in 0..<(steps + 2) {
            let t0 = now()
            losses.append(tm.computeGradients([batchData]))
            tm.update(lr: 1e-4)
            if s >= 2 { times.append(now() - t0) }
        }
        let t = median(times), tokens = Double(batch * (seq + targetSeq)), rss = peakRSSMiB()
        out(String(format: "train %@ %@ batch %d × (seq %d + target %d), %d threads: %.1f ms/step, %.0f tokens/s, peak RSS %.0f MiB, %d trainable, loss %.4f → %.4f",
                   method, config, batch, seq, targetSeq, EngineThreads.count, t * 1000, tokens / t, rss, tm.params.trainableCount, losses.first!, losses.last!))
        if json {
            out(JSONValue.object([
                ("tokens_per_s", .number((tokens / t * 10).rounded() / 10)), ("ms_per_step", .number((t * 1e5).rounded() / 100)),
                ("peak_rss_mb", .number(rss.rounded())), ("trainable_params", .number(Double(tm.params.trainableCount))),
                ("first_loss", .number(losses.first!)), ("last_loss", .number(losses.last!)),
            ]).serialized)
        }
    }
}
