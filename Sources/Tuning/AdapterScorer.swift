import Models

/// Scores (source, target) sequences through a PEFT adapter with the training graph's loss
/// path, so scoring and training cannot disagree on positions or masks. The method that reads
/// the adapter's kind says where its rows go and what they condition.
public enum AdapterScorer {
    public static func score(model: any LanguageModel, adapter: PEFTAdapter, examples: [TokenizedExample],
                             batchSize: Int = 8) throws -> [SequenceScore] {
        guard let method = MethodRegistry.type(forPEFT: adapter.kind) else {
            throw MethodError("no method reads a \(adapter.kind.rawValue) adapter")
        }
        let (layout, conditioning) = try method.conditioning(peft: adapter, model: model.summary)
        let maxT = examples.map { $0.length }.max() ?? 1
        let graph = model.makeTrainingGraph(maxBatch: batchSize, maxT: maxT + layout.leadingEmbeddings, maxVirtual: layout.keyValueRows,
                                            additions: conditioning.blockAdditions)
        var scores = [SequenceScore](repeating: SequenceScore(nllSum: 0, nTokens: 0), count: examples.count)
        let order = examples.indices.sorted { examples[$0].length < examples[$1].length }
        conditioning.withGraphConditioning { cond in
            for start in stride(from: 0, to: order.count, by: batchSize) {
                let idx = Array(order[start..<min(order.count, start + batchSize)])
                let group = idx.map { examples[$0] }
                let batch = model.trainingBatch(group, weights: [Float](repeating: 1, count: group.count), layout: layout)
                graph.run(batch, conditioning: cond, backward: false, weightGrads: nil, trainable: nil, dropout: nil)
                let losses = graph.lastLosses(count: batch.targetCount)
                var k = 0
                for (g, e) in zip(idx, group) {
                    for _ in 0..<e.scoredTokens {
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

extension Conditioning {
    /// What a training graph must be built for to run with this conditioning.
    public var blockAdditions: BlockAdditions { BlockAdditions(lora: lora?.shape, adapters: adapters?.shape) }

    /// The training graph's view of these rows and block tensors (no gradients), valid inside `body`.
    public func withGraphConditioning<R>(_ body: (GraphConditioning) throws -> R) rethrows -> R {
        let kv = prefix ?? infix ?? [], emb = embeddings ?? [], lv = lora?.values ?? [], av = adapters?.values ?? []
        return try kv.withUnsafeBufferPointer { k in
            try emb.withUnsafeBufferPointer { e in
                try lv.withUnsafeBufferPointer { l in
                    try av.withUnsafeBufferPointer { a in
                        let blocks = blockAdditions.isEmpty ? nil
                            : BlockParameters(lora: lora?.shape, loraValues: lora == nil ? nil : l.baseAddress,
                                              adapters: adapters?.shape, adapterValues: adapters == nil ? nil : a.baseAddress)
                        return try body(GraphConditioning(keyValues: kv.isEmpty ? nil : k.baseAddress, embeddings: emb.isEmpty ? nil : e.baseAddress,
                                                          blocks: blocks))
                    }
                }
            }
        }
    }
}
