import Foundation
import XCTest
import Support
import Specs
import Decoding
import Kernels
import Models
import TestSupport
import Tuning

/// Generation with an infix sees what training sees: the same tokens scored through the
/// decoder's cache path (prompt, infix rows appended, tokens after them) and through the
/// training graph's infix layout give the same NLL per token, and greedy picks each argmax.
final class InfixGenerationTests: XCTestCase {
    func testDecodingPathEqualsTrainingLayout() throws {
        let model = try GPT2Model.load(TestPaths.fixtures + "/models/tiny-f32")
        let cfg = model.config, C = cfg.nEmbd, L = cfg.nLayer, V = cfg.vocabSize, P = 3
        var rng = SplitMix64(seed: 11)
        let infix = (0..<(P * 2 * L * C)).map { _ in rng.nextNormal() }
        let source: [Int32] = [464, 1110, 318]
        let eos = Int32(cfg.eosTokenId)
        var s = GenerationSettings()
        s.maxNewTokens = 6
        let out = GreedyDecoder(model: model, conditioning: .infix(P: P, values: infix), settings: s).generate(prompts: [source + [eos]])[0]
        XCTAssertFalse(out.isEmpty)

        // The decoder's path, step by step: NLL of each generated token and of the final eos.
        let prompt = source + [eos]
        let cache = KVCache(config: cfg, batch: 1, capacity: prompt.count + P + out.count + 1)
        var h = model.forward(tokens: prompt, positions: (0..<prompt.count).map(Int32.init), B: 1, T: prompt.count, cache: cache)
        var row = prompt.count - 1
        infix.withUnsafeBufferPointer { cache.appendShared(rows: $0.baseAddress!, P: P) }
        var decoderNLL: [Double] = []
        var logits = [Float](repeating: 0, count: V)
        for (k, target) in (out + [eos]).enumerated() {
            model.logits(hidden: h + row * C, N: 1, into: &logits)
            var lse: Float = 0
            logsumexpRows(lse: &lse, logits: logits, N: 1, V: V)
            decoderNLL.append(Double(lse - logits[Int(target)]))
            if k < out.count {
                XCTAssertEqual(logits.indices.max { logits[$0] < logits[$1] }, Int(target), "greedy token \(k) is the argmax")
                h = model.forward(tokens: [target], positions: [Int32(prompt.count + P + k)], B: 1, T: 1, cache: cache)
                row = 0
            }
        }

        // The training graph's infix layout for the same example.
        let method = Infix(length: P, reparam: .none)
        let tm = TrainingModel(model: model, method: method, maxBatch: 1, maxT: prompt.count + out.count + 2)
        infix.withUnsafeBufferPointer { tm.params.value("embedding.weight").update(from: $0.baseAddress!, count: $0.count) }
        let example = TokenizedExample(source: source, target: out)
        let batch = tm.batch([example], weights: [1])
        _ = tm.loss(batch)
        let graphNLL = tm.graph.lastLosses(count: out.count + 1).map(Double.init)
        for (a, b) in zip(decoderNLL, graphNLL) { XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b))) }
    }
}
