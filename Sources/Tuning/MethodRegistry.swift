import Models
import Specs

/// The tuning methods this program trains: the one place a method is registered and the only
/// place that chooses among methods by name. Everything else (the CLI, experiment files, the
/// launch form, checkpoints, decoding, export) asks here.
public enum MethodRegistry {
    public static let all: [any TuningMethod.Type] = [FineTune.self, Prefix.self, Embedding.self, Infix.self, Adapter.self, LoRA.self]

    public static var descriptors: [MethodDescriptor] { all.map { $0.descriptor } }
    public static var names: [String] { all.map { $0.descriptor.name } }

    public static func type(named name: String) -> (any TuningMethod.Type)? { all.first { $0.descriptor.name == name } }

    /// The method a spec names, its options resolved (defaults filled, ranges checked).
    public static func method(_ spec: MethodSpec, context: String = "method") throws -> any TuningMethod {
        guard let type = type(named: spec.name) else {
            throw SpecError("\(context): unknown method \(spec.name); expected \(names.joined(separator: ", "))")
        }
        return try type.init(spec: try spec.resolved(by: type.descriptor, context: context))
    }

    /// The method that reads a PEFT adapter of this kind.
    public static func type(forPEFT kind: PEFTAdapter.Kind) -> (any TuningMethod.Type)? { all.first { $0.peftKind == kind } }
}
