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
        let g = try runProcess(prefixlab, ["generate", "--run", run, "--data", "samples/data/e2e/test.jsonl", "--beam", String(metrics["beam"]!.int!),
                                           "--max-new-tokens", maxNew, "--out", out])
        XCTAssertEqual(g.status, 0, g.err)
        let shipped = try String(contentsOfFile: run + "/outputs/test.txt", encoding: .utf8)
        XCTAssertEqual(try String(contentsOfFile: out, encoding: .utf8), shipped, "the same outputs, token for token")
        let s = try runProcess(prefixlab, ["score", "--hyp", out, "--refs", "samples/data/e2e/test.jsonl", "--json"])
        XCTAssertEqual(s.status, 0, s.err)
        let scores = try JSONParser.parse(s.out)
        for k in ["BLEU", "NIST", "METEOR", "ROUGE_L", "CIDEr", "slot_accuracy", "name_accuracy", "distinct_outputs"] {
            XCTAssertEqual(scores[k]!.number!, metrics[k]!.number!, accuracy: 1e-9, k)
        }
    }
}
