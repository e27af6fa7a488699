import Models
import Specs

/// Prefix-tuning (Li & Liang 2021): P key/value rows at every layer before every real token,
/// the model frozen; trained through an MLP (`reparam` mlp, as the paper) or directly.
/// Checkpoints fold the MLP away: prefix.safetensors holds the (P, 2·L·C) rows, which is
/// PEFT's PrefixTuning adapter.
///
/// On an encoder-decoder, as the original code (seq2seq/prefixTuning.py): a prefix for each
/// attention kind of `prefix_kinds` (encoder self-attention, decoder self-attention,
/// cross-attention), each its own embedding and MLP (`Seq2SeqPrefixState`); the rows take no
/// positions.
public struct Prefix: VirtualTokenMethod {
    public static let kinds = OptionDescriptor("prefix_kinds", .text, default: .text("all"),
                                               help: "encoder-decoders: the attentions with a prefix, of encoder,decoder,cross (each its own MLP, as the original code); all: every attention the model has (GPT-2: its one kind); peft: PEFT's seq2seq PrefixTuning (the decoder's self-attention through PEFT's layout; exports to PEFT)")
    public static let optionKeys = [VirtualTokenOptions.length, VirtualTokenOptions.reparam, VirtualTokenOptions.midDim, VirtualTokenOptions.initialization,
                                    VirtualTokenOptions.initAdapter, VirtualTokenOptions.dropout, kinds]
    public static let descriptor = MethodDescriptor(
        name: "prefix", label: "prefix-tuning",
        summary: "P key/value rows at every layer before the input, through an MLP while training; the model frozen",
        options: optionKeys, lengthKey: "prefix_length", formOptions: ["prefix_length", "reparam"], formTrailingOptions: ["init", "prefix_kinds"])

    public var options: VirtualTokenOptions
    /// Which attentions of an encoder-decoder get rows (a decoder-only model: its own, whatever this says).
    public var attentions: PrefixAttentions
    /// `prefix_kinds` peft: PEFT's seq2seq PrefixTuning (`PEFTSeq2SeqPrefixState`).
    public var peftLayout = false

    public init(length: Int = 10, reparam: Reparameterization = .mlp, midDim: Int = 512, initialization: String = "random",
                initAdapter: String? = nil, dropout: Double = 0, attentions: PrefixAttentions = .all) {
        options = VirtualTokenOptions(length: length, reparam: reparam, midDim: midDim, initialization: initialization,
                                      initAdapter: initAdapter, dropout: dropout)
        self.attentions = attentions
    }
    public init(spec: MethodSpec) throws {
        options = try VirtualTokenOptions(spec: spec)
        let list = spec["prefix_kinds"]?.text ?? "all"
        if list == "peft" { attentions = .decoder; peftLayout = true; return }
        guard let a = PrefixAttentions(list: list) else {
            throw SpecError("method.prefix_kinds \(list): expected all, peft, or a comma-separated list of encoder, decoder, cross")
        }
        attentions = a
    }

    /// PEFT's seq2seq PrefixTuning on an encoder-decoder.
    public static func peft(length: Int = 10, reparam: Reparameterization = .mlp, midDim: Int = 512) -> Prefix {
        var p = Prefix(length: length, reparam: reparam, midDim: midDim, attentions: .decoder)
        p.peftLayout = true
        return p
    }

    public var spec: MethodSpec {
        var s = options.spec(Self.descriptor.name, keys: Self.descriptor.options)
        s["prefix_kinds"] = .text(peftLayout ? "peft" : attentions == .all ? "all" : attentions.list)
        return s
    }

    public static let target = PrefixEncoder.Target.keyValues
    public static func conditioning(rows P: Int, values: [Float]) -> Conditioning { .prefix(P: P, values: values) }
    public var layout: VirtualLayout {
        VirtualLayout(keyValueRows: options.length, placement: .start, attentions: attentions, decoderRowsTakePositions: peftLayout)
    }

    /// The original code's variants: "encoder+decoder" and the like when not all three kinds; "peft".
    public var variant: String? {
        let base = options.reparam == .none ? "no-mlp" : nil
        if peftLayout { return (["peft"] + [base].compactMap { $0 }).joined(separator: " ") }
        guard attentions != .all else { return base }
        return ([attentions.list.replacingOccurrences(of: ",", with: "+")] + [base].compactMap { $0 }).joined(separator: " ")
    }

    public func check(against model: ModelSummary) throws {
        try options.check(against: model)
        let s = model.shape
        guard s.isEncoderDecoder else {
            guard attentions == .all || attentions == .decoder, !peftLayout else {
                throw MethodError("--prefix-kinds \(peftLayout ? "peft" : attentions.list): this model is decoder-only (its blocks' self-attention is the decoder kind); encoder and cross prefixes need an encoder-decoder")
            }
            return
        }
        if peftLayout {
            guard s.encoderLayers == s.layers else {
                throw MethodError("--prefix-kinds peft: this model has \(s.encoderLayers) encoder and \(s.layers) decoder layers; PEFT's seq2seq PrefixTuning cannot run on unequal depths (its own forward raises an IndexError)")
            }
            return
        }
        if options.initAdapter != nil {
            throw MethodError("--init-adapter: a PEFT PrefixTuning adapter on an encoder-decoder is one (P, 2·L·C) tensor for the decoder's self-attention in PEFT's own block order, not this method's prefixes; score it with lm-score --adapter")
        }
        if options.reparam == .none && options.initialization.hasPrefix("words:") {
            throw MethodError("--init words: with --reparam none needs a decoder-only model's own keys of the words; on an encoder-decoder use --reparam mlp (the words' embeddings start the MLP)")
        }
    }

    public func trainedParameters(_ model: ModelSummary) -> Int {
        guard model.shape.isEncoderDecoder, !peftLayout else { return options.trainedParameters(model.shape, target: .keyValues) }
        return chosenWidths(model.shape).reduce(0) { n, W in
            // One MLP per kind, each to its own stack's 2·L·C.
            let P = options.length, C = model.shape.width, mid = options.midDim
            return n + (options.reparam == .mlp ? P * C + mid * C + mid + W * mid + W : P * W)
        }
    }

    public func storedParameters(_ model: ModelSummary) -> Int {
        guard model.shape.isEncoderDecoder else { return options.length * model.shape.keyValueWidth }
        if peftLayout { return options.length * model.shape.keyValueWidth(.encoder) }
        return options.length * chosenWidths(model.shape).reduce(0, +)
    }

    func chosenWidths(_ s: ModelShape) -> [Int] { PrefixAttentions.names.filter { attentions.contains($0.1) }.map { s.keyValueWidth($0.1) } }

    public func makeState(for model: any LanguageModel) -> any MethodState {
        guard model.shape.isEncoderDecoder else {
            return PrefixEncoder(options: options, target: .keyValues, model: model, methodName: "prefix", peftKind: Self.peftKind, decodeAs: Self.conditioning)
        }
        if peftLayout { return PEFTSeq2SeqPrefixState(options: options, model: model) }
        return Seq2SeqPrefixState(options: options, attentions: attentions, model: model)
    }

    public func decoding(checkpoint dir: String, baseModel: String) throws -> DecodingSetup {
        let shape = try HFModelFolder.summary(baseModel).shape
        guard shape.isEncoderDecoder else {
            let rows = try options.foldedRows(checkpoint: dir, baseModel: baseModel, target: .keyValues)
            return DecodingSetup(modelFolder: baseModel, conditioning: Self.conditioning(rows: rows.P, values: rows.values))
        }
        if peftLayout {
            let rows = try PrefixEncoder.foldedRows(checkpoint: dir, width: shape.keyValueWidth(.encoder))
            return DecodingSetup(modelFolder: baseModel, conditioning: .seq2seq(
                Seq2SeqPrefix.peft(embeddings: rows.values, P: rows.P, encoderLayers: shape.encoderLayers, decoderLayers: shape.layers, width: shape.width)))
        }
        return DecodingSetup(modelFolder: baseModel, conditioning: .seq2seq(try Seq2SeqPrefixState.foldedRows(checkpoint: dir, shape: shape)))
    }

    public func export(checkpoint dir: String, model: ModelSummary, baseModel: String) throws -> any AdapterExport {
        if model.shape.isEncoderDecoder && !peftLayout {
            throw MethodError("""
                \(dir): an encoder-decoder's prefix cannot be written as a PEFT adapter: PEFT's seq2seq PrefixTuning holds one (P, 2·L_enc·C) tensor \
                that reaches the decoder's self-attention alone, with layer l reading blocks 4l and 4l+1 mod 2L (layers share rows), so it cannot hold \
                a prefix per decoder layer, nor encoder or cross-attention prefixes; the checkpoint's prefix.safetensors is this run's prefix in \
                PrefixLab's layout (<kind>.prompt_embeddings, docs/RUNS.md); --prefix-kinds peft trains PEFT's own variant, which exports
                """)
        }
        let rows = try PrefixEncoder.foldedRows(checkpoint: dir, width: peftLayout ? model.shape.keyValueWidth(.encoder) : model.shape.keyValueWidth)
        return PEFTAdapter(kind: .prefixTuning, virtualTokens: rows.P, shape: model.shape, prefixProjection: options.reparam == .mlp,
                           encoderHiddenSize: options.midDim, baseModel: baseModel, embeddings: rows.values)
    }

    public static var peftKind: PEFTAdapter.Kind? { .prefixTuning }
    public static func conditioning(peft a: PEFTAdapter, model: ModelSummary) throws -> (layout: VirtualLayout, conditioning: Conditioning) {
        try a.check(against: model.shape)
        return (VirtualLayout(keyValueRows: a.virtualTokens, placement: .start), .prefix(P: a.virtualTokens, values: a.embeddings))
    }
}
