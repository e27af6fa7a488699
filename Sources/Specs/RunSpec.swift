import Foundation

/// Everything that defines a training run: the model, the data, the method with its options,
/// and the training and evaluation settings. The `train` flags, experiment files, the launch
/// form and the run manager all build one (`RunSpecBuilder`); run.json stores it under
/// `config`, `train --resume` reads it back, and any engine that trains the run (this one, the
/// PyTorch runner) reads the same object. docs/RUNS.md lists every key.
///
/// In JSON it is one flat object, snake_case keys, the method nested:
///
///     {"model": "samples/models/gpt2-e2e-mini", "train": "samples/data/e2e/train.jsonl",
///      "valid": "...", "test": "...", "method": {"name": "prefix", "prefix_length": 10, ...},
///      "lr": 0.001, "batch_size": 10, "epochs": 5, ..., "eval_test": true, "eval_beam": 5}
public struct RunSpec: Sendable, Equatable, Codable {
    /// A Hugging Face model folder.
    public var model: String
    /// Dataset specs (docs: README "Datasets").
    public var train: String
    public var valid: String?
    public var test: String?
    public var method: MethodSpec
    public var training: TrainingSettings
    public var evaluation: EvaluationSettings

    public init(model: String, train: String, valid: String? = nil, test: String? = nil, method: MethodSpec,
                training: TrainingSettings = TrainingSettings(), evaluation: EvaluationSettings = EvaluationSettings()) {
        self.model = model; self.train = train; self.valid = valid; self.test = test; self.method = method
        self.training = training; self.evaluation = evaluation
    }

    enum CodingKeys: String, CodingKey { case model, train, valid, test, method }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        train = try c.decode(String.self, forKey: .train)
        valid = try c.decodeIfPresent(String.self, forKey: .valid)
        test = try c.decodeIfPresent(String.self, forKey: .test)
        method = try c.decode(MethodSpec.self, forKey: .method)
        training = try TrainingSettings(from: decoder)
        evaluation = try EvaluationSettings(from: decoder)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(train, forKey: .train)
        try c.encodeIfPresent(valid, forKey: .valid)
        try c.encodeIfPresent(test, forKey: .test)
        try c.encode(method, forKey: .method)
        try training.encode(to: encoder)
        try evaluation.encode(to: encoder)
    }

    /// The spec as JSON text: sorted keys, so the same spec is always the same bytes.
    public func jsonText() throws -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(decoding: try e.encode(self), as: UTF8.self)
    }

    /// Reads a spec from JSON text; an error names `context` and the key that is wrong.
    public static func decode(_ text: String, context: String) throws -> RunSpec {
        do { return try JSONDecoder().decode(RunSpec.self, from: Data(text.utf8)) } catch let e as DecodingError {
            throw SpecError("\(context): \(describe(e))")
        }
    }

    static func describe(_ e: DecodingError) -> String {
        func path(_ p: [CodingKey]) -> String { p.map(\.stringValue).joined(separator: ".") }
        switch e {
        case .keyNotFound(let k, let ctx): return "missing \(path(ctx.codingPath + [k]))"
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx): return "\(path(ctx.codingPath)): \(ctx.debugDescription)"
        case .dataCorrupted(let ctx): return (ctx.codingPath.isEmpty ? "" : path(ctx.codingPath) + ": ") + ctx.debugDescription
        @unknown default: return "\(e)"
        }
    }
}
