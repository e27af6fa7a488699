import Foundation
import Models
import Text

/// A model folder loaded for a job: the model and its tokenizer, checked against each other
/// once here so that no command can feed the model an id outside its vocabulary.
public struct LoadedModel {
    public let folder: String
    public let model: any CausalLM
    public let tokenizer: BPETokenizer

    public var eos: Int32 { Int32(model.shape.eosTokenId) }

    public static func load(_ dir: String) throws -> LoadedModel {
        let m = try HFModelFolder.load(dir)
        guard let causal = m as? any CausalLM else {
            throw JobError("\(dir): a \(m.modelType) model is an encoder-decoder: `train` (finetune, prefix), `lm-score` and `generate` take it; this command needs a decoder-only model")
        }
        return try LoadedModel(folder: dir, model: causal, tokenizer: TokenizerFiles.load(folder: dir))
    }

    public init(folder: String, model: any CausalLM, tokenizer: BPETokenizer) throws {
        self.folder = folder; self.model = model; self.tokenizer = tokenizer
        let V = model.shape.vocabSize
        guard tokenizer.vocabSize <= V else {
            throw JobError("\(folder): the tokenizer has ids up to \(tokenizer.vocabSize - 1) but config.json's vocab_size is \(V)")
        }
        guard Int(tokenizer.eosId) < V, tokenizer.eosId >= 0 else {
            throw JobError("\(folder): the tokenizer's <|endoftext|> id \(tokenizer.eosId) is outside the vocabulary of \(V)")
        }
    }

    /// encode(source) + [eos]: the prompt of a source, as training lays it out.
    public func prompt(_ source: String) -> [Int32] { tokenizer.encode(source) + [eos] }
}

/// A job that cannot run as asked: one line naming the file, run or option and what is wrong.
public struct JobError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
