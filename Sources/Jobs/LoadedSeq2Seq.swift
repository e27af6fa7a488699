import Foundation
import Models
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
