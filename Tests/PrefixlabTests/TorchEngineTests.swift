import Foundation
import JSON
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The PyTorch + PEFT engine (issue #18) against the native one on the bundled sample model,
/// dropout off, same seed and data order (both take them from `prefixlab engine prepare`):
/// per-step losses, greedy outputs of the final checkpoints, DistributedDataParallel under
/// torchrun, pause and resume, a killed launcher. `make test` installs the engine first
/// (`make torch-engine`); without it these tests fail, saying so.
final class TorchEngineTests: XCTestCase {
    var prefixlab: URL { TestPaths.products.appendingPathComponent("prefixlab") }

    func runnerPython() throws -> String {
        if let p = ProcessInfo.processInfo.environment["PREFIXLAB_TORCH_PYTHON"], FileManager.default.isExecutableFile(atPath: p) { return p }
        let venv = TestPaths.root + "/engines/torch/.venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: venv) else {
            throw TorchEngineMissing(description: "the torch engine is not installed: make test installs it (make torch-engine); or set PREFIXLAB_TORCH_PYTHON")
        }
        return venv
    }

    /// The first `n` validation examples of the sample: every run here validates at each
    /// checkpoint, and the parity checks compare step losses and outputs, which validation
    /// does not change; all 415 made validation most of these tests' time (in bf16 on a CPU
    /// without bf16 instructions, 2.7 minutes for one validation).
    static func validSubset(_ n: Int) -> String {
        let path = TestPaths.tempDir("torch-valid-\(n)") + "/valid.jsonl"
        let lines = (try? String(contentsOfFile: TestPaths.root + "/samples/data/e2e/valid.jsonl", encoding: .utf8))?.split(separator: "\n").prefix(n) ?? []
        try? (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
    static let valid40 = validSubset(40)

    static let common = ["--model", "samples/models/gpt2-e2e-mini", "--train", "samples/data/e2e/train-100.jsonl", "--valid", valid40,
                         "--batch-size", "5", "--max-steps", "20", "--epochs", "1", "--seed", "3", "--checkpoint-every", "10", "--warmup-steps", "5"]

    func train(_ out: String, _ args: [String], engine: [String] = []) throws {
        let r = try runProcess(prefixlab, ["train"] + TorchEngineTests.common + args + engine + ["--out", out], cwd: TestPaths.root)
        XCTAssertEqual(r.status, 0, r.err)
    }

    func events(_ dir: String, _ type: String) throws -> [JSONValue] {
        try String(contentsOfFile: dir + "/events.jsonl", encoding: .utf8).split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
            .filter { $0["type"]?.string == type }
    }

    func losses(_ dir: String) throws -> [Double] { try events(dir, "step").map { $0["loss"]!.number! } }

    func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
        XCTAssertEqual(a.count, b.count)
        return zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
    }

    /// Trains each method on both engines: the first 20 steps' losses agree within 1e-4, run.json
    /// says torch, and the torch run's final checkpoint generates natively the greedy test
    /// outputs of the native run's.
    func checkParity(_ methods: [(String, [String])], in tmp: String) throws {
        for (name, method) in methods {
            try train(tmp + "/native-" + name, method)
            try train(tmp + "/torch-" + name, method, engine: ["--engine", "torch"])
            let d = maxDifference(try losses(tmp + "/native-" + name), try losses(tmp + "/torch-" + name))
            XCTAssertLessThan(d, 1e-4, "\(name): the first 20 steps' losses")
            XCTAssertEqual(try losses(tmp + "/torch-" + name).count, 20)
            let info = try JSONParser.parse(String(contentsOfFile: tmp + "/torch-" + name + "/run.json", encoding: .utf8))
            XCTAssertEqual(info["status"]?.string, "done")
            XCTAssertEqual(info["engine"]?.string, "torch")
            var outputs: [String] = []
            for engine in ["native", "torch"] {
                let out = tmp + "/\(engine)-\(name).txt"
                let g = try runProcess(prefixlab, ["generate", "--run", tmp + "/\(engine)-" + name, "--data", "samples/data/e2e/test.jsonl",
                                                   "--beam", "1", "--max-new-tokens", "40", "--out", out], cwd: TestPaths.root)
                XCTAssertEqual(g.status, 0, g.err)
                outputs.append(try String(contentsOfFile: out, encoding: .utf8))
            }
            XCTAssertEqual(outputs[0], outputs[1], "\(name): greedy test outputs of the final checkpoints")
        }
    }

    func nllSums(adapter: String) throws -> [Double] {
        let r = try runProcess(prefixlab, ["lm-score", "--model", "samples/models/gpt2-e2e-mini", "--adapter", adapter, "--pairs", "samples/data/e2e/valid.jsonl", "--json"],
                               cwd: TestPaths.root)
        XCTAssertEqual(r.status, 0, r.err)
        return try JSONParser.parse(r.out)["examples"]?.array?.map { $0["nll_sum"]!.number! } ?? []
    }

    /// The methods PEFT has (prefix with its MLP, embedding-only, LoRA) and fine-tuning. Their
    /// torch checkpoints also hold PEFT's own adapter folder (`peft/`), which scores as the
    /// run's `export` does.
    func testPrefixEmbeddingLoRAAndFineTuningTrainAsTheNativeEngineDoes() throws {
        setenv("PREFIXLAB_TORCH_PYTHON", try runnerPython(), 1)
        let tmp = TestPaths.tempDir("torch-parity")
        try checkParity([("prefix", ["--method", "prefix", "--lr", "1e-3"]), ("finetune", ["--method", "finetune", "--dropout", "0", "--lr", "3e-4"]),
                         ("lora", ["--method", "lora", "--dropout", "0", "--lr", "3e-3"]), ("embedding", ["--method", "embedding", "--lr", "3e-3"]),
                         // A target as PEFT matches it: `c_proj` is both the attention's and the MLP's projection.
                         ("lora-c_proj", ["--method", "lora", "--lora-targets", "c_proj", "--dropout", "0", "--lr", "3e-3"])], in: tmp)
        for name in ["prefix", "lora", "embedding"] {
            let peft = tmp + "/torch-\(name)/checkpoints/best/peft"
            XCTAssertTrue(FileManager.default.fileExists(atPath: peft + "/adapter_config.json"), "\(name): PEFT's adapter folder in the checkpoint")
            let e = try runProcess(prefixlab, ["export", "--run", tmp + "/torch-" + name, "--out", tmp + "/export-" + name], cwd: TestPaths.root)
            XCTAssertEqual(e.status, 0, e.err)
            let a = try nllSums(adapter: peft), b = try nllSums(adapter: tmp + "/export-" + name)
            XCTAssertFalse(a.isEmpty)
            XCTAssertLessThan(maxDifference(a, b), 1e-4, "\(name): PEFT's folder scores as the exported checkpoint")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp + "/torch-finetune/checkpoints/best/peft"))
        let list = try runProcess(prefixlab, ["runs", "list", "--workspace", tmp, "--json"])
        XCTAssertEqual(list.status, 0, list.err)
    }

    /// BART (issue #17) on the torch engine: fine-tuning, the paper's three prefixes (and two
    /// kinds without the MLP), PEFT's seq2seq prefix, embedding-only and LoRA train as natively
    /// (dropout off; each step's loss within 1e-4), their test evaluations (by the native
    /// program, from the torch checkpoints) write the same outputs, and the PEFT folders of the
    /// LoRA and PEFT-prefix checkpoints score as their exports. Bottleneck adapters (lin,
    /// houlsby) train as natively too. Infix on BART is refused, with its reason, before a folder
    /// exists, by both engines.
    func testBARTTrainsAsTheNativeEngineDoes() throws {
        setenv("PREFIXLAB_TORCH_PYTHON", try runnerPython(), 1)
        let tmp = TestPaths.tempDir("torch-bart")
        let dir = "Tests/Fixtures/bart/tiny", pairs = "Tests/Fixtures/bart/pairs.jsonl"
        let common = ["train", "--model", dir, "--train", pairs, "--valid", pairs, "--test", pairs, "--eval-test", "--eval-max-new-tokens", "6",
                      "--batch-size", "2", "--epochs", "3", "--checkpoint-every", "3", "--seed", "3", "--warmup-steps", "1", "--lr", "1e-2"]
        let methods: [(String, [String])] = [
            ("finetune", ["--method", "finetune", "--dropout", "0"]), ("lora", ["--method", "lora", "--lora-r", "2", "--dropout", "0"]),
            ("embedding", ["--method", "embedding", "--prefix-length", "3"]), ("prefix", ["--method", "prefix", "--prefix-length", "3", "--mid-dim", "8"]),
            ("two-kinds", ["--method", "prefix", "--prefix-length", "3", "--prefix-kinds", "decoder,cross", "--reparam", "none"]),
            ("peft", ["--method", "prefix", "--prefix-length", "3", "--mid-dim", "8", "--prefix-kinds", "peft"]),
            ("adapter-lin", ["--method", "adapter", "--adapter-bottleneck", "4", "--dropout", "0"]),
            ("adapter-houlsby", ["--method", "adapter", "--adapter-design", "houlsby", "--adapter-bottleneck", "4", "--dropout", "0"]),
        ]
        for (name, flags) in methods {
            for engine in ["native", "torch"] {
                let r = try runProcess(prefixlab, common + flags + (engine == "torch" ? ["--engine", "torch"] : []) + ["--out", tmp + "/\(engine)-\(name)"],
                                       cwd: TestPaths.root)
                XCTAssertEqual(r.status, 0, "\(engine) \(name): \(r.err)")
            }
            let native = try losses(tmp + "/native-" + name), torch = try losses(tmp + "/torch-" + name)
            XCTAssertEqual(native.count, 6, name)
            XCTAssertEqual(try JSONParser.parse(String(contentsOfFile: tmp + "/torch-\(name)/run.json", encoding: .utf8))["engine"]?.string, "torch")
            XCTAssertLessThan(maxDifference(native, torch), 1e-4, "\(name): every step's loss")
            let outputs = try ["native", "torch"].map { try String(contentsOfFile: tmp + "/\($0)-\(name)/outputs/test.txt", encoding: .utf8) }
            XCTAssertEqual(outputs[0], outputs[1], "\(name): the test outputs of the final checkpoints")
        }
        for name in ["lora", "peft"] {
            let peft = tmp + "/torch-\(name)/checkpoints/best/peft"
            let e = try runProcess(prefixlab, ["export", "--run", tmp + "/torch-" + name, "--out", tmp + "/export-" + name])
            XCTAssertEqual(e.status, 0, e.err)
            let scores = try [peft, tmp + "/export-" + name].map { a in
                let r = try runProcess(prefixlab, ["lm-score", "--model", dir, "--adapter", a, "--pairs", pairs, "--json"], cwd: TestPaths.root)
                XCTAssertEqual(r.status, 0, r.err)
                return try JSONParser.parse(r.out)["examples"]!.array!.map { $0["nll_sum"]!.number! }
            }
            XCTAssertLessThan(maxDifference(scores[0], scores[1]), 1e-4, "\(name): PEFT's folder scores as the exported checkpoint")
        }
        for engine in [[], ["--engine", "torch"]] {
            let refused = try runProcess(prefixlab, common + ["--method", "infix"] + engine + ["--out", tmp + "/refused"], cwd: TestPaths.root)
            XCTAssertNotEqual(refused.status, 0)
            XCTAssertTrue(refused.err.contains("infix") && refused.err.contains("encoder-decoder"), refused.err)
            XCTAssertFalse(FileManager.default.fileExists(atPath: tmp + "/refused"))
        }
    }

    /// The methods PEFT has no form of: the paper's infix (rows after the source) and the
    /// bottleneck adapters of its adapter baseline, lin and houlsby; torch twins of the native
    /// definitions.
    func testInfixAndBothAdapterDesignsTrainAsTheNativeEngineDoes() throws {
        setenv("PREFIXLAB_TORCH_PYTHON", try runnerPython(), 1)
        let tmp = TestPaths.tempDir("torch-parity-own")
        try checkParity([("infix", ["--method", "infix", "--lr", "1e-3"]), ("lin", ["--method", "adapter", "--dropout", "0", "--lr", "1e-3"]),
                         ("houlsby", ["--method", "adapter", "--adapter-design", "houlsby", "--dropout", "0", "--lr", "1e-3"])], in: tmp)
    }

    /// `--eval-bleu`: the torch runner asks `prefixlab engine validate` for the BLEU of each
    /// validation checkpoint, so its validation events, best checkpoint and early stopping are
    /// the native run's. `--max-steps` on resume extends a torch run as a native one.
    /// `--device` and `--precision` are recorded and followed (bf16 autocast changes the losses).
    func testValidationBLEUMaxStepsOnResumeDeviceAndPrecision() throws {
        setenv("PREFIXLAB_TORCH_PYTHON", try runnerPython(), 1)
        let tmp = TestPaths.tempDir("torch-bleu")
        let method = ["--method", "prefix", "--lr", "3e-3", "--eval-every", "5", "--eval-bleu", "8", "--max-steps", "15"]
        try train(tmp + "/native", method)
        try train(tmp + "/torch", method, engine: ["--engine", "torch", "--device", "cpu"])
        let scores = { (d: String) in try self.events(d, "validation").map { $0["metrics"]?["BLEU"]?.number ?? -1 } }
        XCTAssertEqual(try scores(tmp + "/native").count, 3)
        XCTAssertLessThan(maxDifference(try scores(tmp + "/native"), try scores(tmp + "/torch")), 1e-9, "validation BLEU of the same outputs")
        let best = { (d: String) in try FileManager.default.destinationOfSymbolicLink(atPath: d + "/checkpoints/best") }
        XCTAssertEqual(try best(tmp + "/torch"), try best(tmp + "/native"))
        for engine in ["native", "torch"] {
            let r = try runProcess(prefixlab, ["train", "--resume", tmp + "/" + engine, "--max-steps", "20"], cwd: TestPaths.root)
            XCTAssertEqual(r.status, 0, r.err)
        }
        XCTAssertEqual(try losses(tmp + "/torch").count, 20)
        XCTAssertLessThan(maxDifference(try losses(tmp + "/native"), try losses(tmp + "/torch")), 1e-4)
        let info = try JSONParser.parse(String(contentsOfFile: tmp + "/torch/run.json", encoding: .utf8))
        XCTAssertEqual(info["config"]?["max_steps"]?.int, 20)
        XCTAssertEqual(info["device"]?.string, "cpu")
        XCTAssertEqual(info["precision"]?.string, "float32")

        try train(tmp + "/bf16", ["--method", "prefix", "--lr", "1e-3", "--max-steps", "2", "--valid", Self.validSubset(5)],
                  engine: ["--engine", "torch", "--precision", "bf16"])
        let bf = try JSONParser.parse(String(contentsOfFile: tmp + "/bf16/run.json", encoding: .utf8))
        XCTAssertEqual(bf["precision"]?.string, "bf16")
        let first = try losses(tmp + "/bf16").first ?? 0, exact = try losses(tmp + "/torch").first ?? 0
        XCTAssertNotEqual(first, exact, "bf16 autocast is on")
        XCTAssertLessThan(abs(first - exact), 0.05, "and close to float32")
        let bad = try runProcess(prefixlab, ["train"] + TorchEngineTests.common + ["--method", "prefix", "--precision", "bf16", "--out", tmp + "/refused"], cwd: TestPaths.root)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("--precision needs --engine torch"), bad.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp + "/refused"))
    }

    func testTwoProcessesUnderTorchrunReportTheSameLossesAsOne() throws {
        setenv("PREFIXLAB_TORCH_PYTHON", try runnerPython(), 1)
        let tmp = TestPaths.tempDir("torch-ddp")
        let method = ["--method", "prefix", "--lr", "1e-3"]
        try train(tmp + "/one", method, engine: ["--engine", "torch"])
        try train(tmp + "/two", method, engine: ["--engine", "torch", "--launcher", "torchrun --nproc-per-node 2"])
        XCTAssertLessThan(maxDifference(try losses(tmp + "/one"), try losses(tmp + "/two")), 1e-5)
        XCTAssertEqual(try events(tmp + "/two", "step").map { $0["step"]!.int! }, Array(1...20), "rank 0 alone writes: one event per step")
        XCTAssertEqual(try events(tmp + "/two", "started").count, 1)
        let info = try JSONParser.parse(String(contentsOfFile: tmp + "/two/run.json", encoding: .utf8))
        XCTAssertEqual(info["launcher"]?.string, "torchrun --nproc-per-node 2")
    }

    /// A pause asked through RUN/control between steps checkpoints and stops (status paused);
    /// `train --resume` continues on torch (run.json says so) to the same losses as a run never
    /// stopped. A killed launcher takes the runner with it: the run reads interrupted and
    /// resumes from its last checkpoint.
    func testPauseResumeAndAKilledLauncher() throws {
        setenv("PREFIXLAB_TORCH_PYTHON", try runnerPython(), 1)
        let tmp = TestPaths.tempDir("torch-pause")
        let method = ["--method", "prefix", "--lr", "1e-3"]
        try train(tmp + "/whole", method, engine: ["--engine", "torch"])
        for stop in ["pause", "kill"] {
            let dir = tmp + "/runs/" + stop
            let p = Process()
            p.executableURL = prefixlab
            p.arguments = ["train"] + TorchEngineTests.common + method + ["--engine", "torch", "--out", dir]
            p.currentDirectoryURL = URL(fileURLWithPath: TestPaths.root)
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline, ((try? events(dir, "step").count) ?? 0) < 12 { Thread.sleep(forTimeInterval: 0.05) }
            if stop == "pause" {
                try Data("pause\n".utf8).write(to: URL(fileURLWithPath: dir + "/control"))
                p.waitUntilExit()
                XCTAssertEqual(p.terminationStatus, 0)
                XCTAssertEqual(runStatus(dir), "paused")
            } else {
                kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
                let gone = Date().addingTimeInterval(10)
                while Date() < gone, FileManager.default.fileExists(atPath: dir + "/.lock"), runLocked(dir) { Thread.sleep(forTimeInterval: 0.05) }
                let list = try runProcess(prefixlab, ["runs", "list", "--workspace", tmp, "--json"])
                let kill = try JSONParser.parse(list.out)["runs"]?.array?.first { $0["id"]?.string == "kill" }
                XCTAssertEqual(kill?["status"]?.string, "interrupted", "a killed run reads as interrupted: \(list.out)")
            }
            let r = try runProcess(prefixlab, ["train", "--resume", dir], cwd: TestPaths.root)
            XCTAssertEqual(r.status, 0, r.err)
            XCTAssertEqual(runStatus(dir), "done")
            // The steps after the resume (the events after the `resumed` line) are the unbroken run's.
            let all = try String(contentsOfFile: dir + "/events.jsonl", encoding: .utf8).split(separator: "\n").compactMap { try? JSONParser.parse(String($0)) }
            guard let r0 = all.firstIndex(where: { $0["type"]?.string == "resumed" }), let resumedAt = all[r0]["step"]?.int else {
                XCTFail("\(stop): no resumed event"); continue
            }
            XCTAssertEqual(all.filter { $0["type"]?.string == "resumed" }.count, 1)
            let after = all[r0...].filter { $0["type"]?.string == "step" }.map { $0["loss"]!.number! }
            let whole = Array(try losses(tmp + "/whole").suffix(after.count))
            XCTAssertEqual(after.count, 20 - resumedAt)
            XCTAssertLessThan(maxDifference(after, whole), 1e-5, "\(stop): resumed exactly")
        }
    }

    /// A torch run launched from the workbench (`R` on an experiment with `"engine": "torch"`) is
    /// the workbench's own although a grandchild trains it: followed live, paused, resumed and
    /// cancelled from it.
    func testTheWorkbenchFollowsPausesResumesAndCancelsATorchRun() throws {
        let python = try runnerPython()
        guard TmuxSession.available else { throw TmuxError("tmux is not installed: tools/install-deps.sh (run by make test and .ci/run) installs it") }
        let ws = TestPaths.tempDir("torch-wb")
        try FileManager.default.createDirectory(atPath: ws + "/experiments", withIntermediateDirectories: true)
        let r = TestPaths.root + "/samples"
        let exp = #"{"name": "torch", "model": "\#(r)/models/gpt2-e2e-mini", "train": "\#(r)/data/e2e/train-100.jsonl", "valid": "\#(r)/data/e2e/valid.jsonl", "engine": "torch", "defaults": {"batch_size": 5, "epochs": 100, "max_steps": 2000, "checkpoint_every": 50, "seed": 3}, "runs": [{"name": "tr", "method": "prefix", "lr": 1e-3}]}"#
        try Data(exp.utf8).write(to: URL(fileURLWithPath: ws + "/experiments/torch.json"))
        let t = try TmuxSession(command: "cd '\(TestPaths.root)' && PREFIXLAB_TORCH_PYTHON='\(python)' '\(prefixlab.path)' --workspace '\(ws)' --samples /nonexistent", width: 130, height: 36)
        XCTAssertNotNil(t.waitFor { $0.contains("[2 Runs]") && $0.contains("torch") }, t.capture())
        t.send("R")
        func row(_ s: String) -> String? { s.split(separator: "\n").first { $0.hasPrefix("│") && $0.contains(" tr ") && $0.contains("/2000") }.map(String.init) }
        func step(_ s: String) -> Int? {
            guard let r = row(s), let m = r.range(of: #"\d+/2000"#, options: .regularExpression) else { return nil }
            return Int(r[m].split(separator: "/")[0])
        }
        let first = t.waitFor(120) { s in (step(s) ?? 0) >= 3 && row(s)?.contains("running") == true }
        XCTAssertNotNil(first, "the torch run trains, followed live: \(t.capture())")
        let s1 = step(t.capture()) ?? 0
        XCTAssertNotNil(t.waitFor(30) { (step($0) ?? 0) > s1 + 2 }, "its steps advance on the screen: \(t.capture())")
        XCTAssertFalse(row(t.capture())?.contains("*") ?? true, "the workbench's own run, not external")
        t.send("p")
        XCTAssertNotNil(t.waitFor(60) { row($0)?.contains("paused") == true }, t.capture())
        XCTAssertEqual(runStatus(ws + "/runs/tr"), "paused")
        t.send("r")
        XCTAssertNotNil(t.waitFor(120) { row($0)?.contains("running") == true }, t.capture())
        t.send("x")
        XCTAssertNotNil(t.waitFor(60) { row($0)?.contains("cancelled") == true }, t.capture())
        XCTAssertEqual(runStatus(ws + "/runs/tr"), "cancelled")
        XCTAssertEqual(try events(ws + "/runs/tr", "resumed").count, 1)
        t.send("q")
        XCTAssertNotNil(t.waitFor(30) { $0.contains("EXITED 0") || $0.contains("Quit") }, t.capture())
        if t.capture().contains("Quit") { t.send("y") }
    }

    func runLocked(_ dir: String) -> Bool {
        let fd = open(dir + "/.lock", O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 { flock(fd, LOCK_UN); return false }
        return true
    }

    /// Without the runner: one line saying how to install it, a non-zero exit, no run folder.
    func testAMissingRunnerIsOneClearLine() throws {
        let tmp = TestPaths.tempDir("torch-missing")
        let before = ProcessInfo.processInfo.environment["PREFIXLAB_TORCH_PYTHON"]
        setenv("PREFIXLAB_TORCH_PYTHON", "/nonexistent/python", 1)
        defer { if let before { setenv("PREFIXLAB_TORCH_PYTHON", before, 1) } else { unsetenv("PREFIXLAB_TORCH_PYTHON") } }
        let r = try runProcess(prefixlab, ["train"] + TorchEngineTests.common + ["--method", "prefix", "--engine", "torch", "--out", tmp + "/run"], cwd: TestPaths.root)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("PREFIXLAB_TORCH_PYTHON=/nonexistent/python: not an executable"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp + "/run"))
    }
}

struct TorchEngineMissing: Error, CustomStringConvertible { let description: String }
