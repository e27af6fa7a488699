import Decoding
import Foundation
import Models
import Support
import Text

/// What decodes a job's sources into output ids, whatever the model family: a decoder-only
/// model under a method's conditioning (prompt encode(source) + [eos]), or an encoder-decoder
/// (documents [<s>] + encode(source) + [</s>]). Validation BLEU and the test split use it.
public struct SourceDecoder {
    public let tokenizer: BPETokenizer
    let positions: Int
    /// Positions decoding a source with `maxNew` new tokens takes.
    let needed: (_ source: String, _ maxNew: Int) -> Int
    let decode: (_ sources: [String], _ settings: GenerationSettings, _ batchSize: Int, _ progress: ((Int) -> Void)?) -> [[Int32]]
    let memory: (_ sources: [String], _ settings: GenerationSettings, _ batchSize: Int) throws -> Void

    public static func decoderOnly(_ model: any CausalLM, tokenizer: BPETokenizer, conditioning: Conditioning) -> SourceDecoder {
        let eos = Int32(model.shape.eosTokenId)
        let prompt = { (s: String) in tokenizer.encode(s) + [eos] }
        return SourceDecoder(tokenizer: tokenizer, positions: model.shape.positions,
                             needed: { prompt($0).count + conditioning.extraPositions + $1 },
                             decode: { sources, s, batch, progress in
                                 Outputs.decode(model: model, conditioning: conditioning, settings: s, prompts: sources.map(prompt), batchSize: batch, progress: progress)
                             },
                             memory: { sources, s, batch in
                                 try Outputs.checkMemory(model: model, rows: min(batch, sources.count) * s.beams,
                                                         positions: (sources.map { prompt($0).count }.max() ?? 0) + conditioning.extraPositions + s.maxNewTokens)
                             })
    }

    /// `prefix`: a prefix run's rows (they take no positions, and the decoder's are copied per
    /// beam); `lora`: a LoRA run's updates, merged into the weights while a call decodes and
    /// taken out after (the model may be one that trains).
    public static func encoderDecoder(_ lm: LoadedSeq2Seq, prefix: Seq2SeqPrefix? = nil, lora: Conditioning = .none) -> SourceDecoder {
        let virtual = prefix?.encoderVirtualTokens ?? 0
        let document = { (s: String) in lm.example(source: s, target: "").encoder }
        let shift = prefix.map { $0.decoder != nil && $0.decoderTakesPositions ? $0.P : 0 } ?? 0
        // The encoder reads the document, the decoder its start token and the new tokens.
        return SourceDecoder(tokenizer: lm.tokenizer, positions: lm.model.shape.positions, needed: { max(virtual + document($0).count, shift + $1 + 1) },
                             decode: { sources, s, batch, progress in
                                 let decoder = Seq2SeqDecoder(model: lm.model, settings: s, prefix: prefix)
                                 func all() -> [[Int32]] {
                                     var out: [[Int32]] = []
                                     for start in stride(from: 0, to: sources.count, by: batch) {
                                         out += decoder.generate(documents: sources[start..<min(sources.count, start + batch)].map(document))
                                         progress?(out.count)
                                     }
                                     return out
                                 }
                                 guard lora.lora != nil, let m = lm.model as? any LanguageModel else { return all() }
                                 return lora.mergingLoRA(into: m) { _ in all() }
                             },
                             memory: { sources, s, batch in
                                 // The decoder's caches, a batch's encoder memory and its logits must fit this
                                 // machine: a batch × beams × new tokens that would not is refused before decoding.
                                 let shape = lm.model.shape, B = Double(min(batch, sources.count)), R = B * Double(s.beams)
                                 let S = Double(sources.map { document($0).count }.max() ?? 0), L = Double(shape.layers), C = Double(shape.width)
                                 let P = Double(prefix?.P ?? 0)
                                 let bytes = 4 * (2 * L * R * (Double(s.maxNewTokens + 1) + P) * C + (2 * L + 1) * B * (S + P) * C + R * Double(shape.vocabSize))
                                 guard bytes < 0.85 * MachineMemory.bytes else {
                                     throw JobError("decoding \(Int(B)) documents × \(s.beams) beams × \(s.maxNewTokens) new tokens needs about \(MachineMemory.text(bytes)); this machine has \(MachineMemory.text(MachineMemory.bytes)): lower --batch-size, --beam or --max-new-tokens")
                                 }
                             })
    }

    /// Every source, with the method's virtual rows (decoder-only) and the new tokens, fits the
    /// model's positions; `what` names the data for the message.
    func checkPositions(_ examples: [DataExample], maxNew: Int, what: String) throws {
        for e in examples where needed(e.source, maxNew) > positions {
            throw JobError("\(what): source of example \(e.id) with \(maxNew) new tokens needs \(needed(e.source, maxNew)) positions, more than the model's \(positions)")
        }
    }
}

/// A model folder as a training job reads it, whatever the family: the model the methods
/// train, its tokenizer, how a (source, target) pair becomes a `TokenizedExample`, and how
/// the job decodes (validation BLEU, the test split).
public struct TrainableModel {
    public let folder: String
    public let model: any LanguageModel
    public let tokenizer: BPETokenizer
    public let eos: Int32
    public let decoderOnly: LoadedModel?
    public let encoderDecoder: LoadedSeq2Seq?

    public static func load(_ dir: String) throws -> TrainableModel {
        if try HFModelFolder.isEncoderDecoder(dir) {
            guard let s = try LoadedSeq2Seq.load(dir), let m = s.model as? any LanguageModel else { throw JobError("\(dir): not an encoder-decoder that trains") }
            return TrainableModel(folder: dir, model: m, tokenizer: s.tokenizer, eos: s.model.eosTokenId, decoderOnly: nil, encoderDecoder: s)
        }
        let lm = try LoadedModel.load(dir)
        return TrainableModel(folder: dir, model: lm.model, tokenizer: lm.tokenizer, eos: lm.eos, decoderOnly: lm, encoderDecoder: nil)
    }

    /// The pair's tokens: GPT-2's target after a space (`lm-score`'s contract); BART's as is
    /// (its tokenizer adds no prefix space; the special tokens are the batch layout's).
    public func example(source: String, target: String) -> TokenizedExample {
        TokenizedExample(source: tokenizer.encode(source), target: tokenizer.encode(encoderDecoder == nil ? " " + target : target))
    }

    /// The decoder of this model under a method's conditioning (an encoder-decoder's: its own
    /// weights, or a prefix run's rows).
    public func sourceDecoder(conditioning: Conditioning) throws -> SourceDecoder {
        if let lm = decoderOnly { return .decoderOnly(lm.model, tokenizer: lm.tokenizer, conditioning: conditioning) }
        guard conditioning.encoderDecoderTakesAll, let s = encoderDecoder else {
            throw JobError("\(folder): an encoder-decoder decodes fine-tuned weights, its prefixes, virtual input embeddings, LoRA and adapters, not decoder-only rows (a causal-LM prefix or infix)")
        }
        return .encoderDecoder(s, prefix: conditioning.encoderDecoderPrefix, lora: conditioning)
    }
}
