import Foundation
import XCTest
import JSON
import TestSupport

/// `prefixlab generate --model BART_DIR`, run as a user runs it: with BART-XSUM's flags
/// (`--beam 6 --max-new-tokens 61 --min-new-tokens 10 --no-repeat-ngram 3 --early-stopping`,
/// which are max_length 62 and min_length 11) and greedily, each output's ids are
/// transformers' `generate` ids (the fixture's, without the start token and the final </s>).
final class BARTGenerateCommandTests: XCTestCase {
    var prefixlab: URL { TestPaths.products.appendingPathComponent("prefixlab") }

    func testGenerateWritesTransformersOutputs() throws {
        let dir = TestPaths.fixtures + "/bart/tiny"
        let meta = try JSONParser.parse(String(contentsOfFile: dir + "/reference.json", encoding: .utf8))
        let tmp = TestPaths.tempDir("bart-generate")
        for (key, flags) in [("xsum", ["--beam", "6", "--max-new-tokens", "61", "--min-new-tokens", "10", "--no-repeat-ngram", "3", "--early-stopping"]),
                             ("greedy", ["--beam", "1", "--max-new-tokens", "20"]), ("beam4", ["--beam", "4", "--max-new-tokens", "20"])] {
            let out = tmp + "/\(key).txt"
            let r = try runProcess(prefixlab, ["generate", "--model", dir, "--data", TestPaths.fixtures + "/bart/pairs.jsonl", "--out", out] + flags)
            XCTAssertEqual(r.status, 0, r.err)
            let got = try String(contentsOfFile: out + ".jsonl", encoding: .utf8).split(separator: "\n").map { line in
                try JSONParser.parse(String(line))["output_ids"]!.array!.map { $0.int! }
            }
            let want = meta["generate"]![key]!["output_ids"]!.array!.map { $0.array!.map { $0.int! } }
            XCTAssertEqual(got, want, key)
        }
        let refused = try runProcess(prefixlab, ["generate", "--model", dir, "--data", TestPaths.fixtures + "/bart/pairs.jsonl", "--sample", "--beam", "1", "--out", tmp + "/s.txt"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.err.contains("--sample on an encoder-decoder"), refused.err)
    }
}
