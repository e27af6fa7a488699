import Foundation
import XCTest
import JSON
import Kernels
import Models
import TestSupport

/// Logits of the engine's GPT-2 against transformers on the fixture models: right and left
/// padding, a KV cache filled by an earlier call, and a pre-filled prefix cache (the
/// mechanism of prefix-tuning). Each compares 239 vocabulary columns and the log-sum-exp
/// over all 50,257 at every real position, to 1e-4 absolute.
final class GPT2ReferenceTests: XCTestCase {
    static let models = ["tiny-f16", "tiny-bf16", "tiny-f32"]

    struct Reference {
        let model: GPT2Model
        let meta: JSONValue
        let tensors: SafeTensorsFile
        var ids: [[Int32]] { meta["ids"]!.array!.map { $0.array!.map { Int32($0.int!) } } }
        var lengths: [Int] { meta["lengths"]!.array!.map { $0.int! } }
        var sampleIds: [Int] { meta["sample_ids"]!.array!.map { $0.int! } }
    }

    func load(_ name: String) throws -> Reference {
        let dir = TestPaths.fixtures + "/models/" + name
        let meta = try JSONParser.parse(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/reference.json"))))
        return Reference(model: try GPT2Model.load(dir), meta: meta, tensors: try SafeTensorsFile(path: dir + "/reference.safetensors"))
    }

    /// Compares hidden rows (B·T, C) with the reference `key`.logits / `key`.lse where `valid(b, t)`.
    func compare(_ ref: Reference, hidden: UnsafePointer<Float>, B: Int, T: Int, key: String, valid: (Int, Int) -> Bool,
                 file: StaticString = #filePath, line: UInt = #line) throws {
        let V = ref.model.config.vocabSize, S = ref.sampleIds.count
        let expLogits = try ref.tensors.floats(key + ".logits"), expLSE = try ref.tensors.floats(key + ".lse")
        var logits = [Float](repeating: 0, count: B * T * V)
        ref.model.logits(hidden: hidden, N: B * T, into: &logits)
        var lse = [Float](repeating: 0, count: B * T)
        logsumexpRows(lse: &lse, logits: logits, N: B * T, V: V)
        var worst: Float = 0, checked = 0
        for b in 0..<B {
            for t in 0..<T where valid(b, t) {
                let r = b * T + t
                for (k, id) in ref.sampleIds.enumerated() { worst = max(worst, abs(logits[r * V + id] - expLogits[r * S + k])) }
                worst = max(worst, abs(lse[r] - expLSE[r]))
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 0, file: file, line: line)
        XCTAssertLessThan(worst, 1e-4, "\(key): largest logit difference \(worst)", file: file, line: line)
    }

    func testRightPaddedBatch() throws {
        for name in Self.models {
            let ref = try load(name)
            let (B, T) = (ref.ids.count, ref.ids[0].count)
            var mask = [UInt8](repeating: 0, count: B * T)
            for b in 0..<B { for t in 0..<ref.lengths[b] { mask[b * T + t] = 1 } }
            let cache = KVCache(config: ref.model.config, batch: B, capacity: T)
            let h = ref.model.forward(tokens: ref.ids.flatMap { $0 }, positions: (0..<B * T).map { Int32($0 % T) },
                                      keyMask: mask, B: B, T: T, cache: cache)
            try compare(ref, hidden: h, B: B, T: T, key: "right") { b, t in t < ref.lengths[b] }
        }
    }

    func testLeftPaddedBatch() throws {
        for name in Self.models {
            let ref = try load(name)
            let ids = ref.meta["left_ids"]!.array!.flatMap { $0.array!.map { Int32($0.int!) } }
            let pos = ref.meta["left_positions"]!.array!.flatMap { $0.array!.map { Int32($0.int!) } }
            let (B, T) = (ref.ids.count, ref.ids[0].count)
            var mask = [UInt8](repeating: 0, count: B * T)
            for b in 0..<B { for t in (T - ref.lengths[b])..<T { mask[b * T + t] = 1 } }
            let cache = KVCache(config: ref.model.config, batch: B, capacity: T)
            let h = ref.model.forward(tokens: ids, positions: pos, keyMask: mask, B: B, T: T, cache: cache)
            try compare(ref, hidden: h, B: B, T: T, key: "left") { b, t in t >= T - ref.lengths[b] }
        }
    }

    func testKVCacheContinuation() throws {
        for name in Self.models {
            let ref = try load(name)
            let (B, T, first) = (ref.ids.count, ref.ids[0].count, 7)
            let cache = KVCache(config: ref.model.config, batch: B, capacity: T)
            _ = ref.model.forward(tokens: ref.ids.flatMap { $0[0..<first] }, positions: (0..<B * first).map { Int32($0 % first) },
                                  B: B, T: first, cache: cache)
            let rest = T - first
            let h = ref.model.forward(tokens: ref.ids.flatMap { $0[first...] }, positions: (0..<B * rest).map { Int32(first + $0 % rest) },
                                      B: B, T: rest, cache: cache)
            try compare(ref, hidden: h, B: B, T: rest, key: "cache") { _, _ in true }
        }
    }

    /// One position per call: B ≤ 8 rows take the few-row decoding path (packed panels, the
    /// head included), which must give transformers' logits as the BLAS path does; float16
    /// panels must stay within their rounding of them.
    func testOneTokenStepsThroughTheFewRowPath() throws {
        for name in Self.models {
            let ref = try load(name)
            let (B, T, first) = (ref.ids.count, ref.ids[0].count, 7)
            XCTAssertLessThanOrEqual(B, GPT2Model.fewRowLimit)
            let V = ref.model.config.vocabSize, S = ref.sampleIds.count
            let expLogits = try ref.tensors.floats("cache.logits")
            var f16Worst: Float = 0
            for precision in DecodingPrecision.allCases {
                ref.model.decodingPrecision = precision
                let cache = KVCache(config: ref.model.config, batch: B, capacity: T)
                _ = ref.model.forward(tokens: ref.ids.flatMap { $0[0..<first] }, positions: (0..<B * first).map { Int32($0 % first) },
                                      B: B, T: first, cache: cache)
                var worst: Float = 0
                for t in first..<T {
                    let h = ref.model.forward(tokens: ref.ids.map { $0[t] }, positions: [Int32](repeating: Int32(t), count: B), B: B, T: 1, cache: cache)
                    var logits = [Float](repeating: 0, count: B * V)
                    ref.model.logits(hidden: h, N: B, into: &logits)
                    for b in 0..<B {
                        let r = b * (T - first) + (t - first)  // the reference's row: (B, rest) row-major
                        for (k, id) in ref.sampleIds.enumerated() { worst = max(worst, abs(logits[b * V + id] - expLogits[r * S + k])) }
                    }
                }
                if precision == .f32 { XCTAssertLessThan(worst, 1e-4, "\(name) f32: largest logit difference \(worst)") }
                else { f16Worst = worst }
            }
            XCTAssertGreaterThan(f16Worst, 0, "\(name): float16 panels were used")
            XCTAssertLessThan(f16Worst, 3e-2, "\(name) f16: largest logit difference \(f16Worst)")
            ref.model.decodingPrecision = .f32
        }
    }

    func testPrefilledPrefixCache() throws {
        for name in Self.models {
            let ref = try load(name)
            let (B, T, P) = (ref.ids.count, ref.ids[0].count, 4)
            let prefix = try ref.tensors.floats("prefix.kv")
            let cache = KVCache(config: ref.model.config, batch: B, capacity: P + T)
            prefix.withUnsafeBufferPointer { cache.prefill(prefix: $0.baseAddress!, P: P) }
            var mask = [UInt8](repeating: 0, count: B * T)
            for b in 0..<B { for t in 0..<ref.lengths[b] { mask[b * T + t] = 1 } }
            let h = ref.model.forward(tokens: ref.ids.flatMap { $0 }, positions: (0..<B * T).map { Int32(P + $0 % T) },
                                      keyMask: mask, B: B, T: T, cache: cache)
            try compare(ref, hidden: h, B: B, T: T, key: "prefix") { b, t in t < ref.lengths[b] }
        }
    }

    func testSavedFolderReloadsIdentically() throws {
        let model = try GPT2Model.load(TestPaths.fixtures + "/models/tiny-f32")
        let dir = TestPaths.tempDir("save")
        try HFModelFolder.save(model, to: dir)
        let again = try GPT2Model.load(dir)
        XCTAssertEqual(again.config, model.config)
        XCTAssertTrue(memcmp(again.params.base, model.params.base, model.layout.total * 4) == 0)
    }
}
