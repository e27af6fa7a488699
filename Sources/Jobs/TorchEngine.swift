import Foundation
import JSON
import Models
import Specs
#if canImport(Glibc)
import Glibc
#endif

/// The PyTorch + PEFT engine (engines/torch, `make torch-engine`): where its Python is, the
/// command that trains a run with it (optionally under a launcher: torchrun, srun, ssh), and
/// the run.json keys that say a run is its (`engine`, `launcher`), which `train --resume` and
/// the run manager follow.
public enum TorchEngine {
    public static let installHint = "the torch engine is not installed: run `make torch-engine` (a virtual environment in engines/torch/.venv with its pinned torch, transformers and peft), or set PREFIXLAB_TORCH_PYTHON to a Python that has prefixlab_torch installed"

    /// The runner's Python: $PREFIXLAB_TORCH_PYTHON, else engines/torch/.venv/bin/python of the
    /// checkout this executable was built in.
    public static func python() throws -> String {
        if let p = ProcessInfo.processInfo.environment["PREFIXLAB_TORCH_PYTHON"], !p.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: p) else { throw JobError("PREFIXLAB_TORCH_PYTHON=\(p): not an executable") }
            return p
        }
        var dir = URL(fileURLWithPath: executablePath()).deletingLastPathComponent()
        for _ in 0..<6 {
            let candidate = dir.appendingPathComponent("engines/torch/.venv/bin/python").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir.deleteLastPathComponent()
        }
        throw JobError(installHint)
    }

    /// This program's own path (the runner calls it back for the plan and the evaluation).
    public static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// The command that trains `runDir`: `launcher` words first when given. A launcher with a
    /// torchrun in it (`torchrun --nproc-per-node 8`, `srun torchrun ...`) is given the module
    /// (`-m prefixlab_torch`), which torchrun runs with its own interpreter (a bare `torchrun` is
    /// the runner's environment's); any other launcher (`srun`, `ssh host`) the runner's Python.
    public static func command(runDir: String, launcher: String?) throws -> [String] {
        let py = try python()
        let args = ["-m", "prefixlab_torch", "train", "--run", runDir, "--prefixlab", executablePath()]
        guard let launcher, !launcher.trimmingCharacters(in: .whitespaces).isEmpty else { return [py] + args }
        var words = launcher.split(separator: " ").map(String.init)
        if let t = words.firstIndex(where: { ($0 as NSString).lastPathComponent == "torchrun" }) {
            if !words[t].contains("/") {
                let beside = ((py as NSString).deletingLastPathComponent as NSString).appendingPathComponent("torchrun")
                if FileManager.default.isExecutableFile(atPath: beside) { words[t] = beside }
            }
            // Positional, and the executable through $PREFIXLAB: torchrun's parser would take a
            // `--run` after the module for an abbreviation of its own --run-path.
            return words + ["-m", "prefixlab_torch", "train", runDir]
        }
        return words + [py] + args
    }

    /// Runs the runner in this terminal (its output passes through) and returns its exit status.
    public static func run(runDir: String, launcher: String?) throws -> Int32 {
        let cmd = try command(runDir: runDir, launcher: launcher)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: cmd[0].contains("/") ? cmd[0] : "/usr/bin/env")
        p.arguments = cmd[0].contains("/") ? Array(cmd.dropFirst()) : cmd
        var env = ProcessInfo.processInfo.environment
        env["PREFIXLAB"] = executablePath()
        // Local folders only; no progress bars in the run's log.
        for (k, v) in [("HF_HUB_OFFLINE", "1"), ("HF_HUB_DISABLE_PROGRESS_BARS", "1"), ("TRANSFORMERS_VERBOSITY", "error")] where env[k] == nil { env[k] = v }
        p.environment = env
        try p.run()
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// The engine run.json records for a run (nil: native). The runner reads `device` and
    /// `precision` there itself.
    public static func recorded(runDir: String) -> EngineChoice? {
        guard let data = FileManager.default.contents(atPath: runDir + "/run.json"), let v = try? JSONParser.parse(bytes: [UInt8](data)),
              let engine = v["engine"]?.string, engine != "native" else { return nil }
        return EngineChoice(name: engine, launcher: v["launcher"]?.string, device: v["device"]?.string,
                            precision: v["precision"]?.string.flatMap(EngineChoice.Precision.init) ?? .float32)
    }
}

/// Continues a run with the engine its run.json names: this program, or the torch runner.
public enum EngineDispatch {
    public static func resume(_ dir: String, maxSteps: Int?, launcher: String? = nil, reporter: TrainingReporter) throws {
        if let recorded = TorchEngine.recorded(runDir: dir), recorded.name == "torch" {
            if let maxSteps { try recordCap(maxSteps, runDir: dir) }
            let status = try TorchEngine.run(runDir: dir, launcher: launcher ?? recorded.launcher)
            if status != 0 { throw JobError("\((dir as NSString).lastPathComponent): the torch engine exited with status \(status) (its error is above and in the run's events)") }
            return
        }
        try TrainingJob.resume(dir, maxSteps: maxSteps, reporter: reporter)
    }

    /// `train --resume RUN --max-steps N` on a run another engine trains: the new cap goes into
    /// run.json's spec (under the run's lock, as a native resume records it), which that engine's
    /// plan then follows.
    static func recordCap(_ maxSteps: Int, runDir dir: String) throws {
        let folder = try RunFolder.open(path: dir)
        try folder.lock(for: "recording --max-steps")
        var spec = try RunRecord.read(dir).spec
        spec.training.maxSteps = maxSteps
        try folder.update([("config", try TrainingJob.specJSON(spec))])
    }

    /// A new run in `out` trained by `engine` (nil: this program).
    public static func start(_ spec: RunSpec, out: String, group: String?, commandLine: [String], engine: EngineChoice?,
                             reporter: TrainingReporter) throws {
        guard let engine else { return try TrainingJob.start(spec, out: out, group: group, commandLine: commandLine, reporter: reporter) }
        // Refused before a folder exists: a missing runner, and a method it cannot train.
        if try HFModelFolder.isEncoderDecoder(spec.model), !["finetune", "prefix", "embedding", "lora", "adapter"].contains(spec.method.name) {
            throw JobError("\(spec.model): --engine torch trains BART with finetune, prefix, embedding, lora or adapter; \(spec.method.name) does not train on an encoder-decoder")
        }
        _ = try TorchEngine.python()
        try TrainingJob.queue(spec, at: out, group: group, commandLine: commandLine, engine: engine)
        let status = try TorchEngine.run(runDir: out, launcher: engine.launcher)
        if status != 0 { throw JobError("\((out as NSString).lastPathComponent): the torch engine exited with status \(status) (its error is above and in the run's events)") }
    }
}
