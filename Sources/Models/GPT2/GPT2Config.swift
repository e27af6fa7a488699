import Foundation
import Support
import JSON

/// The fields of a Hugging Face GPT-2 `config.json` that the engine uses, under their file names.
public struct GPT2Config: Sendable, Equatable {
    public var nLayer: Int
    public var nHead: Int
    public var nEmbd: Int
    public var nPositions: Int
    public var vocabSize: Int
    public var layerNormEpsilon: Float = 1e-5
    public var activationFunction: String = "gelu_new"
    public var nInner: Int? = nil
    public var bosTokenId: Int = 50256
    public var eosTokenId: Int = 50256

    public init(nLayer: Int, nHead: Int, nEmbd: Int, nPositions: Int = 1024, vocabSize: Int = 50257) {
        self.nLayer = nLayer; self.nHead = nHead; self.nEmbd = nEmbd
        self.nPositions = nPositions; self.vocabSize = vocabSize
    }

    public var innerDim: Int { nInner ?? 4 * nEmbd }
    public var headDim: Int { nEmbd / nHead }

    /// The official OpenAI/Hugging Face sizes, by model name.
    public static let official: [String: GPT2Config] = [
        "distilgpt2": GPT2Config(nLayer: 6, nHead: 12, nEmbd: 768),
        "gpt2": GPT2Config(nLayer: 12, nHead: 12, nEmbd: 768),
        "gpt2-medium": GPT2Config(nLayer: 24, nHead: 16, nEmbd: 1024),
        "gpt2-large": GPT2Config(nLayer: 36, nHead: 20, nEmbd: 1280),
        "gpt2-xl": GPT2Config(nLayer: 48, nHead: 25, nEmbd: 1600),
    ]

    /// Reads and checks `config.json`; errors name the file and the field.
    public static func load(path: String) throws -> GPT2Config {
        guard let data = FileRead.contents(path) else {
            throw ModelError(path: path, message: "cannot read the file")
        }
        let root: JSONValue
        do { root = try JSONParser.parse(bytes: [UInt8](data)) } catch {
            throw ModelError(path: path, message: "not valid JSON (\(error))")
        }
        return try GPT2Config(json: root, path: path)
    }

    public init(json root: JSONValue, path: String) throws {
        let fields = try ConfigFields(root, path: path)
        if let mt = root["model_type"]?.string, mt != "gpt2" {
            throw ModelError(path: path, message: "model_type is '\(mt)'; only GPT-2 models are supported")
        }
        self.init(nLayer: try fields.int("n_layer"), nHead: try fields.int("n_head"), nEmbd: try fields.int("n_embd"),
                  nPositions: try fields.int("n_positions", default: 1024), vocabSize: try fields.int("vocab_size"))
        if let v = root["layer_norm_epsilon"], v != .null {
            guard let eps = v.number else { throw ModelError(path: path, message: "layer_norm_epsilon must be a number, got \(v.serialized.prefix(40))") }
            layerNormEpsilon = Float(eps)
        }
        if let v = root["n_inner"], v != .null { nInner = try fields.int("n_inner") }
        if let v = root["activation_function"], v != .null {
            guard let a = v.string else { throw ModelError(path: path, message: "activation_function must be a string, got \(v.serialized.prefix(40))") }
            activationFunction = a
        }
        bosTokenId = try fields.int("bos_token_id", default: 50256, minimum: 0)
        eosTokenId = try fields.int("eos_token_id", default: 50256, minimum: 0)
        guard ["gelu_new", "gelu_pytorch_tanh"].contains(activationFunction) else {
            throw ModelError(path: path, message: "activation_function '\(activationFunction)' is not supported (expected gelu_new)")
        }
        guard nEmbd % nHead == 0 else {
            throw ModelError(path: path, message: "n_embd \(nEmbd) is not divisible by n_head \(nHead)")
        }
        if root["tie_word_embeddings"]?.bool == false {
            throw ModelError(path: path, message: "tie_word_embeddings is false; GPT-2 ties lm_head to wte and untied heads are not supported")
        }
        for (key, expected) in [("scale_attn_weights", true), ("scale_attn_by_inverse_layer_idx", false), ("reorder_and_upcast_attn", false)] {
            if let b = root[key]?.bool, b != expected {
                throw ModelError(path: path, message: "\(key) = \(b) is not supported (GPT-2 uses \(expected))")
            }
        }
        try validate(path: path)
    }

    /// Largest sizes read: far above every published GPT-2 (gpt2-xl: 48 layers, 1600 wide), low
    /// enough that every size below is computed without overflow.
    public static let limits = (layers: 1024, heads: 1024, width: 65_536, positions: 1 << 20, vocab: 10_000_000, inner: 1 << 18)

    /// Checks every size against `limits` and the others, naming the key.
    public func validate(path: String) throws {
        let L = GPT2Config.limits
        for (key, v, limit) in [("n_layer", nLayer, L.layers), ("n_head", nHead, L.heads), ("n_embd", nEmbd, L.width),
                                ("n_positions", nPositions, L.positions), ("vocab_size", vocabSize, L.vocab), ("n_inner", innerDim, L.inner)] {
            guard v >= 1, v <= limit else { throw ModelError(path: path, message: "\(key) \(v) is outside 1...\(limit)") }
        }
        guard nEmbd % nHead == 0 else { throw ModelError(path: path, message: "n_embd \(nEmbd) is not divisible by n_head \(nHead)") }
        guard layerNormEpsilon.isFinite, layerNormEpsilon > 0, layerNormEpsilon < 1 else {
            throw ModelError(path: path, message: "layer_norm_epsilon \(layerNormEpsilon) must be a positive number below 1")
        }
        guard eosTokenId >= 0, eosTokenId < vocabSize else {
            throw ModelError(path: path, message: "eos_token_id \(eosTokenId) is outside the vocabulary of \(vocabSize)")
        }
        guard bosTokenId >= 0, bosTokenId < vocabSize else {
            throw ModelError(path: path, message: "bos_token_id \(bosTokenId) is outside the vocabulary of \(vocabSize)")
        }
    }

    /// The config as transformers writes it (enough for GPT2Config.from_pretrained).
    public var json: JSONValue {
        .object([
            ("architectures", .array([.string("GPT2LMHeadModel")])),
            ("model_type", .string("gpt2")),
            ("activation_function", .string(activationFunction)),
            ("bos_token_id", .number(Double(bosTokenId))),
            ("eos_token_id", .number(Double(eosTokenId))),
            ("layer_norm_epsilon", .number(Double(layerNormEpsilon))),
            ("n_embd", .number(Double(nEmbd))),
            ("n_head", .number(Double(nHead))),
            ("n_inner", nInner.map { .number(Double($0)) } ?? .null),
            ("n_layer", .number(Double(nLayer))),
            ("n_positions", .number(Double(nPositions))),
            ("n_ctx", .number(Double(nPositions))),
            ("vocab_size", .number(Double(vocabSize))),
            ("attn_pdrop", .number(0.1)), ("embd_pdrop", .number(0.1)), ("resid_pdrop", .number(0.1)),
            ("tie_word_embeddings", .bool(true)),
        ])
    }
}
