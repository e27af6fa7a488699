import Foundation
import Models
import Specs
import Text
import Tuning

/// A run's data, loaded, tokenized and checked against the model before anything is created:
/// every training and validation pair fits the model's positions under the method's layout.
public struct TrainingData {
    public var train: [TokenizedExample]
    public var valid: [TokenizedExample]
    /// The validation examples (grouped references) for validation BLEU.
    public var validExamples: [DataExample]
    /// The test examples for the final evaluation.
    public var testExamples: [DataExample]

    public static func load(_ spec: RunSpec, model lm: TrainableModel, method: any TuningMethod) throws -> TrainingData {
        let shape = lm.model.shape
        func pairs(_ path: String) throws -> [TokenizedExample] {
            // A dataset spec: JSONL pairs, E2E CSV, WebNLG folder:split, DART JSON; one pair per reference.
            let pairs = try DatasetSpec.load(path).pairs
            guard !pairs.isEmpty else { throw JobError("\(path): contains no (source, reference) pairs") }
            return try pairs.enumerated().map { n, p in
                let e = lm.example(source: p.source, target: p.target)
                let need = lm.model.positionsNeeded(e, layout: method.layout)
                guard need <= shape.positions else {
                    // A decoder-only sequence: its tokens and the prefix; an encoder-decoder's: the longer stack's.
                    let extra = method.layout.extraPositions
                    let parts = lm.encoderDecoder != nil ? "" : " (\(e.length) tokens\(extra == 0 ? "" : " + prefix \(extra)"))"
                    throw JobError("\(path): pair \(n + 1) needs \(need) positions\(parts), more than n_positions \(shape.positions)")
                }
                return e
            }
        }
        var train = try pairs(spec.train)
        if let copy = spec.training.syntheticCopy {
            guard 2 * copy.maxSpan + 2 + method.layout.extraPositions <= shape.positions else {
                throw JobError("--copy-span: a copy document of 2×\(copy.maxSpan) tokens does not fit n_positions \(shape.positions)")
            }
            train += copy.documents(count: copy.count(corpusCount: train.count), vocabSize: shape.vocabSize, eos: lm.eos, seed: spec.training.seed)
        }
        let valid = try spec.valid.map(pairs) ?? []
        let ev = spec.evaluation
        var validExamples: [DataExample] = []
        if ev.bleuSources > 0 {
            guard let v = spec.valid else { throw JobError("--eval-bleu needs --valid") }
            validExamples = Array(try DatasetSpec.load(v).examples.prefix(ev.bleuSources))
            try checkPrompts(validExamples, spec: v, maxNew: ev.maxNewTokens, lm: lm, method: method)
        }
        var testExamples: [DataExample] = []
        if ev.test {
            guard let t = spec.test else { throw JobError("--eval-test needs --test SPEC") }
            testExamples = try DatasetSpec.load(t).examples
            guard !testExamples.isEmpty else { throw JobError("\(t): contains no examples") }
            try checkPrompts(testExamples, spec: t, maxNew: ev.maxNewTokens, lm: lm, method: method)
        }
        return TrainingData(train: train, valid: valid, validExamples: validExamples, testExamples: testExamples)
    }

    /// Every source, with the method's virtual rows and the new tokens, fits the positions:
    /// checked before training, so an evaluation cannot fail after it.
    static func checkPrompts(_ examples: [DataExample], spec: String, maxNew: Int, lm trainable: TrainableModel, method: any TuningMethod) throws {
        guard let lm = trainable.decoderOnly else {
            return try trainable.sourceDecoder(conditioning: .none).checkPositions(examples, maxNew: maxNew, what: spec)
        }
        let limit = lm.model.shape.positions, extra = method.layout.extraPositions
        for e in examples {
            let n = lm.tokenizer.encode(e.source).count + 1
            guard n + extra + maxNew <= limit else {
                throw JobError("\(spec): source of example \(e.id) has \(n) tokens; with \(extra) virtual and \(maxNew) new tokens (--eval-max-new-tokens) that passes n_positions \(limit)")
            }
        }
    }
}
