import Foundation
import JSON
import Models
import Specs
import Support

/// Adapter-tuning, the paper's adapter baseline: bottleneck adapters in every block, the model
/// frozen, as the prefix-tuning authors' GPT-2 adapter model (XiangLi1999/PrefixTuning,
/// modeling_gpt2_adapter.py) has them:
/// - `lin` (their adapter_design 1, Lin et al. 2020): one on the block's output, after the
///   feed-forward residual: LayerNorm → Linear(C, b) → ReLU → Linear(b, C), added back;
/// - `houlsby` (design 2): one on the attention's output and one on the feed-forward's, each
///   Linear(C, b) → ReLU → Linear(b, C) plus its input, before the branch's residual.
/// Initialised as that code's `_init_weights` does (Linear weights N(0, 0.02), biases 0,
/// LayerNorm 1 and 0), and trained with GPT-2's own dropout on, as it was. PEFT has no such
/// adapter type: runs export to our layout (`BottleneckAdapterFile`).
///
/// On BART every layer of both stacks is a block (the encoder's, then the decoder's): `lin`
/// after its final LayerNorm; `houlsby` on its self-attention's and its feed-forward's outputs
/// (the decoder's cross-attention gets none, as AdapterHub's Houlsby configuration has it),
/// before the branch's dropout (`BARTAdapters`).
public struct Adapter: TuningMethod {
    static let design = OptionDescriptor("adapter_design", .choice(AdapterPlacement.allCases.map(\.rawValue)), default: .text("lin"),
                                         help: "lin: one adapter on each block's output (LayerNorm, down, ReLU, up); houlsby: one after attention and one after the feed-forward")
    static let bottleneck = OptionDescriptor("adapter_bottleneck", .int(min: 1, max: 65_536), default: .int(100),
                                             help: "the adapters' inner width b (the reference's default is 100)")
    static let modelDropout = OptionDescriptor("dropout", .number(min: 0, max: 1, openMin: false, openMax: true), default: .number(0.1),
                                               help: "the model's own dropout while it trains (the reference trains with it on)")
    public static let descriptor = MethodDescriptor(
        name: "adapter", label: "adapter-tuning", summary: "bottleneck adapters in every block (Lin et al. / Houlsby et al.); the model frozen",
        options: [design, bottleneck, modelDropout], formOptions: ["adapter_design", "adapter_bottleneck"])

    public var placement: AdapterPlacement
    public var bottleneckSize: Int
    public var modelDropoutRate: Double

    public init(placement: AdapterPlacement = .blockOutput, bottleneck: Int = 100, modelDropout: Double = 0.1) {
        self.placement = placement; bottleneckSize = bottleneck; modelDropoutRate = modelDropout
    }

    public init(spec: MethodSpec) throws {
        self.init(placement: AdapterPlacement(rawValue: spec["adapter_design"]?.text ?? "lin") ?? .blockOutput,
                  bottleneck: spec["adapter_bottleneck"]?.int ?? 100, modelDropout: spec["dropout"]?.number ?? 0.1)
    }

    public var spec: MethodSpec {
        MethodSpec(name: Self.descriptor.name, options: ["adapter_design": .text(placement.rawValue), "adapter_bottleneck": .int(bottleneckSize),
                                                         "dropout": .number(modelDropoutRate)])
    }

    public var layout: VirtualLayout { .none }
    public var variant: String? { "\(placement.rawValue) b\(bottleneckSize)" }
    public func check(against model: ModelSummary) throws {}

    public func shape(_ model: ModelSummary) -> AdapterShape {
        AdapterShape(placement: placement, bottleneck: bottleneckSize, width: model.shape.width, layers: model.blockCount)
    }

    public func additions(for model: ModelSummary) -> BlockAdditions { BlockAdditions(adapters: shape(model)) }
    public func trainedParameters(_ model: ModelSummary) -> Int { shape(model).count }
    public func storedParameters(_ model: ModelSummary) -> Int { shape(model).count }

    public func makeState(for model: any LanguageModel) -> any MethodState { AdapterState(method: self, model: model) }

    public func decoding(checkpoint dir: String, baseModel: String) throws -> DecodingSetup {
        let m = try HFModelFolder.summary(baseModel), s = shape(m)
        let values = try ParameterSet.values(at: dir + "/trainable.safetensors", tensors: AdapterState.tensors(s, path: m.blockPath).map { ($0.name, $0.shape) })
        return DecodingSetup(modelFolder: baseModel, conditioning: .adapters(s, values: values))
    }

    public static var exportFormat: String? { "bottleneck" }
    public func export(checkpoint dir: String, model: ModelSummary, baseModel: String) throws -> any AdapterExport {
        let s = shape(model)
        let values = try ParameterSet.values(at: dir + "/trainable.safetensors", tensors: AdapterState.tensors(s, path: model.blockPath).map { ($0.name, $0.shape) })
        return BottleneckAdapterFile(shape: s, values: values, baseModel: baseModel, basePrefix: model.basePrefix, blockPath: model.blockPath)
    }
}

/// Adapter-tuning's trainable state: every adapter's tensors in one arena laid out as
/// `AdapterShape` says, which the training graph reads directly.
final class AdapterState: MethodState {
    let shape: AdapterShape
    let params: ParameterSet
    let trainableWeights: TrainableWeights
    let modelDropoutRate: Float
    let graphConditioning: GraphConditioning

    static func tensors(_ s: AdapterShape, path: (Int) -> String) -> [(name: String, shape: [Int], offset: Int)] {
        (0..<s.layers).flatMap { l in (0..<s.perLayer).flatMap { s.tensors(layer: l, adapter: $0, path: path) } }
    }

    init(method: Adapter, model: any LanguageModel) {
        shape = method.shape(model.summary)
        let list = AdapterState.tensors(shape, path: model.summary.blockPath)
        params = ParameterSet(list.map { ($0.name, $0.shape) })
        precondition(params.count == shape.count && zip(params.tensors, list).allSatisfy { $0.offset == $1.offset })
        trainableWeights = .none(layers: shape.layers)
        modelDropoutRate = Float(method.modelDropoutRate)
        graphConditioning = GraphConditioning(blocks: BlockParameters(adapters: shape, adapterValues: UnsafePointer(params.values.base),
                                                                      adapterGrads: params.grads.base))
    }

    func prepare(step: Int?, seed: UInt64) {}
    func finishBackward() {}
    func parametersDidUpdate() {}

    /// As the reference's `_init_weights`: Linear weights N(0, 0.02), biases 0, LayerNorm 1, 0.
    func initialize(seed: UInt64, encode: (String) -> [Int32]) throws {
        var rng = SplitMix64(seed: seed)
        for t in params.tensors {
            let p = params.values[t.offset]
            if t.name.hasSuffix("ln.weight") { p.update(repeating: 1, count: t.count) }
            else if t.shape.count == 1 { p.update(repeating: 0, count: t.count) }
            else { for i in 0..<t.count { p[i] = 0.02 * rng.nextNormal() } }
        }
    }

    func save(to dir: String, baseModelDir: String) throws { try params.save(to: dir + "/trainable.safetensors") }
    func load(from dir: String) throws { try params.load(from: dir + "/trainable.safetensors") }
    func currentConditioning() -> Conditioning { .adapters(shape, values: Array(params.values.buffer)) }
}

/// Our layout for a bottleneck-adapter run (PEFT has no such adapter type): adapter_config.json
/// with `adapter_type` "bottleneck", `adapter_design` (lin, houlsby), `bottleneck`, `n_embd`,
/// `n_layer` (the blocks: on BART its encoder's and decoder's layers), `base_model_name_or_path`;
/// adapter_model.safetensors with the reference model's tensor names
/// (`transformer.h.3.adapter_block.project_down.weight` (b, C), `.project_down.bias`,
/// `.project_up.weight` (C, b), `.project_up.bias`, and for lin `.ln.weight`, `.ln.bias`;
/// houlsby's feed-forward adapter is `adapter_block2`), so its state dict loads into that model;
/// BART's under its layers' paths (`model.decoder.layers.0.adapter_block.…`).
public struct BottleneckAdapterFile: AdapterExport {
    public var shape: AdapterShape
    public var values: [Float]
    public var baseModel: String
    public var basePrefix: String
    public var blockPath: @Sendable (Int) -> String

    public var fileNames: Set<String> { ["adapter_config.json", "adapter_model.safetensors"] }
    public var summary: String { "bottleneck adapters (\(shape.placement.rawValue), b \(shape.bottleneck)) in \(shape.layers) blocks" }

    public func write(_ dir: String) throws {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let cfg: [(String, JSONValue)] = [
            ("adapter_type", .string("bottleneck")), ("adapter_design", .string(shape.placement.rawValue)),
            ("bottleneck", .number(Double(shape.bottleneck))), ("n_embd", .number(Double(shape.width))), ("n_layer", .number(Double(shape.layers))),
            ("base_model_name_or_path", .string(baseModel)),
        ]
        try AtomicFile.write(Data((JSONValue.object(cfg).serialized + "\n").utf8), to: dir + "/adapter_config.json")
        try values.withUnsafeBufferPointer { v in
            let list = AdapterState.tensors(shape, path: blockPath).map { t in
                SafeTensorsWriter.Tensor(name: basePrefix + t.name, shape: t.shape,
                                         values: UnsafeBufferPointer(rebasing: v[t.offset..<(t.offset + t.shape.reduce(1, *))]))
            }
            try SafeTensorsWriter.write(path: dir + "/adapter_model.safetensors", tensors: list, metadata: ["format": "pt"])
        }
    }
}
