import Foundation
import JSON
import Support

/// The fields of a Hugging Face BART `config.json` (model_type `bart`) that the engine uses,
/// under their file names. BART is post-LayerNorm (each sub-layer: x = LN(x + f(x))), with a
/// LayerNorm on the embeddings of both stacks, learned positions offset by 2, and a head tied
/// to the shared embeddings plus `final_logits_bias`.
public struct BARTConfig: Sendable, Equatable {
    public var dModel: Int
    public var encoderLayers: Int
    public var decoderLayers: Int
    public var encoderHeads: Int
    public var decoderHeads: Int
    public var encoderFFN: Int
    public var decoderFFN: Int
    public var maxPositions: Int
    public var vocabSize: Int
    public var activation: Activation = .gelu
    /// Token embeddings × √d_model (bart-base and bart-large: false; fine-tuned XSUM: false).
    public var scaleEmbedding = false
    public var padTokenId = 1
    public var bosTokenId = 0
    public var eosTokenId = 2
    public var decoderStartTokenId = 2
    public var forcedEOSTokenId: Int? = 2
    /// transformers' nn.LayerNorm default; BART's config has no key for it.
    public let layerNormEpsilon: Float = 1e-5

    /// BART's learned positional embeddings have two rows before position 0 (fairseq's padding offset).
    public static let positionOffset = 2

    public enum Activation: String, Sendable, CaseIterable {
        /// The exact GELU, x·Φ(x) (transformers' "gelu"; BART's own).
        case gelu
        case relu
        /// The tanh approximation (transformers' "gelu_new").
        case geluNew = "gelu_new"
    }

    public init(dModel: Int, encoderLayers: Int, decoderLayers: Int, encoderHeads: Int, decoderHeads: Int, encoderFFN: Int, decoderFFN: Int,
                maxPositions: Int = 1024, vocabSize: Int = 50265) {
        self.dModel = dModel; self.encoderLayers = encoderLayers; self.decoderLayers = decoderLayers
        self.encoderHeads = encoderHeads; self.decoderHeads = decoderHeads; self.encoderFFN = encoderFFN; self.decoderFFN = decoderFFN
        self.maxPositions = maxPositions; self.vocabSize = vocabSize
    }

    /// facebook/bart-base and facebook/bart-large, from their config.json files.
    public static let official: [String: BARTConfig] = [
        "bart-base": BARTConfig(dModel: 768, encoderLayers: 6, decoderLayers: 6, encoderHeads: 12, decoderHeads: 12, encoderFFN: 3072, decoderFFN: 3072),
        "bart-large": BARTConfig(dModel: 1024, encoderLayers: 12, decoderLayers: 12, encoderHeads: 16, decoderHeads: 16, encoderFFN: 4096, decoderFFN: 4096),
    ]

    /// Largest sizes read: far above bart-large, low enough that every size below is computed
    /// without overflow.
    public static let limits = (layers: 1024, heads: 1024, width: 65_536, positions: 1 << 20, vocab: 10_000_000, ffn: 1 << 18)

    public init(json root: JSONValue, path: String) throws {
        let fields = try ConfigFields(root, path: path)
        if let mt = root["model_type"]?.string, mt != "bart" {
            throw ModelError(path: path, message: "model_type is '\(Escaped(mt))', not a BART model")
        }
        self.init(dModel: try fields.int("d_model"), encoderLayers: try fields.int("encoder_layers"), decoderLayers: try fields.int("decoder_layers"),
                  encoderHeads: try fields.int("encoder_attention_heads"), decoderHeads: try fields.int("decoder_attention_heads"),
                  encoderFFN: try fields.int("encoder_ffn_dim"), decoderFFN: try fields.int("decoder_ffn_dim"),
                  maxPositions: try fields.int("max_position_embeddings", default: 1024), vocabSize: try fields.int("vocab_size"))
        if let v = root["activation_function"], v != .null {
            guard let s = v.string, let a = Activation(rawValue: s) else {
                throw ModelError(path: path, message: "activation_function \(v.serialized.prefix(40)) is not supported (expected \(Activation.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            activation = a
        }
        if let v = root["scale_embedding"], v != .null {
            guard let b = v.bool else { throw ModelError(path: path, message: "scale_embedding must be true or false, got \(v.serialized.prefix(40))") }
            scaleEmbedding = b
        }
        padTokenId = try fields.int("pad_token_id", default: 1, minimum: 0)
        bosTokenId = try fields.int("bos_token_id", default: 0, minimum: 0)
        eosTokenId = try fields.int("eos_token_id", default: 2, minimum: 0)
        decoderStartTokenId = try fields.int("decoder_start_token_id", default: eosTokenId, minimum: 0)
        forcedEOSTokenId = root["forced_eos_token_id"] == .null ? nil : try fields.int("forced_eos_token_id", default: eosTokenId, minimum: 0)
        if root["tie_word_embeddings"]?.bool == false {
            throw ModelError(path: path, message: "tie_word_embeddings is false; BART ties lm_head to the shared embeddings and untied heads are not supported")
        }
        // mBART's pre-LayerNorm variants carry these; BART itself never sets them.
        for key in ["normalize_before", "add_final_layer_norm"] where root[key]?.bool == true {
            throw ModelError(path: path, message: "\(key) = true is mBART's pre-LayerNorm layout, not BART's")
        }
        try validate(path: path)
    }

    public func validate(path: String) throws {
        let L = BARTConfig.limits
        for (key, v, limit) in [("d_model", dModel, L.width), ("encoder_layers", encoderLayers, L.layers), ("decoder_layers", decoderLayers, L.layers),
                                ("encoder_attention_heads", encoderHeads, L.heads), ("decoder_attention_heads", decoderHeads, L.heads),
                                ("encoder_ffn_dim", encoderFFN, L.ffn), ("decoder_ffn_dim", decoderFFN, L.ffn),
                                ("max_position_embeddings", maxPositions, L.positions), ("vocab_size", vocabSize, L.vocab)] {
            guard v >= 1, v <= limit else { throw ModelError(path: path, message: "\(key) \(v) is outside 1...\(limit)") }
        }
        for (key, heads) in [("encoder_attention_heads", encoderHeads), ("decoder_attention_heads", decoderHeads)] where dModel % heads != 0 {
            throw ModelError(path: path, message: "d_model \(dModel) is not divisible by \(key) \(heads)")
        }
        for (key, id) in [("pad_token_id", padTokenId), ("bos_token_id", bosTokenId), ("eos_token_id", eosTokenId),
                          ("decoder_start_token_id", decoderStartTokenId), ("forced_eos_token_id", forcedEOSTokenId ?? 0)] where id >= vocabSize {
            throw ModelError(path: path, message: "\(key) \(id) is outside the vocabulary of \(vocabSize)")
        }
    }

    public var embedScale: Float { scaleEmbedding ? Float(dModel).squareRoot() : 1 }

    /// The config as transformers writes it (enough for BartConfig.from_pretrained).
    public var json: JSONValue {
        func n(_ x: Int) -> JSONValue { .number(Double(x)) }
        return .object([
            ("architectures", .array([.string("BartForConditionalGeneration")])), ("model_type", .string("bart")),
            ("activation_function", .string(activation.rawValue)), ("d_model", n(dModel)),
            ("encoder_layers", n(encoderLayers)), ("decoder_layers", n(decoderLayers)),
            ("encoder_attention_heads", n(encoderHeads)), ("decoder_attention_heads", n(decoderHeads)),
            ("encoder_ffn_dim", n(encoderFFN)), ("decoder_ffn_dim", n(decoderFFN)),
            ("max_position_embeddings", n(maxPositions)), ("vocab_size", n(vocabSize)), ("scale_embedding", .bool(scaleEmbedding)),
            ("pad_token_id", n(padTokenId)), ("bos_token_id", n(bosTokenId)), ("eos_token_id", n(eosTokenId)),
            ("decoder_start_token_id", n(decoderStartTokenId)), ("forced_eos_token_id", forcedEOSTokenId.map(n) ?? .null),
            ("is_encoder_decoder", .bool(true)), ("tie_word_embeddings", .bool(true)),
        ])
    }
}
