import Foundation
import XCTest
import Support
import Specs
import Decoding
import Models
import TestSupport

final class SamplerTests: XCTestCase {
    func testTopKOneIsGreedyAndSeedsRepeat() throws {
        let model = try GPT2Model.load(TestPaths.fixtures + "/models/tiny-f32")
        let prompts: [[Int32]] = [[464, 1110, 50256], [40, 50256]]
        var g = GenerationSettings()
        g.maxNewTokens = 8
        var s = g
        s.sample = true
        s.topK = 1
        XCTAssertEqual(GreedyDecoder(model: model, settings: s).generate(prompts: prompts),
                       GreedyDecoder(model: model, settings: g).generate(prompts: prompts))
        s.topK = 50
        s.temperature = 1.5
        s.seed = 3
        let a = GreedyDecoder(model: model, settings: s).generate(prompts: prompts)
        XCTAssertEqual(a, GreedyDecoder(model: model, settings: s).generate(prompts: prompts), "same seed, same tokens")
        XCTAssertEqual(a[1], GreedyDecoder(model: model, settings: s).generate(prompts: [prompts[1]])[0], "independent of the batch")
        s.seed = 4
        XCTAssertNotEqual(a, GreedyDecoder(model: model, settings: s).generate(prompts: prompts), "another seed, other tokens")
    }

    func testFiltersKeepOnlyAllowedTokens() {
        let logits: [Float] = [0, 5, 4, 1, -.infinity, 3]
        var s = GenerationSettings()
        s.sample = true
        var rng = SplitMix64(seed: 1)
        s.topK = 2
        var seen = Set<Int>()
        for _ in 0..<300 { seen.insert(logits.withUnsafeBufferPointer { Sampler.draw($0.baseAddress!, V: 6, settings: s, rng: &rng) }) }
        XCTAssertEqual(seen, [1, 2])
        s.topK = 0
        s.topP = 0.5  // token 1 alone has p ≈ 0.66
        seen = []
        for _ in 0..<300 { seen.insert(logits.withUnsafeBufferPointer { Sampler.draw($0.baseAddress!, V: 6, settings: s, rng: &rng) }) }
        XCTAssertEqual(seen, [1])
        s.topP = 1
        seen = []
        for _ in 0..<3000 { seen.insert(logits.withUnsafeBufferPointer { Sampler.draw($0.baseAddress!, V: 6, settings: s, rng: &rng) }) }
        XCTAssertEqual(seen, [0, 1, 2, 3, 5], "every finite token can be drawn; -inf never")
    }
}
