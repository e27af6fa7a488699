import Screen
import Specs

/// The fields of a new run as the launch form edits them: the run's name and group, its model
/// and data, the method with the options its descriptor puts in the form, and the main
/// settings. The form builds a `RunSpec` with the same builder (and the same ranges) as
/// `train`'s flags; what is wrong is kept per field and shown beside it.
public struct LaunchForm: Equatable, Sendable {
    public struct Field: Equatable, Sendable {
        /// The spec key ("prefix_length"), or "name" / "group".
        public let key: String
        public let label: String
        /// Values cycled with ←/→ instead of typed.
        public let choices: [String]?
    }

    public let methods: [MethodDescriptor]
    /// Field values by key; a value typed for one method stays when another is chosen.
    public var values: [String: String]
    public private(set) var focus = 0
    /// The focused text field being edited (its text is always in `values` too).
    public private(set) var editor = TextInput()
    /// What is wrong, by field key: the form's own checks and the workbench's check of the
    /// files (`LaunchCheck`), shown beside each field.
    public var problems: [String: String] = [:]
    /// Waiting for the check of the files; Enter is ignored until it answers.
    public var checking = false
    /// Fields the user typed into: a method's suggested values do not replace them.
    public private(set) var edited: Set<String> = []
    /// Per method, the values of the workspace's latest run of that method (its learning
    /// rate above all): what a method switch fills in where the user typed nothing.
    public var methodDefaults: [String: [String: String]] = [:]

    public var error: String? {
        fields.first { problems[$0.key] != nil }.map { "\($0.label): " + problems[$0.key]! } ?? problems.values.sorted().first
    }

    static let head = ["name", "group", "model", "train", "valid", "test", "method"]
    static let settings = ["lr", "epochs", "max_steps", "warmup_steps", "batch_size", "eval_every", "seed"]
    /// Which engine trains it (native, or the PyTorch runner) and under what launcher.
    static let tail = ["engine", "launcher"]
    static let labels = ["lr": "learning rate", "warmup_steps": "warm-up steps"]
    /// Text options the form cycles through common values of (the flag takes any list).
    static let choiceLists = ["prefix_kinds": ["all", "decoder", "decoder,cross", "encoder,decoder", "encoder", "cross", "encoder,cross", "peft"]]
    /// Not spec keys: where the run goes in the workspace, and which engine trains it.
    static let runKeys: Set<String> = ["name", "group", "engine", "launcher"]

    public init(methods: [MethodDescriptor], defaults: [String: String] = [:], methodDefaults: [String: [String: String]] = [:]) {
        self.methods = methods
        self.methodDefaults = methodDefaults
        var v: [String: String] = [:]
        for d in RunSpecBuilder.settings where LaunchForm.settings.contains(d.key) { if let x = d.defaultValue { v[d.key] = x.description } }
        v["method"] = methods.first { $0.name == "prefix" }?.name ?? methods.first?.name ?? ""
        v["engine"] = "native"
        for m in methods { for o in m.options { if let d = o.defaultValue { v[o.key] = v[o.key] ?? d.description } } }
        for (k, x) in defaults { v[k] = x }
        values = v
        applyMethodDefaults()
        focusField(0)
    }

    public var method: MethodDescriptor? { methods.first { $0.name == values["method"] } }

    /// The fields of the chosen method, in order.
    public var fields: [Field] {
        let m = method
        func field(_ key: String) -> Field {
            let label = LaunchForm.labels[key] ?? key.replacingOccurrences(of: "_", with: " ")
            if key == "method" { return Field(key: key, label: label, choices: methods.map(\.name)) }
            if key == "engine" { return Field(key: key, label: label, choices: ["native", "torch"]) }
            if case .choice(let cs)? = m?.option(key)?.kind { return Field(key: key, label: label, choices: cs) }
            if let cs = LaunchForm.choiceLists[key] { return Field(key: key, label: label, choices: cs) }
            return Field(key: key, label: label, choices: nil)
        }
        let keys = LaunchForm.head + (m?.formOptions ?? []) + LaunchForm.settings + (m?.formTrailingOptions ?? []) + LaunchForm.tail
        return keys.map(field)
    }

    public var fieldNames: [String] { fields.map(\.label) }

    /// What the focused field means: its option's or setting's help (nil for the form's own fields).
    public var focusedHelp: String? {
        let key = focusedField.key
        return method?.option(key)?.help ?? RunSpecBuilder.settings.first { $0.key == key }?.help
    }
    public var focusedField: Field { fields[min(focus, fields.count - 1)] }

    /// A field's value by its label ("prefix length") or key.
    public subscript(_ name: String) -> String {
        get { values[key(name)] ?? "" }
        set {
            values[key(name)] = newValue
            if key(name) == focusedField.key { editor = TextInput(newValue) }
        }
    }

    func key(_ name: String) -> String { fields.first { $0.label == name }?.key ?? name }

    public mutating func focusField(_ i: Int) {
        let n = fields.count
        focus = ((i % n) + n) % n
        editor = TextInput(values[focusedField.key] ?? "")
    }

    /// An editing key for the focused text field; false when it is not one.
    public mutating func edit(_ k: Key) -> Bool {
        let f = focusedField
        guard f.choices == nil, editor.apply(k) else { return false }
        values[f.key] = editor.text
        edited.insert(f.key)
        problems[f.key] = nil
        return true
    }

    /// ←/→ on a choice field.
    public mutating func cycle(forward: Bool) {
        let f = focusedField
        guard let options = f.choices, !options.isEmpty else { return }
        let i = options.firstIndex(of: values[f.key] ?? "") ?? 0
        values[f.key] = options[(i + (forward ? 1 : options.count - 1)) % options.count]
        problems[f.key] = nil
        if f.key == "method" { applyMethodDefaults() }
    }

    mutating func applyMethodDefaults() {
        guard let m = values["method"], let d = methodDefaults[m] else { return }
        for (k, v) in d where !edited.contains(k) { values[k] = v }
    }

    /// What the form itself can tell is wrong (required fields, the name, every value's type
    /// and range), by field key.
    public func localProblems() -> [String: String] {
        var p: [String: String] = [:]
        for f in ["name", "model", "train"] where self[f].isEmpty { p[f] = "required" }
        let name = self["name"]
        if !name.isEmpty, !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) || name.hasPrefix(".") || name.count > 100 {
            p["name"] = "letters, digits, - _ . only"
        }
        let group = self["group"]
        if !group.isEmpty, !group.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) || group.hasPrefix(".") {
            p["group"] = "letters, digits, - _ . only"
        }
        if !self["launcher"].isEmpty && self["engine"] != "torch" { p["launcher"] = "a launcher starts the torch engine: choose engine torch" }
        var b = RunSpecBuilder(methods: methods)
        for f in fields where !LaunchForm.runKeys.contains(f.key) {
            let v = values[f.key] ?? ""
            if v.isEmpty { continue }
            do { try b.set(f.key, raw: v, context: f.label) } catch {
                p[f.key] = LaunchForm.strip("\(error)", label: f.label)
            }
        }
        if p.isEmpty { do { _ = try spec() } catch { p["method"] = "\(error)" } }
        return p
    }

    static func strip(_ message: String, label: String) -> String {
        message.hasPrefix(label + ": ") ? String(message.dropFirst(label.count + 2)) : message.hasPrefix(label + " ") ? String(message.dropFirst(label.count + 1)) : message
    }

    /// The first problem as one line, or nil when the form can be checked against the files.
    public func validate() -> String? {
        let p = localProblems()
        return fields.first { p[$0.key] != nil }.map { "\($0.key): " + p[$0.key]! }
    }

    /// The run's spec from the fields shown (empty optional fields are left out).
    public func spec() throws -> RunSpec {
        var b = RunSpecBuilder(methods: methods)
        for f in fields where !LaunchForm.runKeys.contains(f.key) {
            let v = values[f.key] ?? ""
            if v.isEmpty { continue }
            try b.set(f.key, raw: v, context: f.label)
        }
        if !(values["test"] ?? "").isEmpty { try b.set("eval_test", value: .flag(true), context: "test") }
        return try b.build()
    }

    /// The `prefixlab train` arguments of the spec (the run's command line, --out left out).
    public var trainArguments: [String] { (try? spec())?.commandLine ?? [] }

    /// The engine that trains the run when it is not the native one, with its launcher (the
    /// form's check refuses a launcher without it).
    public var engine: EngineChoice? {
        self["engine"] == "torch" ? EngineChoice(launcher: self["launcher"].isEmpty ? nil : self["launcher"]) : nil
    }
}
