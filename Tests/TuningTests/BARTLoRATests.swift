import Foundation
import XCTest
import JSON
import Models
import Tuning
import TestSupport

/// LoRA on BART trains as PEFT's LoRA does (fixtures: PEFT 0.21.2 itself on `tiny`,
/// tools/make_bart_lora_fixtures.py): every linear layer of both stacks, and PEFT's default
/// targets (q_proj and v_proj, the cross-attention's included): the loss, every A and B's
/// gradient, θ₃ − θ₀ after 3 AdamW steps. Decoding merges the update into the weights: the
/// merged model's loss is the training pass's.
final class BARTLoRATests: XCTestCase {
    func testLoRAMatchesPEFT() throws {
        let dir = TestPaths.fixtures + "/bart/tiny"
        let m = try XCTUnwrap(try HFModelFolder.load(dir) as? BARTModel)
        for (fixture, targets) in [("lora-all", ["q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2"]), ("lora-default", nil)] as [(String, [String]?)] {
            let (info, ref, examples, weights) = try peftFixture(dir, fixture)
            XCTAssertEqual(info["targets"]?.array?.compactMap(\.string), targets ?? ["q_proj", "v_proj"])
            let method = LoRA(r: info["r"]!.int!, alpha: info["lora_alpha"]!.number!, targets: targets)
            let tm = try startingFrom(ref, prefix: "", m, method)
            XCTAssertEqual(tm.params.tensors.count, info["tensors"]!.int!, fixture)
            XCTAssertEqual(tm.params.trainableCount, method.trainedParameters(m.summary))
            let loss = tm.computeGradients([tm.batch(examples, weights: weights)])
            XCTAssertEqual(loss, info["loss"]!.number!, accuracy: 1e-4, fixture)
            try checkGradients(tm, ref, prefix: "", fixture)
            // Merged into the weights (as decoding reads them), the frozen model scores the batch as the update does.
            let merged = tm.state.currentConditioning().mergingLoRA(into: m) { _ in
                let plain = TrainingModel(model: m, method: FineTune(), maxBatch: 3, maxT: 32)
                return plain.loss(plain.batch(examples, weights: weights))
            }
            XCTAssertEqual(merged, loss, accuracy: 1e-4, "\(fixture): merged weights")
            try checkThreeSteps(try startingFrom(ref, prefix: "", m, method), examples, weights, ref: ref, prefix: "", fixture)
        }
    }

    /// PEFT's target_modules select as PEFT does: `q_proj` every attention's; one attention's by
    /// its path; a name no layer has is refused, naming the layers there are.
    func testTargetsSelectAsPEFT() throws {
        let m = try HFModelFolder.summary(TestPaths.fixtures + "/bart/tiny")
        let all = LoRA(targets: ["q_proj"]).shape(m)
        XCTAssertEqual(all.blocks.map { $0.map(\.module) }, [["self_attn.q_proj"], ["self_attn.q_proj"],
                                                             ["self_attn.q_proj", "encoder_attn.q_proj"], ["self_attn.q_proj", "encoder_attn.q_proj"]])
        XCTAssertEqual(LoRA(targets: ["encoder_attn.v_proj"]).shape(m).blocks.map(\.count), [0, 0, 1, 1])
        XCTAssertEqual(LoRA().shape(m).blocks.map(\.count), [2, 2, 4, 4], "PEFT's default for BART: q_proj, v_proj")
        XCTAssertThrowsError(try LoRA(targets: ["c_attn"]).check(against: m)) { e in
            XCTAssertTrue("\(e)".contains("c_attn") && "\(e)".contains("encoder_attn.q_proj"), "\(e)")
        }
    }
}
