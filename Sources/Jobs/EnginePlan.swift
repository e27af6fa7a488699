import Foundation
import JSON
import Models
import Specs
import Support
import Tuning

/// What another engine (the PyTorch runner, engines/torch) needs to train a run exactly as this
/// one would, computed by this program so that nothing is ported twice: the data as the native
/// trainer tokenizes and checks it, every step's examples (`DataOrder`), the schedule, the
/// method's initial tensors (its own initialisation, same seed), which weights train, and the
/// counts the events report. `prefixlab engine prepare --run RUN --out DIR` writes DIR/plan.json
/// and, for methods with their own tensors, DIR/init.safetensors.
public enum EnginePlan {
    public static func write(runDir: String, to out: String) throws {
        let record = try RunRecord.read(runDir)
        let spec = record.spec.withAbsolutePaths()
        let method = try MethodRegistry.method(spec.method)
        let lm = try TrainableModel.load(spec.model)
        let data = try TrainingData.load(spec, model: lm, method: method)
        try method.check(against: lm.model.summary)
        let t = spec.training
        let total = t.totalSteps(examples: data.train.count)
        let order = DataOrder(count: data.train.count, seed: t.seed, examplesPerStep: t.examplesPerStep)
        let state = method.makeState(for: lm.model)
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let ownTensors = state.params.values !== lm.model.parameters
        if ownTensors {
            try state.initialize(seed: t.seed, encode: lm.tokenizer.encode)
            try state.params.save(to: out + "/init.safetensors")
        }
        let w = state.trainableWeights
        func pairs(_ xs: [TokenizedExample]) -> JSONValue {
            .array(xs.map { .array([.array($0.source.map { .number(Double($0)) }), .array($0.target.map { .number(Double($0)) })]) })
        }
        let steps: [JSONValue] = (0..<total).map { s in
            let (epoch, idx) = order.examples(step: s)
            return .array([.number(Double(epoch)), .array(idx.map { .number(Double($0)) })])
        }
        func n(_ x: Int) -> JSONValue { .number(Double(x)) }
        var fields: [(String, JSONValue)] = []
        fields.append(("run", .string((runDir as NSString).lastPathComponent)))
        fields.append(("model", .string(spec.model)))
        fields.append(("method", try TrainingJob.specJSON(spec)["method"] ?? .null))
        fields.append(("eos", n(Int(lm.eos))))
        // The family decides the sequence contract (BART: encoder-decoder; GPT-2: source, eos, target, eos).
        fields.append(("family", .string(lm.encoderDecoder == nil ? "gpt2" : "bart")))
        fields.append(("scored_extra", n(lm.encoderDecoder == nil ? 1 : 2)))
        fields.append(("train", pairs(data.train)))
        fields.append(("valid", pairs(data.valid)))
        fields.append(("steps", .array(steps)))
        fields.append(("total_steps", n(total)))
        fields.append(("schedule_steps", n(t.scheduleSteps(examples: data.train.count))))
        fields.append(("batch_size", n(t.batchSize)))
        fields.append(("grad_accum", n(t.gradAccum)))
        fields.append(("loss_reduction", .string(t.lossReduction.rawValue)))
        fields.append(("lr", .number(t.learningRate)))
        fields.append(("warmup_steps", n(t.warmupSteps)))
        fields.append(("weight_decay", .number(t.weightDecay)))
        fields.append(("max_grad_norm", .number(t.maxGradNorm)))
        fields.append(("seed", .number(Double(t.seed))))
        fields.append(("eval_every", n(t.evalEvery ?? t.checkpointEvery)))
        fields.append(("checkpoint_every", n(t.checkpointEvery)))
        fields.append(("keep_checkpoints", n(t.keepCheckpoints)))
        fields.append(("early_stop", t.earlyStop.map(n) ?? .null))
        fields.append(("eval_test", .bool(spec.evaluation.test)))
        fields.append(("eval_bleu", n(spec.valid == nil ? 0 : spec.evaluation.bleuSources)))
        fields.append(("model_dropout", .number(Double(state.modelDropoutRate))))
        fields.append(("trainable_params", n(state.params.trainableCount)))
        fields.append(("own_tensors", .bool(ownTensors)))
        let tw: [(String, JSONValue)] = [("layers", .array(w.layers.map { .bool($0) })), ("embeddings", .bool(w.embeddings)), ("final_norm", .bool(w.finalNorm))]
        fields.append(("trainable_weights", .object(tw)))
        let plan = JSONValue.object(fields)
        try AtomicFile.write(Data(plan.serialized.utf8), to: out + "/plan.json")
    }
}
