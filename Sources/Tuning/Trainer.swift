import Kernels
import Models
import Specs
import Support

/// What the training loop reports. The engine knows no bus: the caller turns these into
/// events and answers whether to go on.
public enum TrainerEvent: Sendable {
    case step(TrainerStep)
    /// `score`: the caller's validation score (BLEU), when it computes one.
    case validation(step: Int, loss: Double, score: Double?, improved: Bool)
    case checkpoint(step: Int, path: String)
    case log(String)
}

public struct TrainerStep: Sendable {
    public var step: Int          // 1-based: the optimizer step just taken
    public var totalSteps: Int
    public var epoch: Int
    public var loss: Double
    public var lr: Float
    public var gradNorm: Double
    public var tokens: Int        // tokens in the step's batches (real, not padding)
    public var seconds: Double    // wall time of the step
}

/// The training loop: data order, schedule, steps, validation, early stopping, checkpoints.
public final class Trainer {
    public let tm: TrainingModel
    public let config: TrainingConfig
    public let train: [TokenizedExample]
    public let valid: [TokenizedExample]
    public let order: DataOrder
    public let schedule: LinearSchedule
    /// Optimizer steps completed.
    public internal(set) var step = 0
    public internal(set) var bestValidLoss: Double? = nil
    public internal(set) var evalsWithoutImprovement = 0
    public internal(set) var lastValidLoss: Double? = nil
    /// Best validation score (higher is better) when `validationScore` is set.
    public internal(set) var bestValidScore: Double? = nil
    /// Whether the last evaluation was the best so far (its checkpoint becomes `best`).
    public internal(set) var lastEvalWasBest = false
    /// Optional validation score, higher is better (e.g. BLEU of greedy outputs): when set,
    /// the best checkpoint and early stopping follow it instead of the loss.
    public var validationScore: ((Trainer) -> Double)? = nil

    public enum Outcome: Sendable, Equatable { case finished, stoppedEarly, cancelled }

    public struct NonFiniteLoss: Error, CustomStringConvertible {
        public let step: Int, loss: Double, lr: Float
        public var description: String { "loss is \(loss) at step \(step) (lr \(lr)); stopped, the last good checkpoint is kept" }
    }

    public init(model: any LanguageModel, config: TrainingConfig, train: [TokenizedExample], valid: [TokenizedExample]) {
        precondition(!train.isEmpty)
        self.config = config
        self.train = train
        self.valid = valid
        let maxT = (train + valid).map { $0.length }.max()!
        tm = TrainingModel(model: model, method: config.method, maxBatch: config.batchSize, maxT: maxT, weightDecay: Float(config.weightDecay))
        order = DataOrder(count: train.count, seed: config.seed, examplesPerStep: config.examplesPerStep)
        schedule = LinearSchedule(peak: Float(config.learningRate), warmupSteps: config.warmupSteps,
                                  totalSteps: config.training.scheduleSteps(examples: train.count))
    }

    public var totalSteps: Int { config.training.totalSteps(examples: train.count) }

    /// Runs until `totalSteps`, early stop, or `shouldContinue` returns false (checked
    /// between steps). `checkpoint` is called every `checkpointEvery` steps and at the end.
    public func run(checkpoint: (Trainer) throws -> String, report: (TrainerEvent) -> Bool) throws -> Outcome {
        let evalEvery = config.evalEvery ?? config.checkpointEvery
        while step < totalSteps {
            let t0 = MonotonicClock.now()
            let (epoch, indices) = order.examples(step: step)
            let groups = stride(from: 0, to: indices.count, by: config.batchSize).map {
                Array(indices[$0..<min(indices.count, $0 + config.batchSize)]).map { train[$0] }
            }
            let weights = LossWeights.weights(for: groups, reduction: config.lossReduction, scored: tm.model.scoredTokens)
            let batches = zip(groups, weights).map { tm.batch($0, weights: $1) }
            let lr = schedule.lr(at: step)
            let rate = tm.state.modelDropoutRate
            let modelDropout = rate > 0 ? ModelDropout(rate: rate, seed: config.seed ^ (0xA076_1D64_78BD_642F &* UInt64(step + 1))) : nil
            let loss = tm.computeGradients(batches, step: step, seed: config.seed, modelDropout: modelDropout)
            guard loss.isFinite else { throw NonFiniteLoss(step: step + 1, loss: loss, lr: lr) }
            let norm = tm.update(lr: lr, maxNorm: config.maxGradNorm)
            step += 1
            let tokens = groups.joined().reduce(0) { $0 + $1.length }
            let info = TrainerStep(step: step, totalSteps: totalSteps, epoch: epoch, loss: loss, lr: lr, gradNorm: norm,
                                   tokens: tokens, seconds: MonotonicClock.now() - t0)
            var goOn = report(.step(info))
            var stopEarly = false
            if !valid.isEmpty && (step % evalEvery == 0 || step == totalSteps) {
                let v = validationLoss()
                let score = validationScore?(self)
                lastValidLoss = v
                let improved: Bool
                if let score {
                    improved = bestValidScore.map { score > $0 } ?? true
                    if improved { bestValidScore = score }
                    bestValidLoss = min(bestValidLoss ?? v, v)
                } else {
                    improved = bestValidLoss.map { v < $0 } ?? true
                    if improved { bestValidLoss = v }
                }
                lastEvalWasBest = improved
                if improved { evalsWithoutImprovement = 0 } else { evalsWithoutImprovement += 1 }
                goOn = report(.validation(step: step, loss: v, score: score, improved: improved)) && goOn
                if let patience = config.earlyStop, evalsWithoutImprovement >= patience { stopEarly = true }
            }
            if step % config.checkpointEvery == 0 || step == totalSteps || stopEarly || !goOn || lastEvalWasBest {
                let path = try checkpoint(self)
                goOn = report(.checkpoint(step: step, path: path)) && goOn
                lastEvalWasBest = false
            }
            if stopEarly {
                _ = report(.log("early stop: \(evalsWithoutImprovement) evaluations without improvement"))
                return .stoppedEarly
            }
            if !goOn { return .cancelled }
        }
        return .finished
    }

    /// Token-mean NLL over the validation set.
    public func validationLoss() -> Double {
        let total = valid.reduce(0) { $0 + tm.model.scoredTokens($1) }
        var loss = 0.0
        for start in stride(from: 0, to: valid.count, by: config.batchSize) {
            let group = Array(valid[start..<min(valid.count, start + config.batchSize)])
            let w = [Float](repeating: 1 / Float(total), count: group.count)
            loss += tm.loss(tm.batch(group, weights: w))
        }
        return loss
    }

    /// Restores counters from a checkpoint's state (the tensors are loaded separately).
    public func restore(step: Int, bestValidLoss: Double?, bestValidScore: Double? = nil, evalsWithoutImprovement: Int, optimizerStep: Int) {
        self.step = step
        self.bestValidLoss = bestValidLoss
        self.bestValidScore = bestValidScore
        self.evalsWithoutImprovement = evalsWithoutImprovement
        tm.optimizer.step = optimizerStep
    }
}
