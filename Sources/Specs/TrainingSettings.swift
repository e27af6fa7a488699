/// How the per-token losses of a batch become the loss the gradients are of.
public enum LossReduction: String, Sendable, Codable, CaseIterable {
    /// Mean over all target tokens of the batch (transformers).
    case token
    /// Each sequence's summed NLL, averaged over the batch (the original prefix-tuning code).
    case sequence
}

/// Pretraining curriculum: synthetic copy documents (a span of random ids, then the same span
/// again) added to the training set as `share` of its documents, each span of
/// minSpan...maxSpan tokens. Kept in the spec, so a resumed run rebuilds the same documents.
public struct SyntheticCopy: Sendable, Equatable, Codable {
    /// Share of the training documents that are copy documents, in [0, 1).
    public var share: Double
    public var minSpan: Int
    public var maxSpan: Int

    public init(share: Double, minSpan: Int, maxSpan: Int) {
        self.share = share; self.minSpan = minSpan; self.maxSpan = maxSpan
    }

    enum CodingKeys: String, CodingKey { case share, minSpan = "min_span", maxSpan = "max_span" }

    /// How many copy documents join `corpusCount` corpus documents to make up `share`.
    public func count(corpusCount: Int) -> Int {
        Int((Double(corpusCount) * share / (1 - share)).rounded())
    }
}

/// The optimisation, schedule, checkpoint and validation settings of a run: what the training
/// loop reads. Part of `RunSpec`; docs/RUNS.md lists every key with its default and range.
public struct TrainingSettings: Sendable, Equatable, Codable {
    public var learningRate: Double = 5e-5
    public var weightDecay: Double = 0
    public var warmupSteps: Int = 0
    public var batchSize: Int = 5
    public var gradAccum: Int = 1
    public var epochs: Int = 5
    /// Stop after this many optimizer steps in total (a resumed run included), if fewer than
    /// the schedule's. The schedule still spans `epochs`, so a run stopped and resumed is the
    /// same run as one never stopped.
    public var maxSteps: Int? = nil
    /// Length of the learning-rate schedule in steps, when it should not span `epochs`
    /// (pretraining: decay to zero exactly at the last of `maxSteps`).
    public var scheduleLength: Int? = nil
    public var seed: UInt64 = 42
    public var lossReduction: LossReduction = .token
    public var maxGradNorm: Double = 1.0
    public var checkpointEvery: Int = 50
    public var keepCheckpoints: Int = 2
    /// Evaluate on the validation set every N steps (nil: at each checkpoint).
    public var evalEvery: Int? = nil
    /// Stop after N evaluations without improvement (nil: never).
    public var earlyStop: Int? = nil
    public var syntheticCopy: SyntheticCopy? = nil

    public init() {}

    /// Examples per optimizer step.
    public var examplesPerStep: Int { batchSize * gradAccum }

    public func stepsPerEpoch(examples n: Int) -> Int { (n + examplesPerStep - 1) / examplesPerStep }

    /// Length of the learning-rate schedule.
    public func scheduleSteps(examples n: Int) -> Int { scheduleLength ?? epochs * stepsPerEpoch(examples: n) }

    /// When the run stops: the schedule's end, or `maxSteps` if that comes first (past the
    /// schedule's end the learning rate would be zero).
    public func totalSteps(examples n: Int) -> Int { min(maxSteps ?? Int.max, scheduleSteps(examples: n)) }

    enum CodingKeys: String, CodingKey {
        case learningRate = "lr", weightDecay = "weight_decay", warmupSteps = "warmup_steps", batchSize = "batch_size"
        case gradAccum = "grad_accum", epochs, maxSteps = "max_steps", scheduleLength = "schedule_steps", seed
        case lossReduction = "loss_reduction", maxGradNorm = "max_grad_norm", checkpointEvery = "checkpoint_every"
        case keepCheckpoints = "keep_checkpoints", evalEvery = "eval_every", earlyStop = "early_stop"
        case syntheticCopy = "synthetic_copy"
    }

    /// Missing keys take their defaults, so a spec written by another engine or an older
    /// version reads as it meant.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TrainingSettings()
        learningRate = try c.decodeIfPresent(Double.self, forKey: .learningRate) ?? d.learningRate
        weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay) ?? d.weightDecay
        warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? d.warmupSteps
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        gradAccum = try c.decodeIfPresent(Int.self, forKey: .gradAccum) ?? d.gradAccum
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs) ?? d.epochs
        maxSteps = try c.decodeIfPresent(Int.self, forKey: .maxSteps)
        scheduleLength = try c.decodeIfPresent(Int.self, forKey: .scheduleLength)
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        lossReduction = try c.decodeIfPresent(LossReduction.self, forKey: .lossReduction) ?? d.lossReduction
        maxGradNorm = try c.decodeIfPresent(Double.self, forKey: .maxGradNorm) ?? d.maxGradNorm
        checkpointEvery = try c.decodeIfPresent(Int.self, forKey: .checkpointEvery) ?? d.checkpointEvery
        keepCheckpoints = try c.decodeIfPresent(Int.self, forKey: .keepCheckpoints) ?? d.keepCheckpoints
        evalEvery = try c.decodeIfPresent(Int.self, forKey: .evalEvery)
        earlyStop = try c.decodeIfPresent(Int.self, forKey: .earlyStop)
        syntheticCopy = try c.decodeIfPresent(SyntheticCopy.self, forKey: .syntheticCopy)
    }
}

/// What a run evaluates: BLEU of greedy outputs at each validation, and the test split
/// generated and scored at the end.
public struct EvaluationSettings: Sendable, Equatable, Codable {
    /// At each evaluation, BLEU of greedy outputs on the first K validation sources (0: off);
    /// the best checkpoint and early stop then follow BLEU.
    public var bleuSources: Int = 0
    /// Generate the test split from the best checkpoint at the end and score it.
    public var test: Bool = false
    public var beam: Int = 5
    public var maxNewTokens: Int = 64
    /// The test evaluation's other decoding settings, as `generate`'s flags (transformers'
    /// min_new_tokens, no_repeat_ngram_size, length_penalty, early_stopping): what the paper's
    /// XSUM evaluation sets (beam 6, 10 … 61 new tokens, no 3-gram repeated, early stopping).
    public var minNewTokens: Int = 0
    public var noRepeatNgram: Int = 0
    public var lengthPenalty: Double = 1
    public var earlyStopping: Bool = false

    public init() {}

    enum CodingKeys: String, CodingKey {
        case bleuSources = "eval_bleu", test = "eval_test", beam = "eval_beam", maxNewTokens = "eval_max_new_tokens"
        case minNewTokens = "eval_min_new_tokens", noRepeatNgram = "eval_no_repeat_ngram", lengthPenalty = "eval_length_penalty"
        case earlyStopping = "eval_early_stopping"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = EvaluationSettings()
        bleuSources = try c.decodeIfPresent(Int.self, forKey: .bleuSources) ?? d.bleuSources
        test = try c.decodeIfPresent(Bool.self, forKey: .test) ?? d.test
        beam = try c.decodeIfPresent(Int.self, forKey: .beam) ?? d.beam
        maxNewTokens = try c.decodeIfPresent(Int.self, forKey: .maxNewTokens) ?? d.maxNewTokens
        minNewTokens = try c.decodeIfPresent(Int.self, forKey: .minNewTokens) ?? d.minNewTokens
        noRepeatNgram = try c.decodeIfPresent(Int.self, forKey: .noRepeatNgram) ?? d.noRepeatNgram
        lengthPenalty = try c.decodeIfPresent(Double.self, forKey: .lengthPenalty) ?? d.lengthPenalty
        earlyStopping = try c.decodeIfPresent(Bool.self, forKey: .earlyStopping) ?? d.earlyStopping
    }
}
