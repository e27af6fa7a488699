import Foundation
import XCTest
import Models
import TestSupport

final class ModelFolderErrorTests: XCTestCase {
    func expectError(_ dir: String, _ needle: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try GPT2Model.load(dir), file: file, line: line) {
            XCTAssertTrue("\($0)".contains(needle), "\($0)", file: file, line: line)
        }
    }

    func testMissingFolder() { expectError("/nonexistent/model", "/nonexistent/model: model folder does not exist") }

    func testConfigWithoutNEmbd() throws {
        let d = try TestPaths.modelFolder("tiny-f32")
        let cfg = try String(contentsOfFile: d + "/config.json", encoding: .utf8)
        try cfg.replacingOccurrences(of: "\"n_embd\"", with: "\"width\"").write(toFile: d + "/config.json", atomically: true, encoding: .utf8)
        expectError(d, "config.json: missing n_embd")
    }

    func testTruncatedWeights() throws {
        let d = try TestPaths.modelFolder("tiny-f32")
        let path = d + "/model.safetensors"
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: path))
        expectError(d, "model.safetensors: tensor '")
        expectError(d, "(file truncated?)")
    }

    func testConfigThatDisagreesWithTheWeights() throws {
        let d = try TestPaths.modelFolder("tiny-f32")
        let cfg = try String(contentsOfFile: d + "/config.json", encoding: .utf8)
        try cfg.replacingOccurrences(of: "\"n_embd\": 16", with: "\"n_embd\": 24").write(toFile: d + "/config.json", atomically: true, encoding: .utf8)
        expectError(d, "has shape [50257, 16], expected [50257, 24]")
    }
}
