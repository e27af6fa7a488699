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
        if try HFModelFolder.isEncoderDecoder(setup.modelFolder) {
            guard setup.conditioning.encoderDecoderTakesAll else {
                throw JobError("\(setup.modelFolder): an encoder-decoder decodes its own weights and fine-tuned, prefix, embedding, LoRA and adapter runs, not decoder-only rows (a causal-LM prefix or infix); PEFT's seq2seq prefix adapters on it score with lm-score --adapter (PEFT's own generate drops the prefix)")
            }
            return try Seq2SeqGeneration.run(model: setup.modelFolder, prefix: setup.conditioning.encoderDecoderPrefix, lora: setup.conditioning, data: data, settings: settings,
                                             batchSize: batchSize, out: out, progress: progress)
        }
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

/// `prefixlab generate --runs`: the test set of several prefix and embedding runs decoded by
/// one frozen model in mixed batches, each run's outputs as its own `generate --run` gives them.
public enum MixedGenerationJob {
    public struct Run: Sendable {
        public let id: String
        public let setup: DecodingSetup
        public init(id: String, setup: DecodingSetup) { self.id = id; self.setup = setup }
    }

    /// Reads each run's conditioning and refuses what one batch cannot serve: a method that
    /// changes the weights every row reads (fine-tuning, LoRA, adapters) or puts rows after the
    /// prompt (infix), a second run of one id, or a run made for another architecture.
    public static func runs(_ dirs: [(id: String, dir: String)]) throws -> [Run] {
        var seen = Set<String>()
        return try dirs.map { id, dir in
            guard seen.insert(id).inserted else { throw JobError("\(dir): a second run with id \(id); its outputs would overwrite the first's") }
            let record = try RunRecord.read(dir)
            let setup = try RunDecoding.setup(runDir: dir)
            let c = setup.conditioning
            guard c.lora == nil, c.adapters == nil, c.infix == nil, setup.modelFolder == record.spec.model else {
                throw JobError("\(dir): a \(record.spec.method.name) run \(c.infix != nil ? "puts its rows after the prompt" : "changes the model's weights"); one batch serves prefix and embedding runs of one frozen model (generate this one with --run)")
            }
            return Run(id: id, setup: setup)
        }
    }

    /// Decodes `data` once per run with the model at `model` (default: the runs' own, which
    /// must then be one folder); writes `outDir`/<id>.txt and <id>.txt.jsonl. Returns the
    /// outputs and new tokens written.
    @discardableResult
    public static func run(_ runs: [Run], model: String?, data: String, settings: GenerationSettings, batchSize: Int,
                           precision: DecodingPrecision, outDir: String, progress: @escaping (Int, Int) -> Void) throws -> (outputs: Int, newTokens: Int) {
        guard !runs.isEmpty else { throw JobError("--runs names no run") }
        let folders = Set(runs.map(\.setup.modelFolder))
        guard let folder = model ?? (folders.count == 1 ? folders.first : nil) else {
            throw JobError("the runs are tuned on \(folders.count) model folders (\(folders.sorted().joined(separator: ", "))); one batch needs one frozen model: give --model")
        }
        let names = Set(runs.flatMap { [$0.id + ".txt", $0.id + ".txt.jsonl"] })
        try OutputFolder.check(outDir, mayHold: names, what: "these runs' outputs")
        let lm = try LoadedModel.load(folder)
        lm.model.decodingPrecision = precision
        let s = lm.model.shape
        for r in runs {
            let c = r.setup.conditioning
            let expected = c.prefix != nil ? c.prefixRows * 2 * s.layers * s.width : c.embeddingRows * s.width
            let got = c.prefix?.count ?? c.embeddings?.count ?? expected
            guard got == expected else {
                throw JobError("\(r.id): its \(c.prefix != nil ? "prefix" : "virtual tokens") hold \(got) values; \(folder) (\(s.layers) layers of width \(s.width)) needs \(expected)")
            }
        }
        let dataset = try DatasetSpec.load(data)
        let prompts = dataset.examples.map { lm.prompt($0.source) }
        let extra = runs.map(\.setup.conditioning.extraPositions).max() ?? 0
        if let (k, p) = prompts.enumerated().first(where: { $0.1.count + extra + settings.maxNewTokens > s.positions }) {
            throw JobError("\(data): source of example \(dataset.examples[k].id) has \(p.count) tokens; with \(extra) virtual and \(settings.maxNewTokens) new tokens that passes n_positions \(s.positions)")
        }
        let total = prompts.count * runs.count
        try Outputs.checkMemory(model: lm.model, rows: min(batchSize, total) * settings.beams,
                                positions: (prompts.map(\.count).max() ?? 0) + extra + settings.maxNewTokens)
        let outputs = Outputs.decodeMixed(model: lm.model, conditionings: runs.map(\.setup.conditioning), settings: settings,
                                          prompts: prompts, batchSize: batchSize) { progress($0, total) }
        for (r, o) in zip(runs, outputs) {
            try Outputs.write(examples: dataset.examples, outputs: o, tokenizer: lm.tokenizer, to: outDir + "/" + r.id + ".txt")
        }
        return (total, outputs.joined().reduce(0) { $0 + $1.count })
    }
}

/// `prefixlab lm-score`: the NLL of each target given its source, under a model alone or
/// through a PEFT adapter.
public enum ScoringJob {
    public static func score(model dir: String, adapter: String?, pairs: [SourceTargetPair], pairsPath: String) throws -> [SequenceScore] {
        if try HFModelFolder.isEncoderDecoder(dir) {
            guard let s2s = try LoadedSeq2Seq.load(dir) else { throw JobError("\(dir): not an encoder-decoder") }
            var prefix: Seq2SeqPrefix? = nil
            if let adapter {
                let a = try PEFTAdapter.read(adapter)
                if let lora = a.lora, let m = s2s.model as? any LanguageModel {
                    // A LoRA adapter: its updates merged into the weights while scoring.
                    let (shape, values) = try lora.values(for: m.summary, path: adapter)
                    return try Conditioning.lora(shape, values: values).mergingLoRA(into: m) { _ in
                        try Seq2SeqScoring.score(s2s, pairs: pairs, pairsPath: pairsPath)
                    }
                }
                guard a.kind != .lora, a.taskType == "SEQ_2_SEQ_LM" else {
                    throw JobError("\(adapter): a \(a.kind.rawValue) \(a.taskType) adapter; an encoder-decoder reads PEFT's SEQ_2_SEQ_LM PrefixTuning, PromptTuning and LoRA adapters")
                }
                guard a.tokenDim == s2s.model.shape.width else {
                    throw JobError("\(adapter): token_dim \(a.tokenDim); this model's d_model is \(s2s.model.shape.width)")
                }
                if a.kind == .promptTuning {
                    // PEFT's seq2seq prompt tuning: the first P rows before the document's embeddings.
                    prefix = Seq2SeqPrefix(P: a.virtualTokens, encoderEmbeddings: a.embeddings)
                } else {
                    do { prefix = try s2s.model.peftDecoderPrefix(embeddings: a.embeddings, P: a.virtualTokens, adapterLayers: a.numLayers) }
                    catch let e as ModelError { throw JobError("\(adapter): \(e.message)") }
                }
            }
            return try Seq2SeqScoring.score(s2s, pairs: pairs, pairsPath: pairsPath, prefix: prefix)
        }
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
            throw JobError("\(runDir): \("aeiou".contains(method.name.first ?? "x") ? "an" : "a") \(method.name) run exports with --format \(own)\(own == "bottleneck" ? " (PEFT has no bottleneck adapter type)" : "")")
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
