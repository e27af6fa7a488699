import Foundation
import JSON
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The workbench under load, as issue #14 asks: two trainings it runs at once
/// (--max-training 2), a headless run from another terminal, an evaluation job, and random
/// keys and resizes for a while; then quit. Every run ends done, paused or cancelled with a
/// checkpoint to resume from, every line of every log reads, and the terminal is restored.
/// `PREFIXLAB_SOAK_SECONDS` sets how long the keys go on (CI: 25; `make soak`: 300).
final class WorkbenchSoakTests: XCTestCase {
    var prefixlab: URL { TestPaths.products.appendingPathComponent("prefixlab") }

    override func setUpWithError() throws {
        guard TmuxSession.available else { throw TmuxError("tmux is not installed: tools/install-deps.sh (run by make test and .ci/run) installs it") }
    }

    func testManyRunsRandomKeysAndResizesThenEverythingIsResumable() throws {
        let seconds = Double(ProcessInfo.processInfo.environment["PREFIXLAB_SOAK_SECONDS"] ?? "") ?? 25
        let model = try TestPaths.modelFolder("tiny-f32")
        let pairs = TestPaths.fixtures + "/lmscore/pairs.jsonl"
        let ws = TestPaths.tempDir("soak") + "/ws"
        // A finished run without test outputs (for the evaluation job), made headless first.
        let done = ws + "/runs/done-early"
        let r = try runProcess(prefixlab, ["train", "--model", model, "--train", pairs, "--test", pairs, "--method", "embedding", "--prefix-length", "2",
                                           "--max-steps", "2", "--batch-size", "3", "--eval-max-new-tokens", "4", "--eval-beam", "1", "--group", "soak", "--out", done])
        XCTAssertEqual(r.status, 0, r.err)
        try FileManager.default.createDirectory(atPath: ws + "/experiments", withIntermediateDirectories: true)
        let experiment = """
        {"name": "soak", "model": "\(model)", "train": "\(pairs)", "valid": "\(pairs)",
         "defaults": {"batch_size": 1, "epochs": 100000, "checkpoint_every": 25, "eval_every": 50},
         "runs": [{"name": "a", "method": "prefix", "prefix_length": 2, "mid_dim": 8, "lr": 1e-3, "max_steps": 600},
                  {"name": "b", "method": "finetune", "lr": 1e-4, "max_steps": \(Int(seconds) * 60)}]}
        """
        try Data(experiment.utf8).write(to: URL(fileURLWithPath: ws + "/experiments/soak.json"))

        let t = try TmuxSession(command: "cd '\(TestPaths.root)' && '\(prefixlab.path)' --workspace '\(ws)' --samples /nonexistent --max-training 2",
                                width: 120, height: 34)
        XCTAssertNotNil(t.waitFor(20) { $0.contains("[2 Runs]") && $0.contains("done-early") }, t.capture())
        t.send("R")  // queue the group's missing runs: a and b train at once
        func row(_ line: Substring) -> String? { line.split(whereSeparator: { " │▶".contains($0) }).first.map(String.init) }
        XCTAssertNotNil(t.waitFor(30) { s in ["a", "b"].allSatisfy { id in s.split(separator: "\n").contains { row($0) == id && $0.contains("running") } } },
                        "both trainings run: \(t.capture())")
        // A headless run from another terminal, into the same workspace.
        let ext = Process()
        ext.executableURL = prefixlab
        ext.arguments = ["train", "--model", model, "--train", pairs, "--method", "infix", "--prefix-length", "2", "--mid-dim", "8", "--batch-size", "2",
                         "--max-steps", "60", "--checkpoint-every", "10", "--out", ws + "/runs/external"]
        ext.standardOutput = FileHandle.nullDevice; ext.standardError = FileHandle.nullDevice
        try ext.run()
        t.send("3"); t.send("a")  // evaluate the finished run that lacks outputs (waits for training)

        var rng = SystemRandomNumberGenerator()
        let keys = ["1", "2", "3", "4", "5", "Tab", "BTab", "j", "k", "Down", "Up", "Left", "Right", "PageDown", "PageUp", "Home", "End", "?", "Escape",
                    "o", "s", "f", "m", "v", "Space", "t", "d", "c", "l", "h", "g", "G"]
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            switch Int.random(in: 0..<20, using: &rng) {
            case 0: t.resize(width: Int.random(in: 60...170, using: &rng), height: Int.random(in: 18...50, using: &rng))
            case 1: t.send("/"); t.send("name", literal: true); t.send("Enter")
            case 2: t.send("i"); t.send("name : The Eagle", literal: true); t.send("Escape")
            default: t.send(keys.randomElement(using: &rng)!)
            }
            Thread.sleep(forTimeInterval: 0.03)
        }
        t.resize(width: 120, height: 34)
        t.send("Escape"); t.send("Escape")
        // The evaluation waits for both trainings; give them time to end on a slow machine
        // rather than count on their speed.
        let evaluated = Date().addingTimeInterval(120)
        while Date() < evaluated, !FileManager.default.fileExists(atPath: done + "/metrics.json") { Thread.sleep(forTimeInterval: 0.5) }
        t.send("q")
        if t.waitFor(10, { $0.contains("Quit?") }) != nil { t.send("y") }
        let exited = t.waitFor(30) { $0.contains("EXITED 0") }
        XCTAssertNotNil(exited, "the workbench quits cleanly: \(t.capture())")
        XCTAssertFalse(exited?.contains("[2 Runs]") ?? true, "the terminal is restored (no alternate screen left)")
        ext.waitUntilExit()
        XCTAssertEqual(ext.terminationStatus, 0, "the external run was never touched")

        // Every run stops (its process ends) and can continue from what it wrote.
        let deadline = Date().addingTimeInterval(60)
        for id in ["a", "b", "external", "done-early"] {
            let dir = ws + "/runs/" + id
            var status = ""
            while Date() < deadline {
                let info = try JSONParser.parse(String(contentsOfFile: dir + "/run.json", encoding: .utf8))
                status = info["status"]?.string ?? ""
                let pid = info["pid"]?.int ?? 0
                if ["done", "paused", "cancelled"].contains(status) && (pid == 0 || kill(pid_t(pid), 0) != 0 || status == "done") { break }
                Thread.sleep(forTimeInterval: 0.2)
            }
            XCTAssertTrue(["done", "paused", "cancelled"].contains(status), "\(id): \(status)")
            let lines = try String(contentsOfFile: dir + "/events.jsonl", encoding: .utf8).split(separator: "\n")
            XCTAssertFalse(lines.isEmpty, id)
            for l in lines { XCTAssertNotNil(try? JSONParser.parse(String(l)), "\(id): an unreadable event line: \(l)") }
            let steps = lines.compactMap { try? JSONParser.parse(String($0)) }.filter { $0["type"]?.string == "step" }.map { $0["step"]!.int! }
            XCTAssertEqual(steps, Array(stride(from: 1, through: steps.count, by: 1)), "\(id): every step once, in order")
            if status != "done" {
                let ckpts = (try? FileManager.default.contentsOfDirectory(atPath: dir + "/checkpoints")) ?? []
                XCTAssertTrue(ckpts.contains { $0.hasPrefix("step-") }, "\(id) resumes from a checkpoint")
            }
        }
        // The evaluation ran once training stopped.
        let early = try JSONParser.parse(String(contentsOfFile: done + "/run.json", encoding: .utf8))
        XCTAssertEqual(early["status"]?.string, "done")
        let story = ["a", "b"].map { id in
            let info = try? JSONParser.parse(String(contentsOfFile: ws + "/runs/" + id + "/run.json", encoding: .utf8))
            return "\(id): \(info?["status"]?.string ?? "?") at \(info?["steps_done"]?.int ?? -1)"
        }.joined(separator: ", ")
        let log = (try? String(contentsOfFile: done + "/output.log", encoding: .utf8)) ?? "no output.log"
        XCTAssertTrue(FileManager.default.fileExists(atPath: done + "/outputs/test.jsonl"), "the evaluation job wrote the test outputs (\(story); \(log.suffix(300)))")
        XCTAssertTrue(FileManager.default.fileExists(atPath: done + "/metrics.json"))
    }
}
