import Decoding
import Foundation
import Metrics
import Models
import Specs
import Text
import Tuning

/// The validation score that picks a run's best checkpoint under `--eval-bleu N`: greedy
/// outputs of the first N validation sources (at most `eval_max_new_tokens` new tokens) scored
/// with BLEU as the official E2E script computes it. One definition for both engines: the
/// native trainer calls it on its live tensors, the torch runner through
/// `prefixlab engine validate` on the checkpoint it just wrote.
public enum ValidationBLEU {
    public static func score(decoder: SourceDecoder, examples: [DataExample], maxNewTokens: Int) -> Double {
        var s = GenerationSettings()
        s.maxNewTokens = maxNewTokens
        s.beams = 1
        let outs = decoder.decode(examples.map(\.source), s, 16, nil)
        return MTEval.score(hypotheses: outs.map { Outputs.text($0, tokenizer: decoder.tokenizer) }, references: examples.map(\.references)).bleu
    }

    /// The score of one checkpoint folder of a run (in the native layout, as either engine
    /// writes it), on the sources its spec's `eval_bleu` names.
    public static func score(runDir: String, checkpoint: String) throws -> Double {
        let record = try RunRecord.read(runDir)
        let spec = record.spec.withAbsolutePaths()
        let ev = spec.evaluation
        guard ev.bleuSources > 0, let valid = spec.valid else { throw JobError("\(runDir): its spec has no eval_bleu (and valid) to score") }
        let examples = Array(try DatasetSpec.load(valid).examples.prefix(ev.bleuSources))
        let method = try MethodRegistry.method(spec.method)
        let setup = try method.decoding(checkpoint: checkpoint, baseModel: spec.model)
        let decoder = try TrainableModel.load(setup.modelFolder).sourceDecoder(conditioning: setup.conditioning)
        return score(decoder: decoder, examples: examples, maxNewTokens: ev.maxNewTokens)
    }
}
