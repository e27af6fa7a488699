import Models
import Specs

/// The paper's infix ablation (§7.2): P key/value rows at every layer between the source's
/// eos and the target, [x; eos; INFIX; y]. The first target token is predicted at the eos,
/// before the rows, and the target's positions continue after them. PEFT has no equivalent.
public struct Infix: VirtualTokenMethod {
    public static let optionKeys = [VirtualTokenOptions.length, VirtualTokenOptions.reparam, VirtualTokenOptions.midDim, VirtualTokenOptions.initialization,
                                    VirtualTokenOptions.dropout]
    public static let descriptor = MethodDescriptor(
        name: "infix", label: "infix-tuning",
        summary: "P key/value rows at every layer between the source and the target; the model frozen",
        options: optionKeys, lengthKey: "prefix_length", formOptions: ["prefix_length", "reparam"], formTrailingOptions: ["init"])

    public var options: VirtualTokenOptions

    public init(length: Int = 10, reparam: Reparameterization = .mlp, midDim: Int = 512, initialization: String = "random", dropout: Double = 0) {
        options = VirtualTokenOptions(length: length, reparam: reparam, midDim: midDim, initialization: initialization, dropout: dropout)
    }
    public init(spec: MethodSpec) throws { options = try VirtualTokenOptions(spec: spec) }

    public static let target = PrefixEncoder.Target.keyValues
    public static func conditioning(rows P: Int, values: [Float]) -> Conditioning { .infix(P: P, values: values) }
    public var layout: VirtualLayout { VirtualLayout(keyValueRows: options.length, placement: .afterSource) }

    public static var exportFormat: String? { nil }
    public func export(checkpoint dir: String, model: ModelSummary, baseModel: String) throws -> any AdapterExport {
        throw MethodError("\(dir): infix has no PEFT equivalent (PEFT places virtual tokens before the input only)")
    }
}
