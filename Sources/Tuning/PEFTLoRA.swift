import Foundation
import JSON
import Models
import Support

/// A PEFT LoRA adapter: what this program supports of PEFT's LoraConfig, and its tensors
/// under PEFT's names (`base_model.model.transformer.h.3.attn.c_attn.lora_A.weight`, (r, in);
/// `...lora_B.weight`, (out, r)). Options PEFT has that this does not implement are refused by
/// name when read, never ignored.
public struct PEFTLoRA: Sendable {
    public var rank: Int
    public var alpha: Double
    public var dropout: Double
    /// target_modules as listed: PEFT selects a module whose full name is one of them or ends
    /// with "." and one of them.
    public var targetModules: [String]
    /// PEFT sets it for GPT-2's Conv1D layers: the weight is (in, out). A and B are the same
    /// either way; only merging transposes.
    public var fanInFanOut: Bool
    public var tensors: [String: Tensor]

    public struct Tensor: Sendable {
        public var shape: [Int]
        public var values: [Float]
        public init(shape: [Int], values: [Float]) { self.shape = shape; self.values = values }
    }

    public init(rank: Int, alpha: Double, dropout: Double, targetModules: [String], fanInFanOut: Bool, tensors: [String: Tensor]) {
        self.rank = rank; self.alpha = alpha; self.dropout = dropout; self.targetModules = targetModules
        self.fanInFanOut = fanInFanOut; self.tensors = tensors
    }

    /// PEFT's scaling without rsLoRA: lora_alpha / r.
    public var scaling: Float { Float(alpha / Double(rank)) }

    public static func tensorName(_ model: ModelSummary, layer: Int, site: LinearSite, _ factor: String) -> String {
        "base_model.model." + model.basePrefix + model.blockPath(layer) + "." + site.module + ".lora_\(factor).weight"
    }

    /// Whether target_modules select this module (its full name in the model with its head).
    public static func selects(_ targets: [String], module: String) -> Bool {
        targets.contains { module == $0 || module.hasSuffix("." + $0) }
    }

    static func read(config cfg: JSONValue, configPath: String, weights file: SafeTensorsFile) throws -> PEFTLoRA {
        func fail(_ what: String) -> PEFTAdapter.Error { PEFTAdapter.Error(description: "\(configPath): \(what)") }
        func isSet(_ key: String) -> Bool {
            guard let v = cfg[key] else { return false }
            switch v {
            case .null: return false
            case .bool(let b): return b
            case .array(let a): return !a.isEmpty
            case .object(let o): return !o.isEmpty
            case .string(let s): return !s.isEmpty
            case .number: return true
            }
        }
        let refused: [(String, String)] = [
            ("use_dora", "DoRA"), ("use_rslora", "rsLoRA"), ("rank_pattern", "per-module ranks"), ("alpha_pattern", "per-module alphas"),
            ("layers_to_transform", "LoRA on some layers only"), ("layers_pattern", "LoRA on some layers only"),
            ("modules_to_save", "fully trained extra modules"), ("exclude_modules", "excluded modules"), ("lora_bias", "a LoRA bias"),
            ("megatron_config", "Megatron layers"), ("trainable_token_indices", "trainable tokens"), ("target_parameters", "LoRA on parameters"),
            ("loftq_config", "LoftQ initialisation"), ("use_qalora", "QALoRA"), ("alora_invocation_tokens", "activated LoRA"),
        ]
        for (key, what) in refused where isSet(key) {
            throw fail("\(key) (\(what)) is not supported; this program reads plain LoRA")
        }
        if let b = cfg["bias"], b != .null, b.string != "none" {
            throw fail("bias \(b.serialized.prefix(20)) is not supported (only \"none\": biases stay frozen)")
        }
        guard let r = cfg["r"]?.int, r >= 1, r <= 65_536 else { throw fail("r must be a whole number from 1 to 65536") }
        guard let alpha = cfg["lora_alpha"]?.number, alpha > 0, alpha.isFinite else { throw fail("lora_alpha must be a positive number") }
        let dropout = cfg["lora_dropout"]?.number ?? 0
        guard dropout >= 0, dropout < 1 else { throw fail("lora_dropout must be in [0, 1)") }
        let targets: [String]
        switch cfg["target_modules"] {
        case .array(let a)?:
            targets = try a.map { v in
                guard let s = v.string, !s.isEmpty else { throw fail("target_modules must list module names") }
                return s
            }
            guard !targets.isEmpty else { throw fail("target_modules is empty") }
        case .string(let s)?:
            throw fail("target_modules \(Escaped(s)) is a regular expression or a keyword (PEFT matches strings as such); list the module names instead")
        default: throw fail("target_modules missing (expected a list such as [\"c_attn\"])")
        }
        var tensors: [String: Tensor] = [:]
        for name in file.names {
            guard name.hasSuffix(".lora_A.weight") || name.hasSuffix(".lora_B.weight") else {
                throw PEFTAdapter.Error(description: "\(file.path): tensor '\(Escaped(name))' is not a lora_A or lora_B weight (DoRA magnitudes, LoRA embeddings and saved modules are not supported)")
            }
            tensors[name] = Tensor(shape: file[name]!.shape, values: try file.floats(name))
        }
        return PEFTLoRA(rank: r, alpha: alpha, dropout: dropout, targetModules: targets, fanInFanOut: cfg["fan_in_fan_out"]?.bool ?? false,
                        tensors: tensors)
    }

    /// Each block's sites under these targets, in the block's order (blocks may differ: BART's
    /// encoder and decoder layers); refused when they select nothing.
    public func blocks(for model: ModelSummary, path: String) throws -> [[LinearSite]] {
        let chosen = model.blockSites.enumerated().map { l, sites in
            sites.filter { PEFTLoRA.selects(targetModules, module: model.basePrefix + model.blockPath(l) + "." + $0.module) }
        }
        guard chosen.contains(where: { !$0.isEmpty }) else {
            throw PEFTAdapter.Error(description: "\(path): target_modules \(targetModules) select none of this model's linear layers (\(model.linearSites.map(\.module).joined(separator: ", ")))")
        }
        return chosen
    }

    /// The adapter's update in `LoRAShape`'s layout for this model: every tensor must be there
    /// with its shape, and every tensor of the file must be used.
    public func values(for model: ModelSummary, path: String) throws -> (shape: LoRAShape, values: [Float]) {
        let blocks = try blocks(for: model, path: path)
        let shape = LoRAShape(rank: rank, blocks: blocks, dropout: 0, scaling: scaling)
        var out = [Float](repeating: 0, count: shape.count)
        var used = Set<String>()
        for (l, sites) in blocks.enumerated() {
            for (k, s) in sites.enumerated() {
                var at = shape.offset(layer: l, site: k)
                for (factor, want) in [("A", [rank, s.inFeatures]), ("B", [s.outFeatures, rank])] {
                    let name = PEFTLoRA.tensorName(model, layer: l, site: s, factor)
                    guard let t = tensors[name] else {
                        throw PEFTAdapter.Error(description: "\(path): no tensor '\(name)' (target_modules select \(s.module) in every block)")
                    }
                    guard t.shape == want else {
                        throw PEFTAdapter.Error(description: "\(path): tensor '\(name)' has shape \(t.shape); this model's \(s.module) with r \(rank) needs \(want)")
                    }
                    out.replaceSubrange(at..<(at + t.values.count), with: t.values)
                    at += t.values.count
                    used.insert(name)
                }
            }
        }
        if let extra = tensors.keys.sorted().first(where: { !used.contains($0) }) {
            throw PEFTAdapter.Error(description: "\(path): tensor '\(Escaped(extra))' belongs to no linear layer of this model that target_modules select")
        }
        return (shape, out)
    }

    /// An adapter from an update in `LoRAShape`'s layout, as PEFT names and saves it, with the
    /// run's targets as target_modules.
    public init(shape: LoRAShape, targets: [String], alpha: Double, dropout: Double, values: [Float], model: ModelSummary) {
        var tensors: [String: Tensor] = [:]
        for l in 0..<shape.layers {
            for (k, s) in shape.blocks[l].enumerated() {
                let a = shape.offset(layer: l, site: k), b = a + shape.rank * s.inFeatures, end = b + s.outFeatures * shape.rank
                tensors[PEFTLoRA.tensorName(model, layer: l, site: s, "A")] = Tensor(shape: [shape.rank, s.inFeatures], values: Array(values[a..<b]))
                tensors[PEFTLoRA.tensorName(model, layer: l, site: s, "B")] = Tensor(shape: [s.outFeatures, shape.rank], values: Array(values[b..<end]))
            }
        }
        self.init(rank: shape.rank, alpha: alpha, dropout: dropout, targetModules: targets, fanInFanOut: model.linearWeightsInputMajor,
                  tensors: tensors)
        taskType = model.shape.isEncoderDecoder ? "SEQ_2_SEQ_LM" : "CAUSAL_LM"
    }

    /// PEFT's task_type for the adapter it writes.
    var taskType = "CAUSAL_LM"

    func write(_ dir: String, baseModel: String) throws {
        let pairs: [(String, JSONValue)] = [
            ("peft_type", .string("LORA")), ("task_type", .string(taskType)), ("base_model_name_or_path", .string(baseModel)),
            ("revision", .null), ("inference_mode", .bool(true)), ("r", .number(Double(rank))), ("lora_alpha", .number(alpha)),
            ("lora_dropout", .number(dropout)), ("target_modules", .array(targetModules.map { .string($0) })),
            ("fan_in_fan_out", .bool(fanInFanOut)), ("bias", .string("none")), ("use_rslora", .bool(false)), ("use_dora", .bool(false)),
            ("modules_to_save", .null), ("init_lora_weights", .bool(true)), ("layers_to_transform", .null), ("layers_pattern", .null),
            ("rank_pattern", .object([])), ("alpha_pattern", .object([])),
        ]
        try AtomicFile.write(Data((JSONValue.object(pairs).serialized + "\n").utf8), to: dir + "/adapter_config.json")
        let names = tensors.keys.sorted()
        let flat = names.flatMap { tensors[$0]!.values }
        try flat.withUnsafeBufferPointer { all in
            var at = 0
            let list = names.map { n -> SafeTensorsWriter.Tensor in
                let t = tensors[n]!
                defer { at += t.values.count }
                return SafeTensorsWriter.Tensor(name: n, shape: t.shape, values: UnsafeBufferPointer(rebasing: all[at..<(at + t.values.count)]))
            }
            try SafeTensorsWriter.write(path: dir + "/adapter_model.safetensors", tensors: list, metadata: ["format": "pt"])
        }
    }
}
