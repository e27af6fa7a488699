import Events
import Foundation
import Support
import JSON
import Jobs
import Models
import Specs
import Text
import Tuning

/// One run as a workspace shows it: what the store says (status, progress), its spec, the
/// parameter counts its method gives on its model, its test metrics and training time. Read
/// from run.json, metrics.json and events.jsonl; a run that cannot be read says why.
public struct RunOverview {
    public var summary: RunSummary
    public var record: RunRecord?
    /// Why the spec could not be read, when it could not.
    public var problem: String?
    public var prefixLength: Int?
    /// The method's variant (FT-top2's "top2", an adapter's "lin b5"), nil for its plain form.
    public var variant: String?
    public var trainedParams: Int?
    public var storedParams: Int?
    public var modelParams: Int?
    public var metrics: [String: Double] = [:]
    public var trainSeconds: Double?

    public static func read(_ dir: String) -> RunOverview {
        let summary = RunStore.summary(runDir: dir)
        var o = RunOverview(summary: summary, problem: summary.problem)
        do { o.record = try RunRecord.read(dir) } catch { o.problem = o.problem ?? "\(error)"; return o }
        let spec = o.record!.spec
        if let type = MethodRegistry.type(named: spec.method.name) {
            o.prefixLength = type.descriptor.lengthKey.flatMap { spec.method[$0]?.int }
            let method = try? MethodRegistry.method(spec.method)
            o.variant = method?.variant
            if let method, let model = try? HFModelFolder.summary(spec.model) {
                o.modelParams = model.shape.parameterCount
                o.storedParams = method.storedParameters(model)
                o.trainedParams = method.trainedParameters(model)
            }
        }
        if let md = FileRead.contents(dir + "/metrics.json"), let mj = try? JSONParser.parse(bytes: [UInt8](md)), let t = mj["test"]?.object {
            for (k, x) in t { if let n = x.number { o.metrics[k] = n } }
        }
        o.trainSeconds = trainingSeconds(dir)
        if o.problem == nil, let e = o.record?.info["error"]?.string { o.problem = e }
        return o
    }

    /// The spec as flat key = value lines (the config diff).
    public var configLines: [(String, String)] {
        guard let spec = record?.spec else { return [] }
        return [("model", spec.model), ("train", spec.train)] + (spec.valid.map { [("valid", $0)] } ?? []) + (spec.test.map { [("test", $0)] } ?? [])
            + [("method", spec.method.name)] + spec.method.options.keys.sorted().map { ($0, spec.method[$0]!.description) }
            + RunSpecBuilder.settings.compactMap { d in ["model", "train", "valid", "test"].contains(d.key) ? nil : spec.setting(d.key).map { (d.key, $0.description) } }
    }

    /// Wall time between the first and last step events, without the gaps of pauses.
    static func trainingSeconds(_ dir: String) -> Double? {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var total = 0.0, last: Date? = nil
        for e in RunStore.readEvents(dir + "/events.jsonl").events {
            guard let t = f.date(from: e.time) else { continue }
            switch e.kind {
            case .started, .resumed: last = t
            case .step:
                if let l = last { total += t.timeIntervalSince(l) }
                last = t
            case .paused, .finished, .failed: last = nil
            default: break
            }
        }
        return total > 0 ? total : nil
    }
}

/// A dataset as the Datasets screen shows it: its examples with token counts and two lines of
/// summary (sizes, length statistics).
public struct DatasetOverview {
    public var name: String
    public var path: String
    public var dataset: Dataset
    public var sourceTokens: [Int]
    public var targetTokens: [[Int]]
    public var summary: [String]

    /// Every spec that loads; token counts from the tokenizer of `tokenizerFolder` (else words).
    public static func load(_ specs: [String], tokenizerFolder: String?) -> [DatasetOverview] {
        let tokenizer = tokenizerFolder.flatMap { try? TokenizerFiles.load(folder: $0) }
        let count: (String) -> Int = { s in tokenizer.map { $0.encode(s).count } ?? s.split(separator: " ").count }
        return specs.compactMap { spec -> DatasetOverview? in
            guard let d = try? DatasetSpec.load(spec) else { return nil }
            let summary = DatasetSummary(d, tokenize: tokenizer.map { t in { t.encode($0).count } })
            let name = ((spec as NSString).deletingLastPathComponent as NSString).lastPathComponent + " · " + ((spec as NSString).lastPathComponent as NSString).deletingPathExtension
            let lines = [
                "\(d.format) · \(summary.examples) examples · \(summary.references) references (\(String(format: "%.1f", summary.referencesPerExample.mean)) per example) · \(spec)",
                String(format: "source %@ mean %.1f, max %d · target mean %.1f, p95 %d, max %d", summary.unit, summary.sourceLength.mean, summary.sourceLength.max,
                       summary.targetLength.mean, summary.targetLength.p95, summary.targetLength.max),
            ]
            return DatasetOverview(name: name, path: spec, dataset: d, sourceTokens: d.examples.map { count($0.source) },
                                   targetTokens: d.examples.map { e in e.references.map { count(" " + $0) } }, summary: lines)
        }
    }
}

/// Every run's outputs/test.jsonl merged by source (first-appearance order), each output with
/// its per-example scores (outputs of E2E MRs also their slot errors).
public struct TestOutputs {
    public var source: String
    public var references: [String]
    public var outputs: [String: (text: String, scores: OutputScores)]

    public static func merge(runsFolder: String, runs ids: [String]) -> [TestOutputs] {
        var merged: [TestOutputs] = [], index: [String: Int] = [:]
        var outputs: [(example: Int, run: String, text: String)] = []
        for id in ids {
            let dir = runsFolder + "/" + id + "/outputs/"
            guard let data = FileRead.contents(dir + "test.jsonl") ?? FileRead.contents(dir + "test.txt.jsonl") else { continue }
            for line in data.split(separator: 0x0A) {
                guard let j = try? JSONParser.parse(bytes: [UInt8](line)), let src = j["source"]?.string, let out = j["output"]?.string else { continue }
                if index[src] == nil {
                    index[src] = merged.count
                    merged.append(TestOutputs(source: src, references: j["references"]?.array?.compactMap(\.string) ?? [], outputs: [:]))
                }
                outputs.append((index[src]!, id, out))
            }
        }
        // Scoring is most of the workbench's loading: references tokenized once per example,
        // outputs scored on every core.
        let refs = merged.map { ($0.references, $0.source) }.parallelMap { OutputScores.References($0.0, source: $0.1) }
        // Runs tested on summaries also get ROUGE-1/2/L (their run.json names the test data).
        let summaries = Set(ids.filter { id in (try? RunRecord.read(runsFolder + "/" + id))?.spec.test.map(DatasetSpec.holdsSummaries) ?? false })
        let scores = outputs.map { ($0.text, $0.example, summaries.contains($0.run)) }.parallelMap {
            OutputScores.score($0.0, references: refs[$0.1], summary: $0.2)
        }
        for (o, sc) in zip(outputs, scores) { merged[o.example].outputs[o.run] = (o.text, sc) }
        return merged
    }
}
