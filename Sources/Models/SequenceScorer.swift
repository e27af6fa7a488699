import Kernels

/// Negative log-likelihood of scored tokens in a sequence, summed in double precision.
public struct SequenceScore: Sendable, Equatable {
    public var nllSum: Double
    public var nTokens: Int
    public var nllMean: Double { nTokens > 0 ? nllSum / Double(nTokens) : 0 }
    public init(nllSum: Double, nTokens: Int) { self.nllSum = nllSum; self.nTokens = nTokens }
}

/// Scores token sequences under a model: token k (k ≥ scoreFrom) is predicted from the
/// logits at k-1. Sequences are batched by length and right-padded; only the rows that
/// predict a scored token go through the vocabulary projection.
public struct SequenceScorer {
    public let model: any CausalLM
    /// Cap on B·T per forward batch, which bounds memory.
    public var maxTokensPerBatch = 4096
    /// Rows per vocabulary-projection chunk.
    public var logitRows = 128

    public init(model: any CausalLM) { self.model = model }

    public func score(sequences: [[Int32]], scoreFrom: [Int]) -> [SequenceScore] {
        precondition(sequences.count == scoreFrom.count)
        let C = model.shape.width, V = model.shape.vocabSize
        var results = [SequenceScore](repeating: SequenceScore(nllSum: 0, nTokens: 0), count: sequences.count)
        let order = sequences.indices.sorted { sequences[$0].count < sequences[$1].count }
        let gathered = UnsafeMutablePointer<Float>.allocate(capacity: logitRows * C)
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: logitRows * V)
        let lse = UnsafeMutablePointer<Float>.allocate(capacity: logitRows)
        defer { gathered.deallocate(); logits.deallocate(); lse.deallocate() }

        var start = 0
        while start < order.count {
            var end = start + 1
            while end < order.count, (end - start + 1) * sequences[order[end]].count <= maxTokensPerBatch { end += 1 }
            let batch = Array(order[start..<end])
            start = end
            let T = sequences[batch.last!].count
            let B = batch.count
            var tokens = [Int32](repeating: Int32(model.shape.eosTokenId), count: B * T)
            var mask = [UInt8](repeating: 0, count: B * T)
            var positions = [Int32](repeating: 0, count: B * T)
            for (b, s) in batch.enumerated() {
                for (t, id) in sequences[s].enumerated() { tokens[b * T + t] = id; mask[b * T + t] = 1 }
                for t in 0..<T { positions[b * T + t] = Int32(t) }
            }
            let cache = model.makeCache(batch: B, capacity: T)
            let hidden = model.forward(tokens: tokens, positions: positions, keyMask: mask, B: B, T: T, cache: cache)

            // (row of hidden, target id, which sequence) for every scored token.
            var targets: [(row: Int, id: Int32, seq: Int)] = []
            for (b, s) in batch.enumerated() {
                let seq = sequences[s]
                for k in max(1, scoreFrom[s])..<max(1, seq.count) { targets.append((b * T + k - 1, seq[k], s)) }
            }
            var c = 0
            while c < targets.count {
                let n = min(logitRows, targets.count - c)
                for i in 0..<n { (gathered + i * C).update(from: hidden + targets[c + i].row * C, count: C) }
                model.logits(hidden: gathered, N: n, into: logits)
                logsumexpRows(lse: lse, logits: logits, N: n, V: V)
                for i in 0..<n {
                    let t = targets[c + i]
                    results[t.seq].nllSum += Double(lse[i]) - Double(logits[i * V + Int(t.id)])
                    results[t.seq].nTokens += 1
                }
                c += n
            }
        }
        return results
    }
}
