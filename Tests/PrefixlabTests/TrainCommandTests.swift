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
        for name in ["prefix-mlp", "prefix-none", "prompt", "lora"] {
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

    /// A PEFT LoRA adapter that does not fit the model, or uses what this program does not
    /// implement, is refused with its file and the reason, never read partly.
    func testLoRAAdaptersThatDoNotFitAreRefused() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let ws = TestPaths.tempDir("lora-bad")
        let src = TestPaths.fixtures + "/peft/lora"
        let cfg = try String(contentsOfFile: src + "/adapter_config.json", encoding: .utf8)
        func variant(_ name: String, config: (String) -> String, tensors: ((inout [String: ([Int], [Float])]) -> Void)? = nil) throws -> String {
            let dir = ws + "/" + name
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try config(cfg).write(toFile: dir + "/adapter_config.json", atomically: true, encoding: .utf8)
            let f = try SafeTensorsFile(path: src + "/adapter_model.safetensors")
            var all: [String: ([Int], [Float])] = [:]
            for n in f.names { all[n] = (f[n]!.shape, try f.floats(n)) }
            tensors?(&all)
            let names = all.keys.sorted(), flat = names.flatMap { all[$0]!.1 }
            try flat.withUnsafeBufferPointer { buf in
                var at = 0
                let list = names.map { n -> SafeTensorsWriter.Tensor in
                    defer { at += all[n]!.1.count }
                    return .init(name: n, shape: all[n]!.0, values: UnsafeBufferPointer(rebasing: buf[at..<(at + all[n]!.1.count)]))
                }
                try SafeTensorsWriter.write(path: dir + "/adapter_model.safetensors", tensors: list)
            }
            return dir
        }
        func refused(_ dir: String, _ needle: String, file: StaticString = #filePath, line: UInt = #line) throws {
            let r = try run(["lm-score", "--model", model, "--adapter", dir, "--pairs", trainPairs])
            XCTAssertNotEqual(r.status, 0, file: file, line: line)
            XCTAssertTrue(r.err.contains(needle), r.err, file: file, line: line)
            XCTAssertEqual(r.err.split(separator: "\n").count, 1, "one line: \(r.err)", file: file, line: line)
        }
        func set(_ key: String, _ json: String) -> (String) -> String {
            { c in
                let v = try! JSONParser.parse(c)
                let pairs = v.object!.filter { $0.0 != key } + [(key, try! JSONParser.parse(json))]
                return JSONValue.object(pairs).serialized
            }
        }
        try refused(try variant("dora", config: set("use_dora", "true")), "use_dora (DoRA) is not supported")
        try refused(try variant("rslora", config: set("use_rslora", "true")), "use_rslora (rsLoRA) is not supported")
        try refused(try variant("bias", config: set("bias", "\"all\"")), "bias \"all\" is not supported")
        try refused(try variant("ranks", config: set("rank_pattern", "{\"c_fc\": 2}")), "rank_pattern (per-module ranks) is not supported")
        try refused(try variant("regex", config: set("target_modules", "\".*c_attn\"")), "is a regular expression or a keyword")
        try refused(try variant("none", config: set("target_modules", "[\"q_proj\"]")), "select none of this model's linear layers")
        try refused(try variant("extra", config: set("target_modules", "[\"c_attn\"]")),
                    "tensor 'base_model.model.transformer.h.0.mlp.c_fc.lora_A.weight' belongs to no linear layer of this model that target_modules select")
        let shapeDir = try variant("shape", config: { $0 }) { t in
            t["base_model.model.transformer.h.1.attn.c_attn.lora_A.weight"] = ([4, 15], [Float](repeating: 0, count: 60))
        }
        try refused(shapeDir, "tensor 'base_model.model.transformer.h.1.attn.c_attn.lora_A.weight' has shape [4, 15]; this model's attn.c_attn with r 4 needs [4, 16]")
        let missing = try variant("missing", config: { $0 }) { t in t["base_model.model.transformer.h.2.mlp.c_fc.lora_B.weight"] = nil }
        try refused(missing, "no tensor 'base_model.model.transformer.h.2.mlp.c_fc.lora_B.weight'")
        let dora = try variant("magnitude", config: { $0 }) { t in t["base_model.model.transformer.h.0.attn.c_attn.lora_magnitude_vector"] = ([48], [Float](repeating: 1, count: 48)) }
        try refused(dora, "is not a lora_A or lora_B weight")
    }

    /// N straight steps equal k steps plus a resumed N-k, loss for loss, for every method;
    /// a finished run resumed again exits 0.
    func testResumeContinuesExactly() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let ws = TestPaths.tempDir("resume")
        for method in ["prefix", "finetune", "embedding", "infix", "adapter", "lora"] {
            let sizes = method == "lora" ? ["--lora-r", "2", "--lora-targets", "c_attn,mlp.c_proj", "--lora-dropout", "0.1"]
                : method == "adapter" ? ["--adapter-bottleneck", "4", "--adapter-design", "houlsby"] : ["--prefix-length", "3", "--mid-dim", "16"]
            let common = ["train", "--model", model, "--train", trainPairs, "--method", method, "--lr", "1e-3", "--batch-size", "3",
                          "--checkpoint-every", "2", "--seed", "5"] + sizes
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
        // A LoRA run exports as PEFT's LORA adapter, which lm-score reads and a new run starts from.
        let loraOut = ws + "/adapter-lora"
        var lr = try run(["export", "--run", ws + "/runs/lora-straight", "--format", "peft", "--out", loraOut])
        XCTAssertEqual(lr.status, 0, lr.err)
        let loraCfg = try JSONParser.parse(String(contentsOfFile: loraOut + "/adapter_config.json", encoding: .utf8))
        XCTAssertEqual(loraCfg["peft_type"]?.string, "LORA")
        XCTAssertEqual(loraCfg["r"]?.int, 2)
        XCTAssertEqual(loraCfg["target_modules"]?.array?.compactMap(\.string), ["c_attn", "mlp.c_proj"])
        XCTAssertEqual(loraCfg["fan_in_fan_out"]?.bool, true)
        let loraFile = try SafeTensorsFile(path: loraOut + "/adapter_model.safetensors")
        XCTAssertEqual(loraFile["base_model.model.transformer.h.2.attn.c_attn.lora_A.weight"]?.shape, [2, 16])
        XCTAssertEqual(loraFile["base_model.model.transformer.h.0.mlp.c_proj.lora_B.weight"]?.shape, [16, 2])
        XCTAssertEqual(loraFile.names.count, 3 * 2 * 2)
        lr = try run(["lm-score", "--model", model, "--adapter", loraOut, "--pairs", trainPairs, "--json"])
        XCTAssertEqual(lr.status, 0, lr.err)
        lr = try run(["train", "--model", model, "--train", trainPairs, "--method", "lora", "--lora-r", "2", "--lora-targets", "c_attn,mlp.c_proj",
                      "--init-adapter", loraOut, "--lr", "1e-12", "--max-steps", "1", "--batch-size", "3", "--out", ws + "/runs/from-lora"])
        XCTAssertEqual(lr.status, 0, lr.err)
        lr = try run(["export", "--run", ws + "/runs/from-lora", "--out", ws + "/adapter-from-lora"])
        XCTAssertEqual(lr.status, 0, lr.err)
        let again = try SafeTensorsFile(path: ws + "/adapter-from-lora/adapter_model.safetensors")
        for n in loraFile.names {
            let x = try loraFile.floats(n), y = try again.floats(n)
            XCTAssertLessThan(zip(x, y).map { abs($0 - $1) }.max()!, 1e-6, "\(n): --init-adapter did not start from the adapter")
        }
        lr = try run(["train", "--model", model, "--train", trainPairs, "--method", "lora", "--lora-r", "3", "--init-adapter", loraOut,
                      "--max-steps", "1", "--out", ws + "/runs/bad-lora"])
        XCTAssertNotEqual(lr.status, 0)
        XCTAssertTrue(lr.err.contains("r 2, lora_alpha 16, targets c_attn,mlp.c_proj; the run has --lora-r 3"), lr.err)

        // An adapter run exports in our bottleneck layout; PEFT has no such type.
        lr = try run(["export", "--run", ws + "/runs/adapter-straight", "--out", ws + "/adapter-bn"])
        XCTAssertNotEqual(lr.status, 0)
        XCTAssertTrue(lr.err.contains("exports with --format bottleneck (PEFT has no bottleneck adapter type)"), lr.err)
        lr = try run(["export", "--run", ws + "/runs/adapter-straight", "--format", "bottleneck", "--out", ws + "/adapter-bn"])
        XCTAssertEqual(lr.status, 0, lr.err)
        let bn = try SafeTensorsFile(path: ws + "/adapter-bn/adapter_model.safetensors")
        XCTAssertEqual(bn["transformer.h.1.adapter_block2.project_down.weight"]?.shape, [4, 16])
        XCTAssertEqual(bn["transformer.h.2.adapter_block.project_up.weight"]?.shape, [16, 4])
        XCTAssertEqual(bn.names.count, 3 * 2 * 4)
        let bnCfg = try JSONParser.parse(String(contentsOfFile: ws + "/adapter-bn/adapter_config.json", encoding: .utf8))
        XCTAssertEqual(bnCfg["adapter_design"]?.string, "houlsby")
        XCTAssertEqual(bnCfg["bottleneck"]?.int, 4)

        // Runs are also addressed by id within a workspace; ids cannot leave it.
        var r = try run(["export", "--run", "prefix-straight", "--workspace", ws, "--out", ws + "/by-id"])
        XCTAssertEqual(r.status, 0, r.err)
        r = try run(["export", "--run", "../x", "--workspace", ws, "--out", ws + "/bad"])
        XCTAssertNotEqual(r.status, 0)
    }

    /// Validation BLEU on greedy outputs, and the test split generated and scored at the end.
    func testEvaluationInsideARun() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let tmp = TestPaths.tempDir("eval"), dir = tmp + "/runs/ev"
        // The test split: the pairs whose sources are E2E MRs (the others are an emoji line and an empty one).
        let testPairs = tmp + "/e2e.jsonl"
        try String(contentsOfFile: trainPairs, encoding: .utf8).split(separator: "\n").filter { $0.contains("name") }.map { $0 + "\n" }.joined()
            .write(toFile: testPairs, atomically: true, encoding: .utf8)
        let r = try run(["train", "--model", model, "--train", trainPairs, "--valid", trainPairs, "--test", testPairs, "--method", "prefix",
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
        let unique = Set(try String(contentsOfFile: testPairs, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0))["source"]!.string! })
        let lines = try String(contentsOfFile: dir + "/outputs/test.txt", encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, unique.count)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir + "/outputs/test.jsonl"))
        // E2E MRs: slot errors over every MR value, as `score` counts them on the same outputs.
        XCTAssertEqual(metrics["slot_errors"]?["mr_values"]?.number, Double(unique.map { $0.contains("[") ? $0.filter { $0 == "[" }.count : $0.filter { $0 == "|" }.count + 1 }.reduce(0, +)))
        let scored = try JSONParser.parse(try run(["score", "--hyp", dir + "/outputs/test.txt", "--refs", testPairs, "--json"]).out)
        XCTAssertEqual(metrics["SER"]?.number, scored["SER"]?.number)
        XCTAssertEqual(metrics["slot_errors"], scored["slot_errors"])
    }

    func expectFailure(_ args: [String], _ needle: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try run(args)
        XCTAssertNotEqual(r.status, 0, file: file, line: line)
        XCTAssertTrue(r.err.contains(needle), "stderr: \(r.err)", file: file, line: line)
    }

    /// Help is printed, not wrapped as an error (ArgumentParser's own exits pass through), and
    /// lists every method's options from the registry.
    func testHelpListsEveryMethodsOptions() throws {
        var r = try run(["--help"])
        XCTAssertEqual(r.status, 0, r.err)
        XCTAssertTrue(r.out.contains("OVERVIEW:"), r.out)
        r = try run(["train", "--help"])
        XCTAssertEqual(r.status, 0, r.err)
        for needle in ["--method lora", "--lora-targets", "--method adapter", "--adapter-bottleneck", "--train-layers", "--prefix-length"] {
            XCTAssertTrue(r.out.contains(needle), "train --help lacks \(needle)")
        }
        XCTAssertFalse(r.err.contains("CommandError"), r.err)
    }

    func testBadTrainingInputs() throws {
        let model = try TestPaths.modelFolder("tiny-f32")
        let ws = TestPaths.tempDir("bad")
        let base = ["train", "--model", model, "--train", trainPairs, "--max-steps", "1"]
        try expectFailure(base + ["--method", "lorax", "--out", ws + "/a"], "--method lorax: unknown method")
        try expectFailure(base + ["--method", "lora", "--lora-targets", "c_attn,q_proj", "--out", ws + "/a"],
                          "--lora-targets q_proj: selects none of this model's linear layers (c_attn, attn.c_proj, c_fc, mlp.c_proj; or a module path within a block: attn.c_attn, mlp.c_fc)")
        try expectFailure(base + ["--method", "lora", "--lora-targets", "c_attn,,c_fc", "--out", ws + "/a"], "expected linear layers separated by commas")
        try expectFailure(base + ["--method", "lora", "--lora-r", "0", "--out", ws + "/a"], "--lora-r")
        try expectFailure(base + ["--method", "adapter", "--adapter-design", "pfeiffer", "--out", ws + "/a"], "one of lin, houlsby")
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
