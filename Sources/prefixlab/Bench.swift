import ArgumentParser
import Benchmarks

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the engine's speed (random weights; nothing is read or written).",
        subcommands: [BenchForward.self, BenchTrain.self, BenchGenerate.self, BenchMixed.self, BenchBus.self, BenchSgemm.self, BenchFewRows.self, BenchTokenize.self]
    )
}

/// Runs a benchmark after the engine options, printing its lines.
func runBench(_ engine: EngineOptions, _ body: ((String) -> Void) throws -> Void) throws {
    try engine.apply()
    do { try body { print($0) } } catch let e as BenchError { throw CLIError(e.description) }
}

struct BenchSgemm: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sgemm", abstract: "BLAS sgemm GFLOP/s at GPT-2 shapes.")
    @Flag(help: "Print one JSON object.") var json = false
    @OptionGroup var engine: EngineOptions
    func run() throws { var b = SgemmBench(); b.json = json; try runBench(engine, b.run) }
}

struct BenchForward: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "forward", abstract: "Inference forward pass (all positions, full vocabulary logits) tokens/s and GFLOP/s.")
    @Option(help: "gpt2, gpt2-medium, ... or LAYERS:WIDTH:HEADS.") var config = "gpt2"
    @Option var batch = 5
    @Option var seq = 64
    @Option(help: "Timed repetitions after one warm-up.") var repeats = 10
    @Flag(help: "Print one JSON object as the last line.") var json = false
    @OptionGroup var engine: EngineOptions
    func run() throws {
        var b = ForwardBench()
        b.config = config; b.batch = batch; b.seq = seq; b.repeats = repeats; b.json = json
        try runBench(engine, b.run)
    }
}

struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "Training-step speed: the Trainer's real step (forward, backward, clip, AdamW) on random tokens, loss on every position.")
    @Option(help: "gpt2, gpt2-medium, ... or LAYERS:WIDTH:HEADS.") var config = "gpt2"
    @Option(help: "finetune, prefix, embedding, adapter (lin, bottleneck 100) or lora (r 8, alpha 16, c_attn; on BART q_proj, v_proj).") var method = "prefix"
    @Option var batch = 5
    @Option var seq = 64
    @Option(name: .customLong("prefix-length")) var prefixLength = 10
    @Option(name: .customLong("mid-dim")) var midDim = 512
    @Option(help: "Timed steps after 2 warm-up steps (at least 10).") var steps = 10
    @Option(name: .customLong("target-seq"), help: "BART (--config bart-base, bart-large): decoder rows; --seq is the encoder's.") var targetSeq = 64
    @Flag(help: "Print one JSON object as the last line.") var json = false
    @OptionGroup var engine: EngineOptions
    func run() throws {
        var b = TrainStepBench()
        b.config = config; b.method = method; b.batch = batch; b.seq = seq; b.prefixLength = prefixLength; b.midDim = midDim
        b.steps = steps; b.targetSeq = targetSeq; b.json = json
        try runBench(engine, b.run)
    }
}

struct BenchGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Generation speed: new tokens/s through a prefix pre-filled in the KV cache (random weights).")
    @Option(help: "gpt2, gpt2-medium, ... or LAYERS:WIDTH:HEADS.") var config = "gpt2"
    @Option(help: "Beam size (1 = greedy).") var beam = 1
    @Option(help: "Prompts decoded together.") var batch = 1
    @Option(name: .customLong("prompt-length")) var promptLength = 40
    @Option(name: .customLong("new-tokens")) var newTokens = 32
    @Option(name: .customLong("prefix-length")) var prefixLength = 10
    @Option(help: "Timed repetitions after one warm-up.") var repeats = 3
    @Option(help: "f32, or f16: decode with float16 weights (half the bytes a step reads; sums in float32).") var weights: String = "f32"
    @Flag(help: "Print one JSON object as the last line.") var json = false
    @OptionGroup var engine: EngineOptions
    func run() throws {
        var b = GenerateBench()
        b.config = config; b.beam = beam; b.batch = batch; b.promptLength = promptLength; b.newTokens = newTokens
        b.prefixLength = prefixLength; b.repeats = repeats; b.weights = weights; b.json = json
        try runBench(engine, b.run)
    }
}

struct BenchMixed: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "mixed", abstract: "Many prefixes on one frozen model: requests of several prefix runs decoded one run after another vs in mixed batches (random weights).")
    @Option(help: "gpt2, gpt2-medium, ... or LAYERS:WIDTH:HEADS.") var config = "gpt2"
    @Option(help: "Prefix runs.") var runs = 8
    @Option(help: "Requests (prompts) per run.") var requests = 2
    @Option(help: "Rows decoded together.") var batch = 16
    @Option(name: .customLong("prompt-length")) var promptLength = 40
    @Option(name: .customLong("new-tokens")) var newTokens = 32
    @Option(name: .customLong("prefix-lengths"), help: "Prefix lengths, comma-separated, cycled over the runs.") var prefixLengths = "5,10,20"
    @Option(help: "Timed repetitions after one warm-up.") var repeats = 3
    @Flag(help: "Print one JSON object as the last line.") var json = false
    @OptionGroup var engine: EngineOptions
    func run() throws {
        var b = MixedBatchBench()
        b.config = config; b.runs = runs; b.requests = requests; b.batch = batch; b.promptLength = promptLength; b.newTokens = newTokens
        let lengths = prefixLengths.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !lengths.isEmpty, lengths.allSatisfy({ ($0 ?? 0) >= 1 && ($0 ?? 0) <= 4096 }) else {
            throw ValidationError("--prefix-lengths \(prefixLengths): expected lengths from 1 to 4096, comma-separated")
        }
        b.prefixLengths = lengths.map { $0! }; b.repeats = repeats; b.json = json
        try runBench(engine, b.run)
    }
}

struct BenchBus: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bus", abstract: "Event bus: events/s it carries, and training tokens/s with a busy subscriber attached vs none.")
    @Option(help: "Model shapes for the training part.") var config = "gpt2"
    @Option var steps = 10
    @Option(help: "Events for the throughput part.") var events = 1_000_000
    @Flag(help: "Print one JSON object as the last line.") var json = false
    @OptionGroup var engine: EngineOptions
    func run() throws {
        var b = BusBench()
        b.config = config; b.steps = steps; b.events = events; b.json = json
        try runBench(engine, b.run)
    }
}

struct BenchFewRows: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "few-rows", abstract: "The few-row decoding kernel (float32/float16 panels) against BLAS at GPT-2 shapes.")
    @Option(parsing: .upToNextOption, help: "Row counts.") var rows: [Int] = [1, 2, 5, 8]
    @Option(help: "Timed calls per measurement.") var calls = 50
    @OptionGroup var engine: EngineOptions
    func run() throws { var b = FewRowsBench(); b.rows = rows; b.calls = calls; try runBench(engine, b.run) }
}

struct BenchTokenize: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tokenize", abstract: "Tokenizer throughput on one thread over every .csv/.xml/.txt/.jsonl line under a folder.")
    @Option(help: "Folder of text files (e.g. ../shared/data).") var data: String
    @Option(help: "Tokenizer folder (vocab.json + merges.txt, tokenizer.json, or encoder.json + vocab.bpe).") var tokenizer = "../shared/tokenizers/gpt2"
    @Flag(help: "Print one JSON object as the last line.") var json = false
    @OptionGroup var engine: EngineOptions
    func run() throws { var b = TokenizeBench(data: data); b.tokenizer = tokenizer; b.json = json; try runBench(engine, b.run) }
}
