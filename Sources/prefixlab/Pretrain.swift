import ArgumentParser
import Foundation
import Jobs
import Models

/// `prefixlab pretrain`: flags into a pretraining job (Jobs/PretrainJob).
struct Pretrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pretrain a GPT-2-architecture model on text and write a Hugging Face folder.",
        discussion: """
        Corpus files hold one document per line (plain text, or JSONL with a "text" field). A JSONL line \
        with "source" and "target" instead is a pair, laid out as `train` lays it out (source, eos, target; \
        only the target scored): how a corpus teaches reading a table into text. OUT (which must not exist) \
        gets the model folder (config.json, model.safetensors, vocab.json, merges.txt), OUT/init the random \
        start, OUT/run the run (events, checkpoints). Run again with --resume to continue.
        """
    )
    @Option(name: .customLong("n-layer"), help: "Layers, 1 to 1024.") var nLayer: Int = 4
    @Option(name: .customLong("n-embd"), help: "Width, 1 to 65536, divisible by --n-head.") var nEmbd: Int = 128
    @Option(name: .customLong("n-head"), help: "Attention heads.") var nHead: Int = 4
    @Option(name: .customLong("n-positions"), help: "Context length, 8 to 1048576.") var nPositions: Int = 256
    @Option(parsing: .upToNextOption, help: "Text files, one document per line.") var corpus: [String] = []
    @Option(help: "Tokenizer folder (vocab.json + merges.txt, tokenizer.json, or encoder.json + vocab.bpe).") var tokenizer: String?
    @Option(help: "Model folder to write (must not exist).") var out: String
    @Option(name: .customLong("max-steps"), help: "Optimizer steps, 1 to 10^9.") var maxSteps: Int = 1000
    @Option(name: .customLong("batch-size"), help: "Documents per step, 1 to 4096.") var batchSize: Int = 16
    @Option(help: "Peak learning rate.") var lr: Double = 1e-3
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

    func validate() throws {
        guard ["f32", "f16"].contains(dtype) else { throw ValidationError("--dtype \(dtype): expected f32 or f16") }
        guard ["normal", "sinusoidal"].contains(positionInit) else { throw ValidationError("--position-init \(positionInit): expected normal or sinusoidal") }
        guard nPositions >= 8 else { throw ValidationError("--n-positions must be at least 8") }
    }

    func run() throws {
        try engine.apply()
        var job = PretrainJob(out: out)
        job.nLayer = nLayer; job.nEmbd = nEmbd; job.nHead = nHead; job.nPositions = nPositions
        job.corpus = corpus; job.tokenizer = tokenizer; job.initModel = initModel
        job.maxSteps = maxSteps; job.batchSize = batchSize; job.lr = lr; job.warmupSteps = warmupSteps
        job.checkpointEvery = checkpointEvery; job.seed = seed; job.dtype = dtype == "f16" ? .F16 : .F32
        job.sinusoidalPositions = positionInit == "sinusoidal"; job.copyShare = copyShare; job.copySpan = copySpan
        if resume { try job.resume(reporter: ConsoleReporter()) } else { try job.start(reporter: ConsoleReporter()) }
    }
}
