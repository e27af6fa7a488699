import XCTest
import JSON

final class JSONParserTests: XCTestCase {
    func testParsesValuesAndKeepsKeyOrder() throws {
        let v = try JSONParser.parse(#"{"b": [1, 2.5, -3e2, true, false, null], "a": "x\u00e9\n\ud83d\ude00"}"#)
        XCTAssertEqual(v.object?.map(\.0), ["b", "a"])
        XCTAssertEqual(v["b"], .array([.number(1), .number(2.5), .number(-300), .bool(true), .bool(false), .null]))
        XCTAssertEqual(v["a"]?.string, "xé\n😀")
    }

    func testRejectsDuplicateKeysWithTheirName() {
        XCTAssertThrowsError(try JSONParser.parse(#"{"w": 1, "w": 2}"#)) { e in
            XCTAssertTrue("\(e)".contains("duplicate key \"w\""), "\(e)")
        }
    }

    func testRejectsMalformedText() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "tru", "01", "1.", "\"\\x\"", "\"abc", "{} x", "\"\\ud800\""] {
            XCTAssertThrowsError(try JSONParser.parse(bad), bad)
        }
    }

    func testSerialisedOutputParsesBack() throws {
        let v: JSONValue = .object([("n", .number(0.1)), ("i", .number(42)), ("s", .string("q\"\\\t\u{1}"))])
        XCTAssertEqual(v.serialized, #"{"n": 0.1, "i": 42, "s": "q\"\\\t\u0001"}"#)
        XCTAssertEqual(try JSONParser.parse(v.serialized), v)
    }
}
