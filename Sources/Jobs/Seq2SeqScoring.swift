import Foundation
import Models
import Decoding
import Text

/// An encoder-decoder model folder loaded for a job (BART), with its tokenizer, checked against
/// each other once: BART's RobertaTokenizer is GPT-2's byte-level BPE with `<s>`, `<pad>`,
/// `</s>`, `<unk>`, `<mask>` found by their strings.
public struct LoadedSeq2Seq {
    public static let specialTokens = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    public let folder: String
    public let model: any Seq2SeqLM
    public let tokenizer: BPETokenizer

    /// nil when the folder's model is not an encoder-decoder.
    public static func load(_ dir: String) throws -> LoadedSeq2Seq? {
        guard let m = try HFModelFolder.load(dir) as? any Seq2SeqLM else { return nil }
        let tokenizer = try TokenizerFiles.load(folder: dir, specials: specialTokens)
        guard tokenizer.vocabSize <= m.shape.vocabSize else {
            throw JobError("\(dir): the tokenizer has ids up to \(tokenizer.vocabSize - 1) but config.json's vocab_size is \(m.shape.vocabSize)")
        }
        return LoadedSeq2Seq(folder: dir, model: m, tokenizer: tokenizer)
    }

    /// The sequence contract: encoder input [<s>] + encode(source) + [</s>]; labels
    /// [<s>] + encode(target) + [</s>]; decoder input [decoder_start] + labels[:-1], as
    /// transformers shifts labels. No prefix space: BART's tokenizer adds none.
    public func example(source: String, target: String) -> (encoder: [Int32], decoder: [Int32], labels: [Int32]) {
        let bos = Int32(model.shape.bosTokenId), eos = model.eosTokenId
        let labels = [bos] + tokenizer.encode(target) + [eos]
        return ([bos] + tokenizer.encode(source) + [eos], [model.decoderStartTokenId] + labels.dropLast(), labels)
    }
}

/// `lm-score` for encoder-decoders: every label token scored, as transformers' loss counts them.
public enum Seq2SeqScoring {
    /// Pairs are scored in batches of `batch` documents, right-padded; the encoder runs once per batch.
    /// `prefix`: P decoder self-attention rows per layer (L, 2, P, C) before every target, whose
    /// decoder positions then start at P (a PEFT seq2seq prefix, `Seq2SeqLM.peftDecoderPrefix`).
    public static func score(_ lm: LoadedSeq2Seq, pairs: [SourceTargetPair], pairsPath: String, prefix: (P: Int, rows: [Float])? = nil,
                             batch: Int = 8) throws -> [SequenceScore] {
        let limit = lm.model.shape.positions - (prefix?.P ?? 0)
        let examples = try pairs.enumerated().map { n, p in
            let e = lm.example(source: p.source, target: p.target)
            for (what, count) in [("source", e.encoder.count), ("target", e.labels.count)] where count > limit {
                throw JobError("\(pairsPath): pair \(n + 1): its \(what) takes \(count) positions, more than the model's max_position_embeddings \(limit)")
            }
            return e
        }
        let V = lm.model.shape.vocabSize
        var out: [SequenceScore] = []
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
            let memory = lm.model.encode(tokens: enc, mask: mask, B: B, S: S)
            let P = prefix?.P ?? 0
            let cache = lm.model.makeDecoderCache(batch: B, capacity: P + T)
            if let prefix { prefix.rows.withUnsafeBufferPointer { cache.prefill(prefix: $0.baseAddress!, P: P) } }
            let hidden = lm.model.decode(tokens: dec, B: B, T: T, cache: cache, memory: memory, beams: 1)
            var logits = [Float](repeating: 0, count: B * T * V)
            logits.withUnsafeMutableBufferPointer { lm.model.logits(hidden: hidden, N: B * T, into: $0.baseAddress!) }
            for (b, e) in group.enumerated() {
                var nll = 0.0
                for (i, y) in e.labels.enumerated() {
                    let row = (b * T + i) * V
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

/// `generate --model BART_DIR`: one output per source, greedy or beam search as transformers'
/// `generate`; `--max-new-tokens N --min-new-tokens M` are max_length N + 1 and min_length
/// M + 1 (both count the decoder's start token).
public enum Seq2SeqGeneration {
    public static func run(model dir: String, data: String, settings: GenerationSettings, batchSize: Int, out: String,
                           progress: @escaping (Int, Int) -> Void) throws -> (outputs: Int, newTokens: Int) {
        guard !settings.sample else { throw JobError("--sample on an encoder-decoder: not built yet (greedy and beam search are)") }
        guard let lm = try LoadedSeq2Seq.load(dir) else { throw JobError("\(dir): not an encoder-decoder") }
        let limit = lm.model.shape.positions
        guard settings.maxNewTokens + 1 <= limit else {
            throw JobError("--max-new-tokens \(settings.maxNewTokens): with the start token that passes max_position_embeddings \(limit)")
        }
        let dataset = try DatasetSpec.load(data)
        let decoder = SourceDecoder.encoderDecoder(lm), sources = dataset.examples.map(\.source)
        try decoder.checkPositions(dataset.examples, maxNew: settings.maxNewTokens, what: data)
        try decoder.memory(sources, settings, batchSize)
        let outputs = decoder.decode(sources, settings, batchSize) { progress($0, sources.count) }
        try Outputs.write(examples: dataset.examples, outputs: outputs, tokenizer: lm.tokenizer, to: out)
        return (outputs.count, outputs.reduce(0) { $0 + $1.count })
    }
}
