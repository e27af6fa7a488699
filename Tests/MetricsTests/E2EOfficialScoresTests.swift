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
            // sacreBLEU 2.6.0 itself on the same files (Tests/Fixtures/metrics, tools/make_metric_fixtures.py).
            // ../shared's figure for tgen-minus (60.96) is not what sacreBLEU 2.6.0 computes (60.73);
            // the other three agree with both.
            let sacre = SacreBLEU.corpus(hypotheses: hyp, references: refs)
            XCTAssertEqual(sacre, try sacrebleuReference()[name]!.number!, accuracy: 1e-3, "\(name) sacreBLEU")
        }
    }

    func testROUGELAndCIDErEqualCocoEval() throws {
        let (refs, official) = try load()
        let refTokens = refs.map { $0.map(PTBTokenizer.tokenize) }
        for name in Self.systems {
            let hyp = try outputs(name).map(PTBTokenizer.tokenize)
            let rouge = CocoRougeL.corpus(candidates: hyp, references: refTokens).score
            let cider = CocoCIDEr.corpus(candidates: hyp, references: refTokens).score
            print(String(format: "%@: ROUGE_L %.4f (official %.4f), CIDEr %.4f (official %.4f)", name, rouge,
                         official[name]!["ROUGE_L"]!.number!, cider, official[name]!["CIDEr"]!.number!))
            XCTAssertEqual(rouge, official[name]!["ROUGE_L"]!.number!, accuracy: 1e-3, name)
            XCTAssertEqual(cider, official[name]!["CIDEr"]!.number!, accuracy: 1e-3, name)
        }
    }

    /// The METEOR approximation stays within 0.04 below the official METEOR 1.5 and keeps the
    /// systems in the same order.
    func testMeteorApproximationGap() throws {
        let (refs, official) = try load()
        let r = refs.map { $0.map(PTBTokenizer.tokenize) }
        var ours: [Double] = [], theirs: [Double] = []
        for name in Self.systems {
            let m = MeteorApprox.corpus(candidates: try outputs(name).map(PTBTokenizer.tokenize), references: r)
            let o = official[name]!["METEOR"]!.number!
            print(String(format: "%@: METEOR approximation %.4f, official %.4f", name, m, o))
            XCTAssertLessThanOrEqual(m, o + 0.005, name)
            XCTAssertGreaterThan(m, o - 0.04, name)
            ours.append(m); theirs.append(o)
        }
        XCTAssertEqual(ours.indices.sorted { ours[$0] < ours[$1] }, theirs.indices.sorted { theirs[$0] < theirs[$1] })
    }

    func sacrebleuReference() throws -> JSONValue {
        try JSONParser.parse(String(contentsOfFile: TestPaths.fixtures + "/metrics/sacrebleu.json", encoding: .utf8))
    }

    /// The PTB tokenisation equals Stanford CoreNLP 3.4.1's (after pycocoevalcap's punctuation
    /// removal) on every E2E test reference and every system output, through hashes per 16 lines.
    func testPTBTokenizerEqualsCoreNLP() throws {
        let rows = try CSVReader.parse([UInt8](try Data(contentsOf: URL(fileURLWithPath: TestPaths.shared + "/data/e2e/testset_w_refs.csv"))),
                                       path: "testset_w_refs.csv").dropFirst()
        var lines = rows.map { $0.fields[1].trimmingCharacters(in: .whitespaces) }
        for name in Self.systems { lines += try outputs(name) }
        let want = try JSONParser.parse(String(contentsOfFile: TestPaths.fixtures + "/metrics/ptb_hashes.json", encoding: .utf8))
        XCTAssertEqual(lines.count, want["lines"]!.int!)
        let blocks = want["blocks"]!.array!.map { $0.string! }
        var bad: [Int] = []
        for (k, start) in stride(from: 0, to: lines.count, by: 16).enumerated() {
            let toks = lines[start..<min(lines.count, start + 16)].map { PTBTokenizer.tokenize($0).joined(separator: " ") }
            if fnv(toks) != blocks[k] { bad.append(start + 1) }
        }
        print("PTB tokenizer parity: \(lines.count) lines checked against CoreNLP, \(bad.count) blocks differ")
        XCTAssertEqual(bad, [], "blocks starting at lines \(bad.prefix(10)) differ from CoreNLP")
    }

    func fnv(_ strings: [String]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for s in strings { for b in Array(s.utf8) + [0x0A] { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 } }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// Google's rouge-score (with and without its stemmer) on two E2E systems, against the values
/// the package computes (tools/make_metric_fixtures.py), and NLTK's Porter stemmer on words.
final class RougeScoreTests: XCTestCase {
    func testEqualsRougeScorePackage() throws {
        let ref = try JSONParser.parse(String(contentsOfFile: TestPaths.fixtures + "/metrics/rouge_score.json", encoding: .utf8))
        let test = try DatasetSpec.load(TestPaths.shared + "/data/e2e/testset_w_refs.csv")
        let refs = test.examples.map { $0.references.map { $0.trimmingCharacters(in: .whitespaces) } }
        for name in ["tgen-std.run1.txt", "sclstm.run1.txt"] {
            var hyp = try String(contentsOfFile: TestPaths.shared + "/data/e2e-systems/" + name, encoding: .utf8)
                .components(separatedBy: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            hyp = Array(hyp.prefix(refs.count))
            for stem in [false, true] {
                let s = RougeScore.corpus(hypotheses: hyp, references: refs, stem: stem)
                let want = ref["\(name):\(stem ? "stem" : "nostem")"]!
                XCTAssertEqual(s.rouge1, want["rouge1"]!.number!, accuracy: 1e-6, "\(name) stem \(stem) rouge1")
                XCTAssertEqual(s.rouge2, want["rouge2"]!.number!, accuracy: 1e-6, "\(name) stem \(stem) rouge2")
                XCTAssertEqual(s.rougeL, want["rougeL"]!.number!, accuracy: 1e-6, "\(name) stem \(stem) rougeL")
            }
        }
    }

    func testPorterStemmerOnKnownWords() {
        let cases = ["caresses": "caress", "ponies": "poni", "ties": "tie", "cats": "cat", "feed": "feed", "agreed": "agre",
                     "plastered": "plaster", "motoring": "motor", "sing": "sing", "hopping": "hop", "falling": "fall",
                     "filing": "file", "happy": "happi", "relational": "relat", "conditional": "condit", "triplicate": "triplic",
                     "hopeful": "hope", "goodness": "good", "revival": "reviv", "adoption": "adopt", "controll": "control",
                     "dying": "die", "skies": "sky", "flies": "fli", "dies": "die", "generalization": "gener", "running": "run",
                     "restaurant": "restaur", "friendly": "friendli", "located": "locat", "ratings": "rate"]
        for (w, s) in cases { XCTAssertEqual(PorterStemmer.stem(w), s, w) }
    }
}

final class SlotCoverageTests: XCTestCase {
    func testValuesOfE2EAndWebNLGSources() {
        XCTAssertEqual(SlotCoverage.values(of: "name : The Eagle | Type : coffee shop | food : French"), ["The Eagle", "coffee shop", "French"])
        XCTAssertEqual(SlotCoverage.values(of: "Aarhus Airport : city served : Aarhus, Denmark"), ["Aarhus Airport", "Aarhus, Denmark"])
    }

    func testCoverageNameAndDistinct() {
        let src = ["name : The Eagle | food : French", "name : Aromi | area : riverside"]
        let c = SlotCoverage.compute(sources: src, outputs: ["The Eagle serves french food.", "The Eagle serves French food."])
        XCTAssertEqual(c.slotAccuracy, 0.5, accuracy: 1e-12)
        XCTAssertEqual(c.nameAccuracy, 0.5, accuracy: 1e-12)
        XCTAssertEqual(c.distinctOutputs, 2)
    }
}
