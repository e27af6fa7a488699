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
        // Without --meteor-data: METEOR 1.5 when this machine has pycocoevalcap's resources, else the approximation, labelled.
        if v["METEOR_official"]!.bool! {
            XCTAssertEqual(v["METEOR"]!.number!, official["METEOR"]!.number!, accuracy: 1e-4)
        } else {
            XCTAssertTrue(v["METEOR_note"]!.string!.contains("approximation"))
        }
        // Slot errors: the E2E cleaning study's script's counts (Tests/Fixtures/metrics/slot_errors.json).
        let study = try JSONParser.parse(String(contentsOfFile: TestPaths.fixtures + "/metrics/slot_errors.json", encoding: .utf8))["systems"]!["tgen-std.run1.txt"]!
        let keys = ["missing", "added", "wrong", "repeated", "mr_values"]
        XCTAssertEqual(keys.map { v["slot_errors"]?[$0]?.number }, keys.map { study[$0]?.number })
        let errors = keys.dropLast().map { study[$0]!.number! }.reduce(0, +)
        XCTAssertEqual(v["SER"]!.number!, errors / study["mr_values"]!.number!, accuracy: 1e-12)
        let text = try runProcess(prefixlab, ["score", "--hyp", TestPaths.shared + "/data/e2e-systems/tgen-std.run1.txt",
                                              "--refs", TestPaths.shared + "/data/e2e/testset_w_refs.csv"])
        XCTAssertTrue(text.out.contains("slot errors: SER 5.47%  (missing 232, added 6, wrong 0, repeated 0 of 4352 MR values"), text.out)
    }

    /// --meteor-data: METEOR 1.5 from the resources named (here the jar's cut down to the E2E
    /// texts' words), the official figure; a path that holds no resources stops the command.
    func testMeteorDataGivesTheOfficialMeteor() throws {
        let args = ["score", "--hyp", TestPaths.shared + "/data/e2e-systems/tgen-std.run1.txt", "--refs", TestPaths.shared + "/data/e2e/testset_w_refs.csv"]
        let r = try runProcess(prefixlab, args + ["--meteor-data", TestPaths.fixtures + "/metrics/meteor-e2e", "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let v = try JSONParser.parse(r.out)
        XCTAssertEqual(v["METEOR"]!.number!, 0.4503, accuracy: 1e-4)
        XCTAssertEqual(v["METEOR_official"]?.bool, true)
        XCTAssertTrue(v["METEOR_note"]!.string!.hasPrefix("METEOR 1.5"), v["METEOR_note"]!.string!)
        let bad = try runProcess(prefixlab, args + ["--meteor-data", TestPaths.fixtures + "/metrics"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.err.contains("--meteor-data") && bad.err.contains("no meteor-1.5.jar"), bad.err)
    }

    func testNoSlotErrorsOutsideE2E() throws {
        let dir = TestPaths.tempDir("score-webnlg")
        let pairs = dir + "/pairs.jsonl", hyp = dir + "/hyp.txt"
        try "{\"source\": \"Alan Bean : occupation : Test pilot\", \"target\": \"Alan Bean was a test pilot.\"}\n".write(toFile: pairs, atomically: true, encoding: .utf8)
        try "Alan Bean flew.\n".write(toFile: hyp, atomically: true, encoding: .utf8)
        let r = try runProcess(prefixlab, ["score", "--hyp", hyp, "--refs", pairs, "--json"])
        XCTAssertEqual(r.status, 0, r.err)
        let v = try JSONParser.parse(r.out)
        XCTAssertNil(v["SER"]); XCTAssertNil(v["slot_errors"])
    }

    func testWrongLineCountGivesBothCounts() throws {
        let f = TestPaths.tempDir("score") + "/short.txt"
        try "one\ntwo\n".write(toFile: f, atomically: true, encoding: .utf8)
        let r = try runProcess(prefixlab, ["score", "--hyp", f, "--refs", TestPaths.shared + "/data/e2e:test"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("2 lines") && r.err.contains("630 unique sources"), r.err)
    }
}
