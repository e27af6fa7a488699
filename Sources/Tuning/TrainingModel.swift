import Kernels
import Models

/// A model, a method and the method's trainable state: the training step as four calls —
/// forward, zero the gradients, backward, update — over one or more micro-batches.
public final class TrainingModel: @unchecked Sendable {
    public let model: any LanguageModel
    public let method: any TuningMethod
    public let state: any MethodState
    public let graph: TrainingGraph
    public var optimizer: AdamW

    /// What AdamW updates.
    public var params: ParameterSet { state.params }
    /// The virtual-token state of prefix, infix and embedding-only runs (nil otherwise).
    public var encoder: PrefixEncoder? { state as? PrefixEncoder }

    public init(model: any LanguageModel, method: any TuningMethod, maxBatch: Int, maxT: Int, weightDecay: Float = 0) {
        self.model = model
        self.method = method
        let layout = method.layout
        graph = model.makeTrainingGraph(maxBatch: maxBatch, maxT: maxT + layout.leadingEmbeddings, maxVirtual: layout.keyValueRows,
                                        additions: method.additions(for: model.summary))
        state = method.makeState(for: model)
        optimizer = AdamW(weightDecay: weightDecay)
    }

    /// Examples laid out for this model and method; `weights[i]` is example i's token weight.
    public func batch(_ examples: [TokenizedExample], weights: [Float]) -> TrainingBatch {
        model.trainingBatch(examples, weights: weights, layout: method.layout)
    }

    /// Forward and backward over the micro-batches of one step; gradients accumulate.
    /// Returns the step's loss (Σ weight·NLL). `step` (0-based) and `seed` draw the method's
    /// dropout masks; `modelDropout` (fine-tuning) is the model's own, micro-batch k drawing its
    /// masks from the seed + k.
    public func computeGradients(_ microBatches: [TrainingBatch], step: Int? = nil, seed: UInt64 = 0,
                                 modelDropout: ModelDropout? = nil) -> Double {
        params.zeroGrads()
        state.prepare(step: step, seed: seed)
        var conditioning = state.graphConditioning
        let grads = state.trainableWeights.any ? params.grads.base : nil
        var loss = 0.0
        let blockSeed = conditioning.blocks?.loraDropoutSeed
        for (k, batch) in microBatches.enumerated() {
            let d = modelDropout.map { ModelDropout(rate: $0.rate, seed: $0.seed &+ UInt64(k)) }
            if let blockSeed { conditioning.blocks!.loraDropoutSeed = blockSeed &+ UInt64(k) }
            loss += graph.run(batch, conditioning: conditioning, backward: true, weightGrads: grads,
                              trainable: state.trainableWeights, dropout: d)
        }
        state.finishBackward()
        return loss
    }

    /// Loss only (validation); the parameters are left as they are.
    public func loss(_ batch: TrainingBatch) -> Double {
        state.prepare(step: nil, seed: 0)
        return graph.run(batch, conditioning: state.graphConditioning, backward: false, weightGrads: nil, trainable: nil, dropout: nil)
    }

    /// Clips the gradients to norm `maxNorm` and takes one AdamW step; returns the norm before clipping.
    @discardableResult
    public func update(lr: Float, maxNorm: Double = 1.0) -> Double {
        let norm = AdamW.gradNorm(params)
        optimizer.update(params, lr: lr, gradScale: AdamW.clipScale(norm: norm, maxNorm: maxNorm))
        state.parametersDidUpdate()
        return norm
    }
}
