import Foundation
import XCTest
import JSON
import Models
import Tuning
import TestSupport

/// What the BART training-fixture tests share: PEFT's fixture files with the batch they were
/// made on, and the check of θ₃ − θ₀ after 3 AdamW steps.
extension XCTestCase {
    /// 3 AdamW steps (lr 1e-2 decaying linearly over 3 steps, no warm-up, clip 1.0) from `tm`'s
    /// parameters, then θ₃ − θ₀ of every tensor against the reference's `<prefix>delta.<name>`
    /// within 1e-4 of its largest change. Adam's first step is lr·sign(g) whatever |g| is: where
    /// the gradient (`<prefix>grad.<name>`) is nonzero but under 1e-4 of its tensor's largest,
    /// float32 rounding of the sums moves the step by more than 1e-4 of it; those elements (at
    /// most 1 in 50, checked) are left out. Exact zeros stay in (PEFT's unread blocks: no step).
    func checkThreeSteps(_ tm: TrainingModel, _ examples: [TokenizedExample], _ weights: [Float], ref: SafeTensorsFile, prefix: String,
                         _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let before = Array(UnsafeBufferPointer(start: tm.params.values.base, count: tm.params.count))
        let schedule = LinearSchedule(peak: 1e-2, warmupSteps: 0, totalSteps: 3)
        for s in 0..<3 {
            tm.computeGradients([tm.batch(examples, weights: weights)])
            _ = tm.update(lr: schedule.lr(at: s), maxNorm: 1.0)
        }
        for t in tm.params.tensors {
            let grad = try ref.floats("\(prefix)grad.\(t.name)"), gmax = grad.map(abs).max()!
            let tiny = Set(grad.indices.filter { grad[$0] != 0 && abs(grad[$0]) < 1e-4 * gmax })
            XCTAssertLessThan(tiny.count * 50, grad.count, "\(what) \(t.name): \(tiny.count) of \(grad.count) gradients are tiny", file: file, line: line)
            let want = try ref.floats("\(prefix)delta.\(t.name)").enumerated().filter { !tiny.contains($0.offset) }.map(\.element)
            let have = (0..<t.count).filter { !tiny.contains($0) }.map { tm.params.values.base[t.offset + $0] - before[t.offset + $0] }
            let scale = want.map(abs).max()!, worst = zip(have, want).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(worst, 1e-4 * scale, "\(what) delta \(t.name): max difference \(worst), reference max \(scale)", file: file, line: line)
        }
    }

    /// A PEFT training fixture of `dir` (`name`.json and .safetensors) and the fixture's batch as
    /// the engine takes it, with transformers' weights (the mean over every label token).
    func peftFixture(_ dir: String, _ name: String) throws -> (info: JSONValue, ref: SafeTensorsFile, examples: [TokenizedExample], weights: [Float]) {
        let meta = try JSONParser.parse(String(contentsOfFile: dir + "/reference.json", encoding: .utf8))
        let ids = { (k: String) in meta["batch"]![k]!.array!.map { $0.array!.map { Int32($0.int!) } } }
        let enc = ids("encoder_ids"), labels = ids("labels")
        let examples = zip(enc, labels).map { TokenizedExample(source: Array($0.dropFirst().dropLast()), target: Array($1.dropFirst().dropLast())) }
        let weights = [Float](repeating: 1 / Float(labels.reduce(0) { $0 + $1.count }), count: examples.count)
        return (try JSONParser.parse(String(contentsOfFile: dir + "/\(name).json", encoding: .utf8)), try SafeTensorsFile(path: dir + "/\(name).safetensors"),
                examples, weights)
    }

    /// A training model of `method` on `m` starting from the reference's `<prefix>init.<name>` tensors.
    func startingFrom(_ ref: SafeTensorsFile, prefix: String, _ m: BARTModel, _ method: any TuningMethod) throws -> TrainingModel {
        let tm = TrainingModel(model: m, method: method, maxBatch: 3, maxT: 32)
        for t in tm.params.tensors {
            let v = try ref.floats("\(prefix)init.\(t.name)")
            XCTAssertEqual(v.count, t.count, t.name)
            v.withUnsafeBufferPointer { tm.params.values[t.offset].update(from: $0.baseAddress!, count: t.count) }
        }
        return tm
    }

    /// Every tensor's gradient within 1e-4 of the reference's largest (`<prefix>grad.<name>`).
    func checkGradients(_ tm: TrainingModel, _ ref: SafeTensorsFile, prefix: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) throws {
        for t in tm.params.tensors {
            let want = try ref.floats("\(prefix)grad.\(t.name)"), have = Array(UnsafeBufferPointer(start: tm.params.grads[t.offset], count: t.count))
            let scale = want.map(abs).max()!
            XCTAssertLessThanOrEqual(zip(have, want).map { abs($0 - $1) }.max()!, 1e-4 * scale, "\(what) grad \(t.name)", file: file, line: line)
        }
    }

    /// The mean NLL of every label token through `encode` and one `decode` of the whole decoder input.
    func inferenceLoss(_ m: BARTModel, _ examples: [TokenizedExample], prefix: Seq2SeqPrefix) -> Double {
        let c = m.config, V = c.vocabSize
        let enc = examples.map { [Int32(c.bosTokenId)] + $0.source + [Int32(c.eosTokenId)] }
        let labels = examples.map { [Int32(c.bosTokenId)] + $0.target + [Int32(c.eosTokenId)] }
        let B = examples.count, S = enc.map(\.count).max()!, T = labels.map(\.count).max()!
        var tokens = [Int32](repeating: m.padTokenId, count: B * S), mask = [UInt8](repeating: 0, count: B * S)
        var dec = [Int32](repeating: m.padTokenId, count: B * T)
        for b in 0..<B {
            for (i, t) in enc[b].enumerated() { tokens[b * S + i] = t; mask[b * S + i] = 1 }
            for (i, t) in ([m.decoderStartTokenId] + labels[b].dropLast()).enumerated() { dec[b * T + i] = t }
        }
        let memory = m.encode(tokens: tokens, mask: mask, B: B, S: S, prefix: prefix)
        let cache = m.makeDecoderCache(batch: B, capacity: T)
        memory.startDecoding(cache)
        let hidden = m.decode(tokens: dec, B: B, T: T, cache: cache, memory: memory, beams: 1)
        var logits = [Float](repeating: 0, count: B * T * V)
        logits.withUnsafeMutableBufferPointer { m.logits(hidden: hidden, N: B * T, into: $0.baseAddress!) }
        var nll = 0.0, n = 0
        for b in 0..<B {
            for (i, y) in labels[b].enumerated() {
                let row = logits[((b * T + i) * V)..<((b * T + i + 1) * V)], top = Double(row.max()!)
                nll += top + log(row.reduce(0.0) { $0 + exp(Double($1) - top) }) - Double(row[row.startIndex + Int(y)])
                n += 1
            }
        }
        return nll / Double(n)
    }
}
