import Screen
/// The fields of a new run, as the launch form edits them; the shell turns them into a
/// `prefixlab train` command line.
public struct LaunchForm: Equatable, Sendable {
    public static let fieldNames = ["name", "model", "train", "valid", "test", "method", "prefix length", "reparam",
                                    "learning rate", "epochs", "batch size", "seed", "init"]
    public var values: [String]
    public var focus = 0
    public var error: String? = nil

    public init(defaults: [String: String] = [:]) {
        values = LaunchForm.fieldNames.map { defaults[$0] ?? LaunchForm.standard[$0] ?? "" }
    }

    static let standard: [String: String] = ["method": "prefix", "prefix length": "10", "reparam": "mlp", "learning rate": "8e-5",
                                             "epochs": "5", "batch size": "10", "seed": "1", "init": "random"]
    /// Fields whose values cycle with ←/→ instead of being typed.
    static let choices: [String: [String]] = ["method": ["finetune", "prefix", "embedding", "infix"], "reparam": ["mlp", "none"]]

    public subscript(_ name: String) -> String {
        get { LaunchForm.fieldNames.firstIndex(of: name).map { values[$0] } ?? "" }
        set { if let i = LaunchForm.fieldNames.firstIndex(of: name) { values[i] = newValue } }
    }

    /// A message naming the first field that is wrong, or nil when the run can be queued.
    public func validate() -> String? {
        for f in ["name", "model", "train"] where self[f].isEmpty { return "\(f) is required" }
        if !self["name"].allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) || self["name"].hasPrefix(".") {
            return "name: letters, digits, - _ . only"
        }
        guard LaunchForm.choices["method"]!.contains(self["method"]) else { return "method: finetune, prefix, embedding or infix" }
        if self["method"] != "finetune", (Int(self["prefix length"]) ?? 0) < 1 { return "prefix length: a whole number ≥ 1" }
        guard let lr = Double(self["learning rate"]), lr > 0 else { return "learning rate: a positive number" }
        for f in ["epochs", "batch size"] where (Int(self[f]) ?? 0) < 1 { return "\(f): a whole number ≥ 1" }
        guard Int(self["seed"]) != nil else { return "seed: a whole number" }
        guard self["init"] == "random" || self["init"].hasPrefix("words:") else { return "init: random or words:TEXT" }
        return nil
    }

    /// `prefixlab train` arguments (without the executable, --out added by the shell).
    public var trainArguments: [String] {
        var a = ["--model", self["model"], "--train", self["train"], "--method", self["method"],
                 "--lr", self["learning rate"], "--epochs", self["epochs"], "--batch-size", self["batch size"], "--seed", self["seed"]]
        if !self["valid"].isEmpty { a += ["--valid", self["valid"]] }
        if !self["test"].isEmpty { a += ["--test", self["test"], "--eval-test"] }
        if self["method"] != "finetune" {
            a += ["--prefix-length", self["prefix length"]]
            if self["method"] != "embedding" { a += ["--reparam", self["reparam"]] }
            if self["init"] != "random" { a += ["--init", self["init"]] }
        }
        return a
    }
}
