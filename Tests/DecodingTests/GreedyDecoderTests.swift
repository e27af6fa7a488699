import Foundation
import XCTest
import Decoding
import JSON
import Models
import TestSupport

/// Greedy decoding token for token equal to transformers (tools/make_generation_fixtures.py):
/// a left-padded batch without conditioning, with min_new_tokens, through a PEFT prefix
/// pre-filled in the KV cache, and after PEFT prompt-tuning embeddings.
final class GreedyDecoderTests: XCTestCase {
    func testGreedyEqualsTransformers() throws {
        let ref = try JSONParser.parse(String(contentsOfFile: TestPaths.fixtures + "/generation/greedy.json", encoding: .utf8))
        func ids(_ v: JSONValue) -> [[Int32]] { v.array!.map { $0.array!.map { Int32($0.int!) } } }
        let prompts = ids(ref["prompts"]!)
        let model = try GPT2Model.load(TestPaths.fixtures + "/models/tiny-f32")
        var s = GenerationSettings()
        s.maxNewTokens = ref["max_new_tokens"]!.int!
        XCTAssertEqual(GreedyDecoder(model: model, settings: s).generate(prompts: prompts), ids(ref["plain"]!), "plain")

        var m = s
        m.minNewTokens = 5
        XCTAssertEqual(GreedyDecoder(model: model, settings: m).generate(prompts: prompts), ids(ref["min_new_tokens_5"]!), "min_new_tokens")

        let prefix = try SafeTensorsFile(path: TestPaths.fixtures + "/peft/prefix-none/adapter_model.safetensors")
        let kv = Conditioning.prefix(P: prefix["prompt_embeddings"]!.shape[0], values: try prefix.floats("prompt_embeddings"))
        XCTAssertEqual(GreedyDecoder(model: model, conditioning: kv, settings: s).generate(prompts: prompts), ids(ref["prefix"]!), "prefix")

        let prompt = try SafeTensorsFile(path: TestPaths.fixtures + "/peft/prompt/adapter_model.safetensors")
        let emb = Conditioning.embeddings(P: prompt["prompt_embeddings"]!.shape[0], values: try prompt.floats("prompt_embeddings"))
        XCTAssertEqual(GreedyDecoder(model: model, conditioning: emb, settings: s).generate(prompts: prompts), ids(ref["prompt"]!), "prompt tuning")

        // One prompt at a time gives the same tokens as the batch (padding changes nothing).
        for (k, p) in prompts.enumerated() {
            XCTAssertEqual(GreedyDecoder(model: model, conditioning: kv, settings: s).generate(prompts: [p])[0], ids(ref["prefix"]!)[k])
        }
    }
}
