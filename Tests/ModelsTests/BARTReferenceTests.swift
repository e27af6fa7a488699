import Foundation
import XCTest
import JSON
import Kernels
import Models
import TestSupport

/// BART against transformers 5.24 (tools/make_bart_fixtures.py): random-weight models with the
/// full 50,265-entry vocabulary, `tiny` (2 + 2 layers) and `deep` (3 encoder and 2 decoder layers,
/// unequal heads and feed-forward widths). A padded batch of three documents (the lm-score
/// layout), the encoder's output, and the decoder run in two pieces on its KV cache; 254
/// vocabulary columns and the log-sum-exp over all of them at every position, to 1e-4.
final class BARTReferenceTests: XCTestCase {
    struct Reference {
        let model: BARTModel
        let meta: JSONValue
        let tensors: SafeTensorsFile
        var sampleIds: [Int] { meta["sample_ids"]!.array!.map { $0.int! } }
        func ids(_ key: String) -> [[Int32]] { meta["batch"]![key]!.array!.map { $0.array!.map { Int32($0.int!) } } }
    }

    func load(_ name: String) throws -> Reference {
        let dir = TestPaths.fixtures + "/bart/" + name
        let meta = try JSONParser.parse(bytes: [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/reference.json"))))
        let model = try XCTUnwrap(try HFModelFolder.load(dir) as? BARTModel, "\(dir) loads as BART")
        return Reference(model: model, meta: meta, tensors: try SafeTensorsFile(path: dir + "/reference.safetensors"))
    }

    /// The padded batch as the fixture laid it out: documents and decoder inputs right-padded with <pad>.
    func batch(_ ref: Reference) -> (enc: [Int32], mask: [UInt8], dec: [Int32], B: Int, S: Int, T: Int) {
        let e = ref.ids("encoder_ids"), d = ref.ids("decoder_ids")
        let B = e.count, S = e.map(\.count).max()!, T = d.map(\.count).max()!
        var enc = [Int32](repeating: 1, count: B * S), mask = [UInt8](repeating: 0, count: B * S), dec = [Int32](repeating: 1, count: B * T)
        for b in 0..<B {
            for (i, t) in e[b].enumerated() { enc[b * S + i] = t; mask[b * S + i] = 1 }
            for (i, t) in d[b].enumerated() { dec[b * T + i] = t }
        }
        return (enc, mask, dec, B, S, T)
    }

    func compare(_ ref: Reference, hidden: UnsafePointer<Float>, N: Int, key: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let V = ref.model.config.vocabSize, K = ref.sampleIds.count
        let cols = try ref.tensors.floats(key + ".cols"), lseRef = try ref.tensors.floats(key + ".lse")
        XCTAssertEqual(cols.count, N * K, file: file, line: line)
        var logits = [Float](repeating: 0, count: N * V)
        ref.model.logits(hidden: hidden, N: N, into: &logits)
        var lse = [Float](repeating: 0, count: N)
        logsumexpRows(lse: &lse, logits: logits, N: N, V: V)
        var worst: Float = 0
        for r in 0..<N {
            for (k, id) in ref.sampleIds.enumerated() { worst = max(worst, abs(logits[r * V + id] - cols[r * K + k])) }
            worst = max(worst, abs(lse[r] - lseRef[r]))
        }
        XCTAssertLessThan(worst, 1e-4, "\(key): largest logit difference \(worst)", file: file, line: line)
    }

    func testPaddedBatchAndEncoderOutput() throws {
        for name in ["tiny", "deep"] {
            let ref = try load(name)
            let (enc, mask, dec, B, S, T) = batch(ref)
            let memory = ref.model.encode(tokens: enc, mask: mask, B: B, S: S)
            let expected = try ref.tensors.floats("batch.encoder")
            var worst: Float = 0
            for i in 0..<(B * S * ref.model.config.dModel) { worst = max(worst, abs(memory.hidden.base[i] - expected[i])) }
            XCTAssertLessThan(worst, 1e-4, "\(name): encoder output")
            let cache = ref.model.makeDecoderCache(batch: B, capacity: T)
            let h = ref.model.decode(tokens: dec, B: B, T: T, cache: cache, memory: memory)
            try compare(ref, hidden: h, N: B * T, key: "batch")
        }
    }

    /// The decoder's first k positions, then the rest on the cache they left (positions k...).
    func testDecoderKVCacheContinuation() throws {
        for name in ["tiny", "deep"] {
            let ref = try load(name)
            let (enc, mask, dec, B, S, T) = batch(ref)
            let k = ref.meta["continuation"]!["split"]!.int!
            let memory = ref.model.encode(tokens: enc, mask: mask, B: B, S: S)
            let cache = ref.model.makeDecoderCache(batch: B, capacity: T)
            let first = (0..<B).flatMap { b in dec[(b * T)..<(b * T + k)] }
            _ = ref.model.decode(tokens: first, B: B, T: k, cache: cache, memory: memory)
            let rest = (0..<B).flatMap { b in dec[(b * T + k)..<(b * T + T)] }
            let h = ref.model.decode(tokens: rest, B: B, T: T - k, cache: cache, memory: memory)
            try compare(ref, hidden: h, N: B * (T - k), key: "continuation")
        }
    }

    /// facebook/bart-base and bart-large map onto the layout (names and shapes as transformers
    /// gives them), and the parameter counts are transformers'.
    func testOfficialSizesMapOntoTheLayout() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.fixtures + "/configs/official_bart_tensors.json"))
        let root = try JSONParser.parse(bytes: [UInt8](data))
        XCTAssertEqual(Set(root.object!.map(\.0)), Set(BARTConfig.official.keys))
        for (name, entry) in root.object! {
            let cfg = try BARTConfig(json: entry["config"]!, path: name)
            XCTAssertEqual(cfg, BARTConfig.official[name], name)
            let layout = BARTLayout(cfg)
            let byName = Dictionary(uniqueKeysWithValues: layout.entries.map { ($0.name, $0.shape) })
            let tensors = entry["tensors"]!.object!
            XCTAssertEqual(tensors.count, layout.entries.count, name)
            for (t, shape) in tensors { XCTAssertEqual(byName[t], shape.array!.map { $0.int! }, "\(name) \(t)") }
            XCTAssertEqual(layout.parameterCount, entry["parameters"]!.int!, name)
        }
    }

    /// PEFT's seq2seq prefix mapping: decoder layer l's keys are block (4l mod 2L), its values
    /// block (4l+1 mod 2L), of the adapter's 2L blocks; unequal depths are refused as PEFT cannot run them.
    func testPEFTDecoderPrefixBlocks() throws {
        let tiny = try load("tiny").model, deep = try load("deep").model
        let P = 2, C = tiny.config.dModel, W = 2 * 2 * C
        let e = (0..<(P * W)).map { Float($0) }
        let prefix = try tiny.peftDecoderPrefix(embeddings: e, P: P, adapterLayers: 2)
        XCTAssertTrue(prefix.decoderTakesPositions && prefix.encoder == nil && prefix.cross == nil)
        let rows: [Float] = try XCTUnwrap(prefix.decoder)
        for l in 0..<2 {
            for (kv, block) in [(0, (4 * l) % 4), (1, (4 * l + 1) % 4)] {
                for p in 0..<P {
                    let have: Float = rows[p * W + (2 * l + kv) * C], want: Float = e[p * W + block * C]
                    XCTAssertEqual(have, want, "layer \(l) \(kv == 0 ? "keys" : "values")")
                }
            }
        }
        XCTAssertThrowsError(try deep.peftDecoderPrefix(embeddings: [Float](repeating: 0, count: P * 2 * 3 * C), P: P, adapterLayers: 3)) { e in
            XCTAssertTrue("\(e)".contains("cannot run on unequal depths"), "\(e)")
        }
    }

    /// Fine-tuning's training pass on the padded batch: the loss (the mean over label tokens,
    /// as transformers' labels with -100 padding give it) and the gradient of every parameter
    /// (the shared embedding's at the sampled rows; `final_logits_bias` is a buffer and gets none).
    func testTrainingPassLossAndEveryGradient() throws {
        for name in ["tiny", "deep"] {
            let ref = try load(name)
            let m = ref.model
            let enc = ref.ids("encoder_ids"), labels = ref.ids("labels")
            let examples = zip(enc, labels).map { TokenizedExample(source: Array($0.dropFirst().dropLast()), target: Array($1.dropFirst().dropLast())) }
            let tokens = labels.reduce(0) { $0 + $1.count }
            let batch = BARTBatching.build(examples, weights: [Float](repeating: 1 / Float(tokens), count: examples.count), config: m.config)
            XCTAssertEqual(batch.decoderTokens.count, batch.B * batch.T)
            let graph = BARTGraph(model: m, maxBatch: batch.B, maxS: batch.S, maxT: batch.T)
            let grads = FloatArena(count: m.layout.total)
            let loss = graph.run(batch, conditioning: GraphConditioning(), backward: true, weightGrads: grads.base, trainable: nil, dropout: nil)
            XCTAssertEqual(loss, ref.meta["train"]!["loss"]!.number!, accuracy: 1e-4, name)
            let file = try SafeTensorsFile(path: TestPaths.fixtures + "/bart/\(name)/gradients.safetensors")
            var worst: (Float, String) = (0, "")
            for e in m.layout.entries where e.name != "final_logits_bias" {
                let want = try file.floats("grad." + e.name)
                if e.name == "model.shared.weight" {
                    let C = m.config.dModel
                    for (k, id) in ref.sampleIds.enumerated() {
                        for c in 0..<C { let d = abs(grads.base[e.offset + id * C + c] - want[k * C + c]); if d > worst.0 { worst = (d, e.name) } }
                    }
                } else {
                    XCTAssertEqual(want.count, e.count, e.name)
                    for i in 0..<e.count { let d = abs(grads.base[e.offset + i] - want[i]); if d > worst.0 { worst = (d, e.name) } }
                }
            }
            XCTAssertLessThan(worst.0, 1e-4, "\(name): largest gradient difference \(worst.0) in \(worst.1)")
            // Frozen weights get no gradient; the loss is the same.
            let none = FloatArena(count: m.layout.total)
            let again = graph.run(batch, conditioning: GraphConditioning(), backward: true, weightGrads: none.base,
                                  trainable: .none(layers: m.config.encoderLayers + m.config.decoderLayers), dropout: nil)
            XCTAssertEqual(again, loss, accuracy: 1e-9)
            XCTAssertTrue((0..<m.layout.total).allSatisfy { none.base[$0] == 0 })
        }
    }

    /// Hostile config.json values name the key.
    func testBadConfigsNameTheKey() {
        let base: [(String, JSONValue)] = [("model_type", .string("bart")), ("d_model", .number(16)), ("encoder_layers", .number(2)),
                                           ("decoder_layers", .number(2)), ("encoder_attention_heads", .number(4)), ("decoder_attention_heads", .number(4)),
                                           ("encoder_ffn_dim", .number(32)), ("decoder_ffn_dim", .number(32)), ("vocab_size", .number(100))]
        for (key, value, message) in [("d_model", JSONValue.number(18), "not divisible by encoder_attention_heads"),
                                      ("encoder_layers", .number(-1), "encoder_layers must be a positive integer"),
                                      ("vocab_size", .number(1e12), "vocab_size"),
                                      ("activation_function", .string("swish"), "activation_function"),
                                      ("eos_token_id", .number(500), "eos_token_id 500 is outside the vocabulary of 100"),
                                      ("normalize_before", .bool(true), "mBART's pre-LayerNorm"),
                                      ("tie_word_embeddings", .bool(false), "untied heads are not supported")] {
            let json = JSONValue.object(base.filter { $0.0 != key } + [(key, value)])
            XCTAssertThrowsError(try BARTConfig(json: json, path: "c.json")) { e in
                XCTAssertTrue("\(e)".hasPrefix("c.json"), "\(e)")
                XCTAssertTrue("\(e)".contains(message), "\(e) should say \(message)")
            }
        }
    }
}
