import Foundation
import Jobs
import Specs
import TestSupport
import XCTest

/// The launch form's check says, beside the model field, what a launch would otherwise only
/// say when it fails: a BART folder does not train yet.
final class LaunchCheckTests: XCTestCase {
    func testAnEncoderDecoderIsRefusedBesideTheModelField() {
        let spec = RunSpec(model: TestPaths.fixtures + "/bart/tiny", train: TestPaths.fixtures + "/bart/pairs.jsonl", method: MethodSpec(name: "finetune"))
        let problems = LaunchCheck.problems(spec)
        XCTAssertTrue(problems["model"]?.contains("an encoder-decoder (BART); training it is not built yet") == true, "\(problems)")
        let gpt2 = RunSpec(model: TestPaths.root + "/samples/models/gpt2-e2e-mini", train: TestPaths.root + "/samples/data/e2e/train-50.jsonl",
                           method: MethodSpec(name: "finetune"))
        XCTAssertNil(LaunchCheck.problems(gpt2)["model"])
    }
}
