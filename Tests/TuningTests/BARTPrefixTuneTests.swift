import Foundation
import XCTest
import Decoding
import JSON
import Models
import Tuning
import TestSupport

/// Prefix-tuning BART as the original code does (three prefixes, each its own embedding and
/// MLP; rows taking no positions) against a direct torch implementation of that code, itself
/// equal to transformers with empty prefixes (tools/make_bart_prefix_fixtures.py): for the three
/// kinds together, each alone and the three without the MLP, on `tiny` and `deep` (3 encoder,
/// 2 decoder layers, unequal heads): the loss, every prefix parameter's gradient, θ₃ − θ₀ after 3
/// AdamW steps, the logits through the inference path (encoder memory, cached decoder), and
/// greedy decoding with the trained prefixes token for token.
final class BARTPrefixTuneTests: XCTestCase {
    struct Case { let name: String; let kinds: PrefixAttentions; let reparam: Reparameterization }

    func testThreePrefixesMatchTheOriginalCodesTwin() throws {
        for model in ["tiny", "deep"] {
            let dir = TestPaths.fixtures + "/bart/" + model
            let m = try XCTUnwrap(try HFModelFolder.load(dir) as? BARTModel)
            let meta = try JSONParser.parse(String(contentsOfFile: dir + "/reference.json", encoding: .utf8))
            let info = try JSONParser.parse(String(contentsOfFile: dir + "/prefix.json", encoding: .utf8))
            let ref = try SafeTensorsFile(path: dir + "/prefix.safetensors")
            let ids = { (k: String) in meta["batch"]![k]!.array!.map { $0.array!.map { Int32($0.int!) } } }
            let enc = ids("encoder_ids"), labels = ids("labels")
            let examples = zip(enc, labels).map { TokenizedExample(source: Array($0.dropFirst().dropLast()), target: Array($1.dropFirst().dropLast())) }
            let tokens = labels.reduce(0) { $0 + $1.count }
            let weights = [Float](repeating: 1 / Float(tokens), count: examples.count)
            let P = info["P"]!.int!, mid = info["mid_dim"]!.int!
            let sample = meta["sample_ids"]!.array!.map { $0.int! }
            for (name, c) in info["cases"]!.object! {
                let kinds = PrefixAttentions(list: c["kinds"]!.array!.map { $0.string! }.joined(separator: ","))!
                let reparam = Reparameterization(rawValue: c["reparam"]!.string!)!
                let method = Prefix(length: P, reparam: reparam, midDim: mid, attentions: kinds)
                let what = "\(model) \(name)"
                func start() throws -> TrainingModel {
                    let tm = TrainingModel(model: m, method: method, maxBatch: 3, maxT: 32)
                    for t in tm.params.tensors {
                        let v = try ref.floats("\(name).init.\(t.name)")
                        XCTAssertEqual(v.count, t.count, "\(what) \(t.name)")
                        v.withUnsafeBufferPointer { tm.params.values[t.offset].update(from: $0.baseAddress!, count: t.count) }
                    }
                    return tm
                }
                // The loss and every gradient.
                let tm = try start()
                XCTAssertEqual(tm.params.trainableCount, method.trainedParameters(m.summary), what)
                let batch = tm.batch(examples, weights: weights)
                let loss = tm.computeGradients([batch])
                XCTAssertEqual(loss, c["loss"]!.number!, accuracy: 1e-4, what)
                for t in tm.params.tensors {
                    let want = try ref.floats("\(name).grad.\(t.name)")
                    let have = Array(UnsafeBufferPointer(start: tm.params.grads[t.offset], count: t.count))
                    let scale = want.map(abs).max()!, worst = zip(have, want).map { abs($0 - $1) }.max()!
                    XCTAssertGreaterThan(scale, 0, "\(what) \(t.name): reference gradient is zero")
                    XCTAssertLessThanOrEqual(worst, 1e-4 * max(scale, 1e-2), "\(what) grad \(t.name): max difference \(worst), reference max \(scale)")
                }
                // The inference path with the initial prefixes: encoder memory and a cached decoder.
                let cond = try XCTUnwrap(tm.state.currentConditioning().seq2seqPrefix)
                try checkLogits(m, cond, enc: enc, labels: labels, cols: ref.floats("\(name).cols"), lse: ref.floats("\(name).lse"), sample: sample, what)
                // 3 AdamW steps from the same start.
                let steps = try start()
                try checkThreeSteps(steps, examples, weights, ref: ref, prefix: name + ".", what)
                // Greedy decoding with the trained prefixes, batched over the documents.
                let trained = try XCTUnwrap(steps.state.currentConditioning().seq2seqPrefix)
                for (k, kind) in PrefixAttentions.names where kinds.contains(kind) {
                    let want = try ref.floats("\(name).trained.\(k)")
                    let have = k == "encoder" ? trained.encoder! : k == "decoder" ? trained.decoder! : trained.cross!
                    XCTAssertLessThan(zip(have, want).map { abs($0 - $1) }.max()!, 1e-4, "\(what) folded \(k)")
                }
                var settings = GenerationSettings()
                settings.maxNewTokens = 12
                settings.minNewTokens = 6
                let out = Seq2SeqDecoder(model: m, settings: settings, prefix: trained).generate(documents: enc)
                let want = c["greedy_after_training"]!.array!.map { $0.array!.map { Int32($0.int!) } }
                XCTAssertEqual(out, want, "\(what): greedy decoding with the trained prefixes")
            }
        }
    }

    /// Logits of the fixture's batch through `encode` and a decoder run on its cache in two
    /// pieces (the prefix rows taking no positions), at the sampled columns, and each row's logsumexp.
    func checkLogits(_ m: BARTModel, _ prefix: Seq2SeqPrefix, enc: [[Int32]], labels: [[Int32]], cols: [Float], lse: [Float], sample: [Int],
                     _ what: String) throws {
        let B = enc.count, S = enc.map(\.count).max()!, dec = labels.map { [m.decoderStartTokenId] + $0.dropLast() }, T = dec.map(\.count).max()!
        var tokens = [Int32](repeating: m.padTokenId, count: B * S), mask = [UInt8](repeating: 0, count: B * S)
        var dt = [Int32](repeating: m.padTokenId, count: B * T)
        for b in 0..<B {
            for (i, t) in enc[b].enumerated() { tokens[b * S + i] = t; mask[b * S + i] = 1 }
            for (i, t) in dec[b].enumerated() { dt[b * T + i] = t }
        }
        let memory = m.encode(tokens: tokens, mask: mask, B: B, S: S, prefix: prefix)
        let cache = m.makeDecoderCache(batch: B, capacity: memory.decoderPrefixRows + T)
        memory.startDecoding(cache)
        let V = m.config.vocabSize, C = m.config.dModel, split = 3
        var hidden = [Float](repeating: 0, count: B * T * C)
        for (start, n) in [(0, split), (split, T - split)] {
            let piece = (0..<B).flatMap { b in dt[(b * T + start)..<(b * T + start + n)] }
            let h = m.decode(tokens: piece, B: B, T: n, cache: cache, memory: memory, beams: 1)
            for b in 0..<B { for i in 0..<n { for c in 0..<C { hidden[((b * T) + start + i) * C + c] = h[(b * n + i) * C + c] } } }
        }
        var logits = [Float](repeating: 0, count: B * T * V)
        hidden.withUnsafeBufferPointer { h in logits.withUnsafeMutableBufferPointer { m.logits(hidden: h.baseAddress!, N: B * T, into: $0.baseAddress!) } }
        var worst: Float = 0
        for r in 0..<(B * T) {
            for (k, id) in sample.enumerated() { worst = max(worst, abs(logits[r * V + id] - cols[r * sample.count + k])) }
            let row = logits[(r * V)..<(r * V + V)], mx = row.max()!
            let l = mx + Float(log(row.reduce(0.0) { $0 + exp(Double($1 - mx)) }))
            worst = max(worst, abs(l - lse[r]))
        }
        XCTAssertLessThan(worst, 1e-4, "\(what): logits through the inference path")
    }

    /// `--prefix-kinds peft` trains as PEFT 0.21.2 trains its seq2seq PrefixTuning (fixture:
    /// PEFT itself on `tiny`, tools/make_bart_prefix_fixtures.py): the loss, every gradient of the
    /// prompt encoder, θ₃ − θ₀ after 3 AdamW steps, and the adapter tensor it saves.
    func testPEFTVariantMatchesPEFT() throws {
        let dir = TestPaths.fixtures + "/bart/tiny"
        let m = try XCTUnwrap(try HFModelFolder.load(dir) as? BARTModel)
        let (info, ref, examples, weights) = try peftFixture(dir, "peft-train")
        let method = Prefix.peft(length: info["P"]!.int!, midDim: info["encoder_hidden_size"]!.int!)
        let tm = try startingFrom(ref, prefix: "peft.", m, method)
        XCTAssertEqual(tm.params.trainableCount, method.trainedParameters(m.summary))
        XCTAssertEqual(tm.computeGradients([tm.batch(examples, weights: weights)]), info["loss"]!.number!, accuracy: 1e-4)
        try checkGradients(tm, ref, prefix: "peft.", "peft")
        let steps = try startingFrom(ref, prefix: "peft.", m, method)
        try checkThreeSteps(steps, examples, weights, ref: ref, prefix: "peft.", "peft")
        let state = try XCTUnwrap(steps.state as? PEFTSeq2SeqPrefixState)
        state.encoder.forward()
        let saved = try ref.floats("peft.trained.prompt_embeddings")
        XCTAssertLessThan(zip(Array(state.encoder.output.buffer), saved).map { abs($0 - $1) }.max()!, 1e-4, "the adapter tensor PEFT saves")
    }

    /// `--method embedding` on BART trains as PEFT's seq2seq PromptTuning (fixture: PEFT itself
    /// on `tiny`): the P virtual rows before each document's embeddings (unscaled, at positions
    /// 0..<P), the loss, their gradient and θ₃ − θ₀ after 3 AdamW steps.
    func testEmbeddingOnlyMatchesPEFTPromptTuning() throws {
        let dir = TestPaths.fixtures + "/bart/tiny"
        let m = try XCTUnwrap(try HFModelFolder.load(dir) as? BARTModel)
        let (info, ref, examples, weights) = try peftFixture(dir, "peft-prompt-train")
        let method = Embedding(length: info["P"]!.int!)
        let tm = TrainingModel(model: m, method: method, maxBatch: 3, maxT: 32)
        let t = try XCTUnwrap(tm.params["embedding.weight"])
        let initial = try ref.floats("prompt.init.embedding.weight")
        initial.withUnsafeBufferPointer { tm.params.values[t.offset].update(from: $0.baseAddress!, count: t.count) }
        XCTAssertEqual(tm.computeGradients([tm.batch(examples, weights: weights)]), info["loss"]!.number!, accuracy: 1e-4)
        let grad = try ref.floats("prompt.grad.embedding.weight")
        let have = Array(UnsafeBufferPointer(start: tm.params.grads[t.offset], count: t.count))
        XCTAssertLessThanOrEqual(zip(have, grad).map { abs($0 - $1) }.max()!, 1e-4 * grad.map(abs).max()!, "gradient")
        let steps = TrainingModel(model: m, method: method, maxBatch: 3, maxT: 32)
        initial.withUnsafeBufferPointer { steps.params.values[t.offset].update(from: $0.baseAddress!, count: t.count) }
        try checkThreeSteps(steps, examples, weights, ref: ref, prefix: "prompt.", "embedding")
    }
}
