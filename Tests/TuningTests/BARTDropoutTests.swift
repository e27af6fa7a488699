import Foundation
import XCTest
import Models
import Tuning
import TestSupport

/// BART's dropout in fine-tuning (every site: embeddings, attention probabilities, attention
/// outputs, the feed-forward's activation and output, in both stacks): with the masks fixed by
/// the seed the loss is a function of the weights, so its gradients are checked by finite
/// differences; rate 0 is the pass without dropout, and a rate drops about that share.
final class BARTDropoutTests: XCTestCase {
    func testGradientsWithDropoutMatchFiniteDifferences() throws {
        let model = try XCTUnwrap(try HFModelFolder.load(TestPaths.fixtures + "/bart/deep") as? BARTModel)
        let ex = [TokenizedExample(source: [100, 200, 300, 400], target: [500, 600, 700]), TokenizedExample(source: [800, 900], target: [1000])]
        let method = FineTune(dropout: 0.3)
        func fresh() -> TrainingModel { TrainingModel(model: model, method: method, maxBatch: 2, maxT: 8) }
        let tm = fresh()
        let batch = tm.batch(ex, weights: [0.1, 0.1])
        let drop = ModelDropout(rate: 0.3, seed: 9)
        let loss = tm.computeGradients([batch], modelDropout: drop)
        let plain = fresh().loss(batch)
        XCTAssertNotEqual(loss, plain, accuracy: 1e-6, "dropout changed nothing")
        XCTAssertEqual(fresh().computeGradients([batch], modelDropout: ModelDropout(rate: 0, seed: 9)), plain, accuracy: 1e-9)
        XCTAssertEqual(fresh().computeGradients([batch], modelDropout: drop), loss, accuracy: 1e-9, "the same seed draws the same masks")
        let grads = Array(tm.params.grads.buffer)
        let lay = model.layout
        let probes = [("model.encoder.layers.0.self_attn.q_proj.weight", 5), ("model.encoder.layers.2.fc1.weight", 17),
                      ("model.encoder.layernorm_embedding.weight", 3), ("model.decoder.layers.0.self_attn.v_proj.weight", 9),
                      ("model.decoder.layers.1.encoder_attn.k_proj.weight", 21), ("model.decoder.layers.1.fc2.weight", 30),
                      ("model.decoder.layers.0.encoder_attn.out_proj.bias", 2), ("model.decoder.embed_positions.weight", 16 * 3 + 1)]
        let h: Float = 1e-2
        for (name, i) in probes {
            let off = try XCTUnwrap(lay.entries.first { $0.name == name }, name).offset + i
            let keep = model.params.base[off]
            model.params.base[off] = keep + h
            let up = fresh().computeGradients([batch], modelDropout: drop)
            model.params.base[off] = keep - h
            let down = fresh().computeGradients([batch], modelDropout: drop)
            model.params.base[off] = keep
            let fd = (up - down) / Double(2 * h)
            XCTAssertEqual(Double(grads[off]), fd, accuracy: 2e-3 + 0.02 * abs(fd), "\(name)[\(i)]")
        }
    }
}
