import Foundation
import XCTest
import JSON
import Metrics
import Text
import TestSupport

/// Slot errors equal the E2E cleaning study's slot_error.py (run outside the project by
/// tools/make_slot_error_fixtures.py) on the four real E2E systems: every output's counts and
/// MR diff, and the totals.
final class SlotErrorsTests: XCTestCase {
    func testEveryOutputEqualsTheStudysScript() throws {
        let test = try DatasetSpec.load(TestPaths.shared + "/data/e2e/testset_w_refs.csv")
        let fixture = try JSONParser.parse(String(contentsOfFile: TestPaths.fixtures + "/metrics/slot_errors.json", encoding: .utf8))
        for name in E2EOfficialScoresTests.systems {
            let ref = fixture["systems"]![name]!
            let hyp = try outputs(name)
            XCTAssertEqual(hyp.count, test.examples.count)
            var total = SlotErrors.Counts()
            for (i, (e, out)) in zip(test.examples, hyp).enumerated() {
                let mr = try XCTUnwrap(SlotErrors.mr(e.source), e.source)
                XCTAssertEqual(SlotErrors.mr(e.raw), mr, "the CSV's MR and its linearisation read alike: \(e.raw)")
                let c = SlotErrors.check(mr: mr, output: out)
                let want = ref["per_output"]!.array![i].array!.map { Int($0.number!) }
                XCTAssertEqual([c.counts.added, c.counts.missing, c.counts.wrong, c.counts.repeated, c.counts.mrValues], want, "\(name) line \(i + 1): \(out)")
                var wantDiff: [String: [String: Int]] = [:]
                for (slot, values) in ref["diffs"]![String(i)]?.object ?? [] {
                    for (value, n) in values.object! { wantDiff[slot, default: [:]][value] = Int(n.number!) }
                }
                XCTAssertEqual(c.diff, wantDiff, "\(name) line \(i + 1): \(out)")
                total = total + c.counts
            }
            XCTAssertEqual(SlotErrors.corpus(sources: test.examples.map(\.source), outputs: hyp), total)
            XCTAssertEqual([total.added, total.missing, total.wrong, total.repeated, total.mrValues],
                           ["added", "missing", "wrong", "repeated", "mr_values"].map { Int(ref[$0]!.number!) }, name)
            print(String(format: "%@: SER %.4f (missing %d, added %d, wrong %d, repeated %d of %d)", name, total.rate, total.missing,
                         total.added, total.wrong, total.repeated, total.mrValues))
        }
    }

    func outputs(_ name: String) throws -> [String] {
        let text = try String(contentsOfFile: TestPaths.shared + "/data/e2e-systems/" + name, encoding: .utf8)
        return Array(text.components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.prefix(630))
    }

    func testWrongValuesAreListedAndTheirWordsMarked() throws {
        let mr = try XCTUnwrap(SlotErrors.mr("name : The Eagle | Type : pub | area : riverside | customer rating : 5 out of 5"))
        let out = "The Eagle is a  coffee shop in the city centre with a low customer rating."
        let c = SlotErrors.check(mr: mr, output: out)
        XCTAssertEqual(c.counts, SlotErrors.Counts(missing: 0, added: 0, wrong: 3, repeated: 0, mrValues: 4))
        XCTAssertEqual(c.missing.map(\.label), ["riverside (area)", "pub (eat type)", "5 out of 5 (rating)"])
        // "low customer rating" matches rating 1 out of 5 and low alike; the first in the table stays.
        XCTAssertEqual(c.added.map(\.label), ["city centre (area)", "coffee shop (eat type)", "1 out of 5 (rating)"])
        // Words as Compare wraps them (runs of spaces are one break): "coffee shop", "city centre", "low customer rating."
        XCTAssertEqual(c.addedWords(in: out), [4, 5, 8, 9, 12, 13, 14])
        XCTAssertEqual(c.counts.rate, 0.75)
    }

    func testSourcesThatAreNotE2EHaveNone() {
        XCTAssertNil(SlotErrors.mr("Alan Bean : occupation : Test pilot"))
        XCTAssertNil(SlotErrors.mr("name : Nowhere Inn | Type : pub"), "a name the study's patterns do not know")
        XCTAssertNil(SlotErrors.corpus(sources: ["name : The Eagle", "a document"], outputs: ["The Eagle.", "x"]))
        XCTAssertEqual(SlotErrors.corpus(sources: ["name : The Eagle"], outputs: ["The Eagle."])?.rate, 0)
    }
}
