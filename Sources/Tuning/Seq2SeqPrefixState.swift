import Models
import Support

/// Prefix-tuning of an encoder-decoder as the original code trains it (Li & Liang,
/// seq2seq/prefixTuning.py): one `PrefixEncoder` per attention kind (encoder self-attention,
/// decoder self-attention, cross-attention), each its own embedding and MLP over its own stack's
/// layers, all in one parameter set under "<kind>." names so one AdamW step moves them together.
///
/// A checkpoint holds trainable.safetensors (every kind's tensors and moments) and
/// prefix.safetensors: per kind trained, `<kind>.prompt_embeddings` (P, 2·L·C), layer l's keys
/// at columns 2l·C and values at (2l+1)·C, L the encoder's layers for `encoder` and the
/// decoder's for `decoder` and `cross` (docs/RUNS.md). PEFT's format cannot hold it (`export`
/// says why).
public final class Seq2SeqPrefixState: MethodState, @unchecked Sendable {
    public let options: VirtualTokenOptions
    public let kinds: [(name: String, kind: PrefixAttentions, encoder: PrefixEncoder)]
    public let params: ParameterSet
    let shape: ModelShape

    init(options: VirtualTokenOptions, attentions: PrefixAttentions, model: any LanguageModel) {
        self.options = options
        shape = model.shape
        let chosen = PrefixAttentions.names.filter { attentions.contains($0.1) }
        let spec = chosen.flatMap { name, kind in
            PrefixEncoder.tensorSpec(options: options, target: .keyValues, width: model.shape.keyValueWidth(kind), C: model.shape.width, namePrefix: name + ".")
        }
        let params = ParameterSet(spec)
        self.params = params
        kinds = chosen.map { name, kind in
            (name, kind, PrefixEncoder(options: options, target: .keyValues, model: model, methodName: "prefix", peftKind: nil,
                                       decodeAs: { _, _ in .none }, width: model.shape.keyValueWidth(kind), namePrefix: name + ".", shared: params))
        }
    }

    func rows(_ kind: PrefixAttentions) -> PrefixEncoder? { kinds.first { $0.kind == kind }?.encoder }

    public var trainableWeights: TrainableWeights { .none(layers: shape.layers + shape.encoderLayers) }
    public var modelDropoutRate: Float { 0 }

    public var graphConditioning: GraphConditioning {
        var g = GraphConditioning()
        if let d = rows(.decoder) { g.keyValues = UnsafePointer(d.output.base); g.keyValueGrads = d.doutput.base }
        if let e = rows(.encoder) { g.encoderKeyValues = UnsafePointer(e.output.base); g.encoderKeyValueGrads = e.doutput.base }
        if let c = rows(.cross) { g.crossKeyValues = UnsafePointer(c.output.base); g.crossKeyValueGrads = c.doutput.base }
        return g
    }

    /// Each kind its own dropout masks: the step's seed mixed with the kind.
    public func prepare(step: Int?, seed: UInt64) {
        for (i, k) in kinds.enumerated() { k.encoder.prepare(step: step, seed: seed ^ (0x9E37_79B9_7F4A_7C15 &* UInt64(i + 1))) }
    }

    public func finishBackward() { for k in kinds { k.encoder.finishBackward() } }
    public func parametersDidUpdate() {}

    /// Random (each kind from its own stream), or the MLP's embeddings from words; no PEFT adapter
    /// (PEFT's seq2seq prefix is another parameterisation, refused by the method's check).
    public func initialize(seed: UInt64, encode: (String) -> [Int32]) throws {
        for (i, k) in kinds.enumerated() { k.encoder.randomInit(seed: seed &+ UInt64(i) &* 0xA076_1D64_78BD_642F) }
        if options.initialization.hasPrefix("words:") {
            let ids = encode(String(options.initialization.dropFirst("words:".count)))
            guard !ids.isEmpty else { throw MethodError("--init words: needs some text (words:TEXT)") }
            for k in kinds { try PrefixInit.fromWords(k.encoder, model: k.encoder.model, tokens: ids) }
        }
    }

    public func save(to dir: String, baseModelDir: String) throws {
        try params.save(to: dir + "/trainable.safetensors")
        var out: [SafeTensorsWriter.Tensor] = []
        for k in kinds {
            k.encoder.forward()  // without dropout
            out.append(.init(name: k.name + ".prompt_embeddings", shape: [options.length, k.encoder.width],
                             values: UnsafeBufferPointer(start: k.encoder.output.base, count: k.encoder.output.count)))
        }
        try SafeTensorsWriter.write(path: dir + "/prefix.safetensors", tensors: out)
    }

    public func load(from dir: String) throws { try params.load(from: dir + "/trainable.safetensors") }

    public func currentConditioning() -> Conditioning {
        var p = Seq2SeqPrefix(P: options.length)
        for k in kinds {
            k.encoder.forward()
            let v = Array(k.encoder.output.buffer)
            switch k.kind {
            case .encoder: p.encoder = v
            case .decoder: p.decoder = v
            default: p.cross = v
            }
        }
        return .seq2seq(p)
    }

    /// A checkpoint's prefix.safetensors, checked against the model: the kinds it holds, each (P, 2·L·C).
    static func foldedRows(checkpoint dir: String, shape: ModelShape) throws -> Seq2SeqPrefix {
        let f = try SafeTensorsFile(path: dir + "/prefix.safetensors")
        var out: Seq2SeqPrefix?
        for (name, kind) in PrefixAttentions.names {
            guard let e = f[name + ".prompt_embeddings"] else { continue }
            let W = shape.keyValueWidth(kind)
            guard e.shape.count == 2, e.shape[0] >= 1, e.shape[1] == W, out == nil || out!.P == e.shape[0] else {
                throw MethodError("\(f.path): expected '\(name).prompt_embeddings' of shape [P, \(W)] (2 · \(W / (2 * shape.width)) layers · \(shape.width)), found \(e.shape)")
            }
            if out == nil { out = Seq2SeqPrefix(P: e.shape[0]) }
            let v = try f.floats(name + ".prompt_embeddings")
            switch kind {
            case .encoder: out!.encoder = v
            case .decoder: out!.decoder = v
            default: out!.cross = v
            }
        }
        guard let out else {
            throw MethodError("\(f.path): no encoder/decoder/cross .prompt_embeddings tensor (an encoder-decoder's prefix checkpoint holds one per kind trained)")
        }
        return out
    }
}
