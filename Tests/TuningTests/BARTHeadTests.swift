import Foundation
import XCTest
import Models
import Tuning
import TestSupport

/// The training pass takes BART's head a chunk of label rows at a time (`BARTGraph.headRows`),
/// its backward fused in: over more label rows than one chunk, the loss is the inference
/// path's, and the gradients of the tied embeddings (summed over chunks) and of a decoder
/// weight match finite differences.
final class BARTHeadTests: XCTestCase {
    func testTheHeadInChunksGivesTheWholeBatchsLossAndGradients() throws {
        let model = try XCTUnwrap(try HFModelFolder.load(TestPaths.fixtures + "/bart/deep") as? BARTModel)
        func ids(_ n: Int, from: Int, step: Int) -> [Int32] { (0..<n).map { Int32(from + step * $0) } }
        let examples = (0..<3).map { k in TokenizedExample(source: ids(6, from: 100 + k, step: 37), target: ids(40, from: 500 + 7 * k, step: 13)) }
        let rows = examples.reduce(0) { $0 + model.scoredTokens($1) }
        XCTAssertGreaterThan(rows, BARTGraph.headRows, "the batch spans more than one chunk")
        let weights = [Float](repeating: 1 / Float(rows), count: examples.count)
        func fresh() -> TrainingModel { TrainingModel(model: model, method: FineTune(dropout: 0), maxBatch: 3, maxT: 48) }
        let tm = fresh()
        let batch = tm.batch(examples, weights: weights)
        let loss = tm.computeGradients([batch])
        XCTAssertEqual(inferenceLoss(model, examples, prefix: Seq2SeqPrefix(P: 0)), loss, accuracy: 1e-4)
        let grads = Array(tm.params.grads.buffer)
        let lay = model.layout
        let h: Float = 1e-2
        for (name, i) in [("model.shared.weight", 500 * 16 + 3), ("model.shared.weight", 578 * 16 + 9), ("model.decoder.layers.1.fc2.weight", 11)] {
            let off = try XCTUnwrap(lay.entries.first { $0.name == name }, name).offset + i
            let keep = model.params.base[off]
            model.params.base[off] = keep + h
            let up = fresh().loss(batch)
            model.params.base[off] = keep - h
            let down = fresh().loss(batch)
            model.params.base[off] = keep
            let fd = (up - down) / Double(2 * h)
            XCTAssertGreaterThan(abs(fd), 1e-4, "\(name)[\(i)]: too small a gradient to check")
            XCTAssertEqual(Double(grads[off]), fd, accuracy: 2e-4 + 0.02 * abs(fd), "\(name)[\(i)]")
        }
    }
}
