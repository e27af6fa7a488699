import Foundation
import XCTest
import Specs
import Tuning

final class SyntheticCopyTests: XCTestCase {
    func testDocumentsAreASpanTwiceOfNonEosIdsAndReproducible() {
        let copy = SyntheticCopy(share: 0.5, minSpan: 3, maxSpan: 7)
        XCTAssertEqual(copy.count(corpusCount: 100), 100)
        XCTAssertEqual(SyntheticCopy(share: 0.2, minSpan: 1, maxSpan: 1).count(corpusCount: 100), 25)
        let eos: Int32 = 5
        let docs = copy.documents(count: 400, vocabSize: 12, eos: eos, seed: 1)
        XCTAssertEqual(docs, copy.documents(count: 400, vocabSize: 12, eos: eos, seed: 1))
        XCTAssertNotEqual(docs, copy.documents(count: 400, vocabSize: 12, eos: eos, seed: 2))
        var lengths = Set<Int>(), ids = Set<Int32>()
        for d in docs {
            XCTAssertTrue(d.source.isEmpty)
            let k = d.target.count / 2
            XCTAssertEqual(d.target.count, 2 * k)
            XCTAssertEqual(Array(d.target[..<k]), Array(d.target[k...]))
            lengths.insert(k)
            ids.formUnion(d.target)
        }
        XCTAssertEqual(lengths, Set(3...7))
        XCTAssertEqual(ids, Set((0..<12).map { Int32($0) }).subtracting([eos]), "every id but eos, nothing outside the vocabulary")
    }

    func testARunConfigWrittenBeforeTheOptionStillDecodes() throws {
        var c = RunSpec(model: "m", train: "t", method: FineTune().spec)
        var json = try JSONEncoder().encode(c)
        var dict = try JSONSerialization.jsonObject(with: json) as! [String: Any]
        dict.removeValue(forKey: "synthetic_copy")
        json = try JSONSerialization.data(withJSONObject: dict)
        XCTAssertNil(try JSONDecoder().decode(RunSpec.self, from: json).training.syntheticCopy)
        c.training.syntheticCopy = SyntheticCopy(share: 0.5, minSpan: 4, maxSpan: 24)
        XCTAssertEqual(try JSONDecoder().decode(RunSpec.self, from: try JSONEncoder().encode(c)), c)
    }
}
