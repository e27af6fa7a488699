import Decoding
import Events
import Foundation
import JSON
import Metrics
import Models
import Specs
import Support
import Text

/// A run's test split generated and scored: outputs/test.txt and outputs/test.jsonl, then
/// metrics.json and an `evaluation` event, with `generation` events as batches finish. Runs at
/// the end of training (`eval_test`) and on its own (`prefixlab evaluate`, the workbench's
/// "generate missing outputs").
public enum EvaluationJob {
    /// `from` says which parameters generated (a checkpoint's name), for metrics.json.
    /// `summaries`: the test data holds summaries (`DatasetSpec.holdsSummaries`), which also get
    /// rouge-score's ROUGE-1/2/L with its stemmer (`rouge1`, `rouge2`, `rougeL`), as the paper's
    /// XSUM table reports them.
    @discardableResult
    public static func run(folder: RunFolder, decoder: SourceDecoder, from: String,
                           examples: [DataExample], settings: EvaluationSettings, summaries: Bool = false, log: (String) -> Void) throws -> [String: Double] {
        var s = GenerationSettings()
        s.beams = settings.beam
        s.maxNewTokens = settings.maxNewTokens
        s.minNewTokens = settings.minNewTokens
        s.noRepeatNgram = settings.noRepeatNgram
        s.lengthPenalty = settings.lengthPenalty
        s.earlyStopping = settings.earlyStopping
        let tokenizer = decoder.tokenizer
        let sources = examples.map(\.source)
        try decoder.memory(sources, s, 16)
        log("evaluating \(examples.count) test sources with \(from), beam \(settings.beam)")
        folder.append(.generation(split: "test", done: 0, total: sources.count))
        let outs = decoder.decode(sources, s, 16) { done in
            folder.append(.generation(split: "test", done: done, total: sources.count))
        }
        let lines = try Outputs.write(examples: examples, outputs: outs, tokenizer: tokenizer, to: folder.path + "/outputs/test.txt",
                                      jsonlPath: folder.path + "/outputs/test.jsonl")
        let m = try MeteorChoice.metrics(hypotheses: lines, references: examples.map(\.references), explicit: nil)
        let slots = SlotCoverage.compute(sources: examples.map(\.source), outputs: lines)
        let ser = SlotErrors.corpus(sources: examples.map(\.source), outputs: lines)
        let scores: [(String, Double)] = [("BLEU", m.bleu), ("NIST", m.nist), ("METEOR", m.meteor), ("ROUGE_L", m.rougeL), ("CIDEr", m.cider),
                                          ("sacreBLEU", m.sacreBLEU), ("slot_accuracy", slots.slotAccuracy), ("name_accuracy", slots.nameAccuracy),
                                          ("distinct_outputs", Double(slots.distinctOutputs))] + SplitScores.bleu(examples: examples, outputs: lines)
            + (summaries ? summaryScores(lines, examples) : []) + (ser.map { [("SER", $0.rate)] } ?? [])
        let test: [(String, JSONValue)] = scores.map { ($0.0, .number($0.1)) } + (ser.map { Array($0.jsonPairs.dropFirst()) } ?? []) + [
            ("n", .number(Double(lines.count))), ("checkpoint", .string(from)), ("beam", .number(Double(settings.beam))),
            ("max_new_tokens", .number(Double(settings.maxNewTokens))), ("min_new_tokens", .number(Double(settings.minNewTokens))),
            ("no_repeat_ngram", .number(Double(settings.noRepeatNgram))), ("length_penalty", .number(settings.lengthPenalty)),
            ("early_stopping", .bool(settings.earlyStopping)), ("METEOR_note", .string(m.meteorNote)),
            ("METEOR_official", .bool(m.meteorIsOfficial)),
        ]
        try AtomicFile.write(Data((JSONValue.object([("test", .object(test))]).serialized + "\n").utf8), to: folder.path + "/metrics.json")
        let byName = Dictionary(scores, uniquingKeysWith: { a, _ in a })
        folder.append(.evaluation(split: "test", metrics: byName))
        log(String(format: "test: BLEU %.2f  NIST %.4f  METEOR%@ %.4f  ROUGE_L %.4f  CIDEr %.4f", m.bleu * 100, m.nist,
                          m.meteorIsOfficial ? "" : "~", m.meteor, m.rougeL, m.cider)
            + (byName["BLEU_seen"].map { String(format: "  BLEU seen %.2f unseen %.2f", $0 * 100, (byName["BLEU_unseen"] ?? 0) * 100) } ?? "")
            + (byName["SER"].map { String(format: "  SER %.2f%%", $0 * 100) } ?? "")
            + (byName["rouge1"].map { String(format: "  ROUGE-1/2/L %.2f/%.2f/%.2f", $0 * 100, (byName["rouge2"] ?? 0) * 100, (byName["rougeL"] ?? 0) * 100) } ?? ""))
        return byName
    }

    static func summaryScores(_ lines: [String], _ examples: [DataExample]) -> [(String, Double)] {
        let r = RougeScore.corpus(hypotheses: lines, references: examples.map(\.references), stem: true)
        return [("rouge1", r.rouge1), ("rouge2", r.rouge2), ("rougeL", r.rougeL)]
    }

    /// `prefixlab evaluate`: a run's best checkpoint (else its last) on its test split (or `test`).
    public static func evaluate(runDir: String, test: String?, beam: Int?, maxNewTokens: Int?, log: (String) -> Void) throws {
        let record = try RunRecord.read(runDir)
        guard let spec = test ?? record.spec.test else { throw JobError("\(runDir): no test data in its spec; give --test SPEC") }
        let examples = try DatasetSpec.load(spec).examples
        guard !examples.isEmpty else { throw JobError("\(spec): contains no examples") }
        let setup = try RunDecoding.setup(runDir: runDir)
        var settings = record.spec.evaluation
        if let beam { settings.beam = beam }
        if let maxNewTokens { settings.maxNewTokens = maxNewTokens }
        // Either family: the decoder checks every source's positions before anything is locked.
        let decoder = try TrainableModel.load(setup.modelFolder).sourceDecoder(conditioning: setup.conditioning)
        try decoder.checkPositions(examples, maxNew: settings.maxNewTokens, what: spec)
        let folder = try RunFolder.open(path: runDir)
        try folder.lock(for: "evaluating")
        let checkpoint = try RunDecoding.checkpoint(runDir)
        let from = (try? FileManager.default.destinationOfSymbolicLink(atPath: runDir + "/checkpoints/best")) ?? (checkpoint as NSString).lastPathComponent
        try run(folder: folder, decoder: decoder, from: from, examples: examples, settings: settings, summaries: DatasetSpec.holdsSummaries(spec), log: log)
    }
}

/// The paper's WebNLG columns (Table 1: S, U, A): BLEU over the test entries of categories seen
/// in training and over those of unseen ones, each scored as its own corpus; with the counts.
/// Empty for data without categories (E2E), or with only one kind.
public enum SplitScores {
    public static func bleu(examples: [DataExample], outputs: [String]) -> [(String, Double)] {
        let seen = examples.indices.filter { examples[$0].seen == true }, unseen = examples.indices.filter { examples[$0].seen == false }
        guard !seen.isEmpty, !unseen.isEmpty else { return [] }
        func score(_ idx: [Int]) -> Double {
            E2EMetrics.compute(hypotheses: idx.map { outputs[$0] }, references: idx.map { examples[$0].references }).bleu
        }
        return [("BLEU_seen", score(seen)), ("BLEU_unseen", score(unseen)), ("n_seen", Double(seen.count)), ("n_unseen", Double(unseen.count))]
    }
}
