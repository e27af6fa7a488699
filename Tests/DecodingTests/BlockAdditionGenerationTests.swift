import Foundation
import XCTest
import Decoding
import JSON
import Models
import Tuning
import TestSupport

/// Generation through LoRA (merged into the weights) and through bottleneck adapters, token for
/// token equal to transformers' generate through PEFT's (unmerged) LoRA and through the torch
/// adapter twin (tools/make_block_fixtures.py), greedy and beam 5.
final class BlockAdditionGenerationTests: XCTestCase {
    let dir = TestPaths.fixtures + "/generation"

    func ids(_ v: JSONValue) -> [[Int32]] { v.array!.map { $0.array!.map { Int32($0.int!) } } }

    func values(_ file: String, _ tensors: [(String, [Int])]) throws -> [Float] {
        try ParameterSet.values(at: dir + "/" + file, tensors: tensors.map { (name: $0.0, shape: $0.1) })
    }

    func testLoRAAndAdapterGenerationEqualsTransformers() throws {
        let ref = try JSONParser.parse(String(contentsOfFile: dir + "/blocks.json", encoding: .utf8))
        let prompts = ids(ref["prompts"]!)
        let model = try GPT2Model.load(TestPaths.fixtures + "/models/tiny-f32")
        let summary = model.summary
        var greedy = GenerationSettings()
        greedy.maxNewTokens = ref["max_new_tokens"]!.int!
        var beam = greedy
        beam.beams = 5
        func check(_ c: Conditioning, _ key: String) {
            XCTAssertEqual(GreedyDecoder(model: model, conditioning: c, settings: greedy).generate(prompts: prompts), ids(ref[key + "_greedy"]!), key + " greedy")
            XCTAssertEqual(BeamSearchDecoder(model: model, conditioning: c, settings: beam).generate(prompts: prompts), ids(ref[key + "_beam5"]!), key + " beam 5")
        }
        let plain = GreedyDecoder(model: model, settings: greedy).generate(prompts: prompts)

        let lora = LoRA(r: 4, alpha: 8, targets: ["c_attn", "c_fc"]).shape(summary)
        var names: [(String, [Int])] = []
        for l in 0..<lora.layers {
            for s in lora.sites {
                names += [("h.\(l).\(s.module).lora_A.weight", [4, s.inFeatures]), ("h.\(l).\(s.module).lora_B.weight", [s.outFeatures, 4])]
            }
        }
        let before = Array(model.params.buffer)
        check(.lora(lora, values: try values("blocks-lora.safetensors", names)), "lora")
        XCTAssertEqual(Array(model.params.buffer), before, "decoding through LoRA left the weights changed")

        for design in AdapterPlacement.allCases {
            let shape = Adapter(placement: design, bottleneck: ref["adapter_bottleneck"]!.int!).shape(summary)
            let list = (0..<shape.layers).flatMap { l in (0..<shape.perLayer).flatMap { shape.tensors(layer: l, adapter: $0, path: { "h.\($0)" }) } }
            let c = Conditioning.adapters(shape, values: try values("blocks-adapter-\(design.rawValue).safetensors", list.map { ($0.name, $0.shape) }))
            check(c, "adapter_\(design.rawValue)")
            XCTAssertNotEqual(GreedyDecoder(model: model, conditioning: c, settings: greedy).generate(prompts: prompts), plain)
        }
    }
}
