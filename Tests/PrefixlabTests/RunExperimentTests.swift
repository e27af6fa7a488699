import Foundation
import JSON
import TestSupport
import XCTest

/// `prefixlab run EXPERIMENT`: a group of runs headless into a workspace, resumable.
final class RunExperimentTests: XCTestCase {
    var prefixlab: URL { TestPaths.products.appendingPathComponent("prefixlab") }

    func testRunsTheGroupThenSkipsWhatIsDone() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let ws = TestPaths.tempDir("exp")
        let pairs = TestPaths.fixtures + "/lmscore/pairs.jsonl"
        let file = ws + "/tiny.json"
        let exp = """
        {"name": "tiny", "model": "\(model)", "train": "\(pairs)", "valid": "\(pairs)", "test": "\(pairs)",
         "defaults": {"epochs": 2, "batch_size": 2, "eval_beam": 1, "eval_max_new_tokens": 4},
         "runs": [{"name": "ft", "method": "finetune", "lr": 1e-3}],
         "sweep": {"base": {"method": "prefix", "lr": 1e-2}, "prefix_length": [2, 3]}}
        """
        try Data(exp.utf8).write(to: URL(fileURLWithPath: file))
        let r = try runProcess(prefixlab, ["run", file, "--workspace", ws + "/w"])
        XCTAssertEqual(r.status, 0, r.err)
        let list = try runProcess(prefixlab, ["runs", "list", "--workspace", ws + "/w", "--json"])
        let runs = try JSONParser.parse(list.out)["runs"]!.array!
        XCTAssertEqual(runs.map { $0["id"]!.string! }.sorted(), ["ft", "prefix-2", "prefix-3"])
        XCTAssertTrue(runs.allSatisfy { $0["status"]!.string! == "done" })
        let info = try JSONParser.parse(bytes: [UInt8](FileManager.default.contents(atPath: ws + "/w/runs/prefix-3/run.json")!))
        XCTAssertEqual(info["group"]?.string, "tiny")
        XCTAssertTrue(FileManager.default.fileExists(atPath: ws + "/w/runs/prefix-3/outputs/test.jsonl"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: ws + "/w/runs/prefix-3/metrics.json"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: ws + "/w/experiments/tiny.json"))
        let again = try runProcess(prefixlab, ["run", file, "--workspace", ws + "/w"])
        XCTAssertEqual(again.status, 0, again.err)
        XCTAssertEqual(again.out.components(separatedBy: "done, skipped").count - 1, 3, again.out)
        let bad = try runProcess(prefixlab, ["run", file, "--workspace", ws + "/w", "--only", "nope"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("--only nope: not in"), bad.err)
    }

    func testAControlFilePausesARunResumably() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let ws = TestPaths.tempDir("pause")
        let dir = ws + "/runs/p"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.removeItem(atPath: dir)
        // The control file is read between steps: written before the first step, the run
        // checkpoints after it and stops as paused.
        let p = Process()
        p.executableURL = prefixlab
        p.arguments = ["train", "--model", model, "--train", TestPaths.fixtures + "/lmscore/pairs.jsonl", "--method", "prefix", "--prefix-length", "2",
                       "--epochs", "200", "--batch-size", "1", "--out", dir]
        p.standardOutput = FileHandle.nullDevice; p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: dir + "/events.jsonl") && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        try Data("pause\n".utf8).write(to: URL(fileURLWithPath: dir + "/control"))
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let info = try JSONParser.parse(bytes: [UInt8](FileManager.default.contents(atPath: dir + "/run.json")!))
        XCTAssertEqual(info["status"]?.string, "paused")
        let events = String(decoding: FileManager.default.contents(atPath: dir + "/events.jsonl")!, as: UTF8.self)
        XCTAssertTrue(events.contains("\"type\": \"paused\""), events)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/control"), "the request is consumed")
        // On a loaded machine the pause may land after several steps: resume past wherever it did.
        let paused = info["steps_done"]?.int ?? 0
        let resumed = try runProcess(prefixlab, ["train", "--resume", dir, "--max-steps", String(paused + 3)])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertTrue(resumed.err.contains("resuming from step"), resumed.err)
    }
}
