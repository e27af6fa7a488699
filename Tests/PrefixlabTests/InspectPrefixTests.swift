import Foundation
import JSON
import TestSupport
import XCTest

/// `inspect prefix` (issue #19 item 3) on runs initialised from words with a learning rate too
/// small to move them: each virtual token's nearest vocabulary token is its word (cosine 1);
/// a prefix without MLP starts as the words' keys, so position 0 — the first word at position
/// 0, as a token's own key is taken — is nearest to that word at every layer; neither has
/// moved. With a real learning rate the rows move, and the command says how far.
final class InspectPrefixTests: XCTestCase {
    var prefixlab: URL { TestPaths.products.appendingPathComponent("prefixlab") }

    func train(_ dir: String, _ method: [String], lr: String, steps: String) throws {
        let t = try runProcess(prefixlab, ["train", "--model", "samples/models/gpt2-e2e-mini", "--train", "samples/data/e2e/valid.jsonl",
                                           "--valid", "samples/data/e2e/valid.jsonl", "--prefix-length", "4", "--init", "words:name area food",
                                           "--max-steps", steps, "--lr", lr, "--out", dir] + method)
        XCTAssertEqual(t.status, 0, t.err)
    }

    func inspect(_ dir: String) throws -> JSONValue {
        let r = try runProcess(prefixlab, ["inspect", "prefix", "--run", dir, "--top", "3", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        return try JSONParser.parse(r.out)
    }

    func testRowsInitialisedFromWordsAreNearestToTheirWordsAndMovementIsMeasured() throws {
        FileManager.default.changeCurrentDirectoryPath(TestPaths.root)
        let tmp = TestPaths.tempDir("inspect-prefix")
        let words = ["name", " area", " food", "name"]  // the words repeat over the 4 positions

        try train(tmp + "/emb", ["--method", "embedding"], lr: "1e-9", steps: "1")
        let e = try inspect(tmp + "/emb")
        XCTAssertEqual(e["kind"]?.string, "virtual tokens")
        for (p, pos) in e["positions"]!.array!.enumerated() {
            let best = pos["nearest"]!.array![0]
            XCTAssertEqual(best["token"]?.string, words[p])
            XCTAssertEqual(best["cosine"]!.number!, 1, accuracy: 1e-4)
        }
        for m in e["moved"]!.array! { XCTAssertLessThan(m["relative"]!.number!, 1e-4); XCTAssertEqual(m["cosine"]!.number!, 1, accuracy: 1e-4) }

        try train(tmp + "/kv", ["--method", "prefix", "--reparam", "none"], lr: "1e-9", steps: "1")
        let k = try inspect(tmp + "/kv")
        XCTAssertEqual(k["kind"]?.string, "prefix")
        let layers = k["layers"]!.array!
        XCTAssertGreaterThan(layers.count, 1)
        for l in layers {
            let best = l["positions"]!.array![0]["nearest"]!.array![0]
            XCTAssertEqual(best["token"]?.string, "name", "layer \(l["layer"]!.int!)")
            XCTAssertEqual(best["cosine"]!.number!, 1, accuracy: 1e-4)
        }
        XCTAssertEqual(k["moved"]!.array!.map { $0["word"]!.string! }, words)

        try train(tmp + "/moved", ["--method", "prefix", "--reparam", "none"], lr: "0.05", steps: "3")
        let m = try inspect(tmp + "/moved")
        XCTAssertTrue(m["moved"]!.array!.allSatisfy { $0["relative"]!.number! > 1e-3 && $0["cosine"]!.number! < 1 }, "trained rows moved")

        let table = try runProcess(prefixlab, ["inspect", "prefix", "--run", tmp + "/moved"])
        XCTAssertTrue(table.out.contains("moved from the initial words") && table.out.contains("layer 0"), table.out)
        let lora = try runProcess(prefixlab, ["inspect", "prefix", "--run", "samples/runs/lora-8"])
        XCTAssertNotEqual(lora.status, 0)
        XCTAssertTrue(lora.err.contains("has no virtual rows to inspect"), lora.err)
    }
}
