import Decoding
import Events
import Foundation
import JSON
import Metrics
import Models
import Specs
import Support
import Text
import Tuning
#if canImport(Glibc)
import Glibc
#endif

/// Where a training job reports as it goes (the CLI's progress line; a test's collector).
/// Events go to the run folder regardless.
public protocol TrainingReporter: AnyObject {
    func step(_ s: TrainerStep)
    func line(_ text: String)
}

/// A training run from its spec to its last event: the data and model loaded and checked, the
/// run folder, the trainer, checkpoints, validation, pause and cancel between steps, the test
/// evaluation, and the status in run.json. Commands and the run manager only build specs and
/// call one of the three entry points.
public enum TrainingJob {
    public static let codeVersion = "prefixlab 0.1.0"

    /// A new run in a new folder `out`. Everything that can be refused is checked before the
    /// folder exists, so a run that cannot start leaves nothing behind.
    public static func start(_ spec: RunSpec, out: String, group: String?, commandLine: [String], reporter: TrainingReporter) throws {
        if FileManager.default.fileExists(atPath: out) {
            throw JobError("\(out): run folder exists; choose another --out, or continue it with --resume \(out)")
        }
        let spec = spec.withAbsolutePaths()
        let run = try PreparedRun(spec)
        let trainer = run.makeTrainer()
        try trainer.tm.state.initialize(seed: spec.training.seed, encode: run.lm.tokenizer.encode)
        run.noteCap(trainer, reporter)
        let folder = try RunFolder.create(path: out, info: try runInfo(spec, id: (out as NSString).lastPathComponent, status: .running,
                                                                     group: group, commandLine: commandLine))
        try folder.lock(for: "training")
        folder.append(.started(totalSteps: trainer.totalSteps, method: spec.method.name, trainableParams: trainer.tm.params.trainableCount))
        reporter.line("\(folder.id): \(spec.method.name), \(trainer.tm.params.trainableCount) trainable parameters, \(trainer.totalSteps) steps")
        try train(run, trainer, folder: folder, reporter: reporter)
    }

    /// A queued run: its folder with run.json (status `queued`, the spec) and nothing else;
    /// `resume` starts it. What the run manager does when a run is launched.
    /// `engine`: another engine that trains it (run.json's `engine`, `launcher`, `device`, `precision`).
    public static func queue(_ spec: RunSpec, at dir: String, group: String?, commandLine: [String], engine: EngineChoice? = nil) throws {
        if FileManager.default.fileExists(atPath: dir) { throw JobError("\(dir): run folder exists") }
        _ = try MethodRegistry.method(spec.method)
        var info = try runInfo(spec.withAbsolutePaths(), id: (dir as NSString).lastPathComponent, status: .queued, group: group, commandLine: commandLine)
        if let engine {
            info += [("engine", .string(engine.name)), ("launcher", engine.launcher.map { .string($0) } ?? .null),
                     ("device", engine.device.map { .string($0) } ?? .null), ("precision", .string(engine.precision.rawValue))]
        }
        _ = try RunFolder.create(path: dir, info: info)
    }

    /// Continues the run in `dir` from its last checkpoint, exactly; a run that never reached a
    /// checkpoint (queued, or killed before its first) starts from step 0 in place, from its spec.
    /// `maxSteps` replaces the spec's cap (and is recorded in run.json).
    public static func resume(_ dir: String, maxSteps: Int?, reporter: TrainingReporter) throws {
        let folder = try RunFolder.open(path: dir)
        try folder.lock(for: "training")  // before anything is read: a second trainer stops here
        let record = try RunRecord.read(dir)
        var spec = record.spec
        if let maxSteps { spec.training.maxSteps = maxSteps }
        CheckpointIO.removeLeftovers(root: dir + "/checkpoints")
        var checkpoint: (step: Int, path: String)? = nil
        do {
            let run = try PreparedRun(spec)
            var trainer = run.makeTrainer()
            run.noteCap(trainer, reporter)
            // The newest checkpoint that reads whole; a damaged one is named and skipped.
            let all = CheckpointIO.steps(runDir: dir)
            for c in all.reversed() {
                do { try CheckpointIO.load(trainer, from: c.path); checkpoint = c; break } catch {
                    let note = "checkpoint \((c.path as NSString).lastPathComponent) is damaged (\(error)); using an older one"
                    reporter.line(note)
                    folder.append(.log(note))
                    trainer = run.makeTrainer()  // a load cut short may have changed some tensors
                }
            }
            if checkpoint == nil && !all.isEmpty {
                let note = "no intact checkpoint (\(all.count) damaged); starting again from step 0"
                reporter.line(note)
                folder.append(.log(note))
            }
            if let checkpoint {
                if trainer.step >= trainer.totalSteps {
                    reporter.line("\(folder.id): already at step \(trainer.step) of \(trainer.totalSteps); nothing to do")
                    return
                }
            } else {
                try trainer.tm.state.initialize(seed: spec.training.seed, encode: run.lm.tokenizer.encode)
            }
            try folder.update([("status", .string(RunStatus.running.rawValue)), ("pid", .number(Double(getpid()))),
                               ("config", try specJSON(spec)), ("error", .null)])
            if let checkpoint {
                folder.append(.resumed(step: trainer.step))
                reporter.line("\(folder.id): resuming from step \(trainer.step) (\(checkpoint.path))")
            } else {
                folder.append(.started(totalSteps: trainer.totalSteps, method: spec.method.name, trainableParams: trainer.tm.params.trainableCount))
                reporter.line("\(folder.id): no checkpoint yet; starting from step 0, \(trainer.totalSteps) steps")
            }
            try train(run, trainer, folder: folder, reporter: reporter)
        } catch let e as TrainingFailure {
            throw e
        } catch {
            // It could not start: say so where the workbench and `runs list` look.
            try? folder.update([("status", .string(RunStatus.failed.rawValue)), ("error", .string("\(error)"))])
            folder.append(.failed(step: checkpoint?.step ?? 0, error: "\(error)"))
            throw error
        }
    }

    /// The loop, its events and its ending. A failure after the start marks the run failed.
    static func train(_ run: PreparedRun, _ trainer: Trainer, folder: RunFolder, reporter: TrainingReporter) throws {
        let spec = run.spec, lm = run.lm
        if !run.data.validExamples.isEmpty {
            let sample = run.data.validExamples
            trainer.validationScore = { t in
                (try? lm.sourceDecoder(conditioning: t.tm.state.currentConditioning())).map {
                    ValidationBLEU.score(decoder: $0, examples: sample, maxNewTokens: spec.evaluation.maxNewTokens)
                } ?? 0
            }
        }
        let control = StopRequests(runDir: folder.path)
        do {
            let outcome = try trainer.run(checkpoint: { try CheckpointIO.save($0, runDir: folder.path, baseModelDir: spec.model) }) { event in
                switch event {
                case .step(let s):
                    folder.append(.step(.init(step: s.step, totalSteps: s.totalSteps, epoch: s.epoch, loss: s.loss, lr: Double(s.lr),
                                              tokensPerS: (Double(s.tokens) / max(s.seconds, 1e-9) * 10).rounded() / 10, gradNorm: s.gradNorm)))
                    reporter.step(s)
                    if control.check() != nil { return false }
                case .validation(let step, let loss, let score, let improved):
                    folder.append(.validation(step: step, loss: loss, metrics: score.map { ["BLEU": $0] } ?? [:]))
                    reporter.line(String(format: "step %d: validation loss %.4f%@%@", step, loss,
                                         score.map { String(format: ", BLEU %.2f on %d sources", $0 * 100, run.data.validExamples.count) } ?? "",
                                         improved ? " (best)" : ""))
                case .checkpoint(let step, let path):
                    folder.append(.checkpoint(step: step, path: path))
                case .log(let text):
                    folder.append(.log(text))
                    reporter.line(text)
                }
                return true
            }
            if outcome == .cancelled, let request = control.requested {
                // Checkpointed by the trainer on the way out; a paused run resumes with --resume.
                control.clear()
                if request == .pause {
                    try folder.update([("status", .string(RunStatus.paused.rawValue)), ("steps_done", .number(Double(trainer.step)))])
                    folder.append(.paused(step: trainer.step))
                    reporter.line("\(folder.id): paused at step \(trainer.step); continue with prefixlab train --resume \(folder.path)")
                } else {
                    try folder.update([("status", .string(RunStatus.cancelled.rawValue)), ("steps_done", .number(Double(trainer.step)))])
                    folder.append(.finished(step: trainer.step, outcome: "cancelled"))
                    reporter.line("\(folder.id): cancelled at step \(trainer.step)")
                }
                return
            }
            if spec.evaluation.test { try evaluateTest(run, trainer, folder: folder, reporter: reporter) }
            try folder.update([("status", .string(RunStatus.done.rawValue)), ("steps_done", .number(Double(trainer.step)))])
            folder.append(.finished(step: trainer.step, outcome: outcome == .stoppedEarly ? "early_stop" : outcome == .cancelled ? "cancelled" : "completed"))
            let best = trainer.bestValidScore.map { String(format: ", best validation BLEU %.2f", $0 * 100) }
                ?? trainer.bestValidLoss.map { String(format: ", best validation loss %.4f", $0) } ?? ""
            reporter.line("\(folder.id): done at step \(trainer.step)" + best)
        } catch {
            try? folder.update([("status", .string(RunStatus.failed.rawValue)), ("error", .string("\(error)"))])
            folder.append(.failed(step: trainer.step, error: "\(error)"))
            throw TrainingFailure(description: "\(folder.id): \(error)")
        }
    }

    /// The test split from the best checkpoint, else the current parameters.
    static func evaluateTest(_ run: PreparedRun, _ t: Trainer, folder: RunFolder, reporter: TrainingReporter) throws {
        let best = folder.path + "/checkpoints/best"
        var lm = run.lm
        var conditioning = t.tm.state.currentConditioning()
        var from = "current parameters (step \(t.step))"
        if FileManager.default.fileExists(atPath: best) {
            from = (try? FileManager.default.destinationOfSymbolicLink(atPath: best)) ?? "best"
            let setup = try t.tm.method.decoding(checkpoint: best, baseModel: run.spec.model)
            conditioning = setup.conditioning
            if setup.modelFolder != run.spec.model { lm = try TrainableModel.load(setup.modelFolder) }
        }
        try EvaluationJob.run(folder: folder, decoder: try lm.sourceDecoder(conditioning: conditioning), from: from,
                              examples: run.data.testExamples, settings: run.spec.evaluation,
                              summaries: run.spec.test.map(DatasetSpec.holdsSummaries) ?? false, log: reporter.line)
    }

    /// run.json's fields for a new run.
    static func runInfo(_ spec: RunSpec, id: String, status: RunStatus, group: String?, commandLine: [String]) throws -> [(String, JSONValue)] {
        func file(_ path: String) -> JSONValue { .object([("path", .string(path)), ("hash", .string(RunFolder.fileHash(path) ?? ""))]) }
        var data: [(String, JSONValue)] = [("train", file(spec.train))]
        if let v = spec.valid { data.append(("valid", file(v))) }
        return [
            ("id", .string(id)),
            ("status", .string(status.rawValue)),
            ("command_line", .array(commandLine.map { .string($0) })),
            ("config", try specJSON(spec)),
            ("model", .object([("path", .string(spec.model)), ("hash", .string(RunFolder.fileHash(spec.model + "/model.safetensors") ?? ""))])),
            ("data", .object(data)),
            ("code_version", .string(codeVersion)),
            ("group", group.map { .string($0) } ?? .null),
            ("pid", .number(Double(getpid()))),
        ]
    }

    static func specJSON(_ spec: RunSpec) throws -> JSONValue { try JSONParser.parse(try spec.jsonText()) }
}

/// A run that failed after it started: already recorded in its folder.
struct TrainingFailure: Error, CustomStringConvertible { let description: String }

/// A spec with its model and data, loaded and checked: nothing on disk created yet.
struct PreparedRun {
    let spec: RunSpec
    let method: any TuningMethod
    let lm: TrainableModel
    let data: TrainingData

    /// Why `method` cannot train on an encoder-decoder (nil: it can): infix rows sit between a
    /// sequence's source and its target, and an encoder-decoder has no such place.
    static func encoderDecoderRefusal(_ method: any TuningMethod, model: String) -> JobError? {
        method is Infix ? JobError("\(model): infix rows sit between the source and the target of one sequence; an encoder-decoder (BART) has no such place: use --method prefix (its --prefix-kinds decoder is the nearest)") : nil
    }

    init(_ spec: RunSpec) throws {
        self.spec = spec
        method = try MethodRegistry.method(spec.method)
        lm = try TrainableModel.load(spec.model)
        if lm.encoderDecoder != nil, let refusal = PreparedRun.encoderDecoderRefusal(method, model: spec.model) { throw refusal }
        data = try TrainingData.load(spec, model: lm, method: method)
        try method.check(against: lm.model.summary)
        try checkMemory()
    }

    /// The training graph and the trained parameters must fit this machine: a batch size or
    /// an MLP width that would not is refused here, before anything is allocated.
    func checkMemory() throws {
        let layout = method.layout, maxT = (data.train + data.valid).map(\.length).max() ?? 1
        let summary = lm.model.summary
        let graph = lm.model.trainingGraphBytes(maxBatch: spec.training.batchSize, maxT: maxT + layout.leadingEmbeddings,
                                                maxVirtual: layout.keyValueRows, additions: method.additions(for: summary), dropout: true)
        let params = 16 * Double(method.trainedParameters(summary))  // values, gradients, two moments
        let available = MachineMemory.bytes
        guard graph + params < 0.85 * available else {
            throw JobError("this run needs about \(MachineMemory.text(graph + params)) (activations for --batch-size \(spec.training.batchSize) × \(maxT) positions: \(MachineMemory.text(graph)); \(method.trainedParameters(summary)) trained parameters: \(MachineMemory.text(params))) but this machine has \(MachineMemory.text(available)); lower --batch-size (or the method's sizes)")
        }
    }

    /// A cap past the schedule's end stops at the end: the learning rate is zero after it.
    func noteCap(_ t: Trainer, _ reporter: TrainingReporter) {
        if let cap = spec.training.maxSteps, cap > t.totalSteps {
            reporter.line("note: --max-steps \(cap) is past the learning-rate schedule's \(t.totalSteps) steps (--epochs \(spec.training.epochs)); the run ends at step \(t.totalSteps)")
        }
    }

    func makeTrainer() -> Trainer {
        Trainer(model: lm.model, config: TrainingConfig(method: method, training: spec.training), train: data.train, valid: data.valid)
    }
}

extension RunSpec {
    /// The spec with relative model and data paths made absolute against the current folder,
    /// so the run resumes from anywhere (a dataset's `:split` suffix is kept).
    public func withAbsolutePaths() -> RunSpec {
        let cwd = FileManager.default.currentDirectoryPath
        func abs(_ p: String) -> String { p.hasPrefix("/") ? p : cwd + "/" + p }
        var s = self
        s.model = abs(model); s.train = abs(train); s.valid = valid.map(abs); s.test = test.map(abs)
        return s
    }
}
