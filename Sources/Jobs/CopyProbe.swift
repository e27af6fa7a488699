import Kernels
import Models
import Support

/// In-context copying (induction): a random span of tokens, then the same span again. A model
/// that copies predicts the second copy far better than the first; one that cannot, no
/// better. Prefix-tuning can only steer a model that copies from its context.
public enum CopyProbe {
    public struct Result: Sendable { public let firstLoss, secondLoss, firstTop1, secondTop1: Double }

    /// `vocab`: draw tokens from ids below this (default: the whole vocabulary but eos).
    public static func run(model: any CausalLM, spanLength: Int, spans: Int, seed: UInt64, vocab: Int?) throws -> Result {
        let shape = model.shape, V = shape.vocabSize, C = shape.width
        let limit = min(vocab ?? (V - 1), V - 1)
        guard spanLength >= 2, 2 * spanLength + 1 <= shape.positions, spans >= 1, spans <= 100_000, limit >= 1 else {
            throw JobError("--span-length must be ≥ 2 and 2·span + 1 ≤ n_positions \(shape.positions); --spans from 1 to 100000; --vocab ≥ 1")
        }
        var rng = SplitMix64(seed: seed)
        let T = 2 * spanLength + 1
        var firstNLL = 0.0, secondNLL = 0.0, firstHits = 0, secondHits = 0, count = 0
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: V)
        defer { logits.deallocate() }
        for _ in 0..<spans {
            let span = (0..<spanLength).map { _ in Int32(rng.next() % UInt64(limit)) }
            let tokens = [Int32(shape.eosTokenId)] + span + span
            let cache = model.makeCache(batch: 1, capacity: T)
            let h = model.forward(tokens: tokens, positions: (0..<T).map(Int32.init), B: 1, T: T, cache: cache)
            // Position t predicts token t+1; skip each copy's first token (nothing to copy yet).
            for t in 1..<(T - 1) where t != spanLength {
                model.logits(hidden: h + t * C, N: 1, into: logits)
                var lse: Float = 0
                logsumexpRows(lse: &lse, logits: logits, N: 1, V: V)
                let target = Int(tokens[t + 1])
                let nll = Double(lse - logits[target])
                let hit = rowMax(logits, V) == logits[target]
                if t < spanLength { firstNLL += nll; firstHits += hit ? 1 : 0 } else { secondNLL += nll; secondHits += hit ? 1 : 0; count += 1 }
            }
        }
        let n = Double(count)
        return Result(firstLoss: firstNLL / n, secondLoss: secondNLL / n, firstTop1: Double(firstHits) / n, secondTop1: Double(secondHits) / n)
    }

    /// An encoder-decoder copies through its cross-attention: the decoder, teacher-forced on a
    /// random span ([decoder start, <s>] + span, predicting <s>, the span and </s>'s place), reads
    /// either an unrelated random span (`first`: nothing to copy) or the span itself (`second`).
    /// Tokens are drawn from ids 4 ..< `vocab` (default: the vocabulary but its last id, BART's
    /// <mask>), past BART's <s>, <pad>, </s> and <unk>; the scores are the span's tokens'.
    public static func runSeq2Seq(model: any Seq2SeqLM, spanLength: Int, spans: Int, seed: UInt64, vocab: Int?) throws -> Result {
        let shape = model.shape, V = shape.vocabSize, C = shape.width
        let limit = min(vocab ?? (V - 1), V - 1)
        guard spanLength >= 2, spanLength + 2 <= shape.positions, spans >= 1, spans <= 100_000, limit > 4 else {
            throw JobError("--span-length must be ≥ 2 and span + 2 ≤ max_position_embeddings \(shape.positions); --spans from 1 to 100000; --vocab > 4")
        }
        var rng = SplitMix64(seed: seed)
        func span() -> [Int32] { (0..<spanLength).map { _ in Int32(4 + rng.next() % UInt64(limit - 4)) } }
        var nll = [0.0, 0.0], hits = [0, 0], count = 0
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: V)
        defer { logits.deallocate() }
        let bos = Int32(shape.bosTokenId), eos = model.eosTokenId
        for _ in 0..<spans {
            let s = span(), other = span()
            let decoder = [model.decoderStartTokenId, bos] + s  // predicts <s>, then the span, then </s>
            for (k, source) in [other, s].enumerated() {
                let enc = [bos] + source + [eos]
                let memory = model.encode(tokens: enc, mask: [UInt8](repeating: 1, count: enc.count), B: 1, S: enc.count)
                let cache = model.makeDecoderCache(batch: 1, capacity: decoder.count)
                memory.startDecoding(cache)
                let h = model.decode(tokens: decoder, B: 1, T: decoder.count, cache: cache, memory: memory, beams: 1)
                // Row t + 1 predicts span token t.
                for t in 0..<spanLength {
                    model.logits(hidden: h + (t + 1) * C, N: 1, into: logits)
                    var lse: Float = 0
                    logsumexpRows(lse: &lse, logits: logits, N: 1, V: V)
                    let target = Int(s[t])
                    nll[k] += Double(lse - logits[target])
                    hits[k] += rowMax(logits, V) == logits[target] ? 1 : 0
                }
            }
            count += spanLength
        }
        let n = Double(count)
        return Result(firstLoss: nll[0] / n, secondLoss: nll[1] / n, firstTop1: Double(hits[0]) / n, secondTop1: Double(hits[1]) / n)
    }

    /// The probe of a model folder, either family, with the line `prefixlab probe copy` prints.
    public static func run(folder: String, spanLength: Int, spans: Int, seed: UInt64, vocab: Int?) throws -> (Result, String) {
        if let s2s = try LoadedSeq2Seq.load(folder) {
            let r = try runSeq2Seq(model: s2s.model, spanLength: spanLength, spans: spans, seed: seed, vocab: vocab)
            return (r, String(format: "copy probe (%d spans of %d tokens, encoder-decoder): unrelated source loss %.3f, top-1 %.3f; the span as source loss %.3f, top-1 %.3f",
                              spans, spanLength, r.firstLoss, r.firstTop1, r.secondLoss, r.secondTop1))
        }
        let r = try run(model: try LoadedModel.load(folder).model, spanLength: spanLength, spans: spans, seed: seed, vocab: vocab)
        return (r, String(format: "copy probe (%d spans of %d tokens): first copy loss %.3f, top-1 %.3f; second copy loss %.3f, top-1 %.3f",
                          spans, spanLength, r.firstLoss, r.firstTop1, r.secondLoss, r.secondTop1))
    }
}
