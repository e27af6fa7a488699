import Foundation
import XCTest
import JSON
import TestSupport

final class ScoreCommandTests: XCTestCase {
    var prefixlab: URL { TestPaths.products.appendingPathComponent("prefixlab") }

    func testJSONKeysAndOfficialFigures() throws {
        let r = try runProcess(prefixlab, ["score", "--hyp", TestPaths.shared + "/data/e2e-systems/tgen-std.run1.txt",
                                           "--refs", TestPaths.shared + "/data/e2e/testset_w_refs.csv", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let v = try JSONParser.parse(r.out)
        let official = try JSONParser.parse(String(contentsOfFile: TestPaths.shared + "/data/e2e-systems/official_scores.json", encoding: .utf8))["tgen-std.run1.txt"]!
        for key in ["BLEU", "NIST", "ROUGE_L", "CIDEr"] {
            XCTAssertEqual(v[key]!.number!, official[key]!.number!, accuracy: 1e-3, key)
        }
        XCTAssertNotNil(v["METEOR"]?.number)
        XCTAssertTrue(v["METEOR_note"]!.string!.contains("approximation"))
    }

    func testWrongLineCountGivesBothCounts() throws {
        let f = TestPaths.tempDir("score") + "/short.txt"
        try "one\ntwo\n".write(toFile: f, atomically: true, encoding: .utf8)
        let r = try runProcess(prefixlab, ["score", "--hyp", f, "--refs", TestPaths.shared + "/data/e2e:test"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("2 lines") && r.err.contains("630 unique sources"), r.err)
    }
}
