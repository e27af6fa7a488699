import Models
import Specs

/// The paper's embedding-only ablation (§7.2), which is prompt tuning: P virtual input
/// embeddings before the tokens, at positions 0..<P; the model frozen. Checkpoints are PEFT's
/// PromptTuning adapter.
public struct Embedding: VirtualTokenMethod {
    public static let optionKeys = [VirtualTokenOptions.length, VirtualTokenOptions.initialization, VirtualTokenOptions.initAdapter, VirtualTokenOptions.dropout]
    public static let descriptor = MethodDescriptor(
        name: "embedding", label: "embedding-only",
        summary: "P virtual input embeddings before the input (prompt tuning); the model frozen",
        options: optionKeys, lengthKey: "prefix_length", formOptions: ["prefix_length"], formTrailingOptions: ["init"])

    public var options: VirtualTokenOptions

    public init(length: Int = 10, initialization: String = "random", initAdapter: String? = nil, dropout: Double = 0) {
        options = VirtualTokenOptions(length: length, reparam: .none, initialization: initialization, initAdapter: initAdapter, dropout: dropout)
    }
    public init(spec: MethodSpec) throws {
        options = try VirtualTokenOptions(spec: spec)
        options.reparam = .none
    }

    public static let target = PrefixEncoder.Target.embeddings
    public static func conditioning(rows P: Int, values: [Float]) -> Conditioning { .embeddings(P: P, values: values) }
    public var layout: VirtualLayout { VirtualLayout(leadingEmbeddings: options.length) }

    public func export(checkpoint dir: String, model: ModelSummary, baseModel: String) throws -> any AdapterExport {
        let rows = try PrefixEncoder.foldedRows(checkpoint: dir, width: model.shape.width)
        return PEFTAdapter(kind: .promptTuning, virtualTokens: rows.P, shape: model.shape, prefixProjection: false,
                           encoderHiddenSize: model.shape.width, baseModel: baseModel, embeddings: rows.values)
    }

    public static var peftKind: PEFTAdapter.Kind? { .promptTuning }
    public static func conditioning(peft a: PEFTAdapter, model: ModelSummary) throws -> (layout: VirtualLayout, conditioning: Conditioning) {
        try a.check(against: model.shape)
        return (VirtualLayout(leadingEmbeddings: a.virtualTokens), .embeddings(P: a.virtualTokens, values: a.embeddings))
    }
}
