import Decoding
import Foundation
import JSON
import Metrics
import Models
import Runs
import Text
import Tuning

/// Evaluation inside a training run: generation with the current or best parameters, and
/// the test split's outputs and scores written into the run folder.
extension Train {
    /// What generation with the trainer's current parameters is conditioned on.
    func currentConditioning(_ t: Trainer) -> Conditioning {
        guard let e = t.tm.encoder else { return .none }
        e.forward()
        let v = Array(e.output.buffer)
        switch t.config.method.method {
        case .embedding: return .embeddings(P: e.P, values: v)
        case .infix: return .infix(P: e.P, values: v)
        default: return .prefix(P: e.P, values: v)
        }
    }

    /// Generates the test split with the best checkpoint (else the current parameters), writes
    /// outputs/test.txt(.jsonl) and metrics.json, and reports an evaluation event.
    func evaluateTest(_ t: Trainer, run: RunFolder, examples: [DataExample], tokenizer: BPETokenizer, eos: Int32,
                      progress: TrainProgress) throws {
        let best = run.path + "/checkpoints/best"
        var model = t.tm.model
        var conditioning = currentConditioning(t)
        var from = "current parameters (step \(t.step))"
        if FileManager.default.fileExists(atPath: best) {
            from = (try? FileManager.default.destinationOfSymbolicLink(atPath: best)) ?? "best"
            if t.tm.encoder == nil {
                model = try HFModelFolder.load(best + "/model")
            } else {
                let f = try SafeTensorsFile(path: best + "/prefix.safetensors")
                let v = try f.floats("prompt_embeddings"), P = f["prompt_embeddings"]!.shape[0]
                switch t.config.method.method {
                case .embedding: conditioning = .embeddings(P: P, values: v)
                case .infix: conditioning = .infix(P: P, values: v)
                default: conditioning = .prefix(P: P, values: v)
                }
            }
        }
        var s = GenerationSettings()
        s.beams = evalBeam
        s.maxNewTokens = evalMaxNewTokens
        let prompts = examples.map { tokenizer.encode($0.source) + [eos] }
        progress.line("evaluating \(examples.count) test sources with \(from), beam \(evalBeam)")
        let outs = decodeAll(model: model, conditioning: conditioning, settings: s, prompts: prompts, batchSize: 16)
        let lines = try writeOutputs(examples: examples, outputs: outs, tokenizer: tokenizer, to: run.path + "/outputs/test.txt", jsonlPath: run.path + "/outputs/test.jsonl")
        let m = E2EMetrics.compute(hypotheses: lines, references: examples.map(\.references))
        let slots = SlotCoverage.compute(sources: examples.map(\.source), outputs: lines)
        let scores: [(String, JSONValue)] = [("BLEU", .number(m.bleu)), ("NIST", .number(m.nist)), ("METEOR", .number(m.meteor)),
                                             ("ROUGE_L", .number(m.rougeL)), ("CIDEr", .number(m.cider)), ("sacreBLEU", .number(m.sacreBLEU)),
                                             ("slot_accuracy", .number(slots.slotAccuracy)), ("name_accuracy", .number(slots.nameAccuracy)),
                                             ("distinct_outputs", .number(Double(slots.distinctOutputs)))]
        let metrics: JSONValue = .object([("test", .object(scores + [("n", .number(Double(lines.count))), ("checkpoint", .string(from)),
                                                                     ("beam", .number(Double(evalBeam))), ("max_new_tokens", .number(Double(evalMaxNewTokens))),
                                                                     ("METEOR_note", .string(MeteorApprox.label))]))])
        try AtomicFile.write(Data((metrics.serialized + "\n").utf8), to: run.path + "/metrics.json")
        var byName: [String: Double] = [:]
        for (k, v) in scores { byName[k] = v.number }
        run.append(.evaluation(split: "test", metrics: byName))
        progress.line(String(format: "test: BLEU %.4f  NIST %.4f  METEOR~ %.4f  ROUGE_L %.4f  CIDEr %.4f", m.bleu, m.nist, m.meteor, m.rougeL, m.cider))
    }

}
