import Foundation
import Support
import JSON
import Jobs
import Runs
import Tuning
import Workbench

/// Turns what the run store reads (Runs/WorkspaceReader) into the workbench's plain values.
struct WorkspaceLoader {
    let workspace: Workspace

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
                OutputView(text: $0.text, bleu: $0.scores.bleu, rougeL: $0.scores.rougeL, novelWords: $0.scores.novelWords)
            })
        }
    }

    /// A run's folder as its detail view shows it.
    func detail(_ id: String) -> RunDetail {
        let dir = workspace.runsPath + "/" + id
        let o = RunOverview.read(dir)
        var d = RunDetail(id: id, folder: dir, status: o.summary.status.rawValue, error: o.problem)
        let info = FileRead.contents(dir + "/run.json").flatMap { try? JSONParser.parse(bytes: [UInt8]($0)) }
        d.commandLine = (info?["command_line"]?.array?.compactMap(\.string) ?? []).map(shellQuoted).joined(separator: " ")
        d.spec = o.configLines.map { RunDetail.Pair($0.0, $0.1) }
        for e in RunStore.readEvents(dir + "/events.jsonl").events {
            let time = e.time.replacingOccurrences(of: "T", with: " ").prefix(19)
            let what: String?
            switch e.kind {
            case .queued: what = "queued"
            case let .started(total, method, params): what = "started: \(method), \(total) steps, \(params) trainable"
            case let .paused(step): what = "paused at step \(step)"
            case let .resumed(step): what = "resumed at step \(step)"
            case let .finished(step, outcome): what = "\(outcome) at step \(step)"
            case let .failed(step, error): what = "failed at step \(step): \(error)"
            case let .checkpoint(step, _): what = "checkpoint at step \(step)"
            case let .evaluation(split, _): what = "evaluated \(split)"
            default: what = nil
            }
            if let what { d.history.append(RunDetail.Pair(String(time), what)) }
        }
        let best = (try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/checkpoints/best")).map { ($0 as NSString).lastPathComponent }
        d.checkpoints = CheckpointIO.steps(runDir: dir).map { c in
            let files = (try? FileManager.default.contentsOfDirectory(atPath: c.path)) ?? []
            let bytes = files.reduce(0) { $0 + (((try? FileManager.default.attributesOfItem(atPath: c.path + "/" + $1))?[.size] as? Int) ?? 0) }
            let name = (c.path as NSString).lastPathComponent
            return RunDetail.Checkpoint(name: name, bytes: bytes, best: name == best)
        }
        // BLEU on the 0-100 scale the workbench prints everywhere (metrics.json keeps 0-1).
        d.metrics = o.metrics.keys.sorted().map { k in
            let v = o.metrics[k]!
            return RunDetail.Pair(k, k == "BLEU" ? String(format: "%.2f", v * 100) : v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : String(format: "%.4f", v))
        }
        let log = dir + "/output.log"
        if let text = FileRead.tail(log, maxBytes: 64 << 10) {
            d.logPath = log
            d.logTail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(400).map { Escaped(String($0), limit: 400).description }
            if d.logTail.last == "" { d.logTail.removeLast() }
        } else {
            // A run trained from a terminal has no output log here: its events tell its story.
            d.logTail = RunStore.readEvents(dir + "/events.jsonl").events.compactMap { e in
                if e.isStep { return nil }
                let (type, rest) = e.fields
                return "\(e.time.replacingOccurrences(of: "T", with: " ").prefix(19)) \(type) " + rest.map { "\($0.0) \($0.1.serialized)" }.joined(separator: ", ")
            }
        }
        return d
    }

    func shellQuoted(_ a: String) -> String {
        a.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=,+@%".contains($0) } && !a.isEmpty ? a : "'" + a.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
