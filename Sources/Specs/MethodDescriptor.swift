/// What a tuning method tells everything that is not the engine: its name (`--method`, and
/// `method.name` in run.json), how the workbench labels it, and its options. The method's own
/// file in Tuning provides it; the registry there lists them all, and the CLI, experiment
/// files, the launch form and the docs read them from there.
public struct MethodDescriptor: Sendable, Equatable {
    public let name: String
    /// As the Ablation and Compare screens name it, e.g. "prefix-tuning".
    public let label: String
    /// One line for `--help` and the docs.
    public let summary: String
    public let options: [OptionDescriptor]
    /// The option that is "the prefix length" of the paper's charts (the Ablation screen plots
    /// metrics against it), if the method has one.
    public let lengthKey: String?
    /// Options the launch form shows right after the method, and those it shows last.
    public let formOptions: [String]
    public let formTrailingOptions: [String]

    public init(name: String, label: String, summary: String, options: [OptionDescriptor], lengthKey: String? = nil,
                formOptions: [String] = [], formTrailingOptions: [String] = []) {
        self.name = name; self.label = label; self.summary = summary; self.options = options
        self.lengthKey = lengthKey; self.formOptions = formOptions; self.formTrailingOptions = formTrailingOptions
    }

    public func option(_ key: String) -> OptionDescriptor? { options.first { $0.key == key } }
}
