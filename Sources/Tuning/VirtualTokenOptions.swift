import Models
import Specs

/// How the prefix (or infix) activations are parameterised during training.
public enum Reparameterization: String, Sendable, Codable, CaseIterable {
    /// A P×C embedding through Linear(C, mid) → tanh → Linear(mid, 2·L·C), as the paper.
    case mlp
    /// The P×2·L·C activations themselves.
    case none
}

/// The options that prefix-tuning, infix and embedding-only share: how many virtual tokens,
/// their parameterisation, initialisation and dropout. Each of those methods lists the ones
/// it has (`descriptors`) and reads them here, so a key means the same in all three.
public struct VirtualTokenOptions: Sendable, Equatable {
    public var length: Int
    public var reparam: Reparameterization
    public var midDim: Int
    /// "random", or "words:TEXT" (the paper's initialisation from real words, §7.4).
    public var initialization: String
    /// A PEFT adapter to start from (implies `reparam` none).
    public var initAdapter: String?
    /// Dropout on the virtual activations (the original code's prefix dropout).
    public var dropout: Double

    public init(length: Int = 10, reparam: Reparameterization = .mlp, midDim: Int = 512, initialization: String = "random",
                initAdapter: String? = nil, dropout: Double = 0) {
        self.length = length; self.reparam = reparam; self.midDim = midDim; self.initialization = initialization
        self.initAdapter = initAdapter; self.dropout = dropout
    }

    public static let length = OptionDescriptor("prefix_length", .int(min: 1, max: 4096), default: .int(10),
                                                help: "virtual tokens (P); with the source and target they must fit n_positions")
    public static let reparam = OptionDescriptor("reparam", .choice(Reparameterization.allCases.map(\.rawValue)), default: .text("mlp"),
                                                 help: "mlp: a P×C embedding through Linear(C, mid) → tanh → Linear(mid, 2·L·C), as the paper; none: the rows themselves")
    public static let midDim = OptionDescriptor("mid_dim", .int(min: 1, max: 65_536), default: .int(512), help: "hidden width of the MLP")
    public static let initialization = OptionDescriptor("init", .text, default: .text("random"),
                                                        help: "random, or words:TEXT: start from the activations (with the MLP: the embeddings) of TEXT's tokens")
    public static let initAdapter = OptionDescriptor("init_adapter", .text, default: nil,
                                                     help: "a PEFT adapter folder to start from (implies reparam none)")
    public static let dropout = OptionDescriptor("prefix_dropout", .number(min: 0, max: 1, openMin: false, openMax: true), default: .number(0),
                                                 help: "dropout on the virtual activations")

    /// Reads the options a method has from its resolved spec; absent keys keep their defaults.
    public init(spec: MethodSpec) throws {
        self.init()
        if let v = spec["prefix_length"]?.int { length = v }
        if let v = spec["reparam"]?.text { reparam = Reparameterization(rawValue: v) ?? .mlp }
        if let v = spec["mid_dim"]?.int { midDim = v }
        if let v = spec["init"]?.text { initialization = v }
        initAdapter = spec["init_adapter"]?.text
        if let v = spec["prefix_dropout"]?.number { dropout = v }
        guard initialization == "random" || initialization.hasPrefix("words:") else {
            throw SpecError("method.init \(initialization): expected random or words:TEXT")
        }
        if initAdapter != nil { reparam = .none }
    }

    /// The keys of `descriptors` as a spec of method `name`.
    public func spec(_ name: String, keys: [OptionDescriptor]) -> MethodSpec {
        var s = MethodSpec(name: name)
        for d in keys {
            switch d.key {
            case "prefix_length": s[d.key] = .int(length)
            case "reparam": s[d.key] = .text(reparam.rawValue)
            case "mid_dim": s[d.key] = .int(midDim)
            case "init": s[d.key] = .text(initialization)
            case "init_adapter": s[d.key] = initAdapter.map { .text($0) }
            case "prefix_dropout": s[d.key] = .number(dropout)
            default: break
            }
        }
        return s
    }

    /// A prefix of P rows must leave positions for tokens.
    public func check(against model: ModelSummary) throws {
        guard length < model.shape.positions else {
            throw MethodError("--prefix-length \(length) leaves no positions for tokens (n_positions \(model.shape.positions))")
        }
    }
}

extension VirtualTokenOptions {
    /// Parameters AdamW updates: P rows of `width` columns, or the MLP's embedding and layers.
    func trainedParameters(_ shape: ModelShape, target: PrefixEncoder.Target) -> Int {
        let P = length, C = shape.width
        guard target == .keyValues else { return P * C }
        let W = shape.keyValueWidth
        return reparam == .mlp ? P * C + midDim * C + midDim + W * midDim + W : P * W
    }

    /// The folded rows a checkpoint decodes with, checked against the base model's sizes.
    func foldedRows(checkpoint dir: String, baseModel: String, target: PrefixEncoder.Target) throws -> (P: Int, values: [Float]) {
        let shape = try HFModelFolder.summary(baseModel).shape
        return try PrefixEncoder.foldedRows(checkpoint: dir, width: target == .keyValues ? shape.keyValueWidth : shape.width)
    }
}

/// A method whose trainable state is P virtual rows (`PrefixEncoder`): prefix-tuning, infix,
/// embedding-only. It says what the rows feed and how decoding reads them; the rest of the
/// method protocol follows from its `VirtualTokenOptions`.
public protocol VirtualTokenMethod: TuningMethod {
    var options: VirtualTokenOptions { get }
    static var target: PrefixEncoder.Target { get }
    /// What decoding is conditioned on, given the folded rows.
    static func conditioning(rows P: Int, values: [Float]) -> Conditioning
}

extension VirtualTokenMethod {
    public var spec: MethodSpec { options.spec(Self.descriptor.name, keys: Self.descriptor.options) }
    /// The paper's reparameterisation ablation: rows trained directly instead of through the MLP.
    public var variant: String? { Self.descriptor.option("reparam") != nil && options.reparam == .none ? "no-mlp" : nil }
    public func check(against model: ModelSummary) throws { try options.check(against: model) }
    public func trainedParameters(_ model: ModelSummary) -> Int { options.trainedParameters(model.shape, target: Self.target) }
    public func storedParameters(_ model: ModelSummary) -> Int {
        options.length * (Self.target == .keyValues ? model.shape.keyValueWidth : model.shape.width)
    }

    public func makeState(for model: any LanguageModel) -> any MethodState {
        PrefixEncoder(options: options, target: Self.target, model: model, methodName: Self.descriptor.name, peftKind: Self.peftKind,
                      decodeAs: Self.conditioning)
    }

    public func decoding(checkpoint dir: String, baseModel: String) throws -> DecodingSetup {
        let rows = try options.foldedRows(checkpoint: dir, baseModel: baseModel, target: Self.target)
        return DecodingSetup(modelFolder: baseModel, conditioning: Self.conditioning(rows: rows.P, values: rows.values))
    }
}
