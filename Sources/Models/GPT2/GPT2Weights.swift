import Foundation
import JSON
import Support

/// Maps a safetensors header onto the GPT-2 layout: which file tensor fills which parameter.
///
/// Accepts the names with or without transformers' `transformer.` prefix (GPT2LMHeadModel
/// writes it, GPT2Model does not); skips the `attn.bias` / `attn.masked_bias` buffers that
/// older checkpoints carry and `lm_head.weight` (tied to wte). Refuses a missing tensor, a
/// wrong shape, and layers beyond the config's n_layer, naming the tensor.
public enum GPT2Weights {
    public struct Plan {
        public let pairs: [(layout: GPT2Layout.Entry, file: TensorEntry)]
    }

    public static func plan(header: SafeTensorsHeader, layout: GPT2Layout, path: String) throws -> Plan {
        var pairs: [(GPT2Layout.Entry, TensorEntry)] = []
        for e in layout.entries {
            guard let f = header[e.name] ?? header["transformer." + e.name] else {
                throw ModelError(path: path, message: "missing tensor '\(e.name)' (or 'transformer.\(e.name)') expected by config (n_layer \(layout.config.nLayer), n_embd \(layout.config.nEmbd))")
            }
            guard f.shape == e.shape else {
                throw ModelError(path: path, message: "tensor '\(f.name)' has shape \(f.shape), expected \(e.shape) from config.json")
            }
            guard [.F32, .F16, .BF16].contains(f.dtype) else {
                throw ModelError(path: path, message: "tensor '\(f.name)' has dtype \(f.dtype.rawValue); expected F32, F16 or BF16")
            }
            pairs.append((e, f))
        }
        for f in header.entries {
            let name = f.name.hasPrefix("transformer.") ? String(f.name.dropFirst("transformer.".count)) : f.name
            if layout[name] != nil || name.hasSuffix(".attn.bias") || name.hasSuffix(".attn.masked_bias") { continue }
            if name == "lm_head.weight" {
                guard f.shape == [layout.config.vocabSize, layout.config.nEmbd] else {
                    throw ModelError(path: path, message: "tensor 'lm_head.weight' has shape \(f.shape), expected \([layout.config.vocabSize, layout.config.nEmbd])")
                }
                continue
            }
            if name.hasPrefix("h.") {
                throw ModelError(path: path, message: "unexpected tensor '\(f.name)': config.json says n_layer \(layout.config.nLayer)")
            }
        }
        return Plan(pairs: pairs)
    }
}

/// GPT-2 as a model family: reads and writes Hugging Face GPT-2 folders.
public enum GPT2Family: ModelFamily {
    public static let modelTypes = ["gpt2"]
    public static let isEncoderDecoder = false

    public static func load(config: JSONValue, configPath: String, weights: SafeTensorsFile) throws -> any PretrainedModel {
        try load(GPT2Config(json: config, path: configPath), weights: weights)
    }

    public static func summary(config: JSONValue, configPath: String) throws -> ModelSummary {
        let c = try GPT2Config(json: config, path: configPath)
        let layout = GPT2Layout(c)
        return GPT2Model.summary(c, layout: layout)
    }

    /// Compares the config's layout with the file's header before allocating the model.
    static func load(_ config: GPT2Config, weights file: SafeTensorsFile) throws -> GPT2Model {
        let layout = GPT2Layout(config)
        let plan = try GPT2Weights.plan(header: file.header, layout: layout, path: file.path)
        let model = GPT2Model(config: config)
        for (l, f) in plan.pairs { try file.read(f, into: model.params[l.offset]) }
        return model
    }

    /// Writes config.json and model.safetensors (names with the `transformer.` prefix, as
    /// GPT2LMHeadModel.save_pretrained writes them).
    public static func save(_ model: GPT2Model, to dir: String, dtype: DType = .F32) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let configData = Data((model.config.json.serialized + "\n").utf8)
        try AtomicFile.write(configData, to: (dir as NSString).appendingPathComponent("config.json"))
        let tensors = model.layout.entries.map { e in
            SafeTensorsWriter.Tensor(name: "transformer." + e.name, shape: e.shape,
                                     values: UnsafeBufferPointer(start: model.params[e.offset], count: e.count))
        }
        try SafeTensorsWriter.write(path: (dir as NSString).appendingPathComponent("model.safetensors"),
                                    tensors: tensors, dtype: dtype, metadata: ["format": "pt"])
    }
}

extension GPT2Model {
    /// A GPT-2 folder as a `GPT2Model` (for code that needs GPT-2 itself, not any family).
    public static func load(_ dir: String) throws -> GPT2Model {
        let (config, path) = try HFModelFolder.readConfig(dir)
        let type = try HFModelFolder.modelType(config, path: path)
        guard GPT2Family.modelTypes.contains(type) else { throw ModelError(path: path, message: "model_type is '\(type)', not a GPT-2 model") }
        return try GPT2Family.load(GPT2Config(json: config, path: path), weights: try HFModelFolder.weightsFile(dir))
    }
}
