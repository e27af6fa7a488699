import Foundation
import TestSupport
import Text
import XCTest

/// Readers never drop content silently (issue #14, items 16, 17, 19, 22): what they cannot
/// read as written they refuse, naming the file and line.
final class HostileReaderTests: XCTestCase {
    let dir = TestPaths.tempDir("readers")

    func refused(_ body: () throws -> Any, _ needle: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { XCTAssertTrue("\($0)".contains(needle), "\($0)", file: file, line: line) }
    }

    func testE2EHeadersMRsAndScatteredReferences() throws {
        // A CR left in the header still names the ref column.
        let cr = try HostileFiles.write("mr,ref\r\r\nname[A],A serves.\n", dir, "cr.csv")
        XCTAssertEqual(try E2EReader.read(path: cr).examples.first?.references, ["A serves."])
        refused({ try E2EReader.read(path: try HostileFiles.write("mr,ref\n\"name[The Eagle, eatType[pub]\",x\n", self.dir, "mr.csv")) },
                "mr.csv:2: meaning representation is not slot[value]")
        refused({ try E2EReader.read(path: try HostileFiles.write("mr,ref\n", self.dir, "empty.csv")) }, "empty.csv: contains no rows")
        // One MR in two places is one example with both references, where it first appears.
        let scattered = try HostileFiles.write("mr,ref\nname[A],A1\nname[B],B1\nname[A],A2\n", dir, "s.csv")
        let d = try E2EReader.read(path: scattered)
        XCTAssertEqual(d.examples.map(\.source), ["name : A", "name : B"])
        XCTAssertEqual(d.examples[0].references, ["A1", "A2"])
    }

    func testWebNLGKeepsCDATARefusesDTDsAndEmptyFiles() throws {
        func xml(_ lex: String, prolog: String = "") -> String {
            prolog + "<benchmark><entries><entry category=\"Airport\" eid=\"Id1\"><modifiedtripleset><mtriple>A | b | C</mtriple></modifiedtripleset>"
                + "<lex>\(lex)</lex></entry></entries></benchmark>"
        }
        let cdata = try HostileFiles.write(xml("<![CDATA[A b's <C>.]]>"), dir, "cdata.xml")
        XCTAssertEqual(try WebNLGReader.read(path: cdata).first?.references, ["A b's <C>."])
        refused({ try WebNLGReader.read(path: try HostileFiles.write(xml("&e;", prolog: "<!DOCTYPE b [<!ENTITY e \"text\">]>\n"), self.dir, "dtd.xml")) },
                "dtd.xml:1: a document type declaration")
        refused({ try WebNLGReader.read(path: try HostileFiles.write("<benchmark></benchmark>", self.dir, "none.xml")) }, "none.xml: contains no <entry>")
        refused({ try WebNLGReader.read(path: try HostileFiles.write("", self.dir, "blank.xml")) }, "blank.xml")
    }

    func testJSONLGroupsOverTheWholeFileAndReadsCRLF() throws {
        let text = #"{"source": "a", "target": "1"}"# + "\r\n" + #"{"source": "b", "target": "2"}"# + "\r\n" + #"{"source": "a", "target": "3"}"# + "\r\n"
        let d = try JSONLReader.read(path: try HostileFiles.write(text, dir, "g.jsonl"))
        XCTAssertEqual(d.examples.map(\.source), ["a", "b"])
        XCTAssertEqual(d.examples[0].references, ["1", "3"])
        XCTAssertEqual(TextFile.lines("x\r\ny\n\nz"), ["x", "y", "", "z"])
    }

    func testTokenizerIdsAreBoundedAndCRLFMergesRead() throws {
        let folder = TestPaths.tempDir("tok")
        let vocab = #"{"a": 0, "b": 1, "ab": 2}"#
        try HostileFiles.write(vocab, folder, "vocab.json")
        try HostileFiles.write("#version: 0.2\r\na b\r\n", folder, "merges.txt")
        // Fewer than the 256 byte tokens: refused, but the merges were read (the error is about bytes, not merges).
        refused({ try TokenizerFiles.load(folder: folder) }, "byte token")
        try HostileFiles.write(#"{"a": 2147483646}"#, folder, "vocab.json")
        refused({ try TokenizerFiles.load(folder: folder) }, "has id 2147483646; expected 0 to 4097")
        let tj = #"{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "added_tokens": [{"content": "<x>", "id": 1099511627776}]}"#
        refused({ try TokenizerFiles.load(tokenizerJSON: try HostileFiles.write(tj, folder, "tokenizer.json")) }, "added_tokens[0] '<x>' has id 1099511627776")
    }
}
