import Foundation
import JSON
import Models
import Specs
import Support
import Text
import Tuning

/// Language-model pretraining of a GPT-2-architecture model through the same engine and run
/// store as `train`: the documents become (empty source, document) pairs, so every document
/// token and its final eos are scored after a leading eos (GPT-2's own document format); a
/// JSONL `source`/`target` line stays a pair. OUT gets the model folder, OUT/init the random
/// start, OUT/corpus.jsonl the pairs, OUT/run the run.
public struct PretrainJob {
    public var nLayer = 4, nEmbd = 128, nHead = 4, nPositions = 256
    public var corpus: [String] = []
    public var tokenizer: String?
    public var out: String
    public var maxSteps = 1000, batchSize = 16, warmupSteps = 100, checkpointEvery = 200
    public var lr = 1e-3
    public var seed: UInt64 = 42
    public var dtype: DType = .F32
    public var sinusoidalPositions = false
    public var initModel: String?
    public var copyShare: Double?
    public var copySpan: String?

    public init(out: String) { self.out = out }

    var runDir: String { out + "/run" }

    /// A new pretraining run. Everything is checked before OUT is created, and an existing OUT
    /// is refused: it may hold a model.
    public func start(reporter: TrainingReporter) throws {
        let fm = FileManager.default
        if fm.fileExists(atPath: out) {
            throw JobError("\(out) exists; pretrain writes a new model folder (continue a pretraining run with --resume)")
        }
        guard let tokenizerDir = tokenizer ?? initModel else { throw JobError("pretrain needs --tokenizer DIR (or --init-model DIR)") }
        guard !corpus.isEmpty else { throw JobError("pretrain needs --corpus FILE...") }
        let tok = try TokenizerFiles.load(folder: tokenizerDir)
        let model: GPT2Model
        if let initModel {
            model = try GPT2Model.load(initModel)
            guard model.config.vocabSize >= tok.vocabSize else { throw JobError("\(initModel): vocabulary \(model.config.vocabSize) < the tokenizer's \(tok.vocabSize)") }
        } else {
            var cfg = GPT2Config(nLayer: nLayer, nHead: nHead, nEmbd: nEmbd, nPositions: nPositions, vocabSize: tok.vocabSize)
            cfg.eosTokenId = Int(tok.eosId)  // a pruned vocabulary puts it elsewhere than 50256
            cfg.bosTokenId = Int(tok.eosId)
            try cfg.validate(path: "pretrain")
            let bytes = 16 * Double(GPT2Layout(cfg).total)  // weights, gradients, two moments
            guard bytes < 0.85 * MachineMemory.bytes else {
                throw JobError("a \(nLayer)×\(nEmbd) model with a vocabulary of \(tok.vocabSize) needs about \(MachineMemory.text(bytes)) to train; this machine has \(MachineMemory.text(MachineMemory.bytes))")
            }
            model = GPT2Model(config: cfg)
            model.randomize(seed: seed, std: 0.02)
            if sinusoidalPositions { model.setSinusoidalPositions(std: 0.02) }
        }
        let (lines, skipped) = try corpusPairs(tok, positions: model.config.nPositions)
        guard !lines.isEmpty else { throw JobError("the corpus has no document that fits \(model.config.nPositions) positions") }
        // The schedule (warm-up, then linear decay to zero) spans exactly the requested steps.
        let copies = copyShare.map { SyntheticCopy(share: $0, minSpan: 1, maxSpan: 1).count(corpusCount: lines.count) } ?? 0
        let perEpoch = (lines.count + copies + batchSize - 1) / batchSize
        var b = RunSpecBuilder(methods: MethodRegistry.descriptors)
        let keys: [(String, OptionValue)] = [
            ("model", .text(out + "/init")), ("train", .text(out + "/corpus.jsonl")), ("method", .text("finetune")), ("dropout", .number(0)),
            ("lr", .number(lr)), ("warmup_steps", .int(warmupSteps)), ("batch_size", .int(batchSize)),
            ("epochs", .int(max(1, (maxSteps + perEpoch - 1) / perEpoch))), ("max_steps", .int(maxSteps)), ("schedule_steps", .int(maxSteps)),
            ("checkpoint_every", .int(checkpointEvery)), ("keep_checkpoints", .int(1)), ("seed", .int(Int(seed))),
        ] + (copyShare.map { [("copy_share", .number($0))] } ?? []) + (copySpan.map { [("copy_span", .text($0))] } ?? [])
        for (k, v) in keys { try b.set(k, value: v, context: "--" + k.replacingOccurrences(of: "_", with: "-")) }
        let spec = try b.build()

        try fm.createDirectory(atPath: out, withIntermediateDirectories: true)
        try model.save(to: out + "/init", dtype: .F32)
        try Self.writeTokenizer(tok, to: out + "/init")
        try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: out + "/corpus.jsonl")
        reporter.line("pretrain: \(lines.count) documents\(skipped > 0 ? ", \(skipped) longer than the context skipped" : ""), \(model.parameterCount) parameters")
        do {
            try TrainingJob.start(spec, out: runDir, group: nil, commandLine: ["prefixlab", "train"] + spec.commandLine + ["--out", runDir], reporter: reporter)
        } catch {
            // Refused before its run began (sizes, memory): OUT, made here, goes again.
            if !fm.fileExists(atPath: runDir) { try? fm.removeItem(atPath: out) }
            throw error
        }
        try finish(reporter: reporter)
    }

    /// Continues OUT/run to `maxSteps`, then writes OUT again.
    public func resume(reporter: TrainingReporter) throws {
        guard FileManager.default.fileExists(atPath: runDir + "/run.json") else { throw JobError("\(runDir): nothing to resume") }
        try TrainingJob.resume(runDir, maxSteps: maxSteps, reporter: reporter)
        try finish(reporter: reporter)
    }

    /// The last checkpoint's model becomes OUT, in `dtype`, with its tokenizer.
    func finish(reporter: TrainingReporter) throws {
        let fm = FileManager.default
        guard let last = CheckpointIO.steps(runDir: runDir).last?.path else { throw JobError("\(runDir): no checkpoint written") }
        let model = try GPT2Model.load(last + "/model")
        try model.save(to: out, dtype: dtype)
        for f in ["vocab.json", "merges.txt"] where fm.fileExists(atPath: last + "/model/" + f) {
            try? fm.removeItem(atPath: out + "/" + f)
            try fm.copyItem(atPath: last + "/model/" + f, toPath: out + "/" + f)
        }
        reporter.line("\(out): GPT-2 \(model.config.nLayer)×\(model.config.nEmbd), \(dtype.rawValue), from \(last)")
    }

    /// The corpus as JSONL pair lines; documents longer than the context are skipped and counted.
    func corpusPairs(_ tok: BPETokenizer, positions: Int) throws -> (lines: [String], skipped: Int) {
        var lines: [String] = [], skipped = 0
        for file in corpus {
            let text = try TextFile.read(file)
            for (lineIndex, raw) in TextFile.lines(text).enumerated() {
                var source = "", doc = raw.trimmingCharacters(in: .whitespaces)
                if doc.isEmpty { continue }
                if file.hasSuffix(".jsonl") {
                    guard let v = try? JSONParser.parse(doc) else { throw JobError("\(file):\(lineIndex + 1): not JSON: \(Escaped(doc, limit: 60))") }
                    if let s = v["source"]?.string, let t = v["target"]?.string { source = s; doc = t }
                    else if let t = v["text"]?.string { doc = t }
                    else { throw JobError("\(file):\(lineIndex + 1): neither \"text\" nor \"source\" and \"target\": \(Escaped(doc, limit: 60))") }
                }
                if doc.isEmpty { continue }
                if tok.encode(source).count + tok.encode(" " + doc).count + 2 > positions { skipped += 1; continue }
                lines.append(JSONValue.object([("source", .string(source)), ("target", .string(doc))]).serialized)
            }
        }
        return (lines, skipped)
    }

    /// vocab.json + merges.txt in the standard format, whatever files the tokenizer came from.
    static func writeTokenizer(_ tok: BPETokenizer, to dir: String) throws {
        let vocab = JSONValue.object(tok.tokens.enumerated().filter { !$0.element.isEmpty }.map { ($1, .number(Double($0))) })
        try AtomicFile.write(Data(vocab.serialized.utf8), to: dir + "/vocab.json")
        let merges = "#version: 0.2\n" + tok.merges.map { "\($0.0) \($0.1)" }.joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(merges.utf8), to: dir + "/merges.txt")
    }
}
