import Events
import Foundation
import JSON
import Jobs
import Models
import Runs
import Specs
import Text
import Tuning
import Workbench

/// Reads what the workbench shows from a workspace on disk: each run's run.json and
/// metrics.json, the datasets its experiments and runs name, and the runs' test outputs with
/// per-example scores. Turns files into the workbench's plain values.
struct WorkspaceLoader {
    let workspace: Workspace

    func runDirs() -> [String] {
        RunStore.list(workspace: workspace.path).map(\.path)
    }

    /// A run's run.json and metrics.json as a RunView carrying info (events fill the rest).
    func runInfo(_ dir: String) -> RunView {
        let summary = RunStore.summary(runDir: dir)
        var v = RunView(id: summary.id, method: summary.method ?? "?", status: summary.status)
        v.totalSteps = summary.totalSteps
        v.external = summary.status == .running
        let record: RunRecord
        do { record = try RunRecord.read(dir) } catch { v.error = summary.problem ?? "\(error)"; return v }
        v.group = record.group
        let spec = record.spec
        let method = try? MethodRegistry.method(spec.method)
        v.method = spec.method.name
        v.prefixLength = MethodRegistry.type(named: spec.method.name)?.descriptor.lengthKey.flatMap { spec.method[$0]?.int }
        v.reparam = spec.method["reparam"]?.text
        v.seed = Int(spec.training.seed)
        v.config = [("model", spec.model), ("train", spec.train)] + (spec.valid.map { [("valid", $0)] } ?? []) + (spec.test.map { [("test", $0)] } ?? [])
            + [("method", spec.method.name)] + spec.method.options.keys.sorted().map { ($0, spec.method[$0]!.description) }
            + RunSpecBuilder.settings.compactMap { d in ["model", "train", "valid", "test"].contains(d.key) ? nil : spec.setting(d.key).map { (d.key, $0.description) } }
        if let method, let model = try? HFModelFolder.summary(spec.model) {
            v.modelParams = model.shape.parameterCount
            v.storedParams = method.storedParameters(model)
            v.trainableParams = method.trainedParameters(model)
        }
        if let md = FileManager.default.contents(atPath: dir + "/metrics.json"), let mj = try? JSONParser.parse(bytes: [UInt8](md)), let t = mj["test"]?.object {
            for (k, x) in t { if let n = x.number { v.metrics[k] = n } }
        }
        v.trainSeconds = trainingSeconds(dir)
        if let p = summary.problem { v.error = p } else if let e = record.info["error"]?.string { v.error = e }
        return v
    }

    /// Wall time between the first and last step events, without the gaps of pauses.
    func trainingSeconds(_ dir: String) -> Double? {
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

    /// Every dataset file the experiments and runs name, loaded, with token counts from the
    /// first model's tokenizer found.
    func datasets(runs: [RunView]) -> [DatasetView] {
        var specs: [String] = []
        func add(_ p: String?) { if let p, !p.isEmpty, !specs.contains(p) { specs.append(p) } }
        var tokenizerDir: String? = nil
        for e in experiments() {
            for k in ["train", "valid", "test"] { add(e[k]?.string) }
            tokenizerDir = tokenizerDir ?? e["model"]?.string
        }
        for r in runs {
            let c = Dictionary(r.config, uniquingKeysWith: { a, _ in a })
            for k in ["train", "valid", "test"] { add(c[k]) }
            tokenizerDir = tokenizerDir ?? c["model"]
        }
        let tokenizer = tokenizerDir.flatMap { try? TokenizerFiles.load(folder: $0) }
        return specs.compactMap { spec in
            guard let d = try? DatasetSpec.load(spec) else { return nil }
            let count: (String) -> Int = { s in tokenizer.map { $0.encode(s).count } ?? s.split(separator: " ").count }
            let examples = d.examples.map { e in
                DatasetView.Example(id: e.id, source: e.source, references: e.references, raw: e.raw, category: e.category, seen: e.seen,
                                    sourceTokens: count(e.source), targetTokens: e.references.map { count(" " + $0) })
            }
            let summary = DatasetSummary(d, tokenize: tokenizer.map { t in { t.encode($0).count } })
            let name = ((spec as NSString).deletingLastPathComponent as NSString).lastPathComponent + " · " + ((spec as NSString).lastPathComponent as NSString).deletingPathExtension
            let lines = [
                "\(d.format) · \(summary.examples) examples · \(summary.references) references (\(String(format: "%.1f", summary.referencesPerExample.mean)) per example) · \(spec)",
                String(format: "source %@ mean %.1f, max %d · target mean %.1f, p95 %d, max %d", summary.unit, summary.sourceLength.mean, summary.sourceLength.max,
                       summary.targetLength.mean, summary.targetLength.p95, summary.targetLength.max),
            ]
            return DatasetView(name: name, path: spec, format: d.format, examples: examples, summary: lines)
        }
    }

    func experiments() -> [JSONValue] {
        let dir = workspace.experimentsPath
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted().filter { $0.hasSuffix(".json") }.compactMap {
            FileManager.default.contents(atPath: dir + "/" + $0).flatMap { try? JSONParser.parse(bytes: [UInt8]($0)) }
        }
    }

    /// Every run's outputs/test.jsonl merged by source (first-appearance order), each output
    /// with its sentence BLEU, ROUGE-L and the words found in no reference.
    func compare(runs: [RunView]) -> [CompareExample] {
        var order: [String] = [], bySource: [String: CompareExample] = [:]
        for r in runs {
            let dir = workspace.runsPath + "/" + r.id + "/outputs/"
            guard let data = FileManager.default.contents(atPath: dir + "test.jsonl") ?? FileManager.default.contents(atPath: dir + "test.txt.jsonl") else { continue }
            for line in data.split(separator: 0x0A) {
                guard let j = try? JSONParser.parse(bytes: [UInt8](line)), let src = j["source"]?.string, let out = j["output"]?.string else { continue }
                let refs = j["references"]?.array?.compactMap(\.string) ?? []
                if bySource[src] == nil { order.append(src); bySource[src] = CompareExample(source: src, references: refs, outputs: [:]) }
                bySource[src]!.outputs[r.id] = WorkspaceLoader.score(out, refs)
            }
        }
        return order.map { bySource[$0]! }
    }

    static func score(_ output: String, _ refs: [String]) -> OutputView {
        let o = OutputScores.score(output, references: refs)
        return OutputView(text: output, bleu: o.bleu, rougeL: o.rougeL, novelWords: o.novelWords)
    }
}
