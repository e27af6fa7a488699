import ArgumentParser
import Foundation
import JSON
import Models
import Text
import Tuning

/// Language-model pretraining of a GPT-2-architecture model on unpaired documents, through the
/// same engine and run store as `train`: the documents become (empty source, document) pairs,
/// so every document token and its final eos are scored after a leading eos — GPT-2's own
/// document format — and the run is resumable like any other.
struct Pretrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pretrain a GPT-2-architecture model on text and write a Hugging Face folder.",
        discussion: """
        Corpus files hold one document per line (plain text, or JSONL with a "text" field). A JSONL line
        with "source" and "target" instead is a pair, laid out as `train` lays it out (source, eos, target;
        only the target scored): how a corpus teaches reading a table into text. OUT gets the
        model folder (config.json, model.safetensors, vocab.json, merges.txt), OUT/init the random start,
        OUT/run the run (events, checkpoints). Run again with --resume to continue.
        """
    )
    @Option(name: .customLong("n-layer")) var nLayer: Int = 4
    @Option(name: .customLong("n-embd")) var nEmbd: Int = 128
    @Option(name: .customLong("n-head")) var nHead: Int = 4
    @Option(name: .customLong("n-positions")) var nPositions: Int = 256
    @Option(parsing: .upToNextOption, help: "Text files, one document per line.") var corpus: [String] = []
    @Option(help: "Tokenizer folder (vocab.json + merges.txt, tokenizer.json, or encoder.json + vocab.bpe).") var tokenizer: String?
    @Option(help: "Model folder to write.") var out: String
    @Option(name: .customLong("max-steps")) var maxSteps: Int = 1000
    @Option(name: .customLong("batch-size")) var batchSize: Int = 16
    @Option var lr: Float = 1e-3
    @Option(name: .customLong("warmup-steps")) var warmupSteps: Int = 100
    @Option(name: .customLong("checkpoint-every")) var checkpointEvery: Int = 200
    @Option var seed: UInt64 = 42
    @Option(help: "f32 or f16 for the written model.") var dtype: String = "f32"
    @Option(name: .customLong("position-init"), help: "normal, or sinusoidal: wpe starts as the Transformer's sine/cosine table (scaled to the embeddings' std), in which the previous position is a fixed rotation of the current one; a previous-token head, the first half of an induction head, is then easy to form.")
    var positionInit: String = "normal"
    @Option(name: .customLong("init-model"), help: "Start from this model folder (a curriculum's earlier stage) instead of random weights; its tokenizer is used.") var initModel: String?
    @Option(name: .customLong("copy-share"), help: "Add synthetic copy documents (random ids of the whole vocabulary, a span then the same span again) making up this share of the documents: the signal that forms induction heads.") var copyShare: Double?
    @Option(name: .customLong("copy-span"), help: "MIN-MAX tokens in a copy document's span (default 4-24).") var copySpan: String?
    @Flag(help: "Continue the run in OUT/run.") var resume = false
    @OptionGroup var engine: EngineOptions

    func run() throws {
        let fm = FileManager.default
        let runDir = out + "/run", initDir = out + "/init"
        guard ["f32", "f16"].contains(dtype) else { throw CLIError("--dtype \(dtype): expected f32 or f16") }
        var trainArgs: [String]
        if resume {
            guard fm.fileExists(atPath: runDir + "/run.json") else { throw CLIError("\(runDir): nothing to resume") }
            trainArgs = ["--resume", runDir, "--max-steps", String(maxSteps)]
        } else {
            guard let tokenizer = tokenizer ?? initModel else { throw CLIError("pretrain needs --tokenizer DIR (or --init-model DIR)") }
            guard !corpus.isEmpty else { throw CLIError("pretrain needs --corpus FILE...") }
            guard !fm.fileExists(atPath: runDir) else { throw CLIError("\(runDir) exists; continue it with --resume") }
            guard nEmbd % nHead == 0, nLayer >= 1, nPositions >= 8 else { throw CLIError("n_embd must divide by n_head; n_layer ≥ 1; n_positions ≥ 8") }
            let tok = try TokenizerFiles.load(folder: tokenizer)
            // The random start, with the tokenizer beside it.
            var cfg = GPT2Config(nLayer: nLayer, nHead: nHead, nEmbd: nEmbd, nPositions: nPositions, vocabSize: tok.vocabSize)
            cfg.eosTokenId = Int(tok.eosId)  // a pruned vocabulary puts it elsewhere than 50256
            cfg.bosTokenId = Int(tok.eosId)
            let model: GPT2Model
            if let initModel {
                model = try HFModelFolder.load(initModel)
                guard model.config.vocabSize == tok.vocabSize else { throw CLIError("\(initModel): vocabulary \(model.config.vocabSize) ≠ tokenizer's \(tok.vocabSize)") }
            } else {
                model = GPT2Model(config: cfg)
                model.randomize(seed: seed, std: 0.02)
                guard ["normal", "sinusoidal"].contains(positionInit) else { throw CLIError("--position-init \(positionInit): expected normal or sinusoidal") }
                if positionInit == "sinusoidal" { model.setSinusoidalPositions(std: 0.02) }
            }
            try HFModelFolder.save(model, to: initDir)
            try writeTokenizer(tok, to: initDir)
            // Documents as (empty source, document) pairs; longer than the context: skipped, counted.
            var lines: [String] = [], skipped = 0
            for file in corpus {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw CLIError("\(file): cannot read (or not UTF-8)") }
                for (lineIndex, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    var source = "", doc = String(raw).trimmingCharacters(in: .whitespaces)
                    if doc.isEmpty { continue }
                    if file.hasSuffix(".jsonl") {
                        guard let v = try? JSONParser.parse(doc) else { throw CLIError("\(file):\(lineIndex + 1): not JSON: \(doc.prefix(60))") }
                        if let s = v["source"]?.string, let t = v["target"]?.string { source = s; doc = t }
                        else if let t = v["text"]?.string { doc = t }
                        else { throw CLIError("\(file):\(lineIndex + 1): neither \"text\" nor \"source\" and \"target\": \(doc.prefix(60))") }
                    }
                    if doc.isEmpty { continue }
                    if tok.encode(source).count + tok.encode(" " + doc).count + 2 > model.config.nPositions { skipped += 1; continue }
                    lines.append(JSONValue.object([("source", .string(source)), ("target", .string(doc))]).serialized)
                }
            }
            guard !lines.isEmpty else { throw CLIError("the corpus has no document that fits \(model.config.nPositions) positions") }
            try fm.createDirectory(atPath: out, withIntermediateDirectories: true)
            try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: out + "/corpus.jsonl")
            FileHandle.standardError.write(Data("pretrain: \(lines.count) documents\(skipped > 0 ? ", \(skipped) longer than the context skipped" : ""), \(model.parameterCount) parameters\n".utf8))
            // The schedule (warm-up, then linear decay to zero) spans exactly the requested steps.
            let copies = copyShare.map { SyntheticCopy(share: $0, minSpan: 1, maxSpan: 1).count(corpusCount: lines.count) } ?? 0
            let perEpoch = (lines.count + copies + batchSize - 1) / batchSize
            let epochs = max(1, (maxSteps + perEpoch - 1) / perEpoch)
            trainArgs = ["--model", initDir, "--train", out + "/corpus.jsonl", "--method", "finetune", "--dropout", "0",
                         "--lr", String(lr), "--warmup-steps", String(warmupSteps), "--batch-size", String(batchSize),
                         "--epochs", String(epochs), "--max-steps", String(maxSteps), "--schedule-steps", String(maxSteps), "--checkpoint-every", String(checkpointEvery),
                         "--keep-checkpoints", "1", "--seed", String(seed), "--out", runDir]
            if let copyShare { trainArgs += ["--copy-share", String(copyShare)] + (copySpan.map { ["--copy-span", $0] } ?? []) }
        }
        if let threads = engine.threads { trainArgs += ["--threads", String(threads)] }
        let train = try Train.parse(trainArgs)
        try train.run()
        // The last checkpoint's model becomes OUT.
        guard let last = CheckpointSteps.last(runDir) else { throw CLIError("\(runDir): no checkpoint written") }
        let model = try HFModelFolder.load(last + "/model")
        try HFModelFolder.save(model, to: out, dtype: dtype == "f16" ? .F16 : .F32)
        for f in ["vocab.json", "merges.txt"] where fm.fileExists(atPath: last + "/model/" + f) {
            try? fm.removeItem(atPath: out + "/" + f)
            try fm.copyItem(atPath: last + "/model/" + f, toPath: out + "/" + f)
        }
        print("\(out): GPT-2 \(model.config.nLayer)×\(model.config.nEmbd), \(dtype), from \(last)")
    }

    /// vocab.json + merges.txt in the standard format, whatever files the tokenizer came from.
    func writeTokenizer(_ tok: BPETokenizer, to dir: String) throws {
        let vocab = JSONValue.object(tok.tokens.enumerated().filter { !$0.element.isEmpty }.map { ($1, .number(Double($0))) })
        try AtomicFile.write(Data(vocab.serialized.utf8), to: dir + "/vocab.json")
        let merges = "#version: 0.2\n" + tok.merges.map { "\($0.0) \($0.1)" }.joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(merges.utf8), to: dir + "/merges.txt")
    }
}

enum CheckpointSteps {
    static func last(_ runDir: String) -> String? {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: runDir + "/checkpoints")) ?? []
        return names.filter { $0.hasPrefix("step-") }.sorted().last.map { runDir + "/checkpoints/" + $0 }
    }
}
