import Foundation
import XCTest
import Decoding
import JSON
import Models
import Support
import TestSupport

/// `inspect attention`'s numbers (issue #19 item 2) equal transformers' attention probabilities
/// (eager attention, output_attentions; tools/make_attention_fixtures.py): per generated token,
/// layer and head, the mass on a PEFT prefix or prompt-tuning's virtual tokens, on the prompt,
/// and on the generated text; and its greedy tokens are the decoder's.
final class AttentionTraceTests: XCTestCase {
    func testSharesEqualTransformersAttentionProbabilities() throws {
        let ref = try JSONParser.parse(String(contentsOfFile: TestPaths.fixtures + "/generation/attention.json", encoding: .utf8))
        let model = try GPT2Model.load(TestPaths.fixtures + "/models/tiny-f32")
        let prefix = try SafeTensorsFile(path: TestPaths.fixtures + "/peft/prefix-none/adapter_model.safetensors")
        let prompt = try SafeTensorsFile(path: TestPaths.fixtures + "/peft/prompt/adapter_model.safetensors")
        let methods: [(String, Conditioning)] = [
            ("prefix", .prefix(P: prefix["prompt_embeddings"]!.shape[0], values: try prefix.floats("prompt_embeddings"))),
            ("prompt", .embeddings(P: prompt["prompt_embeddings"]!.shape[0], values: try prompt.floats("prompt_embeddings"))),
        ]
        let prompts = ref["prompts"]!.array!.map { $0.array!.map { Int32($0.int!) } }
        var s = GenerationSettings()
        s.maxNewTokens = 12
        var worst: Float = 0
        for (name, c) in methods {
            for (i, p) in prompts.enumerated() {
                let want = ref[name]!.array![i]
                let t = AttentionTrace.run(model: model, conditioning: c, prompt: p, maxNewTokens: 12)
                XCTAssertEqual(t.tokens, want["tokens"]!.array!.map { Int32($0.int!) }, "\(name) \(i): tokens")
                XCTAssertEqual(t.tokens, GreedyDecoder(model: model, conditioning: c, settings: s).generate(prompts: [p])[0])
                for (k, layers) in want["shares"]!.array!.enumerated() {
                    for (l, heads) in layers.array!.enumerated() {
                        for (h, v) in heads.array!.enumerated() {
                            let got = t.shares[k][l][h], exp = v.array!.map { Float($0.number!) }
                            for (a, b) in zip([got.virtual, got.source, got.generated], exp) { worst = max(worst, abs(a - b)) }
                        }
                    }
                }
            }
        }
        XCTAssertLessThan(worst, 1e-5, "largest difference from transformers")
    }

    /// An infix sits after the prompt: the first token's query (the eos) cannot see it, later
    /// ones do; every head's shares sum to 1; the tokens are the decoder's.
    func testInfixRowsCountAsTheMethodsOnceTheyAreInTheCache() throws {
        let model = try GPT2Model.load(TestPaths.fixtures + "/models/tiny-f32")
        let L = model.config.nLayer, C = model.config.nEmbd, P = 3
        var rng = SplitMix64(seed: 3)
        let infix = Conditioning.infix(P: P, values: (0..<(P * 2 * L * C)).map { _ in rng.nextUniform() * 2 - 1 })
        let prompt: [Int32] = [3672, 58, 2348, 3681, 50256]
        var s = GenerationSettings()
        s.maxNewTokens = 8
        let t = AttentionTrace.run(model: model, conditioning: infix, prompt: prompt, maxNewTokens: 8)
        XCTAssertEqual(t.tokens, GreedyDecoder(model: model, conditioning: infix, settings: s).generate(prompts: [prompt])[0])
        XCTAssertGreaterThan(t.tokens.count, 1)
        for (k, layers) in t.shares.enumerated() {
            for heads in layers {
                for a in heads {
                    XCTAssertEqual(a.virtual + a.source + a.generated, 1, accuracy: 1e-5)
                    if k == 0 { XCTAssertEqual(a.virtual, 0); XCTAssertEqual(a.generated, 0) } else { XCTAssertGreaterThan(a.virtual, 0) }
                }
            }
        }
    }
}
