import Foundation
import XCTest
import Decoding
import JSON
import Models
import Tuning
import TestSupport

/// Bottleneck adapters on BART train and decode as their torch twin (forward hooks on
/// transformers' BART, tools/make_bart_adapter_fixtures.py) on `tiny` and `deep` (3 encoder, 2
/// decoder layers): lin (every layer's output) and houlsby (each layer's self-attention and
/// feed-forward outputs): the loss, every adapter tensor's gradient, θ₃ − θ₀ after 3 AdamW
/// steps, the loss through the inference path, and greedy decoding with the trained adapters equal to transformers' `generate`
/// token for token (the inference path: the encoder once, the cached decoder step by step).
final class BARTAdapterTests: XCTestCase {
    func testAdaptersMatchTheirTorchTwin() throws {
        for model in ["tiny", "deep"] {
            let dir = TestPaths.fixtures + "/bart/" + model
            let m = try XCTUnwrap(try HFModelFolder.load(dir) as? BARTModel)
            let (info, ref, examples, weights) = try peftFixture(dir, "adapter")
            let meta = try JSONParser.parse(String(contentsOfFile: dir + "/reference.json", encoding: .utf8))
            let documents = meta["batch"]!["encoder_ids"]!.array!.map { $0.array!.map { Int32($0.int!) } }
            for (design, c) in info["cases"]!.object! {
                let what = "\(model) \(design)"
                let method = Adapter(placement: AdapterPlacement(rawValue: design)!, bottleneck: info["bottleneck"]!.int!, modelDropout: 0)
                let tm = try startingFrom(ref, prefix: "\(design).", m, method)
                XCTAssertEqual(tm.params.tensors.count, c["tensors"]!.int!, what)
                XCTAssertEqual(tm.params.trainableCount, method.trainedParameters(m.summary), what)
                let loss = tm.computeGradients([tm.batch(examples, weights: weights)])
                XCTAssertEqual(loss, c["loss"]!.number!, accuracy: 1e-4, what)
                try checkGradients(tm, ref, prefix: "\(design).", what)
                // The inference path (encoder memory, the decoder on its cache) scores the batch as training does.
                let start = try XCTUnwrap(tm.state.currentConditioning().encoderDecoderPrefix, what)
                XCTAssertEqual(inferenceLoss(m, examples, prefix: start), loss, accuracy: 1e-4, "\(what): the inference path's loss")
                let trained = try startingFrom(ref, prefix: "\(design).", m, method)
                try checkThreeSteps(trained, examples, weights, ref: ref, prefix: "\(design).", what)
                // The trained adapters decode as transformers' generate decodes with them.
                var settings = GenerationSettings()
                settings.maxNewTokens = 12
                settings.minNewTokens = 6
                let prefix = try XCTUnwrap(trained.state.currentConditioning().encoderDecoderPrefix, what)
                XCTAssertEqual(prefix.P, 0, what)
                let out = Seq2SeqDecoder(model: m, settings: settings, prefix: prefix).generate(documents: documents)
                XCTAssertEqual(out, c["greedy_after_training"]!.array!.map { $0.array!.map { Int32($0.int!) } }, "\(what): greedy with the trained adapters")
            }
        }
    }
}
