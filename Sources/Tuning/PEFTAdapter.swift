import Foundation
import JSON
import Models
import Specs
import Support

/// A Hugging Face PEFT adapter folder: adapter_config.json + adapter_model.safetensors.
///
/// PEFT saves both PrefixTuning (with or without projection: it runs the MLP at save time)
/// and PromptTuning as one tensor, `prompt_embeddings`: (P, 2·L·C) for a prefix — for
/// position p, layer l's key is columns 2l·C ..< (2l+1)·C and its value the next C, heads
/// concatenated — and (P, C) for prompt-tuning embeddings. A LoRA adapter is its config and
/// named lora_A / lora_B tensors (`lora`, PEFTLoRA.swift).
public struct PEFTAdapter: Sendable, AdapterExport {
    public enum Kind: String, Sendable { case prefixTuning = "PREFIX_TUNING", promptTuning = "PROMPT_TUNING", lora = "LORA" }

    public var kind: Kind
    public var virtualTokens: Int
    public var tokenDim: Int
    public var numLayers: Int
    public var numHeads: Int
    /// Whether the adapter was trained with the MLP (informational: the file holds its output).
    public var prefixProjection: Bool
    public var encoderHiddenSize: Int
    public var baseModel: String
    /// (P, 2·L·C) or (P, C).
    public var embeddings: [Float]
    /// adapter_config.json's task_type: CAUSAL_LM, or SEQ_2_SEQ_LM (an encoder-decoder's).
    public var taskType = "CAUSAL_LM"
    /// A LoRA adapter's config and tensors.
    public var lora: PEFTLoRA?
    /// The folder it was read from (for messages).
    public var path = ""

    public var width: Int { kind == .prefixTuning ? 2 * numLayers * tokenDim : tokenDim }

    public init(kind: Kind, virtualTokens: Int, shape: ModelShape, prefixProjection: Bool, encoderHiddenSize: Int,
                baseModel: String, embeddings: [Float]) {
        // An encoder-decoder's (PEFT's SEQ_2_SEQ_LM) counts the encoder's layers.
        self.init(kind: kind, virtualTokens: virtualTokens, tokenDim: shape.width, numLayers: shape.isEncoderDecoder ? shape.encoderLayers : shape.layers,
                  numHeads: shape.heads, prefixProjection: prefixProjection, encoderHiddenSize: encoderHiddenSize, baseModel: baseModel, embeddings: embeddings)
        if shape.isEncoderDecoder { taskType = "SEQ_2_SEQ_LM" }
    }

    init(kind: Kind, virtualTokens: Int, tokenDim: Int, numLayers: Int, numHeads: Int, prefixProjection: Bool, encoderHiddenSize: Int,
         baseModel: String, embeddings: [Float]) {
        self.kind = kind; self.virtualTokens = virtualTokens
        self.tokenDim = tokenDim; self.numLayers = numLayers; self.numHeads = numHeads
        self.prefixProjection = prefixProjection; self.encoderHiddenSize = encoderHiddenSize
        self.baseModel = baseModel; self.embeddings = embeddings
        precondition(embeddings.count == virtualTokens * width)
    }

    public struct Error: Swift.Error, CustomStringConvertible { public let description: String }

    public static func read(_ dir: String) throws -> PEFTAdapter {
        let cfgPath = dir + "/adapter_config.json"
        guard let data = FileRead.contents(cfgPath) else {
            throw Error(description: "\(cfgPath): missing (a PEFT adapter folder holds adapter_config.json and adapter_model.safetensors)")
        }
        let cfg: JSONValue
        do { cfg = try JSONParser.parse(bytes: [UInt8](data)) } catch { throw Error(description: "\(cfgPath): not valid JSON (\(error))") }
        guard let type = cfg["peft_type"]?.string, let kind = Kind(rawValue: type) else {
            throw Error(description: "\(cfgPath): peft_type \(cfg["peft_type"]?.serialized ?? "missing") is not PREFIX_TUNING, PROMPT_TUNING or LORA")
        }
        if kind == .lora {
            var a = PEFTAdapter(kind: .lora, virtualTokens: 0, tokenDim: 0, numLayers: 0, numHeads: 0, prefixProjection: false, encoderHiddenSize: 0,
                                baseModel: cfg["base_model_name_or_path"]?.string ?? "", embeddings: [])
            a.lora = try PEFTLoRA.read(config: cfg, configPath: cfgPath, weights: try SafeTensorsFile(path: dir + "/adapter_model.safetensors"))
            a.path = dir
            return a
        }
        func int(_ k: String) throws -> Int {
            guard let v = cfg[k]?.int, v > 0 else { throw Error(description: "\(cfgPath): missing or invalid \(k)") }
            return v
        }
        let P = try int("num_virtual_tokens"), C = try int("token_dim"), L = try int("num_layers"), NH = try int("num_attention_heads")
        let file = try SafeTensorsFile(path: dir + "/adapter_model.safetensors")
        let W = kind == .prefixTuning ? 2 * L * C : C
        guard let e = file["prompt_embeddings"] else {
            throw Error(description: "\(file.path): no tensor 'prompt_embeddings' (found \(file.names.prefix(5)))")
        }
        // PEFT's seq2seq prompt tuning keeps P rows per transformer submodule (2: encoder and
        // decoder) and reads only the encoder's, the first P.
        let seq2seqPrompt = kind == .promptTuning && cfg["task_type"]?.string == "SEQ_2_SEQ_LM"
        let rows = seq2seqPrompt ? P * max(1, cfg["num_transformer_submodules"]?.int ?? 2) : P
        guard e.shape == [rows, W] else {
            throw Error(description: "\(file.path): 'prompt_embeddings' has shape \(e.shape), expected [\(rows), \(W)] from adapter_config.json")
        }
        var a = PEFTAdapter(kind: kind, virtualTokens: P, tokenDim: C, numLayers: L, numHeads: NH,
                            prefixProjection: cfg["prefix_projection"]?.bool ?? false,
                            encoderHiddenSize: cfg["encoder_hidden_size"]?.int ?? C,
                            baseModel: cfg["base_model_name_or_path"]?.string ?? "", embeddings: Array(try file.floats("prompt_embeddings").prefix(P * W)))
        a.path = dir
        if let t = cfg["task_type"]?.string { a.taskType = t }
        return a
    }

    /// Refuses a virtual-token adapter made for another model size (token_dim, num_layers,
    /// num_attention_heads); a LoRA adapter's tensors are checked as they are mapped.
    public func check(against shape: ModelShape) throws {
        guard kind != .lora else { return }
        if shape.isEncoderDecoder {
            guard taskType == "SEQ_2_SEQ_LM", tokenDim == shape.width, numLayers == shape.encoderLayers else {
                throw Error(description: "\(path): a \(taskType) adapter with token_dim \(tokenDim), num_layers \(numLayers); this encoder-decoder needs SEQ_2_SEQ_LM with d_model \(shape.width) and its encoder's \(shape.encoderLayers) layers")
            }
            return
        }
        guard taskType != "SEQ_2_SEQ_LM" else {
            throw Error(description: "\(path): a SEQ_2_SEQ_LM adapter (made for an encoder-decoder such as BART); this model is decoder-only")
        }
        guard tokenDim == shape.width, numLayers == shape.layers, numHeads == shape.heads else {
            throw Error(description: "\(path): adapter made for a model with token_dim \(tokenDim), num_layers \(numLayers), num_attention_heads \(numHeads); this model has n_embd \(shape.width), n_layer \(shape.layers), n_head \(shape.heads)")
        }
    }

    public var fileNames: Set<String> { ["adapter_config.json", "adapter_model.safetensors"] }
    public var summary: String {
        if let l = lora { return "LORA adapter, r \(l.rank), lora_alpha \(OptionValue.number(l.alpha)), target_modules \(l.targetModules.joined(separator: ","))" }
        return "\(kind.rawValue) adapter, \(virtualTokens) virtual tokens"
    }

    public func write(_ dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        if let lora { return try lora.write(dir, baseModel: baseModel) }
        var pairs: [(String, JSONValue)] = [
            ("peft_type", .string(kind.rawValue)), ("task_type", .string(taskType)),
            ("base_model_name_or_path", .string(baseModel)), ("revision", .null), ("inference_mode", .bool(true)),
            ("num_virtual_tokens", .number(Double(virtualTokens))), ("token_dim", .number(Double(tokenDim))),
            ("num_transformer_submodules", .number(taskType == "SEQ_2_SEQ_LM" ? 2 : 1)), ("num_attention_heads", .number(Double(numHeads))),
            ("num_layers", .number(Double(numLayers))), ("modules_to_save", .null), ("auto_mapping", .null),
        ]
        if kind == .prefixTuning {
            pairs += [("encoder_hidden_size", .number(Double(encoderHiddenSize))), ("prefix_projection", .bool(prefixProjection))]
        } else {
            pairs += [("prompt_tuning_init", .string("RANDOM")), ("prompt_tuning_init_text", .null), ("tokenizer_name_or_path", .null),
                      ("tokenizer_kwargs", .null)]
        }
        try AtomicFile.write(Data((JSONValue.object(pairs).serialized + "\n").utf8), to: dir + "/adapter_config.json")
        // PEFT's seq2seq prompt tuning has a second block of P rows, for the decoder, which its
        // forward never reads: zeros.
        let rows = kind == .promptTuning && taskType == "SEQ_2_SEQ_LM" ? 2 * virtualTokens : virtualTokens
        let values = embeddings + [Float](repeating: 0, count: (rows - virtualTokens) * width)
        try values.withUnsafeBufferPointer { buf in
            try SafeTensorsWriter.write(path: dir + "/adapter_model.safetensors",
                                        tensors: [.init(name: "prompt_embeddings", shape: [rows, width], values: buf)],
                                        metadata: ["format": "pt"])
        }
    }
}
