import Kernels
import Models

/// A model, a method and its trainable parameters: the training step as four calls —
/// forward, zero the gradients, backward, update — over one or more micro-batches.
public final class TrainingModel: @unchecked Sendable {
    public let model: GPT2Model
    public let options: MethodOptions
    public let graph: GPT2Graph
    /// Prefix, infix or embedding parameters; nil for fine-tuning.
    public let encoder: PrefixEncoder?
    /// What AdamW updates: the encoder's parameters, or (a part of) the model's own.
    public let params: ParameterSet
    public let trainable: TrainableWeights
    public var optimizer: AdamW

    public init(model: GPT2Model, options: MethodOptions, maxBatch: Int, maxT: Int, weightDecay: Float = 0) {
        self.model = model
        self.options = options
        let L = model.config.nLayer
        let P = options.method == .finetune ? 0 : options.prefixLength
        let lead = options.method == .embedding ? P : 0
        graph = GPT2Graph(model: model, maxBatch: maxBatch, maxT: maxT + lead, maxVirtual: options.virtualKVRows)
        if options.method == .finetune {
            encoder = nil
            if let top = options.trainTopLayers {
                trainable = .top(top, of: L)
                let firstLayer = L - top
                params = ParameterSet(model: model) { name in
                    if name.hasPrefix("ln_f.") { return true }
                    guard name.hasPrefix("h."), let l = Int(name.dropFirst(2).prefix { $0 != "." }) else { return false }
                    return l >= firstLayer
                }
            } else {
                trainable = .all(layers: L)
                params = ParameterSet(model: model) { _ in true }
            }
        } else {
            let e = PrefixEncoder(options: options, config: model.config)
            encoder = e
            params = e.params
            trainable = .none(layers: L)
        }
        optimizer = AdamW(weightDecay: weightDecay)
    }

    /// Forward and backward over the micro-batches of one step; gradients accumulate.
    /// Returns the step's loss (Σ weight·NLL).
    /// `modelDropout` (fine-tuning) is GPT-2's own dropout; micro-batch k draws its masks from
    /// the seed + k.
    public func computeGradients(_ microBatches: [GraphBatch], dropout: PrefixDropout? = nil,
                                 modelDropout: GPT2Graph.Dropout? = nil) -> Double {
        params.zeroGrads()
        encoder?.forward()
        if let e = encoder {
            e.doutput.zero()
            dropout?.apply(e.output.base)
        }
        var loss = 0.0
        for (k, batch) in microBatches.enumerated() {
            let d = modelDropout.map { GPT2Graph.Dropout(rate: $0.rate, seed: $0.seed &+ UInt64(k)) }
            loss += run(batch, backward: true, dropout: d)
        }
        if let e = encoder {
            dropout?.apply(e.doutput.base)  // the same mask, by the chain rule
            e.backward()
        }
        return loss
    }

    /// Loss only (validation); the parameters are left as they are.
    public func loss(_ batch: GraphBatch) -> Double {
        encoder?.forward()
        return run(batch, backward: false)
    }

    private func run(_ batch: GraphBatch, backward: Bool, dropout: GPT2Graph.Dropout? = nil) -> Double {
        let kv = options.method.usesVirtualKV
        let out = encoder.map { UnsafePointer($0.output.base) }
        let dout = encoder?.doutput.base
        return graph.run(batch, virtualKV: kv ? out : nil, virtualEmbeds: kv ? nil : out, backward: backward,
                         weightGrads: options.method == .finetune ? params.grads.base : nil, trainable: trainable,
                         dVirtualKV: kv ? dout : nil, dVirtualEmbeds: kv ? nil : dout,
                         dropout: options.method == .finetune ? dropout : nil)
    }

    /// Clips the gradients to norm `maxNorm` and takes one AdamW step; returns the norm before clipping.
    @discardableResult
    public func update(lr: Float, maxNorm: Double = 1.0) -> Double {
        let norm = AdamW.gradNorm(params)
        optimizer.update(params, lr: lr, gradScale: AdamW.clipScale(norm: norm, maxNorm: maxNorm))
        // Only fine-tuning moves the model's own weights; the frozen model keeps its packed copy.
        if options.method == .finetune { model.weightsDidChange() }
        return norm
    }
}
