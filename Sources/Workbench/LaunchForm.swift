import Screen
import Specs

/// The fields of a new run as the launch form edits them: the run's name, its model and data,
/// the method with the options its descriptor puts in the form, and the main settings. The
/// form builds a `RunSpec` with the same builder (and the same ranges) as `train`'s flags.
public struct LaunchForm: Equatable, Sendable {
    public struct Field: Equatable, Sendable {
        /// The spec key ("prefix_length"), or "name".
        public let key: String
        public let label: String
        /// Values cycled with ←/→ instead of typed.
        public let choices: [String]?
    }

    public let methods: [MethodDescriptor]
    /// Field values by key; a value typed for one method stays when another is chosen.
    public var values: [String: String]
    public var focus = 0
    public var error: String? = nil

    static let head = ["name", "model", "train", "valid", "test", "method"]
    static let settings = ["lr", "epochs", "batch_size", "seed"]
    static let labels = ["lr": "learning rate"]
    static let standard: [String: String] = ["lr": "8e-5", "epochs": "5", "batch_size": "10", "seed": "1"]

    public init(methods: [MethodDescriptor], defaults: [String: String] = [:]) {
        self.methods = methods
        var v = LaunchForm.standard
        v["method"] = methods.first { $0.name == "prefix" }?.name ?? methods.first?.name ?? ""
        for m in methods { for o in m.options { if let d = o.defaultValue { v[o.key] = v[o.key] ?? d.description } } }
        for (k, x) in defaults { v[k] = x }
        values = v
    }

    public var method: MethodDescriptor? { methods.first { $0.name == values["method"] } }

    /// The fields of the chosen method, in order.
    public var fields: [Field] {
        let m = method
        func field(_ key: String) -> Field {
            let label = LaunchForm.labels[key] ?? key.replacingOccurrences(of: "_", with: " ")
            if key == "method" { return Field(key: key, label: label, choices: methods.map(\.name)) }
            if case .choice(let cs)? = m?.option(key)?.kind { return Field(key: key, label: label, choices: cs) }
            return Field(key: key, label: label, choices: nil)
        }
        let keys = LaunchForm.head + (m?.formOptions ?? []) + LaunchForm.settings + (m?.formTrailingOptions ?? [])
        return keys.map(field)
    }

    public var fieldNames: [String] { fields.map(\.label) }

    /// A field's value by its label ("prefix length") or key.
    public subscript(_ name: String) -> String {
        get { values[key(name)] ?? "" }
        set { values[key(name)] = newValue }
    }

    func key(_ name: String) -> String { fields.first { $0.label == name }?.key ?? name }

    /// A message naming the first field that is wrong, or nil when the run can be queued.
    public func validate() -> String? {
        for f in ["name", "model", "train"] where self[f].isEmpty { return "\(f) is required" }
        if !self["name"].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) || self["name"].hasPrefix(".") || self["name"].count > 100 {
            return "name: letters, digits, - _ . only"
        }
        do { _ = try spec() } catch { return "\(error)" }
        return nil
    }

    /// The run's spec from the fields shown (empty optional fields are left out).
    public func spec() throws -> RunSpec {
        var b = RunSpecBuilder(methods: methods)
        for f in fields where f.key != "name" {
            let v = values[f.key] ?? ""
            if v.isEmpty { continue }
            try b.set(f.key, raw: v, context: f.label)
        }
        if !(values["test"] ?? "").isEmpty { try b.set("eval_test", value: .flag(true), context: "test") }
        return try b.build()
    }

    /// The `prefixlab train` arguments of the spec (the run's command line, --out left out).
    public var trainArguments: [String] { (try? spec())?.commandLine ?? [] }
}
