import Foundation
import Models
import Specs
import Support

/// LoRA (Hu et al. 2021) as Hugging Face PEFT implements it: at each target linear layer of
/// every block (GPT-2's; BART's encoder and decoder layers), y = x·W + b +
/// (alpha/r)·B·A·dropout(x), A (r, in) Kaiming-uniform and B (out, r) zero at the start, the
/// model frozen. Targets select modules as PEFT's target_modules do: a module whose path in the
/// model is the target or ends with "." and the target (`q_proj`: every attention's). Training runs the update as two small
/// GEMMs over all rows and never forms a merged weight; decoding merges it into the weights.
/// Checkpoints hold A and B (trainable.safetensors), which is PEFT's LoRA adapter.
public struct LoRA: TuningMethod {
    static let rank = OptionDescriptor("lora_r", .int(min: 1, max: 4096), default: .int(8), help: "the rank r of each update")
    static let alpha = OptionDescriptor("lora_alpha", .number(min: 0, max: 1e6, openMin: true, openMax: false), default: .number(16),
                                        help: "the update is scaled by lora_alpha / r")
    static let loraDropout = OptionDescriptor("lora_dropout", .number(min: 0, max: 1, openMin: false, openMax: true), default: .number(0),
                                              help: "dropout on each update's input (PEFT's lora_dropout)")
    static let targets = OptionDescriptor("lora_targets", .text, default: nil,
                                          help: "linear layers of every block, comma-separated, matched as PEFT's target_modules: GPT-2 c_attn, attn.c_proj, c_fc, mlp.c_proj (default c_attn); BART q_proj, k_proj, v_proj, out_proj, fc1, fc2, or self_attn.q_proj, encoder_attn.q_proj, ... for one attention (default q_proj,v_proj, PEFT's)")
    static let modelDropout = OptionDescriptor("dropout", .number(min: 0, max: 1, openMin: false, openMax: true), default: .number(0.1),
                                               help: "the model's own dropout while it trains (PEFT leaves it on in training mode)")
    static let initAdapter = OptionDescriptor("init_adapter", .text, default: nil,
                                              help: "a PEFT LoRA adapter folder to start from (its r, lora_alpha and targets must be the run's)")
    public static let descriptor = MethodDescriptor(
        name: "lora", label: "LoRA", summary: "low-rank updates of the blocks' linear layers (PEFT's LoRA); the model frozen",
        options: [rank, alpha, loraDropout, targets, modelDropout, initAdapter], formOptions: ["lora_r", "lora_targets"])

    public var r: Int
    public var alphaValue: Double
    public var dropout: Double
    /// nil: the model's default (PEFT's for the model type).
    public var targetNames: [String]?
    public var modelDropoutRate: Double
    public var initAdapterPath: String?

    public init(r: Int = 8, alpha: Double = 16, dropout: Double = 0, targets: [String]? = nil, modelDropout: Double = 0.1,
                initAdapter: String? = nil) {
        self.r = r; alphaValue = alpha; self.dropout = dropout; targetNames = targets; modelDropoutRate = modelDropout
        initAdapterPath = initAdapter
    }

    public init(spec: MethodSpec) throws {
        var names: [String]? = nil
        if let text = spec["lora_targets"]?.text {
            let list = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard !list.isEmpty, !list.contains(""), Set(list).count == list.count else {
                throw SpecError("--lora-targets \(Escaped(text)): expected linear layers separated by commas, each once (e.g. c_attn,c_fc)")
            }
            names = list
        }
        self.init(r: spec["lora_r"]?.int ?? 8, alpha: spec["lora_alpha"]?.number ?? 16, dropout: spec["lora_dropout"]?.number ?? 0,
                  targets: names, modelDropout: spec["dropout"]?.number ?? 0.1, initAdapter: spec["init_adapter"]?.text)
    }

    public var spec: MethodSpec {
        var s = MethodSpec(name: Self.descriptor.name)
        s["lora_r"] = .int(r)
        s["lora_alpha"] = .number(alphaValue)
        s["lora_dropout"] = .number(dropout)
        s["lora_targets"] = targetNames.map { .text($0.joined(separator: ",")) }
        s["dropout"] = .number(modelDropoutRate)
        s["init_adapter"] = initAdapterPath.map { OptionValue.text($0) }
        return s
    }

    public var layout: VirtualLayout { .none }
    public var variant: String? { "r\(r)" + (targetNames.map { $0 == ["c_attn"] ? "" : " " + $0.joined(separator: "+") } ?? "") }

    /// The targets for this model: the run's, else PEFT's default for the model type.
    func targets(_ model: ModelSummary) -> [String] { targetNames ?? model.defaultLoRATargets }

    /// Each block's sites the targets select, in the block's order.
    func blocks(_ model: ModelSummary) -> [[LinearSite]] {
        let t = targets(model)
        return model.blockSites.enumerated().map { l, sites in
            sites.filter { PEFTLoRA.selects(t, module: model.blockPath(l) + "." + $0.module) }
        }
    }

    public func check(against model: ModelSummary) throws {
        for t in targets(model) {
            let hit = model.blockSites.enumerated().contains { l, sites in
                sites.contains { PEFTLoRA.selects([t], module: model.blockPath(l) + "." + $0.module) }
            }
            guard hit else {
                var names: [String] = [], paths: [String] = []
                for s in model.linearSites {
                    if !names.contains(s.name) { names.append(s.name) }
                    if !names.contains(s.module) && !paths.contains(s.module) { paths.append(s.module) }
                }
                throw MethodError("--lora-targets \(Escaped(t)): selects none of this model's linear layers (\(names.joined(separator: ", ")); or a module path within a block: \(paths.joined(separator: ", ")))")
            }
        }
    }

    public func shape(_ model: ModelSummary) -> LoRAShape {
        LoRAShape(rank: r, blocks: blocks(model), dropout: Float(dropout), scaling: Float(alphaValue / Double(r)))
    }

    public func additions(for model: ModelSummary) -> BlockAdditions { BlockAdditions(lora: shape(model)) }
    public func trainedParameters(_ model: ModelSummary) -> Int { shape(model).count }
    public func storedParameters(_ model: ModelSummary) -> Int { shape(model).count }

    public func makeState(for model: any LanguageModel) -> any MethodState { LoRAState(method: self, model: model) }

    public func decoding(checkpoint dir: String, baseModel: String) throws -> DecodingSetup {
        let summary = try HFModelFolder.summary(baseModel)
        let s = shape(summary)
        let values = try ParameterSet.values(at: dir + "/trainable.safetensors", tensors: LoRAState.tensors(s, summary))
        return DecodingSetup(modelFolder: baseModel, conditioning: .lora(s, values: values))
    }

    public func export(checkpoint dir: String, model: ModelSummary, baseModel: String) throws -> any AdapterExport {
        let s = shape(model)
        let values = try ParameterSet.values(at: dir + "/trainable.safetensors", tensors: LoRAState.tensors(s, model))
        var a = PEFTAdapter(kind: .lora, virtualTokens: 0, shape: model.shape, prefixProjection: false, encoderHiddenSize: 0,
                            baseModel: baseModel, embeddings: [])
        a.lora = PEFTLoRA(shape: s, targets: targets(model), alpha: alphaValue, dropout: dropout, values: values, model: model)
        return a
    }

    public static var peftKind: PEFTAdapter.Kind? { .lora }
    public static func conditioning(peft a: PEFTAdapter, model: ModelSummary) throws -> (layout: VirtualLayout, conditioning: Conditioning) {
        guard let lora = a.lora else { throw MethodError("\(a.path): not a LoRA adapter") }
        let (shape, values) = try lora.values(for: model, path: a.path)
        return (.none, .lora(shape, values: values))
    }
}

/// LoRA's trainable state: A and B of every target site of every block, in one arena laid out
/// as `LoRAShape` says, which the training graph reads directly.
final class LoRAState: MethodState {
    let method: LoRA
    let model: any LanguageModel
    let summary: ModelSummary
    let shape: LoRAShape
    let params: ParameterSet
    let trainableWeights: TrainableWeights
    let modelDropoutRate: Float
    private var conditioning: GraphConditioning

    /// The tensors in arena order, under our names (`h.3.attn.c_attn.lora_A.weight`).
    static func tensors(_ s: LoRAShape, _ model: ModelSummary) -> [(name: String, shape: [Int])] {
        var out: [(name: String, shape: [Int])] = []
        for l in 0..<s.layers {
            for site in s.blocks[l] {
                let path: String = model.blockPath(l) + "." + site.module
                out.append((path + ".lora_A.weight", [s.rank, site.inFeatures]))
                out.append((path + ".lora_B.weight", [site.outFeatures, s.rank]))
            }
        }
        return out
    }

    init(method: LoRA, model: any LanguageModel) {
        self.method = method; self.model = model
        summary = model.summary
        shape = method.shape(summary)
        params = ParameterSet(LoRAState.tensors(shape, summary).map { ($0.name, $0.shape) })
        precondition(params.count == shape.count)
        trainableWeights = .none(layers: summary.shape.layers)
        modelDropoutRate = Float(method.modelDropoutRate)
        conditioning = GraphConditioning(blocks: BlockParameters(lora: shape, loraValues: UnsafePointer(params.values.base),
                                                                 loraGrads: params.grads.base))
    }

    func prepare(step: Int?, seed: UInt64) {
        // A fresh set of masks each step, from the seed and the step alone (resume draws the same).
        conditioning.blocks!.loraDropoutSeed = step.map { seed ^ (0x9E6C_63D0_676A_9A99 &* UInt64($0 + 1)) }
    }
    var graphConditioning: GraphConditioning { conditioning }
    func finishBackward() {}
    func parametersDidUpdate() {}

    func initialize(seed: UInt64, encode: (String) -> [Int32]) throws {
        if let dir = method.initAdapterPath {
            let a = try PEFTAdapter.read(dir)
            guard let lora = a.lora else { throw MethodError("\(dir): a \(a.kind.rawValue) adapter; --method lora starts from a LORA one") }
            let (s, values) = try lora.values(for: summary, path: dir)
            guard s.rank == shape.rank, s.blocks == shape.blocks, lora.alpha == method.alphaValue else {
                throw MethodError("\(dir): r \(s.rank), lora_alpha \(OptionValue.number(lora.alpha)), targets \(lora.targetModules.joined(separator: ",")); the run has --lora-r \(shape.rank) --lora-alpha \(OptionValue.number(method.alphaValue)) --lora-targets \(method.targets(summary).joined(separator: ",")): give the adapter's")
            }
            values.withUnsafeBufferPointer { params.values.base.update(from: $0.baseAddress!, count: $0.count) }
            return
        }
        // PEFT: A Kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in); B zero, so the update starts at 0.
        var rng = SplitMix64(seed: seed)
        for l in 0..<shape.layers {
            for (k, site) in shape.blocks[l].enumerated() {
                let a = params.values.base + shape.offset(layer: l, site: k)
                let bound = 1 / Float(site.inFeatures).squareRoot()
                for i in 0..<(shape.rank * site.inFeatures) { a[i] = (2 * rng.nextUniform() - 1) * bound }
                (a + shape.rank * site.inFeatures).update(repeating: 0, count: site.outFeatures * shape.rank)
            }
        }
    }

    func save(to dir: String, baseModelDir: String) throws { try params.save(to: dir + "/trainable.safetensors") }
    func load(from dir: String) throws { try params.load(from: dir + "/trainable.safetensors") }

    func currentConditioning() -> Conditioning { .lora(shape, values: Array(params.values.buffer)) }
}
