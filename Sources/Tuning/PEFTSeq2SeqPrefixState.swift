import Kernels
import Models

/// Prefix-tuning of an encoder-decoder as PEFT's seq2seq PrefixTuning trains it, so the run
/// exports to (and starts from) PEFT's adapter: one `PrefixEncoder` of (P, 2·L_enc·C) under
/// PEFT's prompt-encoder names, read by the decoder's self-attention alone through PEFT's block
/// order (`Seq2SeqPrefix.peftBlock`: decoder layer l's keys are block 4l mod 2L, its values
/// 4l+1 mod 2L, so layers can share rows), the decoder's tokens starting at position P.
/// Before each pass the blocks are laid out per decoder layer for the graph; after it, each
/// layer's gradient is added back into the block it read.
public final class PEFTSeq2SeqPrefixState: MethodState, @unchecked Sendable {
    public let encoder: PrefixEncoder
    let shape: ModelShape
    /// (P, 2·L_dec·C): the rows the decoder reads this pass, and their gradient.
    let decoderRows: FloatArena
    let decoderGrads: FloatArena

    init(options: VirtualTokenOptions, model: any LanguageModel) {
        shape = model.shape
        encoder = PrefixEncoder(options: options, target: .keyValues, model: model, methodName: "prefix", peftKind: .prefixTuning,
                                decodeAs: { _, _ in .none }, width: 2 * model.shape.encoderLayers * model.shape.width)
        decoderRows = FloatArena(count: options.length * model.shape.keyValueWidth)
        decoderGrads = FloatArena(count: decoderRows.count)
    }

    public var params: ParameterSet { encoder.params }
    public var trainableWeights: TrainableWeights { .none(layers: shape.layers + shape.encoderLayers) }
    public var modelDropoutRate: Float { 0 }

    public var graphConditioning: GraphConditioning {
        GraphConditioning(keyValues: UnsafePointer(decoderRows.base), keyValueGrads: decoderGrads.base)
    }

    /// (decoder layer l, key or value) ↔ PEFT's block, over every row.
    func eachBlock(_ body: (_ peftColumn: Int, _ decoderColumn: Int) -> Void) {
        for l in 0..<shape.layers {
            for kv in 0..<2 {
                let block = Seq2SeqPrefix.peftBlock(layer: l, value: kv == 1, encoderLayers: shape.encoderLayers)
                body(block * shape.width, (2 * l + kv) * shape.width)
            }
        }
    }

    public func prepare(step: Int?, seed: UInt64) {
        encoder.prepare(step: step, seed: seed)
        decoderGrads.zero()
        let P = encoder.P, W = encoder.width, Wd = shape.keyValueWidth, C = shape.width
        eachBlock { from, to in
            for p in 0..<P { (decoderRows.base + p * Wd + to).update(from: encoder.output.base + p * W + from, count: C) }
        }
    }

    public func finishBackward() {
        let P = encoder.P, W = encoder.width, Wd = shape.keyValueWidth, C = shape.width
        eachBlock { peft, dec in
            for p in 0..<P { axpy(1, decoderGrads.base + p * Wd + dec, encoder.doutput.base + p * W + peft, C) }
        }
        encoder.finishBackward()
    }

    public func parametersDidUpdate() {}
    public func initialize(seed: UInt64, encode: (String) -> [Int32]) throws { try encoder.initialize(seed: seed, encode: encode) }
    /// prefix.safetensors' `prompt_embeddings` (P, 2·L_enc·C) is PEFT's adapter tensor.
    public func save(to dir: String, baseModelDir: String) throws { try encoder.save(to: dir, baseModelDir: baseModelDir) }
    public func load(from dir: String) throws { try encoder.load(from: dir) }

    public func currentConditioning() -> Conditioning {
        encoder.forward()
        return .seq2seq(Seq2SeqPrefix.peft(embeddings: Array(encoder.output.buffer), P: encoder.P, encoderLayers: shape.encoderLayers,
                                           decoderLayers: shape.layers, width: shape.width))
    }
}
