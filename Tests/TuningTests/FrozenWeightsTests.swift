import Foundation
import XCTest
import Models
import Tuning
import TestSupport

/// Prefix, embedding-only, infix, adapter and LoRA training never write the model's weights,
/// nor does decoding through LoRA, which merges the update into them and puts them back.
final class FrozenWeightsTests: XCTestCase {
    func testFrozenWeightsAreBitIdenticalAfterTraining() throws {
        let dir = TestPaths.fixtures + "/training/model"
        let ex = [TokenizedExample(source: [1, 2, 3], target: [4, 5]), TokenizedExample(source: [7], target: [8, 9, 10, 11])]
        for method in [Prefix(length: 4, midDim: 8), Prefix(length: 2, reparam: .none), Embedding(length: 3),
                       Infix(length: 2, reparam: .mlp, midDim: 8), Adapter(placement: .blockOutput, bottleneck: 3),
                       Adapter(placement: .branchOutputs, bottleneck: 2), LoRA(r: 2, dropout: 0.2, targets: ["c_attn", "mlp.c_proj"]),
                       LoRA(r: 3, targets: ["attn.c_proj", "c_fc"])] as [any TuningMethod] {
            let model = try GPT2Model.load(dir)
            let before = Array(model.params.buffer)
            let tm = TrainingModel(model: model, method: method, maxBatch: 2, maxT: 12)
            if let e = tm.encoder { e.randomInit(seed: 1) } else { try tm.state.initialize(seed: 1, encode: { _ in [] }) }
            let start = Array(tm.params.values.buffer)
            let batch = tm.batch(ex, weights: [0.1, 0.1])
            for step in 0..<5 {
                tm.computeGradients([batch], step: step, seed: 3)
                tm.update(lr: 1e-2)
            }
            // Decoding through the method: LoRA merged for the pass, then put back.
            let merged = tm.state.currentConditioning().mergingLoRA(into: model) { _ in Array(model.params.buffer) }
            if method is LoRA { XCTAssertNotEqual(merged, before, "merging changed nothing") }
            XCTAssertTrue(before.withUnsafeBytes { a in model.params.buffer.withMemoryRebound(to: UInt8.self) { memcmp(a.baseAddress!, $0.baseAddress!, a.count) == 0 } },
                          "\(method.name): model weights changed")
            XCTAssertNotEqual(start, Array(tm.params.values.buffer), "\(method.name): trainable parameters did not move")
        }
    }
}
