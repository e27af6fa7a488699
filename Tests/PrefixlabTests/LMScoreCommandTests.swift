import Foundation
import XCTest
import JSON
import TestSupport

/// The `prefixlab lm-score` contract, run as a user runs it, against transformers' numbers.
final class LMScoreCommandTests: XCTestCase {
    var prefixlab: URL { TestPaths.products.appendingPathComponent("prefixlab") }
    var pairs: String { TestPaths.fixtures + "/lmscore/pairs.jsonl" }

    func testMatchesTransformersOnEveryFixtureModel() throws {
        for name in ["tiny-f16", "tiny-bf16", "tiny-f32"] {
            let dir = try TestPaths.modelFolder(name)
            let r = try runProcess(prefixlab, ["lm-score", "--model", dir, "--pairs", pairs, "--json"])
            XCTAssertEqual(r.status, 0, r.err)
            let got = try JSONParser.parse(r.out.trimmingCharacters(in: .whitespacesAndNewlines))
            let want = try JSONParser.parse(String(contentsOfFile: TestPaths.fixtures + "/lmscore/\(name).json", encoding: .utf8))
            let g = got["examples"]!.array!, w = want["examples"]!.array!
            XCTAssertEqual(g.count, w.count)
            for (a, b) in zip(g, w) {
                XCTAssertEqual(a["n_tokens"]!.int, b["n_tokens"]!.int)
                XCTAssertEqual(a["nll_sum"]!.number!, b["nll_sum"]!.number!, accuracy: 1e-4 * abs(b["nll_sum"]!.number!))
                XCTAssertEqual(a["nll_mean"]!.number!, b["nll_mean"]!.number!, accuracy: 1e-4 * abs(b["nll_mean"]!.number!))
            }
            XCTAssertEqual(got["mean_nll"]!.number!, want["mean_nll"]!.number!, accuracy: 1e-4 * want["mean_nll"]!.number!)
        }
    }

    /// BART's sequence contract (issue #17): [<s>] source [</s>] into the encoder, labels
    /// [<s>] target [</s>], the decoder fed [</s>] + labels[:-1], every label scored; the same
    /// JSON as for GPT-2; XSUM's {"document", "summary"} lines read as pairs.
    func testBARTScoresAsTransformersDoes() throws {
        let dir = TestPaths.fixtures + "/bart/tiny"
        let want = try JSONParser.parse(String(contentsOfFile: dir + "/reference.json", encoding: .utf8))["lm_score"]!
        let tmp = TestPaths.tempDir("bart-lm")
        let lines = try String(contentsOfFile: TestPaths.fixtures + "/bart/pairs.jsonl", encoding: .utf8).split(separator: "\n").map { line -> String in
            let v = try JSONParser.parse(String(line))
            return JSONValue.object([("document", v["source"]!), ("summary", v["target"]!), ("id", .string("x"))]).serialized
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: tmp + "/xsum.jsonl", atomically: true, encoding: .utf8)
        for file in [TestPaths.fixtures + "/bart/pairs.jsonl", tmp + "/xsum.jsonl"] {
            let r = try runProcess(prefixlab, ["lm-score", "--model", dir, "--pairs", file, "--json"])
            XCTAssertEqual(r.status, 0, r.err)
            let got = try JSONParser.parse(r.out.trimmingCharacters(in: .whitespacesAndNewlines))
            let g = got["examples"]!.array!, w = want["examples"]!.array!
            XCTAssertEqual(g.count, w.count)
            for (a, b) in zip(g, w) {
                XCTAssertEqual(a["n_tokens"]!.int, b["n_tokens"]!.int)
                XCTAssertEqual(a["nll_sum"]!.number!, b["nll_sum"]!.number!, accuracy: 1e-4)
            }
            XCTAssertEqual(got["mean_nll"]!.number!, want["mean_nll"]!.number!, accuracy: 1e-4)
        }
    }

    /// A PEFT seq2seq PrefixTuning adapter (tools/make_bart_fixtures.py: PEFT 0.21.2's own
    /// save) scores as PEFT's forward does: decoder self-attention rows only, blocks
    /// (4l mod 2L, 4l+1 mod 2L), decoder positions from P. Adapters of the other kind, and
    /// depths PEFT cannot run, are refused with the reason.
    func testPEFTSeq2SeqPrefixAdapterScoresAsPEFTDoes() throws {
        let dir = TestPaths.fixtures + "/bart/tiny", adapter = TestPaths.fixtures + "/bart/peft-prefix", pairs = TestPaths.fixtures + "/bart/pairs.jsonl"
        // PrefixTuning (the decoder's self-attention), PromptTuning (the encoder's input; PEFT's 2P
        // rows, the first P read) and LoRA (q_proj and v_proj of every attention, merged).
        for a in [adapter, TestPaths.fixtures + "/bart/peft-prompt", TestPaths.fixtures + "/bart/peft-lora"] {
            let want = try JSONParser.parse(String(contentsOfFile: a + "/lm_score.json", encoding: .utf8))
            let r = try runProcess(prefixlab, ["lm-score", "--model", dir, "--adapter", a, "--pairs", pairs, "--json"])
            XCTAssertEqual(r.status, 0, r.err)
            let got = try JSONParser.parse(r.out.trimmingCharacters(in: .whitespacesAndNewlines))
            XCTAssertEqual(got["examples"]!.array!.count, 3)
            for (x, y) in zip(got["examples"]!.array!, want["examples"]!.array!) {
                XCTAssertEqual(x["nll_sum"]!.number!, y["nll_sum"]!.number!, accuracy: 1e-4, a)
                XCTAssertEqual(x["n_tokens"]!.int, y["n_tokens"]!.int)
            }
        }
        // `deep` (3 encoder, 2 decoder layers) with tiny's tokenizer files beside it.
        let deep = TestPaths.tempDir("bart-deep") + "/deep"
        try FileManager.default.copyItem(atPath: TestPaths.fixtures + "/bart/deep", toPath: deep)
        for f in ["vocab.json", "merges.txt"] { try FileManager.default.copyItem(atPath: dir + "/" + f, toPath: deep + "/" + f) }
        try expectFailure(["lm-score", "--model", deep, "--adapter", adapter, "--pairs", pairs],
                          "num_layers 2; this BART's encoder has 3 layers")
        try expectFailure(["lm-score", "--model", try TestPaths.modelFolder("tiny-f32"), "--adapter", adapter, "--pairs", self.pairs],
                          "a SEQ_2_SEQ_LM adapter (made for an encoder-decoder such as BART); this model is decoder-only")
        try expectFailure(["lm-score", "--model", dir, "--adapter", TestPaths.fixtures + "/peft/prefix-none", "--pairs", pairs],
                          "an encoder-decoder reads PEFT's SEQ_2_SEQ_LM PrefixTuning, PromptTuning and LoRA adapters")
        // A GPT-2 LoRA adapter names layers BART does not have.
        try expectFailure(["lm-score", "--model", dir, "--adapter", TestPaths.fixtures + "/peft/lora", "--pairs", pairs], "select none of this model's linear layers")
    }

    /// One clear line on stderr naming what is wrong, and a non-zero exit.
    func expectFailure(_ args: [String], _ needle: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try runProcess(prefixlab, args)
        XCTAssertNotEqual(r.status, 0, file: file, line: line)
        XCTAssertTrue(r.err.contains(needle), "stderr: \(r.err)", file: file, line: line)
        XCTAssertEqual(r.out, "", file: file, line: line)
    }

    func testBadInputs() throws {
        let good = try TestPaths.modelFolder("tiny-f32")
        try expectFailure(["lm-score", "--model", "/no/such/model", "--pairs", pairs], "/no/such/model: model folder does not exist")

        let dir = TestPaths.tempDir("bad")
        let notJSON = dir + "/bad.jsonl"
        try "{\"source\": \"a\", \"target\": \"b\"}\n\n{\"source\": oops}\n".write(toFile: notJSON, atomically: true, encoding: .utf8)
        try expectFailure(["lm-score", "--model", good, "--pairs", notJSON], "bad.jsonl:3: not valid JSON")

        let empty = dir + "/empty.jsonl"
        try "\n".write(toFile: empty, atomically: true, encoding: .utf8)
        try expectFailure(["lm-score", "--model", good, "--pairs", empty], "empty.jsonl: contains no pairs")

        let noTarget = dir + "/notarget.jsonl"
        try "{\"source\": \"a\"}\n".write(toFile: noTarget, atomically: true, encoding: .utf8)
        try expectFailure(["lm-score", "--model", good, "--pairs", noTarget], "notarget.jsonl:1: missing string field \"target\"")

        let noEmbd = try TestPaths.modelFolder("tiny-f32")
        let cfg = try String(contentsOfFile: noEmbd + "/config.json", encoding: .utf8)
        try cfg.replacingOccurrences(of: "\"n_embd\": 16,", with: "").write(toFile: noEmbd + "/config.json", atomically: true, encoding: .utf8)
        try expectFailure(["lm-score", "--model", noEmbd, "--pairs", pairs], "config.json: missing n_embd")

        let truncated = try TestPaths.modelFolder("tiny-f32")
        let w = try Data(contentsOf: URL(fileURLWithPath: truncated + "/model.safetensors"))
        try w.prefix(w.count - 100).write(to: URL(fileURLWithPath: truncated + "/model.safetensors"))
        try expectFailure(["lm-score", "--model", truncated, "--pairs", pairs], "model.safetensors: tensor 'transformer.")
        try expectFailure(["lm-score", "--model", truncated, "--pairs", pairs], "(file truncated?)")

        let wrongShape = try TestPaths.modelFolder("tiny-f32")
        try cfg.replacingOccurrences(of: "\"n_positions\": 80", with: "\"n_positions\": 96").write(toFile: wrongShape + "/config.json", atomically: true, encoding: .utf8)
        try expectFailure(["lm-score", "--model", wrongShape, "--pairs", pairs], "'transformer.wpe.weight' has shape [80, 16], expected [96, 16]")

        try expectFailure(["lm-score", "--model", good, "--adapter", dir, "--pairs", pairs], "adapter_config.json: missing")
    }
}
