import Foundation
import Models
import Text

/// `lm-score` for encoder-decoders: every label token scored, as transformers' loss counts them.
public enum Seq2SeqScoring {
    /// Pairs are scored in batches of `batch` documents, right-padded; the encoder runs once per batch.
    /// `prefix`: a prefix run's rows, or a PEFT seq2seq adapter's (`Seq2SeqLM.peftDecoderPrefix`,
    /// whose decoder positions start at P).
    public static func score(_ lm: LoadedSeq2Seq, pairs: [SourceTargetPair], pairsPath: String, prefix: Seq2SeqPrefix? = nil,
                             batch: Int = 8) throws -> [SequenceScore] {
        // Rows that take positions: virtual input embeddings before the source, PEFT's decoder prefix before the target.
        let sourceExtra = prefix?.encoderVirtualTokens ?? 0
        let targetExtra = prefix.map { $0.decoder != nil && $0.decoderTakesPositions ? $0.P : 0 } ?? 0
        let limit = lm.model.shape.positions
        let examples = try pairs.enumerated().map { n, p in
            let e = lm.example(source: p.source, target: p.target)
            for (what, count) in [("source", e.encoder.count + sourceExtra), ("target", e.labels.count + targetExtra)] where count > limit {
                throw JobError("\(pairsPath): pair \(n + 1): its \(what) takes \(count) positions, more than the model's max_position_embeddings \(limit)")
            }
            return e
        }
        let V = lm.model.shape.vocabSize
        var out: [SequenceScore] = []
        var logits = [Float](repeating: 0, count: (examples.map(\.labels.count).max() ?? 0) * V)
        for start in stride(from: 0, to: examples.count, by: batch) {
            let group = Array(examples[start..<min(examples.count, start + batch)])
            let B = group.count, S = group.map(\.encoder.count).max()!, T = group.map(\.decoder.count).max()!
            let pad = lm.model.padTokenId
            var enc = [Int32](repeating: pad, count: B * S), mask = [UInt8](repeating: 0, count: B * S)
            var dec = [Int32](repeating: pad, count: B * T)
            for (b, e) in group.enumerated() {
                for (i, t) in e.encoder.enumerated() { enc[b * S + i] = t; mask[b * S + i] = 1 }
                for (i, t) in e.decoder.enumerated() { dec[b * T + i] = t }
            }
            let memory = lm.model.encode(tokens: enc, mask: mask, B: B, S: S, prefix: prefix)
            let cache = lm.model.makeDecoderCache(batch: B, capacity: memory.decoderPrefixRows + T)
            memory.startDecoding(cache)
            let hidden = lm.model.decode(tokens: dec, B: B, T: T, cache: cache, memory: memory, beams: 1)
            // One document's (T, V) logits at a time: a batch's B·T·V would be most of the memory scoring takes.
            let C = lm.model.shape.width
            for (b, e) in group.enumerated() {
                logits.withUnsafeMutableBufferPointer { lm.model.logits(hidden: hidden + b * T * C, N: e.labels.count, into: $0.baseAddress!) }
                var nll = 0.0
                for (i, y) in e.labels.enumerated() {
                    let row = i * V
                    var m = -Float.infinity
                    for v in 0..<V where logits[row + v] > m { m = logits[row + v] }
                    var sum = 0.0
                    for v in 0..<V { sum += exp(Double(logits[row + v] - m)) }
                    nll += Double(m) + log(sum) - Double(logits[row + Int(y)])
                }
                out.append(SequenceScore(nllSum: nll, nTokens: e.labels.count))
            }
        }
        return out
    }
}
