import Foundation
import XCTest
import Support
import Specs
import Models
import Tuning
import TestSupport

final class TrainerTests: XCTestCase {
    let train = (0..<6).map { TokenizedExample(source: [Int32($0), 2, 3], target: [4, Int32(10 + $0)]) }
    let valid = [TokenizedExample(source: [50, 51], target: [52, 53, 54])]

    func model() throws -> GPT2Model { try GPT2Model.load(TestPaths.fixtures + "/training/model") }

    /// A learning rate so large that validation loss gets worse stops the run early, after
    /// the given number of evaluations without improvement, with a checkpoint.
    func testEarlyStopAfterEvaluationsWithoutImprovement() throws {
        var c = TrainingConfig(method: Prefix(length: 2, reparam: .none))
        c.learningRate = 3
        c.batchSize = 3
        c.epochs = 50
        c.evalEvery = 1
        c.earlyStop = 2
        c.checkpointEvery = 1000
        let t = Trainer(model: try model(), config: c, train: train, valid: valid)
        t.tm.encoder!.randomInit(seed: 1)
        var validations: [Double] = [], flags: [Bool] = [], checkpoints = 0, improvements = 0
        let outcome = try t.run(checkpoint: { _ in checkpoints += 1; return "" }) { e in
            if case .validation(_, let loss, _, let improved) = e { validations.append(loss); flags.append(improved); if improved { improvements += 1 } }
            return true
        }
        XCTAssertEqual(outcome, .stoppedEarly)
        XCTAssertLessThan(t.step, t.totalSteps)
        XCTAssertEqual(t.evalsWithoutImprovement, 2)
        // The run stopped because its last two validations did not beat the best before them.
        XCTAssertGreaterThan(validations.count, 2)
        let bestBefore = validations.dropLast(2).min()!
        XCTAssertTrue(validations.suffix(2).allSatisfy { $0 >= bestBefore }, "\(validations)")
        XCTAssertEqual(Array(flags.suffix(2)), [false, false])
        XCTAssertEqual(t.bestValidLoss, bestBefore)
        // Every improving evaluation is checkpointed (so the best is never lost between scheduled
        // checkpoints), and the early stop writes one more.
        XCTAssertEqual(checkpoints, improvements + 1)
    }

    /// Cancelling between steps (the report closure answers false) stops after that step.
    func testCancelBetweenSteps() throws {
        var c = TrainingConfig(method: Embedding(length: 2))
        c.batchSize = 2
        let t = Trainer(model: try model(), config: c, train: train, valid: [])
        var steps = 0
        let outcome = try t.run(checkpoint: { _ in "" }) { e in
            if case .step = e { steps += 1 }
            return steps < 3
        }
        XCTAssertEqual(outcome, .cancelled)
        XCTAssertEqual(t.step, 3)
    }

    /// Initialisation from words: without the MLP the prefix holds the words' keys and values
    /// as the model computes them; with it, the MLP's input holds their embeddings.
    func testInitFromWords() throws {
        let m = try model()
        let words: [Int32] = [11, 12]
        let none = Prefix(length: 3, reparam: .none).makeState(for: m) as! PrefixEncoder
        try PrefixInit.fromWords(none, model: m, tokens: words)
        let cache = KVCache(config: m.config, batch: 1, capacity: 3)
        _ = m.forward(tokens: [11, 12, 11], positions: [0, 1, 2], B: 1, T: 3, cache: cache)
        let C = m.config.nEmbd, L = m.config.nLayer
        let emb = none.params.value("embedding.weight")
        for l in 0..<L {
            for p in 0..<3 {
                for i in 0..<C {
                    XCTAssertEqual(emb[p * 2 * L * C + 2 * l * C + i], cache.keys(layer: l)[p * C + i])
                    XCTAssertEqual(emb[p * 2 * L * C + (2 * l + 1) * C + i], cache.values(layer: l)[p * C + i])
                }
            }
        }
        let mlp = Prefix(length: 2, reparam: .mlp, midDim: 8).makeState(for: m) as! PrefixEncoder
        try PrefixInit.fromWords(mlp, model: m, tokens: words)
        let wte = m.params[m.layout.wte]
        for i in 0..<C { XCTAssertEqual(mlp.params.value("embedding.weight")[C + i], wte[12 * C + i]) }
    }

    /// Two micro-batches of 2 give the loss and gradients of one batch of 4, for both reductions.
    func testGradientAccumulationEqualsOneLargeBatch() throws {
        let m = try model()
        for reduction in [LossReduction.token, .sequence] {
            let method = Prefix(length: 2, reparam: .mlp, midDim: 8)
            let ex = Array(train.prefix(4))
            let one = TrainingModel(model: m, method: method, maxBatch: 4, maxT: 8)
            one.encoder!.randomInit(seed: 3)
            let w = LossWeights.weights(for: [ex], reduction: reduction)[0]
            let l1 = one.computeGradients([one.batch(ex, weights: w)])
            let two = TrainingModel(model: m, method: method, maxBatch: 2, maxT: 8)
            two.encoder!.randomInit(seed: 3)
            let groups = [Array(ex[0..<2]), Array(ex[2..<4])]
            let ws = LossWeights.weights(for: groups, reduction: reduction)
            let l2 = two.computeGradients(zip(groups, ws).map { two.batch($0, weights: $1) })
            XCTAssertEqual(l1, l2, accuracy: 1e-5 * abs(l1))
            let g1 = Array(one.params.grads.buffer), g2 = Array(two.params.grads.buffer)
            let scale = g1.map(abs).max()!
            XCTAssertLessThan(maxAbsDiff(g1, g2), 1e-5 * scale, "\(reduction)")
        }
    }
}
