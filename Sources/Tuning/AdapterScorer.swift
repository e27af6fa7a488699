import Models

/// Scores (source, target) sequences through a PEFT adapter — a prefix in every layer's
/// keys and values, or prompt-tuning virtual embeddings — with the training graph's loss
/// path, so scoring and training cannot disagree on positions or masks.
public enum AdapterScorer {
    public static func score(model: GPT2Model, adapter: PEFTAdapter, examples: [TokenizedExample], eos: Int32,
                             batchSize: Int = 8) -> [SequenceScore] {
        let method: TrainingMethod = adapter.kind == .prefixTuning ? .prefix : .embedding
        let options = MethodOptions(method: method, prefixLength: adapter.virtualTokens, reparam: .none)
        let maxT = examples.map { $0.length }.max() ?? 1
        let lead = method == .embedding ? adapter.virtualTokens : 0
        let graph = GPT2Graph(model: model, maxBatch: batchSize, maxT: maxT + lead, maxVirtual: options.virtualKVRows)
        var scores = [SequenceScore](repeating: SequenceScore(nllSum: 0, nTokens: 0), count: examples.count)
        let order = examples.indices.sorted { examples[$0].length < examples[$1].length }
        adapter.embeddings.withUnsafeBufferPointer { emb in
            for start in stride(from: 0, to: order.count, by: batchSize) {
                let idx = Array(order[start..<min(order.count, start + batchSize)])
                let group = idx.map { examples[$0] }
                let batch = BatchBuilder.build(group, weights: [Float](repeating: 1, count: group.count), eos: eos, options: options)
                graph.run(batch, virtualKV: method == .prefix ? emb.baseAddress : nil,
                          virtualEmbeds: method == .embedding ? emb.baseAddress : nil, backward: false)
                let losses = graph.lastLosses(count: batch.targetRows.count)
                var k = 0
                for (g, e) in zip(idx, group) {
                    for _ in 0..<(e.target.count + 1) {
                        scores[g].nllSum += Double(losses[k])
                        scores[g].nTokens += 1
                        k += 1
                    }
                }
            }
        }
        return scores
    }
}
