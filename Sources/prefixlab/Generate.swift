import ArgumentParser
import Decoding
import Foundation
import JSON
import Models
import Runs
import Text
import Tuning

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate an output for every unique source of a dataset.",
        discussion: """
        The prompt is encode(source) + [eos], as in lm-score. FILE gets one output per line (newlines inside
        an output become spaces), one line per unique source in first-appearance order (the E2E evaluation
        format); FILE.jsonl beside it holds source, references, output and output_ids (eos excluded).
        """
    )
    @Option(help: "Hugging Face GPT-2 folder (for --run: defaults to the run's model).") var model: String?
    @Option(help: "A PEFT adapter (prefix or prompt tuning).") var adapter: String?
    @Option(name: .customLong("run"), help: "A run folder or id: its best checkpoint, else its last.") var runRef: String?
    @Option(help: "Workspace that holds runs/ (for a run id).") var workspace: String = ".prefixlab"
    @Option(help: "Dataset spec (file or folder[:split]).") var data: String
    @Option(help: "Beam size (1 = greedy).") var beam: Int = 5
    @Option(name: .customLong("max-new-tokens")) var maxNewTokens: Int = 100
    @Option(name: .customLong("min-new-tokens")) var minNewTokens: Int = 0
    @Option(name: .customLong("length-penalty")) var lengthPenalty: Double = 1.0
    @Option(name: .customLong("no-repeat-ngram"), help: "No n-gram of this size twice in an output (0: off).") var noRepeatNgram: Int = 0
    @Flag(help: "Sample instead of searching (needs --beam 1).") var sample = false
    @Option var temperature: Double = 1.0
    @Option(name: .customLong("top-k")) var topK: Int = 50
    @Option(name: .customLong("top-p")) var topP: Double = 1.0
    @Option var seed: UInt64 = 0
    @Option(name: .customLong("batch-size"), help: "Sources decoded together.") var batchSize: Int = 16
    @Option(help: "Output file.") var out: String
    @Option(help: "f32, or f16: decode batches of ≤ 8 rows (--batch-size × --beam) with float16 copies of the weights; half the bytes per step, sums in float32, outputs may differ from f32 where two tokens nearly tie.") var weights: String = "f32"
    @OptionGroup var engine: EngineOptions

    func run() throws {
        try engine.apply()
        guard beam >= 1, maxNewTokens >= 1, minNewTokens >= 0, batchSize >= 1 else {
            throw CLIError("--beam, --max-new-tokens and --batch-size must be at least 1, --min-new-tokens at least 0")
        }
        guard !sample || beam == 1 else { throw CLIError("--sample needs --beam 1") }
        guard temperature > 0, topK >= 0, topP > 0, topP <= 1 else { throw CLIError("--temperature must be > 0, --top-k ≥ 0, --top-p in (0, 1]") }
        guard adapter == nil || runRef == nil else { throw CLIError("give --adapter or --run, not both") }
        let (modelDir, conditioning) = try resolveModel()
        guard let precision = DecodingPrecision(rawValue: weights) else { throw CLIError("--weights \(weights): expected f32 or f16") }
        let gpt = try HFModelFolder.load(modelDir)
        gpt.decodingPrecision = precision
        let tokenizer = try TokenizerFiles.load(folder: modelDir)
        let dataset = try DatasetSpec.load(data)
        let eos = Int32(gpt.config.eosTokenId)
        let prompts = dataset.examples.map { tokenizer.encode($0.source) + [eos] }
        let extra = conditioning.kvRows + conditioning.virtualTokens + conditioning.infixRows
        if let (k, p) = prompts.enumerated().first(where: { $0.1.count + extra + maxNewTokens > gpt.config.nPositions }) {
            throw CLIError("\(data): source of example \(dataset.examples[k].id) has \(p.count) tokens; with \(extra) virtual and \(maxNewTokens) new tokens that passes n_positions \(gpt.config.nPositions)")
        }
        var settings = GenerationSettings()
        settings.maxNewTokens = maxNewTokens
        settings.minNewTokens = minNewTokens
        settings.lengthPenalty = lengthPenalty
        settings.beams = beam
        settings.noRepeatNgram = noRepeatNgram
        settings.sample = sample
        settings.temperature = temperature
        settings.topK = topK
        settings.topP = topP
        settings.seed = seed
        let t0 = now()
        let outputs = decodeAll(model: gpt, conditioning: conditioning, settings: settings, prompts: prompts, batchSize: batchSize) { done in
            // A terminal gets one updating line; a log (the workbench's generation jobs read it
            // for their progress) gets a line per batch.
            FileHandle.standardError.write(Data((isatty(2) != 0 ? "\rgenerated \(done)/\(prompts.count)" : "generated \(done)/\(prompts.count)\n").utf8))
        }
        let secs = now() - t0
        let produced = outputs.reduce(0) { $0 + $1.count }
        FileHandle.standardError.write(Data(String(format: "\r%d outputs, %d new tokens in %.1fs (%.0f tokens/s)\n",
                                                   outputs.count, produced, secs, Double(produced) / max(secs, 1e-9)).utf8))
        try writeOutputs(examples: dataset.examples, outputs: outputs, tokenizer: tokenizer, to: out)
    }

    /// The model folder and what generation is conditioned on.
    func resolveModel() throws -> (String, Conditioning) {
        if let adapter {
            guard let model else { throw CLIError("--adapter needs --model") }
            let a = try PEFTAdapter.read(adapter)
            let cfg = try GPT2Config.load(path: model + "/config.json")
            try a.check(against: cfg, path: adapter)
            return (model, a.kind == .prefixTuning ? .prefix(P: a.virtualTokens, values: a.embeddings) : .embeddings(P: a.virtualTokens, values: a.embeddings))
        }
        if let runRef {
            let (base, conditioning) = try runConditioning(runDir: try resolveRun(runRef, workspace: workspace))
            return (model ?? base, conditioning)
        }
        guard let model else { throw CLIError("generate needs --model (and optionally --adapter), or --run") }
        return (model, .none)
    }
}

/// The model folder a run generates with and what it conditions on, from its best checkpoint
/// (else its last): a fine-tuned run's own weights, or the base model with the run's folded
/// prefix or virtual tokens.
func runConditioning(runDir dir: String) throws -> (String, Conditioning) {
    let folder = try RunFolder.open(path: dir)
    guard let cfgValue = folder["config"], let base = folder["model"]?["path"]?.string else { throw CLIError("\(dir)/run.json: no config or model path") }
    let config = try runConfigDecoder().decode(TrainingConfig.self, from: Data(cfgValue.serialized.utf8))
    let best = dir + "/checkpoints/best"
    let ckpt = FileManager.default.fileExists(atPath: best) ? best : try CheckpointIO.steps(runDir: dir).last.map(\.path)
        ?? { throw CLIError("\(dir): no checkpoint (a run from samples/ keeps no fine-tuned weights; `prefixlab run EXPERIMENT --only \((dir as NSString).lastPathComponent)` retrains it)") }()
    switch config.method.method {
    case .finetune: return (ckpt + "/model", .none)
    case .prefix, .embedding, .infix:
        let f = try SafeTensorsFile(path: ckpt + "/prefix.safetensors")
        guard let e = f["prompt_embeddings"] else { throw CLIError("\(f.path): no prompt_embeddings") }
        let v = try f.floats("prompt_embeddings")
        switch config.method.method {
        case .prefix: return (base, .prefix(P: e.shape[0], values: v))
        case .infix: return (base, .infix(P: e.shape[0], values: v))
        default: return (base, .embeddings(P: e.shape[0], values: v))
        }
    }
}
