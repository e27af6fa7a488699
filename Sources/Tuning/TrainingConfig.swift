/// Everything that defines a training run, as stored in the run's run.json.
public struct TrainingConfig: Sendable, Equatable, Codable {
    public var method: MethodOptions
    public var learningRate: Float = 5e-5
    public var weightDecay: Float = 0
    public var warmupSteps: Int = 0
    public var batchSize: Int = 5
    public var epochs: Int = 5
    /// Stop after this many optimizer steps in total (resume included). The schedule still
    /// spans `epochs`, so a run stopped and resumed is the same run as one never stopped.
    public var maxSteps: Int? = nil
    /// Length of the learning-rate schedule in steps, when it should not span `epochs`
    /// (pretraining: decay to zero exactly at the last of `maxSteps`).
    public var scheduleLength: Int? = nil
    public var gradAccum: Int = 1
    public var seed: UInt64 = 42
    public var lossReduction: LossReduction = .token
    public var maxGradNorm: Double = 1.0
    public var checkpointEvery: Int = 50
    public var keepCheckpoints: Int = 2
    /// Evaluate on the validation set every N steps (nil: at each checkpoint).
    public var evalEvery: Int? = nil
    /// Stop after N evaluations without improvement (nil: never).
    public var earlyStop: Int? = nil
    /// Dropout inside GPT-2 (embeddings, attention, residual branches) for finetune only:
    /// the frozen model of prefix, embedding and infix runs without it, as the original code.
    public var dropout: Float = 0.1
    /// Dropout on the prefix activations (prefix, infix) or virtual embeddings.
    public var prefixDropout: Float = 0
    /// Initialisation: "random" or "words:TEXT".
    public var initialization: String = "random"
    /// Pretraining curriculum: synthetic copy documents added to the training set (nil: none).
    public var syntheticCopy: SyntheticCopy? = nil

    public init(method: MethodOptions) { self.method = method }

    /// The paper's settings (Li & Liang 2021, Table 5 and §5) for prefix-tuning.
    public static func preset(_ name: String) -> TrainingConfig? {
        var c = TrainingConfig(method: MethodOptions(method: .prefix))
        switch name {
        case "e2e": c.learningRate = 8e-5; c.epochs = 5; c.batchSize = 10; c.method.prefixLength = 5
        case "webnlg": c.learningRate = 5e-5; c.epochs = 5; c.batchSize = 5; c.method.prefixLength = 5
        case "dart": c.learningRate = 5e-5; c.epochs = 10; c.batchSize = 5; c.method.prefixLength = 10
        default: return nil
        }
        return c
    }
    public static let presetNames = ["e2e", "webnlg", "dart"]

    /// Examples per optimizer step.
    public var examplesPerStep: Int { batchSize * gradAccum }

    public func stepsPerEpoch(examples n: Int) -> Int { (n + examplesPerStep - 1) / examplesPerStep }

    /// Length of the learning-rate schedule.
    public func scheduleSteps(examples n: Int) -> Int { scheduleLength ?? epochs * stepsPerEpoch(examples: n) }

    /// When the run stops.
    public func totalSteps(examples n: Int) -> Int { maxSteps ?? scheduleSteps(examples: n) }
}
