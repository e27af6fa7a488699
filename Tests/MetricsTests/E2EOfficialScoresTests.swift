import Foundation
import XCTest
import JSON
import Metrics
import Text
import TestSupport

/// The four real E2E systems' outputs of ../shared/data/e2e-systems, scored against the test
/// set's references, equal the official evaluation's figures (measure_scores.py, which
/// prints 4 decimals) to 1e-3.
final class E2EOfficialScoresTests: XCTestCase {
    static let systems = ["sclstm.run1.txt", "tgen-minus.run1.txt", "tgen-plus.run1.txt", "tgen-std.run1.txt"]

    func load() throws -> (refs: [[String]], official: JSONValue) {
        let test = try DatasetSpec.load(TestPaths.shared + "/data/e2e/testset_w_refs.csv")
        let official = try JSONParser.parse(String(contentsOfFile: TestPaths.shared + "/data/e2e-systems/official_scores.json", encoding: .utf8))
        return (test.examples.map { $0.references.map { $0.trimmingCharacters(in: .whitespaces) } }, official)
    }

    func outputs(_ name: String) throws -> [String] {
        let text = try String(contentsOfFile: TestPaths.shared + "/data/e2e-systems/" + name, encoding: .utf8)
        var lines = text.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    func testBLEUAndNISTEqualMTEval() throws {
        let (refs, official) = try load()
        for name in Self.systems {
            let hyp = try outputs(name)
            XCTAssertEqual(hyp.count, refs.count)
            let s = MTEval.score(hypotheses: hyp, references: refs)
            print(String(format: "%@: BLEU %.4f (official %.4f), NIST %.4f (official %.4f)", name, s.bleu,
                         official[name]!["BLEU"]!.number!, s.nist, official[name]!["NIST"]!.number!))
            XCTAssertEqual(s.bleu, official[name]!["BLEU"]!.number!, accuracy: 1e-3, name)
            XCTAssertEqual(s.nist, official[name]!["NIST"]!.number!, accuracy: 1e-3, name)
        }
    }
}
