import Models
import Specs

/// Prefix-tuning (Li & Liang 2021): P key/value rows at every layer before every real token,
/// the model frozen; trained through an MLP (`reparam` mlp, as the paper) or directly.
/// Checkpoints fold the MLP away: prefix.safetensors holds the (P, 2·L·C) rows, which is
/// PEFT's PrefixTuning adapter.
public struct Prefix: VirtualTokenMethod {
    public static let optionKeys = [VirtualTokenOptions.length, VirtualTokenOptions.reparam, VirtualTokenOptions.midDim, VirtualTokenOptions.initialization,
                                    VirtualTokenOptions.initAdapter, VirtualTokenOptions.dropout]
    public static let descriptor = MethodDescriptor(
        name: "prefix", label: "prefix-tuning",
        summary: "P key/value rows at every layer before the input, through an MLP while training; the model frozen",
        options: optionKeys, lengthKey: "prefix_length", formOptions: ["prefix_length", "reparam"], formTrailingOptions: ["init"])

    public var options: VirtualTokenOptions

    public init(length: Int = 10, reparam: Reparameterization = .mlp, midDim: Int = 512, initialization: String = "random",
                initAdapter: String? = nil, dropout: Double = 0) {
        options = VirtualTokenOptions(length: length, reparam: reparam, midDim: midDim, initialization: initialization,
                                      initAdapter: initAdapter, dropout: dropout)
    }
    public init(spec: MethodSpec) throws { options = try VirtualTokenOptions(spec: spec) }

    public static let target = PrefixEncoder.Target.keyValues
    public static func conditioning(rows P: Int, values: [Float]) -> Conditioning { .prefix(P: P, values: values) }
    public var layout: VirtualLayout { VirtualLayout(keyValueRows: options.length, placement: .start) }

    public func export(checkpoint dir: String, model: ModelSummary, baseModel: String) throws -> any AdapterExport {
        let rows = try PrefixEncoder.foldedRows(checkpoint: dir, width: model.shape.keyValueWidth)
        return PEFTAdapter(kind: .prefixTuning, virtualTokens: rows.P, shape: model.shape, prefixProjection: options.reparam == .mlp,
                           encoderHiddenSize: options.midDim, baseModel: baseModel, embeddings: rows.values)
    }

    public static var peftKind: PEFTAdapter.Kind? { .prefixTuning }
    public static func conditioning(peft a: PEFTAdapter, model: ModelSummary) throws -> (layout: VirtualLayout, conditioning: Conditioning) {
        try a.check(against: model.shape)
        return (VirtualLayout(keyValueRows: a.virtualTokens, placement: .start), .prefix(P: a.virtualTokens, values: a.embeddings))
    }
}
