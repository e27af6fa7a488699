import Foundation
import XCTest
import JSON
import Models
import TestSupport

final class PretrainCommandTests: XCTestCase {
    var prefixlab: URL { TestPaths.products.appendingPathComponent("prefixlab") }

    /// Pretraining writes a loadable GPT-2 folder with its tokenizer, learns (loss falls),
    /// records its synthetic copy documents so a resume rebuilds them, resumes, and the copy
    /// probe reads the result.
    func testPretrainResumeAndProbe() throws {
        let dir = TestPaths.tempDir("pretrain")
        let corpus = dir + "/docs.txt"
        let docs = (0..<24).map { "The Eagle is a coffee shop number \($0) near the river." }
        try docs.joined(separator: "\n").write(toFile: corpus, atomically: true, encoding: .utf8)
        let out = dir + "/model"
        var r = try runProcess(prefixlab, ["pretrain", "--n-layer", "1", "--n-embd", "32", "--n-head", "2", "--n-positions", "64",
                                           "--corpus", corpus, "--tokenizer", TestPaths.gpt2Tokenizer, "--out", out,
                                           "--max-steps", "6", "--batch-size", "8", "--warmup-steps", "1", "--lr", "3e-3", "--dtype", "f16",
                                           "--copy-share", "0.5", "--copy-span", "3-6"])
        XCTAssertEqual(r.status, 0, r.err)
        let model = try GPT2Model.load(out)
        XCTAssertEqual(model.config.nLayer, 1)
        XCTAssertEqual(try SafeTensorsFile(path: out + "/model.safetensors").header.entries.first?.dtype, .F16)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/vocab.json") && FileManager.default.fileExists(atPath: out + "/merges.txt"))
        let losses = try String(contentsOfFile: out + "/run/events.jsonl", encoding: .utf8).split(separator: "\n").compactMap {
            try JSONParser.parse(String($0))["loss"]?.number
        }
        XCTAssertLessThan(losses.last!, losses.first!)
        let config = try JSONParser.parse(String(contentsOfFile: out + "/run/run.json", encoding: .utf8))["config"]
        XCTAssertEqual(config?["synthetic_copy"]?["share"]?.number, 0.5)
        XCTAssertEqual(config?["synthetic_copy"]?["max_span"]?.number, 6)
        r = try runProcess(prefixlab, ["pretrain", "--out", out, "--resume", "--max-steps", "8"])
        XCTAssertEqual(r.status, 0, r.err)
        r = try runProcess(prefixlab, ["probe", "copy", "--model", out, "--spans", "4", "--span-length", "8", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let probe = try JSONParser.parse(r.out.split(separator: "\n").last.map(String.init) ?? "")
        for k in ["first_loss", "first_top1", "second_loss", "second_top1"] { XCTAssertNotNil(probe[k]?.number, k) }
    }

    /// A JSONL corpus mixes documents ("text") and pairs ("source"/"target"): pairs keep their
    /// source, so only their target is scored; a line that is neither is named, not skipped.
    func testJSONLCorpusTakesPairs() throws {
        let dir = TestPaths.tempDir("pretrain-pairs")
        let corpus = dir + "/mixed.jsonl"
        let lines = [#"{"text": "A document alone."}"#, #"{"source": "name : Zorbo | food : fish", "target": "Zorbo serves fish."}"#]
        try (lines.joined(separator: "\n\n") + "\n").write(toFile: corpus, atomically: true, encoding: .utf8)
        let out = dir + "/model"
        let args = ["pretrain", "--n-layer", "1", "--n-embd", "16", "--n-head", "2", "--n-positions", "64",
                    "--tokenizer", TestPaths.gpt2Tokenizer, "--max-steps", "1", "--batch-size", "2", "--warmup-steps", "0"]
        var r = try runProcess(prefixlab, args + ["--corpus", corpus, "--out", out])
        XCTAssertEqual(r.status, 0, r.err)
        let written = try String(contentsOfFile: out + "/corpus.jsonl", encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(String($0)) }
        XCTAssertEqual(written.map { $0["source"]?.string }, ["", "name : Zorbo | food : fish"])
        XCTAssertEqual(written.map { $0["target"]?.string }, ["A document alone.", "Zorbo serves fish."])
        let bad = dir + "/bad.jsonl"
        try (lines[0] + "\n" + #"{"title": "no text here"}"#).write(toFile: bad, atomically: true, encoding: .utf8)
        r = try runProcess(prefixlab, args + ["--corpus", bad, "--out", dir + "/model2"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("bad.jsonl:2:"), r.err)
    }
}
