import Foundation
import Jobs
import Specs
import TestSupport
import XCTest

/// The launch form's check says, beside the field it belongs to, what a launch would otherwise
/// only say when it fails: the one method BART cannot train with (infix), and why.
final class LaunchCheckTests: XCTestCase {
    func testAnEncoderDecoderTakesTheMethodsBuiltForIt() {
        func problems(_ method: MethodSpec) -> [String: String] {
            LaunchCheck.problems(RunSpec(model: TestPaths.fixtures + "/bart/tiny", train: TestPaths.fixtures + "/bart/pairs.jsonl", method: method))
        }
        XCTAssertEqual(problems(MethodSpec(name: "finetune")), [:])
        XCTAssertEqual(problems(MethodSpec(name: "prefix")), [:])
        XCTAssertEqual(problems(MethodSpec(name: "embedding")), [:])
        XCTAssertEqual(problems(MethodSpec(name: "lora")), [:])
        XCTAssertEqual(problems(MethodSpec(name: "adapter")), [:])
        XCTAssertTrue(problems(MethodSpec(name: "infix"))["method"]?.contains("an encoder-decoder (BART) has no such place") == true, "\(problems(MethodSpec(name: "infix")))")
        var gpt2Targets = MethodSpec(name: "lora")
        gpt2Targets["lora_targets"] = .text("c_attn")
        XCTAssertTrue(problems(gpt2Targets)["method"]?.contains("selects none of this model's linear layers") == true, "\(problems(gpt2Targets))")
        var cross = MethodSpec(name: "prefix")
        cross["prefix_kinds"] = .text("cross,encoder")
        XCTAssertEqual(problems(cross), [:])
        // GPT-2 has no encoder: an encoder prefix is refused beside the length field.
        let gpt2 = RunSpec(model: TestPaths.root + "/samples/models/gpt2-e2e-mini", train: TestPaths.root + "/samples/data/e2e/train-50.jsonl", method: cross)
        XCTAssertTrue(LaunchCheck.problems(gpt2)["prefix_length"]?.contains("decoder-only") == true, "\(LaunchCheck.problems(gpt2))")
        XCTAssertNil(LaunchCheck.problems(RunSpec(model: gpt2.model, train: gpt2.train, method: MethodSpec(name: "finetune")))["model"])
    }
}
