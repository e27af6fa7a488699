import Foundation
import Models
import Specs

/// Fine-tuning: every weight trained, or the top N blocks and the final norm (`train_layers
/// top:N`; the paper's FT-top2 with N = 2; for an encoder-decoder the blocks are the
/// encoder's then the decoder's layers, so the top ones are the decoder's), with the model's own dropout. A checkpoint is a whole
/// Hugging Face model folder (checkpoints/step-N/model) plus the AdamW moments of the trained
/// tensors (optimizer.safetensors).
public struct FineTune: TuningMethod {
    static let trainLayers = OptionDescriptor("train_layers", .text, default: .text("all"),
                                              help: "all, or top:N: the top N blocks and the final norm (the paper's FT-top2 is top:2)")
    static let dropoutOption = OptionDescriptor("dropout", .number(min: 0, max: 1, openMin: false, openMax: true), default: .number(0.1),
                                                help: "the model's own dropout (embeddings, attention, residual branches) while it trains")
    public static let descriptor = MethodDescriptor(
        name: "finetune", label: "fine-tuning", summary: "every weight trained, or the top N blocks (FT-top2)",
        options: [trainLayers, dropoutOption], formOptions: ["train_layers"])

    /// nil: every weight.
    public var topLayers: Int?
    public var dropout: Double

    public init(topLayers: Int? = nil, dropout: Double = 0.1) { self.topLayers = topLayers; self.dropout = dropout }

    public init(spec: MethodSpec) throws {
        self.init(dropout: spec["dropout"]?.number ?? 0.1)
        let layers = spec["train_layers"]?.text ?? "all"
        if layers != "all" {
            guard layers.hasPrefix("top:"), let n = Int(layers.dropFirst(4)), n >= 1, n <= 10_000 else {
                throw SpecError("--train-layers \(layers): expected all, or top:N with N ≥ 1")
            }
            topLayers = n
        }
    }

    public var spec: MethodSpec {
        MethodSpec(name: Self.descriptor.name, options: ["train_layers": .text(topLayers.map { "top:\($0)" } ?? "all"), "dropout": .number(dropout)])
    }

    public var layout: VirtualLayout { .none }
    public var variant: String? { topLayers.map { "top\($0)" } }

    public func check(against model: ModelSummary) throws {
        if let n = topLayers, n > model.blockCount {
            throw MethodError("--train-layers top:\(n): the model has \(model.blockCount) layers")
        }
    }

    func trainable(layers: Int) -> TrainableWeights { topLayers.map { .top($0, of: layers) } ?? .all(layers: layers) }

    public func trainedParameters(_ model: ModelSummary) -> Int {
        let t = trainable(layers: model.blockCount)
        return model.tensors.filter { t.contains($0.group) }.reduce(0) { $0 + $1.count }
    }

    public func storedParameters(_ model: ModelSummary) -> Int { model.shape.parameterCount }

    public func makeState(for model: any LanguageModel) -> any MethodState { FineTuneState(method: self, model: model) }

    public func decoding(checkpoint dir: String, baseModel: String) throws -> DecodingSetup {
        DecodingSetup(modelFolder: dir + "/model", conditioning: .none)
    }

    public static var exportFormat: String? { nil }
    public func export(checkpoint dir: String, model: ModelSummary, baseModel: String) throws -> any AdapterExport {
        throw MethodError("\(dir): a fine-tuning run's checkpoints hold a full Hugging Face model folder (checkpoints/*/model); nothing to export")
    }
}

/// Fine-tuning's state: a view of the model's own arena, its trained tensors active.
final class FineTuneState: MethodState {
    let model: any LanguageModel
    let params: ParameterSet
    let trainableWeights: TrainableWeights
    let modelDropoutRate: Float

    init(method: FineTune, model: any LanguageModel) {
        self.model = model
        let t = method.trainable(layers: model.summary.blockCount)
        trainableWeights = t
        params = ParameterSet(model: model) { t.contains($0.group) }
        modelDropoutRate = Float(method.dropout)
    }

    func prepare(step: Int?, seed: UInt64) {}
    var graphConditioning: GraphConditioning { .none }
    func finishBackward() {}
    /// Only fine-tuning moves the model's own weights; the frozen model of every other method
    /// keeps its packed decoding copy.
    func parametersDidUpdate() { model.weightsDidChange() }
    func initialize(seed: UInt64, encode: (String) -> [Int32]) throws {}
    func currentConditioning() -> Conditioning { .none }

    func save(to dir: String, baseModelDir: String) throws {
        let fm = FileManager.default
        try model.save(to: dir + "/model", dtype: .F32)
        for f in ["vocab.json", "merges.txt", "tokenizer.json"] where fm.fileExists(atPath: baseModelDir + "/" + f) {
            try fm.copyItem(atPath: baseModelDir + "/" + f, toPath: dir + "/model/" + f)
        }
        var tensors: [SafeTensorsWriter.Tensor] = []
        for t in params.tensors where params.isActive(t) {
            tensors.append(.init(name: "m." + t.name, shape: t.shape, values: UnsafeBufferPointer(start: params.m[t.offset], count: t.count)))
            tensors.append(.init(name: "v." + t.name, shape: t.shape, values: UnsafeBufferPointer(start: params.v[t.offset], count: t.count)))
        }
        try SafeTensorsWriter.write(path: dir + "/optimizer.safetensors", tensors: tensors)
    }

    func load(from dir: String) throws {
        guard let saved = try HFModelFolder.load(dir + "/model") as? any LanguageModel, saved.hasSameArchitecture(as: model) else { throw MethodError("\(dir)/model: config differs from the run's model") }
        model.parameters.base.update(from: saved.parameters.base, count: model.parameters.count)
        model.weightsDidChange()
        let f = try SafeTensorsFile(path: dir + "/optimizer.safetensors")
        for t in params.tensors where params.isActive(t) {
            try f.read("m." + t.name, into: params.m[t.offset])
            try f.read("v." + t.name, into: params.v[t.offset])
        }
    }
}
