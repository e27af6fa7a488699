import Foundation
import XCTest
import Text
import TestSupport

final class DatasetReaderTests: XCTestCase {
    let data = TestPaths.shared + "/data"

    func testE2EGroupsReferencesAndLinearisesAsThePaper() throws {
        let dev = try DatasetSpec.load(data + "/e2e/devset.csv")
        XCTAssertEqual(dev.examples.count, 547)
        XCTAssertEqual(dev.examples.reduce(0) { $0 + $1.references.count }, 4672)
        let first = dev.examples[0]
        XCTAssertEqual(first.raw, "name[Alimentum], area[city centre], familyFriendly[no]")
        XCTAssertEqual(first.source, "name : Alimentum | area : city centre | family friendly : no")
        XCTAssertEqual(first.references.first, "There is a place in the city centre, Alimentum, that is not family-friendly.")
        let test = try DatasetSpec.load(data + "/e2e:test")
        XCTAssertEqual(test.examples.count, 630)
        XCTAssertEqual(test.examples.reduce(0) { $0 + $1.references.count }, 4693)
        // Every slot name of the data maps as the paper's files write them.
        let slots = Set(dev.examples.flatMap { E2EReader.parseMR($0.raw)!.map(\.0) })
        XCTAssertEqual(slots, ["name", "eatType", "food", "priceRange", "customer rating", "area", "familyFriendly", "near"])
        XCTAssertEqual(E2EReader.linearise(E2EReader.parseMR("name[The Eagle], eatType[coffee shop], priceRange[£20-25], customer rating[3 out of 5], near[Burger King]")!),
                       "name : The Eagle | Type : coffee shop | price : £20-25 | customer rating : 3 out of 5 | near : Burger King")
    }

    func testWebNLGReadsTriplesCategoriesAndReferences() throws {
        // 6,940 entries (872 in dev); entries with the same triples are one example with all
        // their references (grouped over the whole split), so 47 (1) fewer examples.
        let train = try DatasetSpec.load(data + "/webnlg2017:train")
        XCTAssertEqual(train.examples.count, 6893)
        XCTAssertEqual(train.examples.reduce(0) { $0 + $1.references.count }, 18102)
        XCTAssertEqual(Set(train.examples.map(\.source)).count, train.examples.count, "one example per source")
        let dev = try DatasetSpec.load(data + "/webnlg2017:dev")
        XCTAssertEqual(dev.examples.count, 871)
        let e = dev.examples[0]
        XCTAssertEqual(e.id, "Airport/Id1")
        XCTAssertEqual(e.source, "Aarhus : leaderName : Jacob Bundsgaard")
        XCTAssertEqual(e.references.first, "The leader of Aarhus is Jacob Bundsgaard.")
        XCTAssertEqual(e.seen, true)
        XCTAssertEqual(WebNLGReader.lineariseTriple("Adolfo_Suárez_Madrid–Barajas_Airport | runwayLength | 3500.0"),
                       "Adolfo Suárez Madrid–Barajas Airport : runwayLength : 3500.0")
    }

    func testDARTAndJSONL() throws {
        let dir = TestPaths.tempDir("dart")
        try """
        [{"tripleset": [["Mars_Hill_College", "JOINED", "1973"], ["Mars Hill College", "LOCATION", "Mars Hill, NC"]],
          "subtree_was_extended": false,
          "annotations": [{"source": "WikiSQL_decl_sents", "text": "A school from Mars Hill, NC, joined in 1973."},
                          {"source": "WikiSQL_decl_sents", "text": "Mars Hill College joined in 1973."}]}]
        """.write(toFile: dir + "/dart.json", atomically: true, encoding: .utf8)
        let d = try DatasetSpec.load(dir + "/dart.json")
        XCTAssertEqual(d.examples.count, 1)
        XCTAssertEqual(d.examples[0].source, "Mars Hill College : JOINED : 1973 | Mars Hill College : LOCATION : Mars Hill, NC")
        XCTAssertEqual(d.examples[0].references.count, 2)
        XCTAssertEqual(d.examples[0].category, "WikiSQL_decl_sents")

        try """
        {"source": "a", "target": "x"}
        {"source": "a", "target": "y"}
        {"document": "long text", "summary": "short"}
        """.write(toFile: dir + "/d.jsonl", atomically: true, encoding: .utf8)
        let j = try DatasetSpec.load(dir + "/d.jsonl")
        XCTAssertEqual(j.examples.map(\.references), [["x", "y"], ["short"]])
    }

    func expectError(_ spec: String, _ needle: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try DatasetSpec.load(spec), file: file, line: line) {
            XCTAssertTrue("\($0)".contains(needle), "\($0)", file: file, line: line)
        }
    }

    func testMalformedInputNamesTheFileAndLine() throws {
        let dir = TestPaths.tempDir("bad")
        try "mr,ref\n\"name[A]\",\"ok\"\n\"name[B],\"unterminated\n".write(toFile: dir + "/q.csv", atomically: true, encoding: .utf8)
        expectError(dir + "/q.csv", "q.csv:3:")
        try "mr,ref\nname[A],one,two\n".write(toFile: dir + "/cols.csv", atomically: true, encoding: .utf8)
        expectError(dir + "/cols.csv", "cols.csv:2: 3 fields, the header has 2")
        try "meaning,text\nx,y\n".write(toFile: dir + "/nomr.csv", atomically: true, encoding: .utf8)
        expectError(dir + "/nomr.csv", "nomr.csv:1: no 'mr' column")
        try "mr,ref\nnot an mr,text\n".write(toFile: dir + "/mr.csv", atomically: true, encoding: .utf8)
        expectError(dir + "/mr.csv", "mr.csv:2: meaning representation")
        try Data([0x6D, 0x72, 0x0A, 0xFF, 0xFE, 0x0A]).write(to: URL(fileURLWithPath: dir + "/bin.csv"))
        expectError(dir + "/bin.csv", "bin.csv:2: not valid UTF-8")
        try "<benchmark><entries><entry category=\"A\" eid=\"1\">\n<modifiedtripleset><mtriple>a | b | c</mtriple>\n</entries>".write(toFile: dir + "/w.xml", atomically: true, encoding: .utf8)
        expectError(dir + "/w.xml", "w.xml:")
        expectError(dir + "/w.xml", "broken XML")
        expectError(data + "/e2e", "holds several splits")
        expectError(data + "/e2e:nosuch", "unknown split 'nosuch'")
        expectError(dir + "/missing.csv", "no such file")
    }

    /// XSUM in its three forms: the ten examples of transformers' tests (JSON lines in a .json
    /// file, as Hugging Face datasets write them), the same with `id`, and a folder of
    /// ID.document / ID.summary pairs, side by side or in document/ and summary/.
    func testXSUMJSONLinesAndDocumentSummaryFolders() throws {
        let sample = try DatasetSpec.load(TestPaths.root + "/samples/data/xsum/sample.json")
        XCTAssertEqual(sample.examples.count, 10)
        XCTAssertTrue(sample.examples[0].source.hasPrefix("The warning begins at 22:00 GMT on Saturday"))
        XCTAssertEqual(sample.examples[0].references, ["The Met Office has issued a yellow weather warning for ice across most of Wales."])
        let dir = TestPaths.tempDir("xsum")
        try #"{"document": "A long text.\nMore.", "summary": "Short.", "id": "38264402"}"# .appending("\n").write(toFile: dir + "/train.json", atomically: true, encoding: .utf8)
        let hf = try DatasetSpec.load(dir + "/train.json")
        XCTAssertEqual(hf.examples.map(\.id), ["38264402"])
        XCTAssertEqual(hf.examples[0].source, "A long text.\nMore.")
        for layout in ["flat", "split"] {
            let root = dir + "/" + layout
            let d = layout == "flat" ? root : root + "/document", s = layout == "flat" ? root : root + "/summary"
            for p in [d, s] { try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true) }
            try "Document one.\n".write(toFile: d + "/111.document", atomically: true, encoding: .utf8)
            try "Summary one.\n".write(toFile: s + "/111.summary", atomically: true, encoding: .utf8)
            try "Document two.".write(toFile: d + "/222.document", atomically: true, encoding: .utf8)
            try "Summary two.".write(toFile: s + "/222.summary", atomically: true, encoding: .utf8)
            let x = try DatasetSpec.load(root)
            XCTAssertEqual(x.examples.map(\.id), ["111", "222"], layout)
            XCTAssertEqual(x.examples.map(\.references), [["Summary one."], ["Summary two."]], layout)
            XCTAssertEqual(x.format, "xsum")
            XCTAssertTrue(DatasetSpec.holdsSummaries(root), layout)
            try FileManager.default.removeItem(atPath: s + "/222.summary")
            expectError(root, "222.document: has no 222.summary beside it")
        }
    }

    /// Which data the Compare screen scores with ROUGE-1/2/L: XSUM's forms, not pairs or E2E.
    func testHoldsSummariesReadsOneLine() {
        XCTAssertTrue(DatasetSpec.holdsSummaries(TestPaths.root + "/samples/data/xsum/sample.json"))
        XCTAssertFalse(DatasetSpec.holdsSummaries(TestPaths.fixtures + "/bart/pairs.jsonl"))
        XCTAssertFalse(DatasetSpec.holdsSummaries(TestPaths.root + "/samples/data/e2e/train-50.jsonl"))
        XCTAssertFalse(DatasetSpec.holdsSummaries(TestPaths.root + "/no/such/file.jsonl"))
    }
}
