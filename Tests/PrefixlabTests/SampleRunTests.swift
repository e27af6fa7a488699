import Foundation
import JSON
import TestSupport
import XCTest

/// The bundled sample (issue #6): its shipped prefix, LoRA and adapter runs regenerate their
/// test outputs from their shipped checkpoints (a prefix in the KV cache, LoRA merged into the
/// weights, adapters in the forward), and they score to their metrics.json.
final class SampleRunTests: XCTestCase {
    var prefixlab: URL { TestPaths.products.appendingPathComponent("prefixlab") }

    func testShippedPrefixRunRegeneratesItsOutputsAndMetrics() throws { try regenerate("prefix-10") }
    func testShippedLoRARunRegeneratesItsOutputsAndMetrics() throws { try regenerate("lora-8") }
    func testShippedAdapterRunRegeneratesItsOutputsAndMetrics() throws { try regenerate("adapter-3") }
    /// The extrapolation study's prefix run (issue #19 item 5): its WebNLG test outputs, and
    /// BLEU on the seen and the unseen categories' entries as metrics.json and the Ablation
    /// screen have them.
    func testShippedWebNLGPrefixRunRegeneratesItsSeenAndUnseenBLEU() throws { try regenerate("webnlg-prefix-10") }
    /// The BART sample (issue #17): the paper's three-prefix run and PEFT's decoder-only prefix
    /// regenerate their outputs from their shipped prefixes (encoder rows once per document,
    /// cross and decoder rows in every beam).
    func testShippedBARTPrefixRunsRegenerateTheirOutputsAndMetrics() throws {
        try regenerate("bart-prefix-10")
        try regenerate("bart-prefix-peft-10")
    }

    /// The sample BART copies through its cross-attention (the gate before tuning, as for the
    /// GPT-2 sample): teacher-forced on a random span, it predicts the span's tokens when the
    /// span is its source, and not when an unrelated span is.
    func testTheSampleBARTCopiesItsSource() throws {
        let r = try runProcess(prefixlab, ["probe", "copy", "--model", TestPaths.root + "/samples/models/bart-e2e-mini", "--spans", "16", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let probe = try JSONParser.parse(r.out.split(separator: "\n").last.map(String.init) ?? "")
        XCTAssertGreaterThanOrEqual(probe["second_top1"]?.number ?? 0, 0.5, r.out)
        XCTAssertLessThan(probe["first_top1"]?.number ?? 1, 0.1, r.out)
    }

    func regenerate(_ id: String) throws {
        let run = TestPaths.root + "/samples/runs/" + id
        XCTAssertTrue(FileManager.default.fileExists(atPath: run + "/run.json"), "samples/runs/\(id) is shipped")
        let out = TestPaths.tempDir("sample") + "/test.txt"
        // Paths in shipped runs are relative to the repository root.
        FileManager.default.changeCurrentDirectoryPath(TestPaths.root)
        let info = try JSONParser.parse(bytes: [UInt8](FileManager.default.contents(atPath: run + "/run.json")!))
        let metrics = try JSONParser.parse(bytes: [UInt8](FileManager.default.contents(atPath: run + "/metrics.json")!))["test"]!
        // The evaluation's settings, as metrics.json records them.
        let maxNew = String(metrics["max_new_tokens"]!.int!)
        XCTAssertEqual(info["command_line"]?.array?.prefix(2).compactMap(\.string), ["prefixlab", "train"])
        let test = info["config"]?["test"]?.string ?? "samples/data/e2e/test.jsonl"
        let g = try runProcess(prefixlab, ["generate", "--run", run, "--data", test, "--beam", String(metrics["beam"]!.int!),
                                           "--max-new-tokens", maxNew, "--out", out])
        XCTAssertEqual(g.status, 0, g.err)
        let shipped = try String(contentsOfFile: run + "/outputs/test.txt", encoding: .utf8)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), shipped, "the same outputs, token for token")
        let s = try runProcess(prefixlab, ["score", "--hyp", out, "--refs", test, "--json"])
        XCTAssertEqual(s.status, 0, s.err)
        let scores = try JSONParser.parse(s.out)
        let split = test.hasSuffix(".xml") ? ["BLEU_seen", "BLEU_unseen", "n_seen", "n_unseen"] : []
        XCTAssertEqual(split.isEmpty, metrics["BLEU_seen"] == nil, "seen / unseen BLEU exactly for WebNLG")
        // The shipped figures are the METEOR approximation's (scored where no METEOR 1.5 resources were).
        let sameMeteor = (scores["METEOR_official"]?.bool ?? false) == (metrics["METEOR_official"]?.bool ?? false)
        for k in ["BLEU", "NIST"] + (sameMeteor ? ["METEOR"] : []) + ["ROUGE_L", "CIDEr", "slot_accuracy", "name_accuracy", "distinct_outputs"] + split {
            XCTAssertEqual(scores[k]!.number!, metrics[k]!.number!, accuracy: 1e-9, k)
        }
    }

    /// `generate --runs`: three shipped runs (prefixes of lengths 10 and 1, an embedding run)
    /// decoded in mixed batches write each run's files exactly as its own `generate --run`; a
    /// LoRA run, which changes the weights every row reads, is refused before anything is written.
    func testSeveralRunsInMixedBatchesWriteWhatEachRunAlone() throws {
        FileManager.default.changeCurrentDirectoryPath(TestPaths.root)
        let dir = TestPaths.tempDir("mixed"), ids = ["prefix-10", "embedding-10", "prefix-1"]
        let common = ["--data", "samples/data/e2e/test.jsonl", "--beam", "1", "--max-new-tokens", "40"]
        let g = try runProcess(prefixlab, ["generate", "--runs", ids.map { "samples/runs/" + $0 }.joined(separator: ","), "--out", dir + "/mixed"] + common)
        XCTAssertEqual(g.status, 0, g.err)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir + "/mixed")), Set(ids.flatMap { [$0 + ".txt", $0 + ".txt.jsonl"] }))
        for id in ids {
            let one = try runProcess(prefixlab, ["generate", "--run", "samples/runs/" + id, "--out", dir + "/" + id + ".txt"] + common)
            XCTAssertEqual(one.status, 0, one.err)
            for ext in [".txt", ".txt.jsonl"] {
                XCTAssertEqual(FileManager.default.contents(atPath: dir + "/mixed/" + id + ext), FileManager.default.contents(atPath: dir + "/" + id + ext), id + ext)
            }
        }
        let lora = try runProcess(prefixlab, ["generate", "--runs", "samples/runs/prefix-10,samples/runs/lora-8", "--out", dir + "/refused"] + common)
        XCTAssertNotEqual(lora.status, 0)
        XCTAssertTrue(lora.err.contains("samples/runs/lora-8: a lora run changes the model's weights"), lora.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/refused"), "nothing written")
    }

    /// `inspect attention --json` on a shipped prefix run: its output is the run's greedy
    /// output for that source (`generate --run --beam 1`), and every token has each layer's
    /// shares, heads' mean and per head, summing to 1; the table names the prefix.
    func testInspectAttentionOfAShippedPrefixRun() throws {
        FileManager.default.changeCurrentDirectoryPath(TestPaths.root)
        let dir = TestPaths.tempDir("attention")
        let source = "name : The Vaults | Type : pub | price : more than £ 30 | area : riverside"
        try Data((JSONValue.object([("source", .string(source)), ("target", .string("x"))]).serialized + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/one.jsonl"))
        let g = try runProcess(prefixlab, ["generate", "--run", "samples/runs/prefix-10", "--data", dir + "/one.jsonl", "--beam", "1", "--max-new-tokens", "64", "--out", dir + "/one.txt"])
        XCTAssertEqual(g.status, 0, g.err)
        let a = try runProcess(prefixlab, ["inspect", "attention", "--run", "samples/runs/prefix-10", "--source", source, "--json"])
        XCTAssertEqual(a.status, 0, a.err)
        let j = try JSONParser.parse(a.out)
        XCTAssertEqual(j["output"]?.string, try String(contentsOfFile: dir + "/one.txt", encoding: .utf8).trimmingCharacters(in: .newlines))
        XCTAssertEqual(j["virtual_kind"]?.string, "prefix")
        XCTAssertEqual(j["virtual_rows"]?.int, 10)
        let layers = j["layers"]!.int!, heads = j["heads"]!.int!
        let tokens = j["tokens"]!.array!
        XCTAssertFalse(tokens.isEmpty)
        for t in tokens {
            XCTAssertEqual(t["layers"]!.array!.count, layers)
            for l in t["layers"]!.array! {
                XCTAssertEqual(l["heads"]!.array!.count, heads)
                XCTAssertEqual(l["virtual"]!.number! + l["source"]!.number! + l["generated"]!.number!, 1, accuracy: 1e-4)
            }
        }
        XCTAssertGreaterThan(tokens[0]["layers"]!.array!.map { $0["virtual"]!.number! }.max()!, 0, "the prefix draws attention")
        let table = try runProcess(prefixlab, ["inspect", "attention", "--run", "samples/runs/prefix-10", "--source", source])
        XCTAssertEqual(table.status, 0, table.err)
        XCTAssertTrue(table.out.contains("prefix (10 rows)") && table.out.contains("L0"), table.out)
        let bad = try runProcess(prefixlab, ["inspect", "attention", "--run", "samples/runs/finetune", "--source", source])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("no checkpoint"), bad.err)
    }
}
