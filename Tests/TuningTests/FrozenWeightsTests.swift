import Foundation
import XCTest
import Models
import Tuning
import TestSupport

/// Prefix, embedding-only and infix training never write the model's weights.
final class FrozenWeightsTests: XCTestCase {
    func testFrozenWeightsAreBitIdenticalAfterTraining() throws {
        let dir = TestPaths.fixtures + "/training/model"
        let ex = [TokenizedExample(source: [1, 2, 3], target: [4, 5]), TokenizedExample(source: [7], target: [8, 9, 10, 11])]
        for method in [Prefix(length: 4, midDim: 8), Prefix(length: 2, reparam: .none), Embedding(length: 3),
                       Infix(length: 2, reparam: .mlp, midDim: 8)] as [any TuningMethod] {
            let model = try GPT2Model.load(dir)
            let before = Array(model.params.buffer)
            let tm = TrainingModel(model: model, method: method, maxBatch: 2, maxT: 12)
            tm.encoder!.randomInit(seed: 1)
            let start = Array(tm.params.values.buffer)
            let batch = tm.batch(ex, weights: [0.1, 0.1])
            for _ in 0..<5 {
                tm.computeGradients([batch])
                tm.update(lr: 1e-2)
            }
            XCTAssertTrue(before.withUnsafeBytes { a in model.params.buffer.withMemoryRebound(to: UInt8.self) { memcmp(a.baseAddress!, $0.baseAddress!, a.count) == 0 } },
                          "\(method.name): model weights changed")
            XCTAssertNotEqual(start, Array(tm.params.values.buffer), "\(method.name): trainable parameters did not move")
        }
    }
}
