import Decoding
import Foundation
import Models
import Text

/// `generate --model BART_DIR`: one output per source, greedy or beam search as transformers'
/// `generate`; `--max-new-tokens N --min-new-tokens M` are max_length N + 1 and min_length
/// M + 1 (both count the decoder's start token). `prefix`: a prefix run's rows; `lora`: a LoRA
/// run's updates.
public enum Seq2SeqGeneration {
    public static func run(model dir: String, prefix: Seq2SeqPrefix? = nil, lora: Conditioning = .none, data: String, settings: GenerationSettings,
                           batchSize: Int, out: String,
                           progress: @escaping (Int, Int) -> Void) throws -> (outputs: Int, newTokens: Int) {
        guard !settings.sample else { throw JobError("--sample on an encoder-decoder: not built yet (greedy and beam search are)") }
        guard let lm = try LoadedSeq2Seq.load(dir) else { throw JobError("\(dir): not an encoder-decoder") }
        let limit = lm.model.shape.positions
        guard settings.maxNewTokens + 1 <= limit else {
            throw JobError("--max-new-tokens \(settings.maxNewTokens): with the start token that passes max_position_embeddings \(limit)")
        }
        let dataset = try DatasetSpec.load(data)
        let decoder = SourceDecoder.encoderDecoder(lm, prefix: prefix, lora: lora), sources = dataset.examples.map(\.source)
        try decoder.checkPositions(dataset.examples, maxNew: settings.maxNewTokens, what: data)
        try decoder.memory(sources, settings, batchSize)
        let outputs = decoder.decode(sources, settings, batchSize) { progress($0, sources.count) }
        try Outputs.write(examples: dataset.examples, outputs: outputs, tokenizer: lm.tokenizer, to: out)
        return (outputs.count, outputs.reduce(0) { $0 + $1.count })
    }
}
