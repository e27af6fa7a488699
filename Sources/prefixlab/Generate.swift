import ArgumentParser
import Decoding
import Foundation
import Jobs
import Runs
import Models
#if canImport(Glibc)
import Glibc
#endif

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate an output for every unique source of a dataset.",
        discussion: """
        The prompt is encode(source) + [eos], as in lm-score. FILE gets one output per line (newlines inside \
        an output become spaces), one line per unique source in first-appearance order (the E2E evaluation \
        format); FILE.jsonl beside it holds source, references, output and output_ids (eos excluded).

        With --runs A,B,C (prefix and embedding runs of one base model), one frozen model decodes \
        every run's outputs in mixed batches, rows of different runs (prefixes of different lengths \
        padded and masked) in one batch; --out is then a folder that gets <run-id>.txt and \
        <run-id>.txt.jsonl per run, each as `generate --run` writes it.
        """
    )
    @Option(help: "Hugging Face model folder (for --run: defaults to the run's model).") var model: String?
    @Option(help: "A PEFT adapter (prefix or prompt tuning).") var adapter: String?
    @Option(name: .customLong("run"), help: "A run folder (a path with a slash), or a run id in --workspace: its best checkpoint, else its last.") var runRef: String?
    @Option(name: .customLong("runs"), help: "Prefix and embedding runs, comma-separated (ids in --workspace or folders), decoded together in mixed batches.") var runRefs: String?
    @Option(help: "Workspace that holds runs/ (for a run id).") var workspace: String = ".prefixlab"
    @Option(help: "Dataset spec (file or folder[:split]).") var data: String
    @Option(help: "Beam size, 1 to 64 (1 = greedy).") var beam: Int = 5
    @Option(name: .customLong("max-new-tokens"), help: "New tokens per output at most, 1 to 4096.") var maxNewTokens: Int = 100
    @Option(name: .customLong("min-new-tokens"), help: "New tokens before eos may end an output, 0 to --max-new-tokens.") var minNewTokens: Int = 0
    @Option(name: .customLong("length-penalty"), help: "Beam search's length penalty, -10 to 10.") var lengthPenalty: Double = 1.0
    @Option(name: .customLong("no-repeat-ngram"), help: "No n-gram of this size twice in an output, 0 (off) to 16.") var noRepeatNgram: Int = 0
    @Flag(name: .customLong("early-stopping"), help: "Beam search ends a source once it has --beam finished outputs (transformers' early_stopping=True, as bart-large-xsum sets it).") var earlyStopping = false
    @Flag(help: "Sample instead of searching (needs --beam 1).") var sample = false
    @Option(help: "Sampling temperature, above 0 and at most 100.") var temperature: Double = 1.0
    @Option(name: .customLong("top-k"), help: "Sample from the k most likely tokens (0: all).") var topK: Int = 50
    @Option(name: .customLong("top-p"), help: "Sample from the smallest set of probability ≥ p, in (0, 1].") var topP: Double = 1.0
    @Option(help: "Sampling seed.") var seed: UInt64 = 0
    @Option(name: .customLong("batch-size"), help: "Sources decoded together, 1 to 1024.") var batchSize: Int = 16
    @Option(help: "Output file (with --runs: an output folder).") var out: String
    @Option(help: "f32, or f16: decode batches of ≤ 8 rows (--batch-size × --beam) with float16 copies of the weights; half the bytes per step, sums in float32, outputs may differ from f32 where two tokens nearly tie.") var weights: String = "f32"
    @OptionGroup var engine: EngineOptions

    func validate() throws {
        guard (1...64).contains(beam) else { throw ValidationError("--beam must be from 1 to 64, got \(beam)") }
        guard (1...4096).contains(maxNewTokens) else { throw ValidationError("--max-new-tokens must be from 1 to 4096, got \(maxNewTokens)") }
        guard (0...maxNewTokens).contains(minNewTokens) else { throw ValidationError("--min-new-tokens must be from 0 to --max-new-tokens (\(maxNewTokens)), got \(minNewTokens)") }
        guard (1...1024).contains(batchSize) else { throw ValidationError("--batch-size must be from 1 to 1024, got \(batchSize)") }
        guard (0...16).contains(noRepeatNgram) else { throw ValidationError("--no-repeat-ngram must be from 0 to 16, got \(noRepeatNgram)") }
        guard lengthPenalty.isFinite, abs(lengthPenalty) <= 10 else { throw ValidationError("--length-penalty must be from -10 to 10") }
        guard !sample || beam == 1 else { throw ValidationError("--sample needs --beam 1") }
        guard temperature > 0, temperature <= 100, topK >= 0, topP > 0, topP <= 1 else {
            throw ValidationError("--temperature must be in (0, 100], --top-k ≥ 0, --top-p in (0, 1]")
        }
        guard [adapter, runRef, runRefs].compactMap({ $0 }).count <= 1 else { throw ValidationError("give one of --adapter, --run and --runs") }
        if let runRefs, runRefs.split(separator: ",", omittingEmptySubsequences: false).contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw ValidationError("--runs \(runRefs): expected run ids or folders separated by commas")
        }
        guard DecodingPrecision(rawValue: weights) != nil else { throw ValidationError("--weights \(weights): expected f32 or f16") }
    }

    func run() throws {
        try engine.apply()
        var settings = GenerationSettings()
        settings.maxNewTokens = maxNewTokens
        settings.minNewTokens = minNewTokens
        settings.lengthPenalty = lengthPenalty
        settings.beams = beam
        settings.noRepeatNgram = noRepeatNgram
        settings.earlyStopping = earlyStopping
        settings.sample = sample
        settings.temperature = temperature
        settings.topK = topK
        settings.topP = topP
        settings.seed = seed
        let t0 = Date()
        let tty = isatty(2) != 0
        let report = { (done: Int, total: Int) in
            FileHandle.standardError.write(Data((tty ? "\rgenerated \(done)/\(total)" : "generated \(done)/\(total)\n").utf8))
        }
        let precision = DecodingPrecision(rawValue: weights)!
        let r: (outputs: Int, newTokens: Int)
        if let runRefs {
            let dirs = try Workspace.resolveRuns(runRefs, workspace: workspace)
            r = try MixedGenerationJob.run(try MixedGenerationJob.runs(dirs), model: model, data: data, settings: settings, batchSize: batchSize,
                                           precision: precision, outDir: out, progress: report)
        } else {
            let setup = try GenerationJob.source(model: model, adapter: adapter, runDir: try runRef.map { try Workspace.resolveRun($0, workspace: workspace) })
            r = try GenerationJob.run(setup, data: data, settings: settings, batchSize: batchSize, precision: precision, out: out, progress: report)
        }
        let secs = Date().timeIntervalSince(t0)
        FileHandle.standardError.write(Data(String(format: "\r%d outputs, %d new tokens in %.1fs (%.0f tokens/s)\n",
                                                   r.outputs, r.newTokens, secs, Double(r.newTokens) / max(secs, 1e-9)).utf8))
    }
}

/// `prefixlab evaluate`: a run's test split generated and scored, as at the end of training.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a run's test split with its best checkpoint and score it (outputs/test.txt, metrics.json).")
    @Option(name: .customLong("run"), help: "A run folder (a path with a slash), or a run id in --workspace.") var runRef: String
    @Option(help: "Workspace that holds runs/ (for a run id).") var workspace: String = ".prefixlab"
    @Option(help: "Test data (dataset spec); default: the run spec's test.") var test: String?
    @Option(help: "Beam size, 1 to 64 (default: the spec's eval_beam).") var beam: Int?
    @Option(name: .customLong("max-new-tokens"), help: "1 to 4096 (default: the spec's eval_max_new_tokens).") var maxNewTokens: Int?
    @OptionGroup var engine: EngineOptions

    func validate() throws {
        if let beam, !(1...64).contains(beam) { throw ValidationError("--beam must be from 1 to 64, got \(beam)") }
        if let maxNewTokens, !(1...4096).contains(maxNewTokens) { throw ValidationError("--max-new-tokens must be from 1 to 4096, got \(maxNewTokens)") }
    }

    func run() throws {
        try engine.apply()
        try EvaluationJob.evaluate(runDir: try Workspace.resolveRun(runRef, workspace: workspace), test: test, beam: beam, maxNewTokens: maxNewTokens) {
            FileHandle.standardError.write(Data(($0 + "\n").utf8))
        }
    }
}
