import Foundation
import XCTest
import Models
import Tuning
import TestSupport

/// With frozen weights BART's training pass keeps less: the attention probabilities are
/// computed again in the backward a document at a time, and the layers share what only weight
/// gradients would read. The same batch through the pass that keeps every layer's buffers
/// (every weight's gradient asked for) must give the prefixes the same loss and gradients, bit
/// for bit: with the original code's three prefixes, with and without dropout.
final class BARTFrozenPassTests: XCTestCase {
    func testTheFrozenPassGivesThePrefixesTheKeptPasssGradientsBitForBit() throws {
        let model = try XCTUnwrap(try HFModelFolder.load(TestPaths.fixtures + "/bart/deep") as? BARTModel)
        let ex = [TokenizedExample(source: [100, 200, 300, 400, 500], target: [500, 600, 700]),
                  TokenizedExample(source: [800, 900], target: [1000, 1100])]
        let layers = model.config.encoderLayers + model.config.decoderLayers
        for rate: Float in [0, 0.3] {
            func prefixModel() throws -> TrainingModel {
                let tm = TrainingModel(model: model, method: Prefix(length: 3, midDim: 8), maxBatch: 2, maxT: 8)
                try tm.state.initialize(seed: 2, encode: { _ in [] })
                return tm
            }
            let frozen = try prefixModel(), kept = try prefixModel()
            let batch = frozen.batch(ex, weights: [0.5, 0.5])
            let drop = ModelDropout(rate: rate, seed: 5)
            let loss = frozen.computeGradients([batch], modelDropout: drop)

            kept.params.zeroGrads()
            kept.state.prepare(step: nil, seed: 0)
            var weightGrads = [Float](repeating: 0, count: model.layout.total)
            let keptLoss = weightGrads.withUnsafeMutableBufferPointer { g in
                kept.graph.run(batch, conditioning: kept.state.graphConditioning, backward: true, weightGrads: g.baseAddress,
                               trainable: .all(layers: layers), dropout: drop)
            }
            kept.state.finishBackward()
            XCTAssertGreaterThan(weightGrads.map(abs).max()!, 0, "the kept pass computed the weights' gradients")

            XCTAssertEqual(loss, keptLoss, "rate \(rate): loss")
            let a = Array(frozen.params.grads.buffer), b = Array(kept.params.grads.buffer)
            XCTAssertGreaterThan(a.map(abs).max()!, 0)
            XCTAssertEqual(a.count, b.count)
            let differ = zip(a, b).filter { $0 != $1 }.count
            XCTAssertEqual(differ, 0, "rate \(rate): \(differ) of \(a.count) prefix gradients differ")
        }
    }

    /// A loss-only pass (frozen: nothing needs a weight's gradient) before fine-tuning's first
    /// step must not leave the step on buffers the layers share: the weights' gradients are
    /// those of a model that never ran it, bit for bit, and so is a second loss-only pass after.
    func testALossOnlyPassFirstLeavesFineTuningsGradientsAsTheyAre() throws {
        let model = try XCTUnwrap(try HFModelFolder.load(TestPaths.fixtures + "/bart/deep") as? BARTModel)
        let ex = [TokenizedExample(source: [100, 200, 300, 400, 500], target: [500, 600, 700]),
                  TokenizedExample(source: [800, 900], target: [1000, 1100])]
        func fresh() -> TrainingModel { TrainingModel(model: model, method: FineTune(dropout: 0), maxBatch: 2, maxT: 8) }
        let plain = fresh(), validated = fresh()
        let batch = plain.batch(ex, weights: [0.5, 0.5])
        let lossFirst = validated.loss(batch)
        XCTAssertEqual(validated.computeGradients([batch]), plain.computeGradients([batch]))
        let a = Array(plain.params.grads.buffer), b = Array(validated.params.grads.buffer)
        XCTAssertGreaterThan(a.map(abs).max()!, 0)
        let differ = zip(a, b).filter { $0 != $1 }.count
        XCTAssertEqual(differ, 0, "\(differ) of \(a.count) weight gradients differ after a loss-only pass")
        XCTAssertEqual(validated.loss(batch), lossFirst)
    }
}
