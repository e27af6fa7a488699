import Foundation
import JSON
import Support

/// A model family: how to read its Hugging Face folder into a `LanguageModel`. Each family
/// lives in its own folder (Models/GPT2) and is registered once, in `ModelFamilies.all`.
public protocol ModelFamily {
    /// config.json's `model_type` values this family reads.
    static var modelTypes: [String] { get }
    /// An encoder and a decoder (its models are `Seq2SeqLM`s), or a decoder alone (`CausalLM`s).
    static var isEncoderDecoder: Bool { get }
    /// Builds the model from its parsed config.json and its weights file, checking every
    /// size against the file before allocating anything.
    static func load(config: JSONValue, configPath: String, weights: SafeTensorsFile) throws -> any PretrainedModel
    /// Sizes and tensor names from config.json alone.
    static func summary(config: JSONValue, configPath: String) throws -> ModelSummary
}

/// The model families this program reads: the one place a family is registered.
public enum ModelFamilies {
    public static let all: [any ModelFamily.Type] = [GPT2Family.self, BARTFamily.self]

    public static var supportedTypes: [String] { all.flatMap { $0.modelTypes } }

    public static func family(for modelType: String) -> (any ModelFamily.Type)? {
        all.first { $0.modelTypes.contains(modelType) }
    }
}

/// A Hugging Face model folder: config.json + model.safetensors (+ the tokenizer files, read
/// by Text). `load` dispatches on config.json's `model_type`.
public enum HFModelFolder {
    public static func load(_ dir: String) throws -> any PretrainedModel {
        let (config, configPath) = try readConfig(dir)
        let type = try modelType(config, path: configPath)
        guard let family = ModelFamilies.family(for: type) else {
            throw ModelError(path: configPath, message: "model_type '\(type)' is not supported (supported: \(ModelFamilies.supportedTypes.joined(separator: ", ")))")
        }
        return try family.load(config: config, configPath: configPath, weights: try weightsFile(dir))
    }

    /// Whether a folder's config.json names an encoder-decoder family (BART), without reading the weights.
    public static func isEncoderDecoder(_ dir: String) throws -> Bool {
        let (config, configPath) = try readConfig(dir)
        return ModelFamilies.family(for: try modelType(config, path: configPath))?.isEncoderDecoder ?? false
    }

    /// A model folder's sizes and tensors from its config.json, without reading the weights.
    public static func summary(_ dir: String) throws -> ModelSummary {
        let (config, configPath) = try readConfig(dir)
        let type = try modelType(config, path: configPath)
        guard let family = ModelFamilies.family(for: type) else {
            throw ModelError(path: configPath, message: "model_type '\(type)' is not supported (supported: \(ModelFamilies.supportedTypes.joined(separator: ", ")))")
        }
        return try family.summary(config: config, configPath: configPath)
    }

    /// The model's config.json, parsed, and its path; errors name the folder or file.
    public static func readConfig(_ dir: String) throws -> (JSONValue, String) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw ModelError(path: dir, message: "model folder does not exist")
        }
        let path = (dir as NSString).appendingPathComponent("config.json")
        guard FileManager.default.fileExists(atPath: path) else {
            throw ModelError(path: path, message: "missing: a model folder holds config.json and model.safetensors")
        }
        return (try JSONFile.read(path, maxBytes: 16 << 20, what: "config"), path)
    }

    /// config.json's model_type; a config without one that has GPT-2's keys is GPT-2 (as the
    /// oldest GPT-2 configs are).
    public static func modelType(_ config: JSONValue, path: String) throws -> String {
        guard config.object != nil else { throw ModelError(path: path, message: "expected a JSON object") }
        if let t = config["model_type"] {
            guard let s = t.string else { throw ModelError(path: path, message: "model_type must be a string, got \(t.serialized.prefix(40))") }
            return s
        }
        if config["n_embd"] != nil { return "gpt2" }
        throw ModelError(path: path, message: "no model_type (supported: \(ModelFamilies.supportedTypes.joined(separator: ", ")))")
    }

    static func weightsFile(_ dir: String) throws -> SafeTensorsFile {
        let path = (dir as NSString).appendingPathComponent("model.safetensors")
        guard FileManager.default.fileExists(atPath: path) else {
            let bin = (dir as NSString).appendingPathComponent("pytorch_model.bin")
            let hint = FileManager.default.fileExists(atPath: bin)
                ? " (only pytorch_model.bin is there: convert it with transformers' save_pretrained(safe_serialization=True))" : ""
            throw ModelError(path: path, message: "missing\(hint)")
        }
        return try SafeTensorsFile(path: path)
    }

    /// Writes config.json and model.safetensors.
    public static func save(_ model: any LanguageModel, to dir: String, dtype: DType = .F32) throws {
        try model.save(to: dir, dtype: dtype)
    }
}

/// Reads a small JSON file (a config, a state) as one value, refusing what is not a regular
/// file or is larger than `maxBytes` before reading it (a FIFO would hang a plain read).
public enum JSONFile {
    public static func read(_ path: String, maxBytes: Int, what: String) throws -> JSONValue {
        switch FileRead.kind(path) {
        case .regular(let size)?:
            if size > maxBytes { throw ModelError(path: path, message: "\(size) bytes; a \(what) file is at most \(maxBytes) bytes") }
        case nil: throw ModelError(path: path, message: "cannot read the file")
        default: throw ModelError(path: path, message: "not a regular file")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw ModelError(path: path, message: "cannot read the file") }
        do { return try JSONParser.parse(bytes: [UInt8](data)) } catch {
            throw ModelError(path: path, message: "not valid JSON (\(error))")
        }
    }
}
