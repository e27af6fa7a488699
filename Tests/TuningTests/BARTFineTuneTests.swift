import Foundation
import XCTest
import JSON
import Models
import Tuning
import TestSupport

/// Fine-tuning BART through the method seam (FineTune's state over BART's arena, TrainingModel,
/// AdamW) against transformers (tools/make_bart_fixtures.py): θ₃ − θ₀ after 3 AdamW steps (lr
/// 1e-2, linear decay, clip 1.0) on the fixture's padded batch, for every parameter (the shared
/// embedding at the sampled rows), within 1e-4 of each tensor's largest change. Both stacks'
/// blocks train (`ModelSummary.blockCount` counts the encoder's and the decoder's);
/// `final_logits_bias` is a buffer and stays.
final class BARTFineTuneTests: XCTestCase {
    func testThreeAdamWStepsMatchTransformers() throws {
        for name in ["tiny", "deep"] {
            let dir = TestPaths.fixtures + "/bart/" + name
            let model = try XCTUnwrap(try HFModelFolder.load(dir) as? BARTModel)
            let meta = try JSONParser.parse(String(contentsOfFile: dir + "/reference.json", encoding: .utf8))
            let ids = { (k: String) in meta["batch"]![k]!.array!.map { $0.array!.map { Int32($0.int!) } } }
            let enc = ids("encoder_ids"), labels = ids("labels")
            let examples = zip(enc, labels).map { TokenizedExample(source: Array($0.dropFirst().dropLast()), target: Array($1.dropFirst().dropLast())) }
            // transformers' mean over every label token: [<s>] target [</s>].
            let tokens = labels.reduce(0) { $0 + $1.count }
            let tm = TrainingModel(model: model, method: FineTune(dropout: 0), maxBatch: 3, maxT: 32)
            XCTAssertEqual(model.summary.blockCount, model.config.encoderLayers + model.config.decoderLayers)
            XCTAssertEqual(tm.params.trainableCount, model.layout.parameterCount, "\(name): every parameter, not the logits bias")
            let batch = tm.batch(examples, weights: [Float](repeating: 1 / Float(tokens), count: examples.count))
            let before = Array(UnsafeBufferPointer(start: model.params.base, count: model.layout.total))
            let schedule = LinearSchedule(peak: 1e-2, warmupSteps: 0, totalSteps: 3)
            for s in 0..<3 {
                tm.computeGradients([batch])
                _ = tm.update(lr: schedule.lr(at: s), maxNorm: 1.0)
            }
            let ref = try SafeTensorsFile(path: dir + "/gradients.safetensors")
            let sample = meta["sample_ids"]!.array!.map { $0.int! }
            for e in model.layout.entries {
                let got = (0..<e.count).map { model.params.base[e.offset + $0] - before[e.offset + $0] }
                if e.name == "final_logits_bias" { XCTAssertTrue(got.allSatisfy { $0 == 0 }); continue }
                // A key projection's bias adds q·b to every score of a row, which softmax
                // ignores: its gradient is rounding noise, which Adam turns into full-size
                // steps of either sign. Both sides' gradients are checked to be noise instead.
                if e.name.hasSuffix("k_proj.bias") {
                    XCTAssertLessThan(try ref.floats("grad." + e.name).map(abs).max()!, 1e-6, "\(name) \(e.name)")
                    continue
                }
                var want = try ref.floats("delta." + e.name), have = got
                let grad = try ref.floats("grad." + e.name)
                if e.name == "model.shared.weight" {
                    let C = model.config.dModel
                    have = sample.flatMap { id in got[(id * C)..<(id * C + C)] }
                    want = Array(want.prefix(sample.count * C))
                }
                // The same for any element whose first gradient is nonzero but below 1e-4 of its
                // tensor's largest (deep's encoder.layers.2.fc2.weight has one at 5e-8 against
                // 0.017): float32 rounding of the sum (whose order differs between BLAS products
                // and torch's kernels) is of that size, so Adam's step there is noise. They must
                // stay rare (one in a small tensor, 1% in a large one). Only inside the blocks, where each gradient is a
                // long sum: an embedding row's few terms (a token seen once, or the head's
                // softmax alone) are small without being noise, and exact zeros (positions no
                // example reaches) stay in, as both sides leave them.
                let gmax = grad.map(abs).max() ?? 0
                let inBlock: Bool = { if case .block = e.group { return true } else { return false } }()
                let noisy = inBlock ? Set(grad.indices.filter { grad[$0] != 0 && abs(grad[$0]) < 1e-4 * gmax }) : []
                XCTAssertLessThanOrEqual(noisy.count, max(1, grad.count / 100), "\(name) \(e.name): \(noisy.count) of \(grad.count) gradients are noise")
                have = have.enumerated().filter { !noisy.contains($0.offset) }.map(\.element)
                want = want.enumerated().filter { !noisy.contains($0.offset) }.map(\.element)
                let scale = want.map(abs).max() ?? 0, worst = zip(have, want).map { abs($0 - $1) }.max() ?? 0
                XCTAssertGreaterThan(scale, 0, "\(name) \(e.name): reference is all zeros")
                XCTAssertLessThanOrEqual(worst, 1e-4 * scale, "\(name) delta \(e.name): max difference \(worst), reference max \(scale)")
            }
        }
    }
}
