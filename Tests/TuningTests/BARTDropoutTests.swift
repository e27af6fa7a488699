import Foundation
import XCTest
import Models
import Tuning
import TestSupport

/// BART's dropout in fine-tuning (every site: embeddings, attention probabilities, attention
/// outputs, the feed-forward's activation and output, in both stacks): with the masks fixed by
/// the seed the loss is a function of the weights, so its gradients are checked by finite
/// differences; rate 0 is the pass without dropout, and a rate drops about that share; and
/// the same for adapters in both designs.
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

    /// Adapters under BART's dropout (both designs; houlsby's sit before the branch's dropout):
    /// with the masks fixed, finite differences on adapter tensors of both stacks.
    func testAdapterGradientsWithDropoutMatchFiniteDifferences() throws {
        let model = try XCTUnwrap(try HFModelFolder.load(TestPaths.fixtures + "/bart/deep") as? BARTModel)
        let ex = [TokenizedExample(source: [100, 200, 300, 400], target: [500, 600, 700]), TokenizedExample(source: [800, 900], target: [1000])]
        let drop = ModelDropout(rate: 0.3, seed: 11)
        for design in AdapterPlacement.allCases {
            let tm = TrainingModel(model: model, method: Adapter(placement: design, bottleneck: 3, modelDropout: 0.3), maxBatch: 2, maxT: 8)
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15
            for i in 0..<tm.params.count {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                tm.params.values.base[i] = (Float(state >> 40) / Float(1 << 24) - 0.5) * 0.8 + (tm.params.tensors.first { $0.offset <= i && i < $0.offset + $0.count }!.name.hasSuffix("ln.weight") ? 1 : 0)
            }
            let batch = tm.batch(ex, weights: [1, 1])
            tm.params.grads.zero()
            let loss = tm.computeGradients([batch], modelDropout: drop)
            XCTAssertNotEqual(loss, tm.loss(batch), accuracy: 1e-6, "\(design): dropout changed nothing")
            let grads = Array(tm.params.grads.buffer)
            let probes = design == .blockOutput
                ? ["model.encoder.layers.0.adapter_block.project_down.weight", "model.encoder.layers.2.adapter_block.ln.weight",
                   "model.decoder.layers.1.adapter_block.project_up.weight"]
                : ["model.encoder.layers.1.adapter_block.project_up.weight", "model.encoder.layers.0.adapter_block2.project_down.weight",
                   "model.decoder.layers.0.adapter_block2.project_up.weight", "model.decoder.layers.1.adapter_block.project_down.weight"]
            let h: Float = 1e-2
            for name in probes {
                // Each tensor's element with the largest gradient: far above the differences' float32 noise.
                let t = try XCTUnwrap(tm.params.tensors.first { $0.name == name }, name)
                let i = (0..<t.count).max { abs(grads[t.offset + $0]) < abs(grads[t.offset + $1]) }!, off = t.offset + i
                let keep = tm.params.values.base[off]
                tm.params.values.base[off] = keep + h
                let up = tm.computeGradients([batch], modelDropout: drop)
                tm.params.values.base[off] = keep - h
                let down = tm.computeGradients([batch], modelDropout: drop)
                tm.params.values.base[off] = keep
                let fd = (up - down) / Double(2 * h)
                XCTAssertGreaterThan(abs(fd), 1e-2, "\(design) \(name)[\(i)]: too small a gradient to check")
                XCTAssertEqual(Double(grads[off]), fd, accuracy: 1e-3 + 0.02 * abs(fd), "\(design) \(name)[\(i)]")
            }
        }
    }
}
