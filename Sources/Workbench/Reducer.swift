import Screen
import Foundation
import Events
import Specs

/// The only way the workbench's state changes. Pure: effects (launching, writing files,
/// decoding) are returned for the shell to carry out.
public func reduce(_ s: inout AppState, _ action: Action) -> [Effect] {
    switch action {
    case .resize(let w, let h):
        s.width = w; s.height = h
        return []
    case .event(let e):
        applyEvent(&s, e)
        return []
    case .runInfo(let info):
        let i = s.upsertRun(info.id)
        var r = s.runs[i]
        r.group = info.group ?? r.group
        if r.method == "?" || info.method != "?" { r.method = info.method }
        r.prefixLength = info.prefixLength ?? r.prefixLength
        r.variant = info.variant ?? r.variant
        r.reparam = info.reparam ?? r.reparam
        r.seed = info.seed ?? r.seed
        r.config = info.config.isEmpty ? r.config : info.config
        r.metrics.merge(info.metrics) { $1 }
        r.trainableParams = info.trainableParams ?? r.trainableParams
        r.modelParams = info.modelParams ?? r.modelParams
        r.storedParams = info.storedParams ?? r.storedParams
        r.trainSeconds = info.trainSeconds ?? r.trainSeconds
        r.external = info.external
        if r.losses.isEmpty || [.interrupted, .unreadable, .paused, .queued, .failed].contains(info.status) { r.status = info.status }
        r.totalSteps = r.totalSteps ?? info.totalSteps
        s.runs[i] = r
        return []
    case .datasets(let d):
        s.datasets = d
        s.datasetIndex = min(s.datasetIndex, max(0, d.count - 1))
        s.exampleIndex = 0
        return []
    case .compare(let c):
        s.compare = c
        s.compareIndex = min(s.compareIndex, max(0, c.count - 1))
        return []
    case .jobs(let j):
        s.jobs = j
        return []
    case .detail(let d):
        if case .detail(let run, _) = s.mode, run == d.id { s.detail = d }
        return []
    case .prefixMeaning(let m):
        s.prefixMeaning = m
        return []
    case .attention(let m):
        guard m.source == s.attentionSource, s.attentionRuns.contains(m.run) else { return [] }
        s.attention.removeAll { $0.run == m.run }
        s.attention.append(m)
        return []
    case .tryOwnOutput(let run, let out):
        s.tryOwnOutputs[run] = out
        return []
    case .message(let m):
        s.message = m
        return []
    case .launchChecked(let problems):
        return launchChecked(&s, problems)
    case .loading(let what):
        s.loading = what
        return []
    case .context(let group, let model):
        if s.groupName.isEmpty { s.groupName = group }
        if s.modelName.isEmpty { s.modelName = model }
        return []
    case .loaded(let candidates):
        s.loading = nil
        let resumable = s.runs.filter { candidates.contains($0.id) && [.paused, .interrupted, .queued].contains($0.status) && !$0.external }.map(\.id)
        if !resumable.isEmpty && !s.readOnly && s.mode == .normal { s.mode = .resumeOffer(resumable) }
        return []
    case .offerResume(let ids):
        if !ids.isEmpty && s.mode == .normal { s.mode = .resumeOffer(ids) }
        return []
    case .interrupt:
        s.quitting = true
        return [.quit(pauseOwnRuns: true)]
    case .key(let k):
        return reduceKey(&s, k)
    }
}

func applyEvent(_ s: inout AppState, _ e: RunEvent) {
    let i = s.upsertRun(e.run)
    s.runs[i].apply(e)
    // A request's message gives way to its outcome once the run answers.
    if let m = s.message, m.hasPrefix("pausing \(e.run) ") || m.hasPrefix("cancelling \(e.run) ") {
        switch e.kind {
        case .paused(let step): s.message = "\(e.run) paused at step \(step)"
        case .finished(let step, let outcome): s.message = "\(e.run) \(outcome) at step \(step)"
        case .failed(let step, _): s.message = "\(e.run) failed at step \(step)"
        default: break
        }
    }
    // Steps reach the curves and generation progress the header, not the log: a run makes
    // thousands of steps, an evaluation a progress event every few outputs.
    if e.isStep { return }
    if case .generation = e.kind { return }
    let (type, rest) = e.fields
    let text: String
    switch e.kind {
    case .failed(let step, let err): text = "failed at step \(step): \(err)"
    case .log(let m): text = m
    case .finished(let step, let outcome): text = "\(outcome) at step \(step)"
    case .validation(let step, let loss, let m):
        text = "step \(step): validation loss \(fmt(loss, 4))" + m.keys.sorted().map { ", \($0) \(metricText($0, m[$0]!))" }.joined()
    case .evaluation(let split, let m): text = split + ": " + m.keys.sorted().map { "\($0) \(metricText($0, m[$0]!))" }.joined(separator: ", ")
    default: text = rest.map { "\($0.0) \($0.1.serialized)" }.joined(separator: ", ")
    }
    // A failed evaluation leaves the run's training as it was, but it is a failure to list.
    let isError = type == "failed" || (type == "log" && text.hasPrefix("evaluation failed"))
    s.events.append(EventLine(time: e.time, run: e.run, type: type, text: text, isError: isError))
    if s.events.count > AppState.eventCapacity { s.events.removeFirst(s.events.count - AppState.eventCapacity) }
}

/// A metric as every screen prints it: BLEU on 0–100 (as the paper), the others as scored.
func metricText(_ key: String, _ v: Double) -> String {
    key.hasPrefix("BLEU") ? fmt(v * 100, 2) : v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : fmt(v, 3)
}

func fmt(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return x.isNaN ? "NaN" : "inf" }
    var p = 1.0
    for _ in 0..<digits { p *= 10 }
    let r = (x * p).rounded() / p
    var t = String(r)
    if let dot = t.firstIndex(of: ".") {
        let decimals = t.distance(from: dot, to: t.endIndex) - 1
        if decimals < digits { t += String(repeating: "0", count: digits - decimals) }
    } else if digits > 0 { t += "." + String(repeating: "0", count: digits) }
    return t
}

func reduceKey(_ s: inout AppState, _ k: Key) -> [Effect] {
    s.message = nil
    if k == .ctrl("c") { s.quitting = true; return [.quit(pauseOwnRuns: true)] }
    switch s.mode {
    case .help(let scroll):
        switch k {
        case .down, .char("j"): s.mode = .help(scroll: scroll + 1)
        case .up, .char("k"): s.mode = .help(scroll: max(0, scroll - 1))
        default: s.mode = .normal
        }
        return []
    case .confirmQuit:
        if k == .char("y") || k == .char("Y") || k == .enter { s.quitting = true; return [.quit(pauseOwnRuns: true)] }
        s.mode = .normal
        return []
    case .resumeOffer(let ids):
        s.mode = .normal
        if k == .char("y") || k == .char("Y") || k == .enter { return ids.map { .resume(run: $0) } }
        return []
    case .diff:
        s.mode = .normal
        return []
    case .detail(let run, let scroll):
        let lines = s.detail?.id == run ? s.detail!.logTail.count : 0
        let page = max(1, s.height / 3)
        guard let command = KeyMap.detailBindings.first(where: { $0.keys.contains(k) })?.command else { return [] }
        let top = max(0, lines - 1)
        switch command {
        case .close: s.mode = .normal; s.detail = nil
        case .lineUp: s.mode = .detail(run: run, scroll: min(top, scroll + 1))
        case .lineDown: s.mode = .detail(run: run, scroll: max(0, scroll - 1))
        case .pageUp: s.mode = .detail(run: run, scroll: min(top, scroll + page))
        case .pageDown: s.mode = .detail(run: run, scroll: max(0, scroll - page))
        case .oldest: s.mode = .detail(run: run, scroll: top)
        case .follow: s.mode = .detail(run: run, scroll: 0)
        }
        return []
    case .search(let q):
        return editSearch(&s, q, k)
    case .prefixMeaning(let run, let layer, let scroll):
        let layers = s.prefixMeaning?.nearest.count ?? 1, rows = s.prefixMeaning?.nearest.first?.count ?? 0
        switch k {
        case .escape, .char("q"), .backspace: s.mode = .normal
        case .right, .char("l"): s.mode = .prefixMeaning(run: run, layer: min(layer + 1, max(0, layers - 1)), scroll: scroll)
        case .left, .char("h"): s.mode = .prefixMeaning(run: run, layer: max(0, layer - 1), scroll: scroll)
        case .down, .char("j"): s.mode = .prefixMeaning(run: run, layer: layer, scroll: min(scroll + 1, rows))
        case .up, .char("k"): s.mode = .prefixMeaning(run: run, layer: layer, scroll: max(0, scroll - 1))
        default: break
        }
        return []
    case .attention(let scroll, let part):
        switch k {
        case .escape, .char("q"), .backspace: s.mode = .normal
        case .down, .char("j"): s.mode = .attention(scroll: min(scroll + 1, s.attention.map(\.tokens.count).max() ?? 0), part: part)
        case .up, .char("k"): s.mode = .attention(scroll: max(0, scroll - 1), part: part)
        case .pageDown, .ctrl("d"): s.mode = .attention(scroll: min(scroll + 10, s.attention.map(\.tokens.count).max() ?? 0), part: part)
        case .pageUp, .ctrl("u"): s.mode = .attention(scroll: max(0, scroll - 10), part: part)
        case .char("m"):
            let all = AttentionPart.allCases
            s.mode = .attention(scroll: scroll, part: all[(all.firstIndex(of: part)! + 1) % all.count])
        default: break
        }
        return []
    case .tryOwn(var input):
        switch k {
        case .escape: s.mode = .normal
        case .enter:
            s.mode = .normal
            let src = input.text.trimmingCharacters(in: .whitespaces)
            guard !src.isEmpty else { return [] }
            s.tryOwnSource = src
            s.tryOwnOutputs = [:]
            return [.decode(source: src, runs: CompareModel.columns(s))]
        default: if input.apply(k) { s.mode = .tryOwn(input) }
        }
        return []
    case .launch(var form):
        return editForm(&s, &form, k)
    case .normal:
        break
    }
    if s.tooSmall { if k == .char("q") { s.quitting = true; return [.quit(pauseOwnRuns: true)] }; return [] }
    if case .mouse(let x, let y) = k { return click(&s, x: x, y: y) }
    guard let c = KeyMap.command(for: k, on: s.screen) else { return [] }
    return perform(&s, c)
}

func editSearch(_ s: inout AppState, _ input: TextInput, _ k: Key) -> [Effect] {
    var input = input
    switch k {
    case .escape: s.mode = .normal
    case .enter:
        s.mode = .normal
        s.searchQuery = input.text
        jumpToMatch(&s, forward: true, includeCurrent: true)
    default: if input.apply(k) { s.mode = .search(input) }
    }
    return []
}

func editForm(_ s: inout AppState, _ form: inout LaunchForm, _ k: Key) -> [Effect] {
    switch k {
    case .escape: s.mode = .normal; return []
    case .down, .tab: form.focusField(form.focus + 1)
    case .up, .backTab: form.focusField(form.focus - 1)
    case .left where form.focusedField.choices != nil: form.cycle(forward: false)
    case .right where form.focusedField.choices != nil: form.cycle(forward: true)
    case .enter:
        guard !form.checking else { break }
        var problems = form.localProblems()
        if s.runs.contains(where: { $0.id == form["name"] }) { problems["name"] = "a run named \(form["name"]) exists" }
        form.problems = problems
        if let first = form.fields.firstIndex(where: { problems[$0.key] != nil }) { form.focusField(first); break }
        // The files are the shell's to read: it answers with `.launchChecked`.
        form.checking = true
        s.mode = .launch(form)
        return [.checkLaunch(form)]
    default: _ = form.edit(k)
    }
    s.mode = .launch(form)
    return []
}

/// The shell's answer to `.checkLaunch`: queue the run, or show what is wrong beside its field.
func launchChecked(_ s: inout AppState, _ problems: [String: String]) -> [Effect] {
    guard case .launch(var form) = s.mode, form.checking else { return [] }
    form.checking = false
    form.problems = problems
    if let first = form.fields.firstIndex(where: { problems[$0.key] != nil }) {
        form.focusField(first)
        s.mode = .launch(form)
        return []
    }
    if !problems.isEmpty { s.mode = .launch(form); return [] }
    s.mode = .normal
    s.message = "queued \(form["name"])"
    return [.launch(form)]
}

/// Indices of the current dataset's examples that pass the category filter.
/// The Compare example shown, as `TextScroll` keys it, if any.
func compareExampleKey(_ s: AppState) -> String? {
    let order = CompareModel.order(s)
    return order.indices.contains(s.compareIndex) ? "compare:\(order[s.compareIndex])" : nil
}

/// The selected Datasets example as `TextScroll` keys it (dataset and example id), if any.
func selectedExampleKey(_ s: AppState) -> String? {
    let vis = visibleExamples(s)
    guard vis.indices.contains(s.exampleIndex) else { return nil }
    return "\(s.datasetIndex):\(s.datasets[s.datasetIndex].examples[vis[s.exampleIndex]].id)"
}

public func visibleExamples(_ s: AppState) -> [Int] {
    guard s.datasets.indices.contains(s.datasetIndex) else { return [] }
    let ex = s.datasets[s.datasetIndex].examples
    guard let f = s.categoryFilter else { return Array(ex.indices) }
    return ex.indices.filter { i in
        switch f {
        case "seen": return ex[i].seen == true
        case "unseen": return ex[i].seen == false
        default: return ex[i].category == f
        }
    }
}

func matches(_ e: DatasetView.Example, _ q: String) -> Bool {
    let q = q.lowercased()
    return e.source.lowercased().contains(q) || e.raw.lowercased().contains(q) || e.references.contains { $0.lowercased().contains(q) }
}

func jumpToMatch(_ s: inout AppState, forward: Bool, includeCurrent: Bool = false) {
    let q = s.searchQuery
    guard !q.isEmpty else { return }
    switch s.screen {
    case .datasets:
        let vis = visibleExamples(s)
        guard !vis.isEmpty else { return }
        let ex = s.datasets[s.datasetIndex].examples
        let n = vis.count
        for step in (includeCurrent ? 0 : 1)...n {
            let j = ((s.exampleIndex + (forward ? step : -step)) % n + n) % n
            if matches(ex[vis[j]], q) { s.exampleIndex = j; return }
        }
        s.message = "no match for \"\(q)\""
    case .compare:
        let order = CompareModel.order(s)
        let n = order.count
        guard n > 0 else { return }
        for step in (includeCurrent ? 0 : 1)...n {
            let j = ((s.compareIndex + (forward ? step : -step)) % n + n) % n
            let e = s.compare[order[j]]
            if e.source.lowercased().contains(q.lowercased()) || e.references.contains(where: { $0.lowercased().contains(q.lowercased()) }) {
                s.compareIndex = j; return
            }
        }
        s.message = "no match for \"\(q)\""
    case .events:
        let lines = eventLines(s)
        guard let j = lines.lastIndex(where: { ($0.run + " " + $0.type + " " + $0.text).lowercased().contains(q.lowercased()) }) else {
            s.message = "no match for \"\(q)\""; return
        }
        s.eventScroll = lines.count - 1 - j
    default: break
    }
}

public func eventLines(_ s: AppState) -> [EventLine] { s.eventErrorsOnly ? s.events.filter(\.isError) : s.events }

/// Moves a list selection; returns the new index.
func move(_ i: Int, _ c: Command, count: Int, page: Int) -> Int {
    guard count > 0 else { return 0 }
    switch c {
    case .down: return min(count - 1, i + 1)
    case .up: return max(0, i - 1)
    case .pageDown: return min(count - 1, i + page)
    case .pageUp: return max(0, i - page)
    case .top: return 0
    case .bottom: return count - 1
    default: return i
    }
}
