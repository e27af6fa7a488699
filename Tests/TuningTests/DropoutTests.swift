import Foundation
import XCTest
import Models
import Tuning
import TestSupport

/// GPT-2's dropout in fine-tuning: with the masks fixed by the seed the loss is a function
/// of the weights, so its gradients can be checked by finite differences.
final class DropoutTests: XCTestCase {
    let ex = [TokenizedExample(source: [1, 2, 3], target: [4, 5, 6]), TokenizedExample(source: [7, 8], target: [9])]

    func testGradientsWithDropoutMatchFiniteDifferences() throws {
        let model = try GPT2Model.load(TestPaths.fixtures + "/training/model")
        let method = FineTune()
        let tm = TrainingModel(model: model, method: method, maxBatch: 2, maxT: 10)
        let batch = tm.batch(ex, weights: [0.2, 0.2])
        let drop = ModelDropout(rate: 0.3, seed: 9)
        let loss = tm.computeGradients([batch], modelDropout: drop)
        let plain = TrainingModel(model: model, method: method, maxBatch: 2, maxT: 10).loss(batch)
        XCTAssertNotEqual(loss, plain, accuracy: 1e-6, "dropout changed nothing")
        XCTAssertEqual(TrainingModel(model: model, method: method, maxBatch: 2, maxT: 10)
            .computeGradients([batch], modelDropout: ModelDropout(rate: 0, seed: 9)), plain, accuracy: 1e-9)
        let grads = Array(tm.params.grads.buffer)
        let lay = model.layout
        let probes = [("wte.weight", 3), ("wpe.weight", 20), ("h.0.attn.c_attn.weight", 7), ("h.0.attn.c_attn.weight", 40),
                      ("h.1.attn.c_proj.weight", 11), ("h.0.mlp.c_fc.weight", 5), ("h.1.mlp.c_proj.bias", 2), ("h.0.ln_1.weight", 4)]
        let h: Float = 1e-2
        for (name, i) in probes {
            let off = lay[name]!.offset + i
            let keep = model.params.base[off]
            model.params.base[off] = keep + h
            let up = TrainingModel(model: model, method: method, maxBatch: 2, maxT: 10).computeGradients([batch], modelDropout: drop)
            model.params.base[off] = keep - h
            let down = TrainingModel(model: model, method: method, maxBatch: 2, maxT: 10).computeGradients([batch], modelDropout: drop)
            model.params.base[off] = keep
            let fd = (up - down) / Double(2 * h)
            XCTAssertEqual(Double(grads[off]), fd, accuracy: 2e-3 + 0.02 * abs(fd), "\(name)[\(i)]")
        }
    }
}
