import Foundation
import XCTest
import Decoding
import JSON
import Models
import Support
import TestSupport

/// Many prefixes on one frozen model in one batch (issue #19 item 4): rows with different
/// prefixes (of different lengths), virtual embeddings and none, decoded together, give each
/// row what its own conditioning gives alone — and, for the PEFT fixtures, what transformers gives.
final class MixedBatchTests: XCTestCase {
    func testMixedRowsDecodeAsEachConditioningAlone() throws {
        let ref = try JSONParser.parse(String(contentsOfFile: TestPaths.fixtures + "/generation/greedy.json", encoding: .utf8))
        func ids(_ v: JSONValue) -> [[Int32]] { v.array!.map { $0.array!.map { Int32($0.int!) } } }
        let prompts = ids(ref["prompts"]!)
        let model = try GPT2Model.load(TestPaths.fixtures + "/models/tiny-f32")
        let prefix = try SafeTensorsFile(path: TestPaths.fixtures + "/peft/prefix-none/adapter_model.safetensors")
        let kv = Conditioning.prefix(P: prefix["prompt_embeddings"]!.shape[0], values: try prefix.floats("prompt_embeddings"))
        let prompt = try SafeTensorsFile(path: TestPaths.fixtures + "/peft/prompt/adapter_model.safetensors")
        let emb = Conditioning.embeddings(P: prompt["prompt_embeddings"]!.shape[0], values: try prompt.floats("prompt_embeddings"))
        // A second prefix, shorter than the first, of large random values (its rows matter).
        let L = model.config.nLayer, C = model.config.nEmbd, P2 = 2
        var rng = SplitMix64(seed: 7)
        let kv2 = Conditioning.prefix(P: P2, values: (0..<(P2 * 2 * L * C)).map { _ in rng.nextUniform() * 4 - 2 })
        XCTAssertNotEqual(kv.prefixRows, P2)
        let conditionings = [kv, emb, kv2, .none]

        for beams in [1, 3] {
            var s = GenerationSettings()
            s.maxNewTokens = ref["max_new_tokens"]!.int!
            s.beams = beams
            let alone = conditionings.map { c in
                beams == 1 ? GreedyDecoder(model: model, conditioning: c, settings: s).generate(prompts: prompts)
                           : BeamSearchDecoder(model: model, conditioning: c, settings: s).generate(prompts: prompts)
            }
            XCTAssertNotEqual(alone[0], alone[2], "the two prefixes should decode differently")
            if beams == 1 {
                XCTAssertEqual(alone[0], ids(ref["prefix"]!))
                XCTAssertEqual(alone[1], ids(ref["prompt"]!))
            }
            // Every (conditioning, prompt) pair in one batch, interleaved.
            let pairs = conditionings.indices.flatMap { c in prompts.indices.map { (c, $0) } }.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
            let rows = pairs.map { conditionings[$0.0] }, batch = pairs.map { prompts[$0.1] }
            let mixed = beams == 1 ? GreedyDecoder(model: model, settings: s).generate(prompts: batch, rows: rows)
                                   : BeamSearchDecoder(model: model, settings: s).generate(prompts: batch, rows: rows)
            for (k, (c, p)) in pairs.enumerated() {
                XCTAssertEqual(mixed[k], alone[c][p], "beams \(beams): conditioning \(c), prompt \(p)")
            }
        }
    }

    /// A row whose prefix is shorter than the batch's longest attends to none of the slots
    /// between: stale values there (NaN from an earlier batch) change nothing.
    func testUnusedPrefixSlotsAreMaskedAndZeroed() throws {
        let model = try GPT2Model.load(TestPaths.fixtures + "/models/tiny-f32")
        let L = model.config.nLayer, C = model.config.nEmbd
        let long = Conditioning.prefix(P: 4, values: [Float](repeating: 0.5, count: 4 * 2 * L * C))
        let short = Conditioning.prefix(P: 1, values: [Float](repeating: -0.5, count: 2 * L * C))
        let cache = model.makeCache(batch: 2, capacity: 16)
        for l in 0..<L { cache.keys(layer: l).update(repeating: .nan, count: 2 * 16 * C); cache.values(layer: l).update(repeating: .nan, count: 2 * 16 * C) }
        BatchConditioning(rows: [long, short]).prefill(cache)
        XCTAssertEqual(cache.length, 4)
        XCTAssertEqual((0..<4).map { cache.mask[16 + $0] }, [1, 0, 0, 0])
        XCTAssertTrue((0..<L).allSatisfy { l in (1..<4).allSatisfy { r in (0..<C).allSatisfy { cache.keys(layer: l)[(16 + r) * C + $0] == 0 } } })
    }
}
