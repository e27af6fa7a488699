import Foundation
import XCTest
import JSON
import Models
import TestSupport

/// `prefixlab train`, `export` and `lm-score --adapter`, run as a user runs them.
final class TrainCommandTests: XCTestCase {
    var prefixlab: URL { TestPaths.products.appendingPathComponent("prefixlab") }
    let trainPairs = TestPaths.fixtures + "/lmscore/pairs.jsonl"

    func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) { try runProcess(prefixlab, args) }

    func stepLosses(_ runDir: String) throws -> [Double] {
        try String(contentsOfFile: runDir + "/events.jsonl", encoding: .utf8).split(separator: "\n").compactMap { line in
            let e = try JSONParser.parse(String(line))
            return e["type"]?.string == "step" ? e["loss"]?.number : nil
        }
    }

    func testLMScoreWithPEFTAdaptersMatchesPEFT() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        for name in ["prefix-mlp", "prefix-none", "prompt"] {
            let r = try run(["lm-score", "--model", model, "--adapter", TestPaths.fixtures + "/peft/" + name, "--pairs", trainPairs, "--json"])
            XCTAssertEqual(r.status, 0, r.err)
            let got = try JSONParser.parse(r.out)["examples"]!.array!
            let want = try JSONParser.parse(String(contentsOfFile: TestPaths.fixtures + "/peft/\(name).json", encoding: .utf8))["examples"]!.array!
            XCTAssertEqual(got.count, want.count)
            for (a, b) in zip(got, want) {
                XCTAssertEqual(a["n_tokens"]!.int, b["n_tokens"]!.int, name)
                XCTAssertEqual(a["nll_sum"]!.number!, b["nll_sum"]!.number!, accuracy: 1e-4 * abs(b["nll_sum"]!.number!), name)
            }
        }
        let other = try TestPaths.modelFolder("tiny-f16")
        let r = try run(["lm-score", "--model", other, "--adapter", TestPaths.fixtures + "/peft/prefix-mlp", "--pairs", trainPairs])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("adapter made for a model with token_dim 16, num_layers 3"), r.err)
    }

    /// N straight steps equal k steps plus a resumed N-k, loss for loss, for every method;
    /// a finished run resumed again exits 0.
    func testResumeContinuesExactly() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let ws = TestPaths.tempDir("resume")
        for method in ["prefix", "finetune", "embedding", "infix"] {
            let common = ["train", "--model", model, "--train", trainPairs, "--method", method, "--prefix-length", "3", "--mid-dim", "16",
                          "--lr", "1e-3", "--batch-size", "3", "--checkpoint-every", "2", "--seed", "5"]
            var r = try run(common + ["--max-steps", "6", "--out", ws + "/runs/\(method)-straight"])
            XCTAssertEqual(r.status, 0, r.err)
            r = try run(common + ["--max-steps", "3", "--out", ws + "/runs/\(method)-split"])
            XCTAssertEqual(r.status, 0, r.err)
            r = try run(["train", "--resume", ws + "/runs/\(method)-split", "--max-steps", "6"])
            XCTAssertEqual(r.status, 0, r.err)
            let a = try stepLosses(ws + "/runs/\(method)-straight"), b = try stepLosses(ws + "/runs/\(method)-split")
            XCTAssertEqual(a.count, 6, method)
            XCTAssertEqual(a, b, "\(method): resumed losses differ")
            r = try run(["train", "--resume", ws + "/runs/\(method)-split", "--max-steps", "6"])
            XCTAssertEqual(r.status, 0, r.err)
            XCTAssertTrue(r.err.contains("already at step 6 of 6"), r.err)
        }
        // Export the prefix and embedding runs as PEFT adapters, and score with them.
        for (method, kind, width) in [("prefix", "PREFIX_TUNING", 2 * 3 * 16), ("embedding", "PROMPT_TUNING", 16)] {
            let out = ws + "/adapter-\(method)"
            var r = try run(["export", "--run", ws + "/runs/\(method)-straight", "--format", "peft", "--out", out])
            XCTAssertEqual(r.status, 0, r.err)
            let cfg = try JSONParser.parse(String(contentsOfFile: out + "/adapter_config.json", encoding: .utf8))
            XCTAssertEqual(cfg["peft_type"]?.string, kind)
            let peftCfg = try JSONParser.parse(String(contentsOfFile: TestPaths.fixtures + "/peft/\(method == "prefix" ? "prefix-mlp" : "prompt")/adapter_config.json", encoding: .utf8))
            for key in ["peft_type", "task_type", "num_virtual_tokens", "token_dim", "num_layers", "num_attention_heads", "num_transformer_submodules"] {
                XCTAssertNotNil(cfg[key], "\(method): adapter_config.json lacks \(key)")
                XCTAssertNotNil(peftCfg[key])
            }
            let f = try SafeTensorsFile(path: out + "/adapter_model.safetensors")
            XCTAssertEqual(f.names, ["prompt_embeddings"])
            XCTAssertEqual(f["prompt_embeddings"]?.shape, [3, width])
            r = try run(["lm-score", "--model", model, "--adapter", out, "--pairs", trainPairs, "--json"])
            XCTAssertEqual(r.status, 0, r.err)
        }
        // Runs are also addressed by id within a workspace; ids cannot leave it.
        var r = try run(["export", "--run", "prefix-straight", "--workspace", ws, "--out", ws + "/by-id"])
        XCTAssertEqual(r.status, 0, r.err)
        r = try run(["export", "--run", "../x", "--workspace", ws, "--out", ws + "/bad"])
        XCTAssertNotEqual(r.status, 0)
    }

    /// Validation BLEU on greedy outputs, and the test split generated and scored at the end.
    func testEvaluationInsideARun() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let dir = TestPaths.tempDir("eval") + "/runs/ev"
        let r = try run(["train", "--model", model, "--train", trainPairs, "--valid", trainPairs, "--test", trainPairs, "--method", "prefix",
                         "--prefix-length", "3", "--mid-dim", "16", "--lr", "1e-2", "--max-steps", "4", "--batch-size", "3",
                         "--eval-every", "2", "--eval-bleu", "3", "--eval-test", "--eval-beam", "2", "--eval-max-new-tokens", "6", "--out", dir])
        XCTAssertEqual(r.status, 0, r.err)
        let events = try String(contentsOfFile: dir + "/events.jsonl", encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0)) }
        let validations = events.filter { $0["type"]?.string == "validation" }
        XCTAssertEqual(validations.count, 2)
        XCTAssertNotNil(validations[0]["metrics"]?["BLEU"]?.number)
        XCTAssertEqual(events.filter { $0["type"]?.string == "evaluation" }.count, 1)
        let metrics = try JSONParser.parse(String(contentsOfFile: dir + "/metrics.json", encoding: .utf8))["test"]!
        for key in ["BLEU", "NIST", "METEOR", "ROUGE_L", "CIDEr"] { XCTAssertNotNil(metrics[key]?.number, key) }
        let unique = Set(try String(contentsOfFile: trainPairs, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0))["source"]!.string! })
        let lines = try String(contentsOfFile: dir + "/outputs/test.txt", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, unique.count)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/outputs/test.jsonl"))
    }

    func expectFailure(_ args: [String], _ needle: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try run(args)
        XCTAssertNotEqual(r.status, 0, file: file, line: line)
        XCTAssertTrue(r.err.contains(needle), "stderr: \(r.err)", file: file, line: line)
    }

    func testBadTrainingInputs() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let ws = TestPaths.tempDir("bad")
        let base = ["train", "--model", model, "--train", trainPairs, "--max-steps", "1"]
        try expectFailure(base + ["--method", "lora", "--out", ws + "/a"], "--method lora: unknown method")
        try expectFailure(base + ["--method", "prefix", "--prefix-length", "0", "--out", ws + "/a"], "--prefix-length must be at least 1")
        try expectFailure(base + ["--method", "prefix", "--prefix-length", "80", "--out", ws + "/a"], "more than n_positions 80")
        try expectFailure(base + ["--method", "prefix", "--lr", "0", "--out", ws + "/a"], "--lr must be positive")
        try expectFailure(base + ["--method", "prefix", "--prefix-length", "4", "--init-adapter", TestPaths.fixtures + "/peft/prompt", "--out", ws + "/a"],
                          "PROMPT_TUNING adapter of 4 virtual tokens")
        let other = try TestPaths.modelFolder("tiny-f16")
        try expectFailure(["train", "--model", other, "--train", trainPairs, "--max-steps", "1", "--method", "prefix", "--prefix-length", "4",
                           "--init-adapter", TestPaths.fixtures + "/peft/prefix-none", "--out", ws + "/a"], "adapter made for a model with token_dim 16")
        let empty = ws + "/empty.jsonl"
        try "".write(toFile: empty, atomically: true, encoding: .utf8)
        try expectFailure(["train", "--model", model, "--train", empty, "--method", "prefix", "--out", ws + "/a"], "empty.jsonl: contains no")
        XCTAssertFalse(FileManager.default.fileExists(atPath: ws + "/a"), "a failed start must not leave a run folder")

        // An existing run folder is refused and left as it was.
        let existing = ws + "/runs/kept"
        try FileManager.default.createDirectory(atPath: existing, withIntermediateDirectories: true)
        try "sentinel".write(toFile: existing + "/run.json", atomically: true, encoding: .utf8)
        try expectFailure(base + ["--method", "prefix", "--out", existing], "run folder exists")
        XCTAssertEqual(try String(contentsOfFile: existing + "/run.json", encoding: .utf8), "sentinel")
    }

    /// A non-finite loss stops the run with a clear message, marks it failed and keeps the
    /// checkpoints before it. NaN comes in through a corrupt starting adapter.
    func testNonFiniteLossStopsTheRun() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let ws = TestPaths.tempDir("nan")
        let adapter = ws + "/nan-adapter"
        try FileManager.default.copyItem(atPath: TestPaths.fixtures + "/peft/prefix-none", toPath: adapter)
        var values = try SafeTensorsFile(path: adapter + "/adapter_model.safetensors").floats("prompt_embeddings")
        values[5] = .nan
        try values.withUnsafeBufferPointer {
            try SafeTensorsWriter.write(path: adapter + "/adapter_model.safetensors", tensors: [.init(name: "prompt_embeddings", shape: [4, 96], values: $0)])
        }
        let r = try run(["train", "--model", model, "--train", trainPairs, "--method", "prefix", "--prefix-length", "4",
                         "--init-adapter", adapter, "--max-steps", "3", "--out", ws + "/runs/n"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("loss is nan at step 1"), r.err)
        let info = try JSONParser.parse(String(contentsOfFile: ws + "/runs/n/run.json", encoding: .utf8))
        XCTAssertEqual(info["status"]?.string, "failed")
        XCTAssertTrue(try String(contentsOfFile: ws + "/runs/n/events.jsonl", encoding: .utf8).contains("\"type\": \"failed\""))
    }
}
