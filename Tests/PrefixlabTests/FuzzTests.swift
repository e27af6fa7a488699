import Foundation
import TestSupport
import XCTest

/// The readers under `prefixlab fuzz` with a fixed seed for a bounded time (CI); `make fuzz`
/// runs longer with a fresh seed.
final class FuzzTests: XCTestCase {
    func testEveryReaderSurvivesAFixedSeed() throws {
        let work = TestPaths.tempDir("fuzz")
        let r = try runProcess(TestPaths.products.appendingPathComponent("prefixlab"),
                               ["fuzz", "--seed", "1", "--seconds", "40", "--work", work, "--root", TestPaths.root, "--shared", TestPaths.shared])
        XCTAssertEqual(r.status, 0, "a crash, a hang or an unexpected error type; the case: \((try? String(contentsOfFile: work + "/last-case.txt", encoding: .utf8)) ?? "?")\n\(r.out)\n\(r.err)")
        XCTAssertTrue(r.out.contains("0 findings"), r.out)
        for target in ["safetensors", "config.json", "vocab.json", "merges.txt", "tokenizer.json", "json", "run.json", "experiment",
                       "adapter_config.json", "jsonl", "e2e csv", "webnlg xml", "dart json"] {
            XCTAssertTrue(r.out.contains("  \(target): "), "\(target) was fuzzed: \(r.out)")
        }
    }
}
