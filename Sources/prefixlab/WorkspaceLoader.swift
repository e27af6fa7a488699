import Foundation
import Support
import JSON
import Jobs
import Metrics
import Runs
import Workbench

/// Turns what the run store reads (Runs/WorkspaceReader) into the workbench's plain values.
struct WorkspaceLoader {
    let workspace: Workspace

    /// The bundled sample folder: its data/ files are listed in Datasets whether or not a run
    /// uses them.
    var samples: String? = nil

    func runDirs() -> [String] { RunStore.list(workspace: workspace.path).map(\.path) }

    func runInfo(_ dir: String) -> RunView {
        let o = RunOverview.read(dir)
        var v = RunView(id: o.summary.id, method: o.record?.spec.method.name ?? o.summary.method ?? "?", status: o.summary.status)
        v.totalSteps = o.summary.totalSteps
        // Before this workbench starts anything, whoever holds a run's lock is another process.
        v.external = RunFolder.lockHolder(dir) != nil
        v.error = o.problem
        guard let record = o.record else { return v }
        v.group = record.group
        v.prefixLength = o.prefixLength
        v.variant = o.variant
        v.reparam = record.spec.method["reparam"]?.text
        v.seed = Int(record.spec.training.seed)
        v.config = o.configLines
        v.modelParams = o.modelParams; v.storedParams = o.storedParams; v.trainableParams = o.trainedParams
        v.metrics = o.metrics
        v.trainSeconds = o.trainSeconds
        return v
    }

    /// Every dataset file the experiments and runs name, with token counts from the first
    /// model's tokenizer found.
    func datasets(runs: [RunView]) -> [DatasetView] {
        var specs: [String] = []
        // One entry a file, however it is named (experiments name it relative, runs absolute).
        let cwd = FileManager.default.currentDirectoryPath
        func add(_ p: String?) {
            guard let p, !p.isEmpty else { return }
            let full = p.hasPrefix("/") ? p : cwd + "/" + p
            if !specs.contains(full) { specs.append(full) }
        }
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
        if let samples, let files = FileManager.default.subpaths(atPath: samples + "/data") {
            for f in files.sorted() where [".jsonl", ".xml", ".csv", ".json"].contains(where: f.hasSuffix) { add(samples + "/data/" + f) }
        }
        return DatasetOverview.load(specs, tokenizerFolder: tokenizerDir).map { d in
            let examples = d.dataset.examples.enumerated().map { i, e in
                DatasetView.Example(id: e.id, source: e.source, references: e.references, raw: e.raw, category: e.category, seen: e.seen,
                                    sourceTokens: d.sourceTokens[i], targetTokens: d.targetTokens[i])
            }
            return DatasetView(name: d.name, path: d.path, format: d.dataset.format, examples: examples, summary: d.summary)
        }
    }

    func experiments() -> [JSONValue] {
        let dir = workspace.experimentsPath
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted().filter { $0.hasSuffix(".json") }.compactMap {
            FileRead.contents(dir + "/" + $0).flatMap { try? JSONParser.parse(bytes: [UInt8]($0)) }
        }
    }

    func compare(runs: [RunView]) -> [CompareExample] {
        TestOutputs.merge(runsFolder: workspace.runsPath, runs: runs.map(\.id)).map { t in
            CompareExample(source: t.source, references: t.references, outputs: t.outputs.mapValues {
                OutputView(text: $0.text, bleu: $0.scores.bleu, rougeL: $0.scores.rougeL, novelWords: $0.scores.novelWords,
                           rouge: $0.scores.rouge.map { [$0.rouge1, $0.rouge2, $0.rougeL] }, slots: Self.slotView($0.scores.slots, $0.text))
            })
        }
    }

    /// A run's folder as its detail view shows it.
    func detail(_ id: String) -> RunDetail {
        let r = RunStory.read(workspace.runsPath + "/" + id)
        return RunDetail(id: id, folder: r.folder, status: r.status, error: r.error, commandLine: r.commandLine,
                         spec: r.spec.map { .init($0.0, $0.1) }, history: r.history.map { .init($0.0, $0.1) },
                         checkpoints: r.checkpoints.map { .init(name: $0.name, bytes: $0.bytes, best: $0.best) },
                         metrics: r.metrics.map { RunDetail.Metric($0.0, $0.1) }, logTail: r.logTail, logPath: r.logPath)
    }
}

extension WorkspaceLoader {
    static func slotView(_ c: SlotErrors.Check?, _ text: String) -> SlotErrorView? {
        c.map { SlotErrorView(missing: $0.missing.map(\.label), added: $0.added.map(\.label), addedWords: $0.addedWords(in: text),
                              errors: $0.counts.errors, mrValues: $0.counts.mrValues) }
    }
}
