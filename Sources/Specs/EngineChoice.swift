import Support

/// The engine that trains a run when it is not this program (the PyTorch runner, engines/torch),
/// and how: under which launcher, on which device, in which precision. One value for every
/// place that chooses it — `train`'s `--engine`, `--launcher`, `--device`, `--precision`; an
/// experiment's keys of those names; the launch form — and the run.json keys that record it, which
/// `train --resume` and the run manager follow.
public struct EngineChoice: Sendable, Equatable {
    public enum Precision: String, Sendable, CaseIterable {
        /// float32 weights, activations and optimizer: what the parity with the native engine holds for.
        case float32
        /// bf16 autocast for the forward; weights and AdamW stay float32.
        case bf16
    }

    public static let names = ["native", "torch"]

    public var name: String
    /// A command the runner starts under: "torchrun --nproc-per-node 8", "srun ...", "ssh host".
    public var launcher: String?
    /// cpu, cuda or cuda:N; nil: cuda when the machine has it (each torchrun rank its local GPU).
    public var device: String?
    public var precision: Precision

    public init(name: String = "torch", launcher: String? = nil, device: String? = nil, precision: Precision = .float32) {
        self.name = name; self.launcher = launcher; self.device = device; self.precision = precision
    }

    /// The `prefixlab train` words that choose it.
    public var arguments: [String] {
        ["--engine", name] + (launcher.map { ["--launcher", $0] } ?? []) + (device.map { ["--device", $0] } ?? [])
            + (precision == .float32 ? [] : ["--precision", precision.rawValue])
    }

    /// Checks what a flag, a file or a form gave: nil for the native engine. `spelled` names a key
    /// as the user wrote it (`--device`, or `device` in an experiment file).
    public static func build(engine: String?, launcher: String?, device: String?, precision: String?,
                             spelled: (String) -> String) throws -> EngineChoice? {
        let engine = engine ?? "native"
        guard names.contains(engine) else { throw SpecError("\(spelled("engine")) \(Escaped(engine)): expected native or torch") }
        let blank = { (s: String?) in s.map { $0.trimmingCharacters(in: .whitespaces).isEmpty } ?? true }
        let given = [("launcher", launcher), ("device", device), ("precision", precision)].filter { !blank($0.1) }
        if engine == "native" {
            if let (key, _) = given.first { throw SpecError("\(spelled(key)) needs \(spelled("engine")) torch (it configures the PyTorch runner)") }
            return nil
        }
        var choice = EngineChoice(launcher: blank(launcher) ? nil : launcher)
        if let d = device, !blank(d) {
            guard isDevice(d) else { throw SpecError("\(spelled("device")) \(Escaped(d)): expected cpu, cuda or cuda:N") }
            choice.device = d
        }
        if let p = precision, !blank(p) {
            guard let v = Precision(rawValue: p) else { throw SpecError("\(spelled("precision")) \(Escaped(p)): expected float32 or bf16") }
            choice.precision = v
        }
        return choice
    }

    static func isDevice(_ s: String) -> Bool {
        if s == "cpu" || s == "cuda" { return true }
        guard s.hasPrefix("cuda:"), let n = Int(s.dropFirst(5)), (0..<1024).contains(n) else { return false }
        return true
    }
}
