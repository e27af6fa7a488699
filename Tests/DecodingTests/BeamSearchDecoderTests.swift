import Foundation
import XCTest
import Decoding
import JSON
import Models
import TestSupport

/// Beam search token for token equal to transformers' generate(num_beams=5)
/// (tools/make_generation_fixtures.py).
final class BeamSearchDecoderTests: XCTestCase {
    func testBeamSearchEqualsTransformers() throws {
        let ref = try JSONParser.parse(String(contentsOfFile: TestPaths.fixtures + "/generation/beam.json", encoding: .utf8))
        func ids(_ v: JSONValue) -> [[Int32]] { v.array!.map { $0.array!.map { Int32($0.int!) } } }
        let prompts = ids(ref["prompts"]!)
        let model = try GPT2Model.load(TestPaths.fixtures + "/models/tiny-f32")
        var s = GenerationSettings()
        s.maxNewTokens = ref["max_new_tokens"]!.int!
        s.beams = 5
        XCTAssertEqual(BeamSearchDecoder(model: model, settings: s).generate(prompts: prompts), ids(ref["beam5"]!), "beam 5")
        var t = s
        t.lengthPenalty = 2
        t.noRepeatNgram = 2
        XCTAssertEqual(BeamSearchDecoder(model: model, settings: t).generate(prompts: prompts), ids(ref["beam5_lp2_norepeat2"]!), "lp 2, no-repeat 2")
        var m = s
        m.minNewTokens = 5
        XCTAssertEqual(BeamSearchDecoder(model: model, settings: m).generate(prompts: prompts), ids(ref["beam5_min5"]!), "min new 5")
        let prefix = try SafeTensorsFile(path: TestPaths.fixtures + "/peft/prefix-none/adapter_model.safetensors")
        let kv = Conditioning.prefix(P: prefix["prompt_embeddings"]!.shape[0], values: try prefix.floats("prompt_embeddings"))
        XCTAssertEqual(BeamSearchDecoder(model: model, conditioning: kv, settings: s).generate(prompts: prompts), ids(ref["beam5_prefix"]!), "prefix")

        // With eos likely (its embedding row scaled), beams finish at different lengths.
        let eos = model.config.eosTokenId, C = model.config.nEmbd
        let row = model.params[model.layout.wte + eos * C]
        for i in 0..<C { row[i] *= Float(ref["eos_row_scale"]!.number!) }
        let short = ids(ref["eos2_beam5"]!)
        XCTAssertTrue(short.contains { $0.count < s.maxNewTokens } && short.contains { $0.count == s.maxNewTokens },
                      "the fixture should have early stops and full-length outputs")
        XCTAssertEqual(BeamSearchDecoder(model: model, settings: s).generate(prompts: prompts), short, "eos ×2, beam 5")
        var lp0 = s
        lp0.lengthPenalty = 0
        XCTAssertEqual(BeamSearchDecoder(model: model, settings: lp0).generate(prompts: prompts), ids(ref["eos2_beam5_lp0"]!), "eos ×2, lp 0")
        var g = s
        g.beams = 1
        XCTAssertEqual(GreedyDecoder(model: model, settings: g).generate(prompts: prompts), ids(ref["eos2_greedy"]!), "eos ×2, greedy")
    }
}
