import Decoding
import Foundation
import Models
import Text
import Tuning

/// `prefixlab generate`: one output per unique source of a dataset, from a base model, a PEFT
/// adapter or a run's checkpoint.
public enum GenerationJob {
    /// What to decode with: a run (its best checkpoint, else its last; `model` replaces its
    /// base model), a PEFT adapter on `model`, or `model` alone.
    public static func source(model: String?, adapter: String?, runDir: String?) throws -> DecodingSetup {
        if let adapter {
            guard let model else { throw JobError("--adapter needs --model") }
            let a = try PEFTAdapter.read(adapter)
            guard let method = MethodRegistry.type(forPEFT: a.kind) else { throw JobError("\(adapter): no method reads a \(a.kind.rawValue) adapter") }
            return DecodingSetup(modelFolder: model, conditioning: try method.conditioning(peft: a, model: try HFModelFolder.summary(model)).conditioning)
        }
        if let runDir {
            var setup = try RunDecoding.setup(runDir: runDir)
            if let model { setup.modelFolder = model }
            return setup
        }
        guard let model else { throw JobError("generate needs --model (and optionally --adapter), or --run") }
        return DecodingSetup(modelFolder: model, conditioning: .none)
    }

    /// Decodes every source of `data`; writes `out` and `out`.jsonl. Returns (outputs, new tokens).
    @discardableResult
    public static func run(_ setup: DecodingSetup, data: String, settings: GenerationSettings, batchSize: Int, precision: DecodingPrecision,
                           out: String, progress: @escaping (Int, Int) -> Void) throws -> (outputs: Int, newTokens: Int) {
        let lm = try LoadedModel.load(setup.modelFolder)
        lm.model.decodingPrecision = precision
        let dataset = try DatasetSpec.load(data)
        let prompts = dataset.examples.map { lm.prompt($0.source) }
        let extra = setup.conditioning.extraPositions
        if let (k, p) = prompts.enumerated().first(where: { $0.1.count + extra + settings.maxNewTokens > lm.model.shape.positions }) {
            throw JobError("\(data): source of example \(dataset.examples[k].id) has \(p.count) tokens; with \(extra) virtual and \(settings.maxNewTokens) new tokens that passes n_positions \(lm.model.shape.positions)")
        }
        try Outputs.checkMemory(model: lm.model, rows: min(batchSize, prompts.count) * settings.beams,
                                positions: (prompts.map(\.count).max() ?? 0) + extra + settings.maxNewTokens)
        let outputs = Outputs.decode(model: lm.model, conditioning: setup.conditioning, settings: settings, prompts: prompts, batchSize: batchSize) {
            progress($0, prompts.count)
        }
        try Outputs.write(examples: dataset.examples, outputs: outputs, tokenizer: lm.tokenizer, to: out)
        return (outputs.count, outputs.reduce(0) { $0 + $1.count })
    }
}

/// `prefixlab lm-score`: the NLL of each target given its source, under a model alone or
/// through a PEFT adapter.
public enum ScoringJob {
    public static func score(model dir: String, adapter: String?, pairs: [SourceTargetPair], pairsPath: String) throws -> [SequenceScore] {
        let lm = try LoadedModel.load(dir)
        let peft = try adapter.map { a -> PEFTAdapter in
            let p = try PEFTAdapter.read(a)
            try p.check(against: lm.model.shape)
            return p
        }
        let extra = peft?.virtualTokens ?? 0
        let examples = try pairs.enumerated().map { n, p in
            let e = TokenizedExample(source: lm.tokenizer.encode(p.source), target: lm.tokenizer.encode(" " + p.target))
            guard e.length + extra <= lm.model.shape.positions else {
                throw JobError("\(pairsPath): pair \(n + 1) needs \(e.length + extra) positions (\(e.length) tokens\(extra > 0 ? " + \(extra) virtual" : "")), more than the model's n_positions \(lm.model.shape.positions)")
            }
            return e
        }
        if let peft { return try AdapterScorer.score(model: lm.model, adapter: peft, examples: examples) }
        return SequenceScorer(model: lm.model).score(sequences: examples.map { $0.sequence(eos: lm.eos) }, scoreFrom: examples.map { $0.source.count + 1 })
    }
}

/// `prefixlab export`: a run's checkpoint as a Hugging Face PEFT adapter (`--format peft`), or
/// as our bottleneck-adapter layout (`--format bottleneck`, adapter runs).
public enum ExportJob {
    /// `checkpoint` is "best" (the best by validation, else the last) or "last".
    public static func run(runDir: String, checkpoint: String, format: String, out: String) throws -> (adapter: any AdapterExport, from: String) {
        let record = try RunRecord.read(runDir)
        let method = try MethodRegistry.method(record.spec.method)
        guard let own = type(of: method).exportFormat else {
            return (try method.export(checkpoint: runDir, model: try HFModelFolder.summary(record.spec.model), baseModel: record.spec.model), runDir)
        }
        guard own == format else {
            throw JobError("\(runDir): a \(method.name) run exports with --format \(own)\(own == "bottleneck" ? " (PEFT has no bottleneck adapter type)" : "")")
        }
        let best = runDir + "/checkpoints/best"
        let ckpt: String
        if checkpoint == "best", FileManager.default.fileExists(atPath: best) { ckpt = best }
        else if let last = CheckpointIO.steps(runDir: runDir).last?.path { ckpt = last }
        else { throw JobError("\(runDir): no checkpoint yet") }
        let adapter = try method.export(checkpoint: ckpt, model: try HFModelFolder.summary(record.spec.model), baseModel: record.spec.model)
        try OutputFolder.check(out, mayHold: adapter.fileNames, what: "an adapter folder")
        try adapter.write(out)
        return (adapter, ckpt)
    }
}
