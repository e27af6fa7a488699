import ArgumentParser
import Foundation
import JSON
import Models
import Decoding
import Metrics
import Runs
import Text
import Tuning

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train headless: fine-tuning, prefix-tuning, embedding-only or infix.",
        discussion: """
        Data arguments take dataset specs (JSONL of {"source", "target"}, E2E CSV, WebNLG XML folder:split,
        DART JSON); every reference of an example is one training pair. The loss covers the target tokens and the
        final eos of source + [eos] + " " + target + [eos], as lm-score scores them.
        --max-steps caps the run at N optimizer steps in total (a resumed run included); the learning-rate
        schedule always spans --epochs, so a run stopped and resumed is the same run as one never stopped.
        Suggested learning rates: prefix 5e-5 to 8e-5 (the paper's), embedding 1e-3 to 1e-2 (prompt
        tuning needs far larger steps), finetune 5e-5.
        """
    )

    @Option(help: "Hugging Face GPT-2 folder.") var model: String?
    @Option(help: "Training data: a dataset spec (JSONL pairs, E2E CSV, WebNLG folder:split, DART JSON).") var train: String?
    @Option(help: "Validation data: a dataset spec.") var valid: String?
    @Option(help: "finetune, prefix, embedding or infix.") var method: String?
    @Option(help: "Run folder to create (parents are created).") var out: String?
    @Option(help: "Continue the run in this folder from its last checkpoint.") var resume: String?
    @Option(help: "The paper's settings: e2e, webnlg or dart (explicit options override).") var preset: String?
    @Option(help: "Ablation group the run belongs to (the workbench shows a group together).") var group: String?

    @Option(name: .customLong("prefix-length")) var prefixLength: Int?
    @Option(help: "mlp (default) or none.") var reparam: String?
    @Option(name: .customLong("mid-dim")) var midDim: Int?
    @Option(help: "random (default) or words:TEXT.") var `init`: String?
    @Option(name: .customLong("init-adapter"), help: "Start from a PEFT adapter (implies --reparam none).") var initAdapter: String?
    @Option(name: .customLong("prefix-dropout")) var prefixDropout: Float?
    @Option(help: "Dropout inside GPT-2 for finetune (0.1 in GPT-2).") var dropout: Float?
    @Option(name: .customLong("train-layers"), help: "finetune only: top:N trains the top N layers.") var trainLayers: String?

    @Option var lr: Float?
    @Option(name: .customLong("weight-decay")) var weightDecay: Float?
    @Option(name: .customLong("warmup-steps")) var warmupSteps: Int?
    @Option(name: .customLong("batch-size")) var batchSize: Int?
    @Option var epochs: Int?
    @Option(name: .customLong("max-steps")) var maxSteps: Int?
    @Option(name: .customLong("schedule-steps"), help: "Length of the learning-rate schedule in steps (default: --epochs).") var scheduleSteps: Int?
    @Option(name: .customLong("copy-share"), help: "Pretraining: add synthetic copy documents (random ids of the whole vocabulary, a span then the same span again) making up this share of the training set.") var copyShare: Double?
    @Option(name: .customLong("copy-span"), help: "MIN-MAX tokens in a copy document's span (default 4-24).") var copySpan: String?
    @Option(name: .customLong("grad-accum")) var gradAccum: Int?
    @Option var seed: UInt64?
    @Option(name: .customLong("loss-reduction"), help: "token (default) or sequence.") var lossReduction: String?
    @Option(name: .customLong("checkpoint-every")) var checkpointEvery: Int?
    @Option(name: .customLong("keep-checkpoints")) var keepCheckpoints: Int?
    @Option(name: .customLong("eval-every")) var evalEvery: Int?
    @Option(name: .customLong("early-stop")) var earlyStop: Int?
    @Option(name: .customLong("eval-bleu"), help: "At each evaluation, BLEU of greedy outputs on the first K validation sources (0: off); the best checkpoint then follows BLEU.") var evalBLEU: Int = 0
    @Option(help: "Test data (dataset spec) for --eval-test.") var test: String?
    @Flag(name: .customLong("eval-test"), help: "At the end, generate the test split from the best checkpoint and score it (outputs/test.txt, metrics.json).") var evalTest = false
    @Option(name: .customLong("eval-beam"), help: "Beam size for --eval-test.") var evalBeam: Int = 5
    @Option(name: .customLong("eval-max-new-tokens")) var evalMaxNewTokens: Int = 64
    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        let progress = TrainProgress()
        var existing: RunFolder? = nil
        var config: TrainingConfig
        let modelDir: String, trainPath: String, validPath: String?
        if let resume {
            let run = try RunFolder.open(path: resume)
            existing = run
            guard let cfgValue = run["config"] else { throw CLIError("\(resume)/run.json: no config") }
            config = try runConfigDecoder().decode(TrainingConfig.self, from: Data(cfgValue.serialized.utf8))
            if let maxSteps { config.maxSteps = maxSteps }
            guard let m = run["model"]?["path"]?.string, let t = run["data"]?["train"]?["path"]?.string else {
                throw CLIError("\(resume)/run.json: model or training data path missing")
            }
            modelDir = m; trainPath = t; validPath = run["data"]?["valid"]?["path"]?.string
        } else {
            guard let model, let train, let out else { throw CLIError("train needs --model, --train and --out (or --resume RUN_DIR)") }
            if FileManager.default.fileExists(atPath: out) {
                throw CLIError("\(out): run folder exists; choose another --out, or continue it with --resume \(out)")
            }
            config = try buildConfig()
            modelDir = model; trainPath = train; validPath = valid
        }
        try validate(config)

        let gpt = try HFModelFolder.load(modelDir)
        let tokenizer = try TokenizerFiles.load(folder: modelDir)
        let eos = Int32(gpt.config.eosTokenId)
        func load(_ path: String) throws -> [TokenizedExample] {
            // A dataset spec: JSONL pairs, E2E CSV, WebNLG folder:split, DART JSON; one pair per reference.
            let pairs = try DatasetSpec.load(path).pairs
            guard !pairs.isEmpty else { throw CLIError("\(path): contains no (source, reference) pairs") }
            return try pairs.enumerated().map { n, p in
                let e = TokenizedExample(source: tokenizer.encode(p.source), target: tokenizer.encode(" " + p.target))
                let need = BatchBuilder.positionsNeeded(e, options: config.method)
                guard need <= gpt.config.nPositions else {
                    throw CLIError("\(path): pair \(n + 1) needs \(need) positions (\(e.length) tokens\(config.method.method == .finetune ? "" : " + prefix \(config.method.prefixLength)")), more than n_positions \(gpt.config.nPositions)")
                }
                return e
            }
        }
        var trainSet = try load(trainPath)
        if let copy = config.syntheticCopy {
            guard 2 * copy.maxSpan + 2 <= gpt.config.nPositions else { throw CLIError("--copy-span: a copy document of 2×\(copy.maxSpan) tokens does not fit n_positions \(gpt.config.nPositions)") }
            trainSet += copy.documents(count: copy.count(corpusCount: trainSet.count), vocabSize: gpt.config.vocabSize, eos: eos, seed: config.seed)
        }
        let validSet = try validPath.map(load) ?? []
        let validExamples = try validPath.map { try DatasetSpec.load($0).examples } ?? []
        if evalBLEU > 0 && validExamples.isEmpty { throw CLIError("--eval-bleu needs --valid") }
        if evalTest && test == nil { throw CLIError("--eval-test needs --test SPEC") }
        let testExamples = try test.map { try DatasetSpec.load($0).examples } ?? []
        if config.method.prefixLength >= gpt.config.nPositions {
            throw CLIError("--prefix-length \(config.method.prefixLength) leaves no positions for tokens (n_positions \(gpt.config.nPositions))")
        }
        // Everything that can be refused is checked before the run folder exists.
        let startAdapter = try resume == nil ? initAdapter.map { try checkedAdapter($0, config: config, model: gpt.config) } : nil

        let run = try existing ?? RunFolder.create(path: out!, info: [
                ("id", .string((out! as NSString).lastPathComponent)),
                ("status", .string("running")),
                ("command_line", .array((Train.recordedCommandLine ?? CommandLine.arguments).map { .string($0) })),
                ("config", try JSONParser.parse(String(decoding: runConfigEncoder().encode(config), as: UTF8.self))),
                ("model", .object([("path", .string(absolute(modelDir))),
                                   ("hash", .string(RunFolder.fileHash(modelDir + "/model.safetensors") ?? ""))])),
                ("data", .object([("train", fileInfo(trainPath))] + (validPath.map { [("valid", fileInfo($0))] } ?? []))),
                ("code_version", .string(PrefixLab.version)),
                ("group", group.map { .string($0) } ?? .null),
                ("pid", .number(Double(getpid()))),
            ])
        let trainer = Trainer(model: gpt, config: config, train: trainSet, valid: validSet, eos: eos)
        if resume != nil {
            guard let last = CheckpointIO.steps(runDir: run.path).last else {
                throw CLIError("\(run.path): no checkpoint to resume from")
            }
            try CheckpointIO.load(trainer, from: last.path)
            if trainer.step >= trainer.totalSteps {
                progress.line("\(run.id): already at step \(trainer.step) of \(trainer.totalSteps); nothing to do")
                return
            }
            try run.update([("status", .string("running")), ("pid", .number(Double(getpid())))])
            run.append(.resumed(step: trainer.step))
            progress.line("\(run.id): resuming from step \(trainer.step) (\(last.path))")
        } else {
            try initialise(trainer, model: gpt, tokenizer: tokenizer, adapter: startAdapter)
            run.append(.started(totalSteps: trainer.totalSteps, method: config.method.method.rawValue,
                                trainableParams: trainer.tm.params.trainableCount))
            progress.line("\(run.id): \(config.method.method.rawValue), \(trainer.tm.params.trainableCount) trainable parameters, \(trainer.totalSteps) steps")
        }

        if evalBLEU > 0 {
            let sample = Array(validExamples.prefix(evalBLEU))
            let prompts = sample.map { tokenizer.encode($0.source) + [eos] }
            trainer.validationScore = { t in
                var s = GenerationSettings()
                s.maxNewTokens = evalMaxNewTokens
                s.beams = 1
                let outs = decodeAll(model: t.tm.model, conditioning: currentConditioning(t), settings: s, prompts: prompts, batchSize: 16)
                return MTEval.score(hypotheses: outs.map { outputText($0, tokenizer: tokenizer) }, references: sample.map(\.references)).bleu
            }
        }
        let control = StopRequests(runDir: run.path)
        do {
            let outcome = try trainer.run(checkpoint: { try CheckpointIO.save($0, runDir: run.path, baseModelDir: modelDir) }) { event in
                switch event {
                case .step(let s):
                    run.append(.step(.init(step: s.step, totalSteps: s.totalSteps, epoch: s.epoch, loss: s.loss, lr: Double(s.lr),
                                           tokensPerS: (Double(s.tokens) / max(s.seconds, 1e-9) * 10).rounded() / 10, gradNorm: s.gradNorm)))
                    progress.step(s)
                    if control.check() != nil { return false }
                case .validation(let step, let loss, let score, let improved):
                    run.append(.validation(step: step, loss: loss, metrics: score.map { ["BLEU": $0] } ?? [:]))
                    progress.line(String(format: "step %d: validation loss %.4f%@%@", step, loss,
                                         score.map { String(format: ", BLEU %.4f on %d sources", $0, evalBLEU) } ?? "", improved ? " (best)" : ""))
                case .checkpoint(let step, let path):
                    run.append(.checkpoint(step: step, path: path))
                case .log(let text):
                    run.append(.log(text))
                    progress.line(text)
                }
                return true
            }
            if outcome == .cancelled, let request = control.requested {
                // Checkpointed by the trainer on the way out; a paused run resumes with --resume.
                control.clear()
                if request == .pause {
                    try run.update([("status", .string("paused")), ("steps_done", .number(Double(trainer.step)))])
                    run.append(.paused(step: trainer.step))
                    progress.line("\(run.id): paused at step \(trainer.step); continue with prefixlab train --resume \(run.path)")
                } else {
                    try run.update([("status", .string("cancelled")), ("steps_done", .number(Double(trainer.step)))])
                    run.append(.finished(step: trainer.step, outcome: "cancelled"))
                    progress.line("\(run.id): cancelled at step \(trainer.step)")
                }
                return
            }
            if evalTest {
                try evaluateTest(trainer, run: run, examples: testExamples, tokenizer: tokenizer, eos: eos, progress: progress)
            }
            try run.update([("status", .string("done")), ("steps_done", .number(Double(trainer.step)))])
            run.append(.finished(step: trainer.step, outcome: outcome == .stoppedEarly ? "early_stop" : outcome == .cancelled ? "cancelled" : "completed"))
            let best = trainer.bestValidScore.map { String(format: ", best validation BLEU %.4f", $0) }
                ?? trainer.bestValidLoss.map { String(format: ", best validation loss %.4f", $0) } ?? ""
            progress.line("\(run.id): done at step \(trainer.step)" + best)
        } catch {
            try? run.update([("status", .string("failed")), ("error", .string("\(error)"))])
            run.append(.failed(step: trainer.step, error: "\(error)"))
            throw CLIError("\(run.id): \(error)")
        }
    }

    /// The command line run.json records when train runs inside another command (`run`
    /// records the equivalent `prefixlab train ...`, which reproduces the run on its own).
    nonisolated(unsafe) static var recordedCommandLine: [String]? = nil

    func fileInfo(_ path: String) -> JSONValue {
        .object([("path", .string(absolute(path))), ("hash", .string(RunFolder.fileHash(path) ?? ""))])
    }

    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    func buildConfig() throws -> TrainingConfig {
        var c: TrainingConfig
        if let preset {
            guard let p = TrainingConfig.preset(preset) else {
                throw CLIError("--preset \(preset): expected one of \(TrainingConfig.presetNames.joined(separator: ", "))")
            }
            c = p
        } else {
            c = TrainingConfig(method: MethodOptions(method: .prefix))
        }
        if let method {
            guard let m = TrainingMethod(rawValue: method) else {
                throw CLIError("--method \(method): unknown method; expected finetune, prefix, embedding or infix")
            }
            c.method.method = m
        } else if preset == nil {
            throw CLIError("train needs --method (finetune, prefix, embedding or infix) or --preset")
        }
        if let prefixLength { c.method.prefixLength = prefixLength }
        if let reparam {
            guard let r = Reparameterization(rawValue: reparam) else { throw CLIError("--reparam \(reparam): expected mlp or none") }
            c.method.reparam = r
        }
        if initAdapter != nil { c.method.reparam = .none }
        if let midDim { c.method.midDim = midDim }
        if let trainLayers {
            guard c.method.method == .finetune, trainLayers.hasPrefix("top:"), let n = Int(trainLayers.dropFirst(4)), n >= 1 else {
                throw CLIError("--train-layers \(trainLayers): expected top:N with N ≥ 1, for --method finetune")
            }
            c.method.trainTopLayers = n
        }
        if let lr { c.learningRate = lr }
        if let weightDecay { c.weightDecay = weightDecay }
        if let warmupSteps { c.warmupSteps = warmupSteps }
        if let batchSize { c.batchSize = batchSize }
        if let epochs { c.epochs = epochs }
        c.maxSteps = maxSteps
        c.scheduleLength = scheduleSteps
        if let gradAccum { c.gradAccum = gradAccum }
        if let seed { c.seed = seed }
        if let lossReduction {
            guard let r = LossReduction(rawValue: lossReduction) else { throw CLIError("--loss-reduction \(lossReduction): expected token or sequence") }
            c.lossReduction = r
        }
        if let checkpointEvery { c.checkpointEvery = checkpointEvery }
        if let keepCheckpoints { c.keepCheckpoints = keepCheckpoints }
        c.evalEvery = evalEvery
        c.earlyStop = earlyStop
        if let prefixDropout { c.prefixDropout = prefixDropout }
        if let `init` { c.initialization = `init` }
        if let dropout { c.dropout = dropout }
        if let copyShare {
            guard (0..<1).contains(copyShare) else { throw CLIError("--copy-share must be in [0, 1), got \(copyShare)") }
            let bounds = (copySpan ?? "4-24").split(separator: "-").compactMap { Int($0) }
            guard bounds.count == 2, bounds[0] >= 1, bounds[1] >= bounds[0] else { throw CLIError("--copy-span \(copySpan ?? ""): expected MIN-MAX with 1 ≤ MIN ≤ MAX") }
            c.syntheticCopy = SyntheticCopy(share: copyShare, minSpan: bounds[0], maxSpan: bounds[1])
        } else if copySpan != nil {
            throw CLIError("--copy-span needs --copy-share")
        }
        return c
    }

    func validate(_ c: TrainingConfig) throws {
        if c.method.method != .finetune && c.method.prefixLength < 1 { throw CLIError("--prefix-length must be at least 1, got \(c.method.prefixLength)") }
        guard c.learningRate > 0, c.learningRate.isFinite else { throw CLIError("--lr must be positive, got \(c.learningRate)") }
        guard c.batchSize >= 1 else { throw CLIError("--batch-size must be at least 1") }
        guard c.epochs >= 1 else { throw CLIError("--epochs must be at least 1") }
        guard c.gradAccum >= 1 else { throw CLIError("--grad-accum must be at least 1") }
        guard c.maxSteps.map({ $0 >= 1 }) ?? true else { throw CLIError("--max-steps must be at least 1") }
        guard c.scheduleLength.map({ $0 > c.warmupSteps }) ?? true else { throw CLIError("--schedule-steps must exceed --warmup-steps") }
        guard c.checkpointEvery >= 1, c.keepCheckpoints >= 1 else { throw CLIError("--checkpoint-every and --keep-checkpoints must be at least 1") }
        guard c.method.midDim >= 1 else { throw CLIError("--mid-dim must be at least 1") }
        guard (0..<1).contains(c.prefixDropout) else { throw CLIError("--prefix-dropout must be in [0, 1)") }
        guard (0..<1).contains(c.dropout) else { throw CLIError("--dropout must be in [0, 1)") }
        guard c.initialization == "random" || c.initialization.hasPrefix("words:") else {
            throw CLIError("--init \(c.initialization): expected random or words:TEXT")
        }
        if c.method.method == .finetune && (c.initialization != "random" || initAdapter != nil) {
            throw CLIError("--init and --init-adapter apply to prefix, embedding and infix, not finetune")
        }
    }

    func checkedAdapter(_ dir: String, config: TrainingConfig, model: GPT2Config) throws -> PEFTAdapter {
        let a = try PEFTAdapter.read(dir)
        try a.check(against: model, path: dir)
        let wantKind: PEFTAdapter.Kind = config.method.method == .embedding ? .promptTuning : .prefixTuning
        guard a.kind == wantKind, a.virtualTokens == config.method.prefixLength, config.method.method != .infix else {
            throw CLIError("\(dir): a \(a.kind.rawValue) adapter of \(a.virtualTokens) virtual tokens; --method \(config.method.method.rawValue) with --prefix-length \(config.method.prefixLength) needs \(wantKind.rawValue) with \(config.method.prefixLength)")
        }
        return a
    }

    func initialise(_ trainer: Trainer, model: GPT2Model, tokenizer: BPETokenizer, adapter: PEFTAdapter?) throws {
        guard let encoder = trainer.tm.encoder else { return }
        if let a = adapter {
            a.embeddings.withUnsafeBufferPointer { encoder.params.value("embedding.weight").update(from: $0.baseAddress!, count: $0.count) }
        } else if trainer.config.initialization.hasPrefix("words:") {
            encoder.randomInit(seed: trainer.config.seed)
            let text = String(trainer.config.initialization.dropFirst("words:".count))
            let ids = tokenizer.encode(text)
            guard !ids.isEmpty else { throw CLIError("--init words: needs some text") }
            PrefixInit.fromWords(encoder, model: model, tokens: ids)
        } else {
            encoder.randomInit(seed: trainer.config.seed)
        }
    }
}

/// run.json stores the config with snake_case keys, like the Hugging Face files beside it.
func runConfigEncoder() -> JSONEncoder {
    let e = JSONEncoder()
    e.keyEncodingStrategy = .convertToSnakeCase
    e.outputFormatting = .sortedKeys
    return e
}

func runConfigDecoder() -> JSONDecoder {
    let d = JSONDecoder()
    d.keyDecodingStrategy = .convertFromSnakeCase
    return d
}
