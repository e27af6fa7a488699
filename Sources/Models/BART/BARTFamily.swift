import Foundation
import JSON
import Support

/// BART as a model family: reads and writes Hugging Face BART folders.
///
/// Accepts the names BartForConditionalGeneration writes (`model.` before all but
/// `final_logits_bias`) and BartModel's (no `model.`); the shared embedding as
/// `model.shared.weight`, or, where only the tied copies were saved, the encoder's or decoder's
/// `embed_tokens.weight`; skips those copies and `lm_head.weight` otherwise (after checking
/// their shape). A file without `final_logits_bias` (BartModel's) gets zeros, as transformers
/// initialises it. Refuses a missing tensor, a wrong shape, and layers beyond the config, naming
/// the tensor.
public enum BARTFamily: ModelFamily {
    public static let modelTypes = ["bart"]
    public static let isEncoderDecoder = true

    public static func load(config: JSONValue, configPath: String, weights: SafeTensorsFile) throws -> any PretrainedModel {
        try load(BARTConfig(json: config, path: configPath), configJSON: config, weights: weights)
    }

    public static func summary(config: JSONValue, configPath: String) throws -> ModelSummary {
        let c = try BARTConfig(json: config, path: configPath)
        return BARTModel.summary(c, layout: BARTLayout(c))
    }

    static let tiedCopies = ["model.encoder.embed_tokens.weight", "model.decoder.embed_tokens.weight", "lm_head.weight"]

    static func load(_ c: BARTConfig, configJSON: JSONValue, weights file: SafeTensorsFile) throws -> BARTModel {
        let layout = BARTLayout(c)
        let header = file.header
        func find(_ name: String) -> TensorEntry? {
            header[name] ?? (name.hasPrefix("model.") ? header[String(name.dropFirst(6))] : nil)
        }
        var pairs: [(BARTLayout.Entry, TensorEntry?)] = []
        for e in layout.entries {
            var f = find(e.name)
            if f == nil, e.offset == layout.shared { f = tiedCopies.lazy.compactMap(find).first }
            if f == nil, e.offset != layout.logitsBias {
                throw ModelError(path: file.path, message: "missing tensor '\(e.name)' (or without 'model.') expected by config (encoder_layers \(c.encoderLayers), decoder_layers \(c.decoderLayers), d_model \(c.dModel))")
            }
            if let f {
                guard f.shape == e.shape else { throw ModelError(path: file.path, message: "tensor '\(f.name)' has shape \(f.shape), expected \(e.shape) from config.json") }
                guard [.F32, .F16, .BF16].contains(f.dtype) else {
                    throw ModelError(path: file.path, message: "tensor '\(f.name)' has dtype \(f.dtype.rawValue); expected F32, F16 or BF16")
                }
            }
            pairs.append((e, f))
        }
        let known = Set(layout.entries.map(\.name))
        for f in header.entries {
            let name = f.name.hasPrefix("model.") || f.name == "final_logits_bias" || f.name == "lm_head.weight" ? f.name : "model." + f.name
            if known.contains(name) { continue }
            if tiedCopies.contains(name) {
                guard f.shape == [c.vocabSize, c.dModel] else {
                    throw ModelError(path: file.path, message: "tensor '\(f.name)' has shape \(f.shape), expected \([c.vocabSize, c.dModel]) (tied to the shared embeddings)")
                }
                continue
            }
            if name.hasPrefix("model.encoder.layers.") || name.hasPrefix("model.decoder.layers.") {
                throw ModelError(path: file.path, message: "unexpected tensor '\(f.name)': config.json says encoder_layers \(c.encoderLayers), decoder_layers \(c.decoderLayers)")
            }
        }
        let model = BARTModel(config: c, configJSON: configJSON)
        for (e, f) in pairs { if let f { try file.read(f, into: model.params[e.offset]) } }
        return model
    }

    /// BartConfig's float fields, which transformers 5.x refuses as integers (`"dropout": 0`).
    static let floatKeys: Set<String> = ["dropout", "attention_dropout", "activation_dropout", "classifier_dropout",
                                         "encoder_layerdrop", "decoder_layerdrop", "init_std"]

    /// config.json's text with BartConfig's float fields written as floats (0.0, not 0: JSONValue
    /// keeps no difference between them).
    static func configText(_ config: JSONValue) -> String {
        guard let pairs = config.object else { return config.serialized }
        let body = pairs.map { key, value -> String in
            if floatKeys.contains(key), let d = value.number, d.isFinite, d == d.rounded(), abs(d) < 1e15 {
                return JSONValue.string(key).serialized + ": " + String(format: "%.1f", d)
            }
            return JSONValue.string(key).serialized + ": " + value.serialized
        }
        return "{" + body.joined(separator: ", ") + "}"
    }

    /// Writes config.json (as read, or BART's keys for a model made here) and model.safetensors
    /// under BartForConditionalGeneration's names.
    public static func save(_ model: BARTModel, to dir: String, dtype: DType = .F32) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try AtomicFile.write(Data((configText(model.configJSON) + "\n").utf8), to: (dir as NSString).appendingPathComponent("config.json"))
        let tensors = model.layout.entries.map { e in
            SafeTensorsWriter.Tensor(name: e.name, shape: e.shape, values: UnsafeBufferPointer(start: model.params[e.offset], count: e.count))
        }
        try SafeTensorsWriter.write(path: (dir as NSString).appendingPathComponent("model.safetensors"), tensors: tensors, dtype: dtype, metadata: ["format": "pt"])
    }
}
