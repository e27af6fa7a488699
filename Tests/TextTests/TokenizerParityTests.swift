import Foundation
import XCTest
import JSON
import Text
import TestSupport

/// Ids identical to Hugging Face's GPT-2 tokenizer (fixtures by tools/make_fixtures.py).
final class TokenizerParityTests: XCTestCase {
    nonisolated(unsafe) static let tokenizer: BPETokenizer = {
        do { return try TokenizerFiles.load(folder: TestPaths.gpt2Tokenizer) } catch { fatalError("\(error)") }
    }()

    func testHardStrings() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixtures + "/tokenizer/hard_strings.json"))
        let cases = try JSONParser.parse(bytes: [UInt8](data)).array!
        XCTAssertGreaterThan(cases.count, 20)
        for c in cases {
            let text = c["text"]!.string!
            let expected = c["ids"]!.array!.map { Int32($0.int!) }
            XCTAssertEqual(Self.tokenizer.encode(text), expected, "ids of \(text.debugDescription)")
            XCTAssertEqual(Self.tokenizer.decode(expected), text, "decode of \(text.debugDescription)")
        }
    }

    /// Every line of every E2E, WebNLG and system-output file in ../shared/data, compared
    /// through FNV-1a hashes of the ids of each block of 16 lines.
    func testEveryLineOfTheSharedData() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixtures + "/tokenizer/data_hashes.json"))
        let files = try JSONParser.parse(bytes: [UInt8](data)).object!
        var lines = 0, mismatches: [String] = []
        for (rel, entry) in files {
            let path = TestPaths.shared + "/data/" + rel
            guard let raw = FileManager.default.contents(atPath: path) else {
                XCTFail("cannot read \(path): tokenizer parity needs ../shared/data beside the clone (or PREFIXLAB_SHARED)")
                return
            }
            // Split on the byte 0x0A, as Python's split("\n"): "\r\n" is one Swift Character.
            let fileLines = raw.split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            XCTAssertEqual(fileLines.count, entry["lines"]!.int!, rel)
            let blocks = entry["blocks"]!.array!.map { $0.string! }
            for (k, start) in stride(from: 0, to: fileLines.count, by: 16).enumerated() {
                let ids = fileLines[start..<min(start + 16, fileLines.count)].map { Self.tokenizer.encode($0) }
                if fnv(ids) != blocks[k] { mismatches.append("\(rel) lines \(start + 1)-\(start + ids.count)") }
            }
            lines += fileLines.count
        }
        print("tokenizer parity: \(lines) lines in \(files.count) files of ../shared/data checked, \(mismatches.count) blocks differ")
        XCTAssertGreaterThan(lines, 100_000)
        XCTAssertEqual(mismatches, [], "ids differ from Hugging Face's in: \(mismatches.prefix(10))")
    }

    func testDecodeOfEncodeIsIdentity() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("aZ 09'\t\n\r.,!é中😀\u{301}  ｆ\u{a0}-£")
        for _ in 0..<300 {
            let s = String((0..<Int.random(in: 0..<40, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! })
            XCTAssertEqual(Self.tokenizer.decode(Self.tokenizer.encode(s)), s)
        }
    }

    func testTokenizerJSONGivesTheSameIds() throws {
        // Build a tokenizer.json (Hugging Face's format, merges as pairs) from the same files.
        let t = Self.tokenizer
        let vocab: [(String, JSONValue)] = t.tokens.enumerated().map { ($1, .number(Double($0))) }
        let merges: [JSONValue] = t.merges.map { .array([.string($0.0), .string($0.1)]) }
        let root: JSONValue = .object([
            ("added_tokens", .array([.object([("id", .number(50256)), ("content", .string("<|endoftext|>")), ("special", .bool(true))])])),
            ("model", .object([("type", .string("BPE")), ("vocab", .object(vocab)), ("merges", .array(merges))])),
        ])
        let dir = TestPaths.tempDir("tokjson")
        try root.serialized.write(toFile: dir + "/tokenizer.json", atomically: true, encoding: .utf8)
        let u = try TokenizerFiles.load(folder: dir)
        for s in ["The Eagle is a coffee shop.", "emoji 😀 <|endoftext|> tab\t", "  spaces   and\nnewlines"] {
            XCTAssertEqual(u.encode(s), t.encode(s))
        }
        XCTAssertEqual(u.eosId, 50256)
    }

    func testBadTokenizerFilesNameTheFile() throws {
        let dir = TestPaths.tempDir("badtok")
        try "{\"a\": 0}".write(toFile: dir + "/vocab.json", atomically: true, encoding: .utf8)
        try "#version: 0.2\na b c\n".write(toFile: dir + "/merges.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TokenizerFiles.load(folder: dir)) { XCTAssertTrue("\($0)".contains("merges.txt:2"), "\($0)") }
        try "#version: 0.2\na b\n".write(toFile: dir + "/merges.txt", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try TokenizerFiles.load(folder: dir)) { XCTAssertTrue("\($0)".contains("vocab.json: vocabulary lacks the byte token"), "\($0)") }
    }

    func fnv(_ lines: [[Int32]]) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for ids in lines {
            for x in [UInt32(ids.count)] + ids.map({ UInt32(bitPattern: $0) }) {
                for s in stride(from: 0, to: 32, by: 8) {
                    h ^= UInt64((x >> UInt32(s)) & 0xFF)
                    h = h &* 0x100_0000_01b3
                }
            }
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
