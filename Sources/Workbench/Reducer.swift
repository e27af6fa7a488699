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
    case .tryOwnOutput(let run, let out):
        s.tryOwnOutputs[run] = out
        return []
    case .message(let m):
        s.message = m
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
    if e.isStep { return }  // steps reach the curves, not the log: a run makes thousands
    let (type, rest) = e.fields
    let text: String
    switch e.kind {
    case .failed(let step, let err): text = "failed at step \(step): \(err)"
    case .log(let m): text = m
    case .finished(let step, let outcome): text = "\(outcome) at step \(step)"
    case .validation(let step, let loss, let m):
        text = "step \(step): validation loss \(fmt(loss, 4))" + m.keys.sorted().map { ", \($0) \(fmt(m[$0]!, 2))" }.joined()
    case .evaluation(let split, let m): text = split + ": " + m.keys.sorted().map { "\($0) \(fmt(m[$0]!, 3))" }.joined(separator: ", ")
    default: text = rest.map { "\($0.0) \($0.1.serialized)" }.joined(separator: ", ")
    }
    s.events.append(EventLine(time: e.time, run: e.run, type: type, text: text, isError: type == "failed"))
    if s.events.count > AppState.eventCapacity { s.events.removeFirst(s.events.count - AppState.eventCapacity) }
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
    case .search(let q):
        return editSearch(&s, q, k)
    case .tryOwn(let text):
        switch k {
        case .escape: s.mode = .normal
        case .enter:
            s.mode = .normal
            let src = text.trimmingCharacters(in: .whitespaces)
            guard !src.isEmpty else { return [] }
            s.tryOwnSource = src
            s.tryOwnOutputs = [:]
            return [.decode(source: src, runs: CompareModel.columns(s))]
        case .backspace: s.mode = .tryOwn(String(text.dropLast()))
        case .char(let c): s.mode = .tryOwn(text + String(c))
        default: break
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

func editSearch(_ s: inout AppState, _ q: String, _ k: Key) -> [Effect] {
    switch k {
    case .escape: s.mode = .normal
    case .enter:
        s.mode = .normal
        s.searchQuery = q
        jumpToMatch(&s, forward: true, includeCurrent: true)
    case .backspace: s.mode = .search(String(q.dropLast()))
    case .char(let c): s.mode = .search(q + String(c))
    default: break
    }
    return []
}

func editForm(_ s: inout AppState, _ form: inout LaunchForm, _ k: Key) -> [Effect] {
    let fields = form.fields
    form.focus = min(form.focus, fields.count - 1)
    let field = fields[form.focus]
    let value = form.values[field.key] ?? ""
    switch k {
    case .escape: s.mode = .normal; return []
    case .down, .tab: form.focus = (form.focus + 1) % fields.count
    case .up, .backTab: form.focus = (form.focus + fields.count - 1) % fields.count
    case .left, .right:
        if let options = field.choices, !options.isEmpty {
            let i = options.firstIndex(of: value) ?? 0
            form.values[field.key] = options[(i + (k == .right ? 1 : options.count - 1)) % options.count]
        }
    case .backspace: if field.choices == nil { form.values[field.key] = String(value.dropLast()) }
    case .char(let c): if field.choices == nil { form.values[field.key] = value + String(c) }
    case .enter:
        if let err = form.validate() { form.error = err; break }
        if s.runs.contains(where: { $0.id == form["name"] }) { form.error = "name: a run \(form["name"]) exists"; break }
        s.mode = .normal
        s.message = "queued \(form["name"])"
        return [.launch(form)]
    default: break
    }
    s.mode = .launch(form)
    return []
}

/// Indices of the current dataset's examples that pass the category filter.
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
