import Foundation

/// Maps a safetensors header onto the GPT-2 layout: which file tensor fills which parameter.
///
/// Accepts the names with or without transformers' `transformer.` prefix (GPT2LMHeadModel
/// writes it, GPT2Model does not); skips the `attn.bias` / `attn.masked_bias` buffers that
/// older checkpoints carry and `lm_head.weight` (tied to wte). Refuses a missing tensor, a
/// wrong shape, and layers beyond the config's n_layer, naming the tensor.
public enum GPT2Checkpoint {
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

/// A GPT-2 model folder as Hugging Face writes it: config.json + model.safetensors
/// (+ vocab.json and merges.txt for the tokenizer, read by Text).
public enum HFModelFolder {
    public static func load(_ dir: String) throws -> GPT2Model {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw ModelError(path: dir, message: "model folder does not exist")
        }
        let configPath = (dir as NSString).appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: configPath) else {
            throw ModelError(path: configPath, message: "missing: a GPT-2 model folder holds config.json and model.safetensors")
        }
        let config = try GPT2Config.load(path: configPath)
        let weightsPath = (dir as NSString).appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: weightsPath) else {
            let bin = (dir as NSString).appendingPathComponent("pytorch_model.bin")
            let hint = FileManager.default.fileExists(atPath: bin)
                ? " (only pytorch_model.bin is there: convert it with transformers' save_pretrained(safe_serialization=True))" : ""
            throw ModelError(path: weightsPath, message: "missing\(hint)")
        }
        let file = try SafeTensorsFile(path: weightsPath)
        let model = GPT2Model(config: config)
        let plan = try GPT2Checkpoint.plan(header: file.header, layout: model.layout, path: weightsPath)
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
