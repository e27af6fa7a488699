import Screen
import Events
import Specs

/// Carries out a key's command on the current screen.
func perform(_ s: inout AppState, _ c: Command) -> [Effect] {
    let page = max(1, s.height - 12)
    switch c {
    case .quit:
        if s.activeRuns.isEmpty { s.quitting = true; return [.quit(pauseOwnRuns: false)] }
        s.mode = .confirmQuit
    case .help: s.mode = .help(scroll: 0)
    case .nextScreen: s.screen = s.screen.next
    case .previousScreen: s.screen = s.screen.previous
    case .show(let id): s.screen = id
    case .cycleTheme:
        guard !s.themes.isEmpty else { break }
        let i = s.themes.firstIndex(of: s.theme) ?? -1
        s.theme = s.themes[(i + 1) % s.themes.count]
        s.message = "theme: \(s.theme)"
        return [.setTheme(s.theme)]
    case .up, .down, .pageUp, .pageDown, .top, .bottom:
        switch s.screen {
        case .datasets: s.exampleIndex = move(s.exampleIndex, c, count: visibleExamples(s).count, page: page)
        case .runs: s.selectedRun = move(s.selectedRun, c, count: s.runsList.count, page: page)
        case .compare: s.compareIndex = move(s.compareIndex, c, count: CompareModel.order(s).count, page: page)
        case .ablation: s.ablationRow = move(s.ablationRow, c, count: s.runs.count, page: page)
        case .events:
            // The log is shown newest last; scrolling counts lines up from the bottom.
            let n = eventLines(s).count
            switch c {
            case .up: s.eventScroll = min(max(0, n - 1), s.eventScroll + 1)
            case .down: s.eventScroll = max(0, s.eventScroll - 1)
            case .pageUp: s.eventScroll = min(max(0, n - 1), s.eventScroll + page)
            case .pageDown: s.eventScroll = max(0, s.eventScroll - page)
            case .top: s.eventScroll = max(0, n - 1)
            default: s.eventScroll = 0
            }
        }
    case .left, .right:
        switch s.screen {
        case .compare: s.compareIndex = move(s.compareIndex, c == .left ? .up : .down, count: CompareModel.order(s).count, page: 1)
        case .datasets where !s.datasets.isEmpty:
            s.datasetIndex = (s.datasetIndex + (c == .right ? 1 : s.datasets.count - 1)) % s.datasets.count
            s.exampleIndex = 0; s.categoryFilter = nil
        default: break
        }
    case .scrollTextDown, .scrollTextUp:
        guard let key = s.screen == .datasets ? selectedExampleKey(s) : s.screen == .compare ? compareExampleKey(s) : nil else { break }
        let now = s.textScroll.key == key ? s.textScroll.lines : 0
        s.textScroll = TextScroll(key: key, lines: min(1_000_000, max(0, now + (c == .scrollTextDown ? 5 : -5))))
    case .nextDataset:
        if !s.datasets.isEmpty { s.datasetIndex = (s.datasetIndex + 1) % s.datasets.count; s.exampleIndex = 0 }
    case .open:
        if s.screen == .datasets {
            // The same example in Compare, found by its source; none when no run has outputs on it.
            let vis = visibleExamples(s)
            guard vis.indices.contains(s.exampleIndex) else { break }
            let source = s.datasets[s.datasetIndex].examples[vis[s.exampleIndex]].source
            var order = CompareModel.order(s)
            if !order.contains(where: { s.compare[$0].source == source }) && s.compareOnlyDisagree {
                s.compareOnlyDisagree = false; order = CompareModel.order(s)
            }
            guard let j = order.firstIndex(where: { s.compare[$0].source == source }) else {
                s.message = "no run has test outputs for this example (Compare shows the test outputs of finished runs)"; break
            }
            s.compareIndex = j
            s.screen = .compare
        }
        if s.screen == .runs, let r = s.selectedRunView {
            s.mode = .detail(run: r.id, scroll: 0)
            s.detail = nil
            return [.openDetail(run: r.id)]
        }
    case .back:
        if !s.overlay.isEmpty { s.message = "overlay cleared" }
        s.overlay = []
    case .search: s.mode = .search(TextInput())
    case .nextMatch: jumpToMatch(&s, forward: true)
    case .previousMatch: jumpToMatch(&s, forward: false)
    case .filter:
        switch s.screen {
        case .datasets:
            guard s.datasets.indices.contains(s.datasetIndex) else { break }
            let d = s.datasets[s.datasetIndex]
            var options: [String?] = [nil]
            if d.examples.contains(where: { $0.seen != nil }) { options += ["seen", "unseen"] }
            options += d.categories.map { Optional($0) }
            guard options.count > 1 else { s.message = "\(d.name) has no categories to filter by"; break }
            let i = options.firstIndex(of: s.categoryFilter) ?? 0
            let current = visibleExamples(s).indices.contains(s.exampleIndex) ? visibleExamples(s)[s.exampleIndex] : nil
            s.categoryFilter = options[(i + 1) % options.count]
            // The selected example stays selected when the new filter shows it.
            s.exampleIndex = current.flatMap { c in visibleExamples(s).firstIndex(of: c) } ?? 0
            s.message = "filter: \(s.categoryFilter ?? "all") (\(visibleExamples(s).count) examples)"
        case .compare:
            s.compareOnlyDisagree.toggle(); s.compareIndex = 0
            s.message = s.compareOnlyDisagree ? "only examples where the outputs differ" : "all examples"
        case .events:
            s.eventErrorsOnly.toggle(); s.eventScroll = 0
        default: break
        }
    case .newRun:
        if s.readOnly { s.message = "workspace is read-only (another workbench holds it)"; break }
        let d = launchDefaults(s)
        s.mode = .launch(LaunchForm(methods: s.methods, defaults: d.values, methodDefaults: d.perMethod))
    case .start, .pause, .resume, .cancel:
        guard let r = s.selectedRunView else { break }
        if r.external { s.message = "\(r.id) is trained by another process; not touched"; break }
        if s.readOnly { s.message = "workspace is read-only (another workbench holds it)"; break }
        switch c {
        case .start where r.status == .queued: return [.start(run: r.id)]
        case .pause where r.status == .running: return [.pause(run: r.id)]
        case .resume where [.paused, .interrupted, .cancelled, .failed].contains(r.status): return [.resume(run: r.id)]
        case .cancel where [.running, .queued, .paused].contains(r.status): return [.cancel(run: r.id)]
        default: s.message = "\(r.id) is \(r.status.rawValue)"
        }
    case .overlay:
        guard let r = s.selectedRunView else { break }
        if s.overlay.contains(r.id) { s.overlay.remove(r.id) } else { s.overlay.insert(r.id) }
        let others = s.runs.map(\.id).filter { s.overlay.contains($0) || s.marked.contains($0) }
        s.message = s.overlay.contains(r.id)
            ? "overlay: \(others.joined(separator: ", ")) drawn with the selected run; select another run to compare (Esc clears)"
            : "\(r.id) taken off the overlay"
    case .mark:
        let id: String?
        switch s.screen {
        case .ablation:
            let rows = AblationModel.sorted(AblationModel.rows(s.groupRuns), by: s.ablationSort)
            id = rows.indices.contains(s.ablationRow) ? rows[s.ablationRow].runs.first : nil
        default: id = s.selectedRunView?.id
        }
        guard let id else { break }
        if let i = s.marked.firstIndex(of: id) { s.marked.remove(at: i) } else { s.marked.append(id) }
        s.message = "marked: " + (s.marked.isEmpty ? "none" : s.marked.joined(separator: ", "))
    case .sort:
        if s.screen == .compare {
            let all = CompareSort.allCases
            s.compareSort = all[(all.firstIndex(of: s.compareSort)! + 1) % all.count]
            s.compareIndex = 0
        } else if s.screen == .ablation {
            let visible = AblationModel.visibleColumns(AblationModel.rows(s.groupRuns))
            s.ablationSort = visible.first { $0 > s.ablationSort } ?? 0
            s.message = "sorted by \(AblationModel.columnTitles[s.ablationSort])"
        }
    case .chooseRuns:
        s.compareColumns = s.marked
        let withOutputs = Set(s.compare.flatMap { $0.outputs.keys })
        let missing = s.marked.filter { !withOutputs.contains($0) }
        s.message = s.marked.isEmpty ? "columns: one run of each method of the group" : "columns: " + s.marked.filter(withOutputs.contains).joined(separator: ", ")
            + (missing.isEmpty ? "" : "; \(missing.joined(separator: ", ")) \(missing.count == 1 ? "has" : "have") no test outputs (press a to generate them)")
    case .generateMissing:
        let have = Set(s.compare.flatMap { $0.outputs.keys })
        let want = s.marked.isEmpty ? s.runs.filter { $0.status == .done }.map(\.id) : s.marked
        let missing = want.filter { !have.contains($0) }
        if missing.isEmpty { s.message = "every chosen run has outputs"; break }
        s.message = "generating outputs for " + missing.joined(separator: ", ")
        return [.generateMissing(runs: missing)]
    case .tryOwn: s.mode = .tryOwn(TextInput())
    case .prefixMeaning:
        guard let run = s.selectedRunView else { s.message = "no run selected"; break }
        guard run.prefixLength != nil else { s.message = "\(run.id): a \(run.method) run has no virtual rows (P reads prefix, infix and embedding runs)"; break }
        if s.prefixMeaning?.run != run.id { s.prefixMeaning = nil }
        s.mode = .prefixMeaning(run: run.id, layer: 0, scroll: 0)
        return [.inspectPrefix(run: run.id)]
    case .attention:
        let order = CompareModel.order(s)
        guard order.indices.contains(s.compareIndex) else { s.message = "no example to inspect"; break }
        // Two runs with virtual rows first (what the view is about), then any others shown.
        let cols = CompareModel.columns(s)
        let virtual = cols.filter { id in s.runs.first { $0.id == id }?.prefixLength != nil }
        let runs = Array((virtual + cols.filter { !virtual.contains($0) }).prefix(2))
        guard !runs.isEmpty else { s.message = "no runs shown: mark runs and press c"; break }
        s.attentionSource = s.compare[order[s.compareIndex]].source
        s.attentionRuns = runs
        s.attention = []
        s.mode = .attention(scroll: 0, part: .virtual)
        return [.inspectAttention(source: s.attentionSource, runs: runs)]
    case .metric:
        let all = AblationModel.metrics
        s.ablationMetric = all[((all.firstIndex(of: s.ablationMetric) ?? -1) + 1) % all.count]
    case .diff:
        guard s.marked.count >= 2 else { s.message = "mark two runs with space first"; break }
        s.mode = .diff(s.marked[s.marked.count - 2], s.marked[s.marked.count - 1])
    case .export: return [.export]
    case .runGroup:
        if s.readOnly { s.message = "workspace is read-only (another workbench holds it)"; break }
        guard !s.groupName.isEmpty else { s.message = "no experiment group"; break }
        return [.runGroup(s.groupName)]
    case .nextGroup where s.screen == .runs:
        let options: [String?] = [nil] + s.groups.map { Optional($0) }
        let keep = s.selectedRunView?.id
        s.runsGroup = options[((options.firstIndex(of: s.runsGroup) ?? 0) + 1) % options.count]
        s.selectedRun = keep.flatMap { id in s.runsList.firstIndex { $0.id == id } } ?? 0
        s.message = "runs: " + (s.runsGroup ?? "every group") + " (\(s.runsList.count))"
    case .smoothing:
        let w = AppState.smoothingWeights
        s.smoothing = w[((w.firstIndex(of: s.smoothing) ?? 0) + 1) % w.count]
        s.message = s.smoothing == 0 ? "loss: raw, no smoothing" : "loss: EMA smoothing \(s.smoothing) (raw faint behind)"
    case .logScale:
        s.logLoss.toggle()
        s.message = s.logLoss ? "loss: log scale" : "loss: linear scale"
    case .zoom:
        let total = s.selectedRunView.map { max($0.step, $0.totalSteps ?? 0) } ?? 0
        let choices: [Int?] = [nil] + AppState.zoomChoices.filter { $0 < total }.map { Optional($0) }
        s.zoomSteps = choices[((choices.firstIndex(of: s.zoomSteps) ?? 0) + 1) % choices.count]
        s.message = s.zoomSteps.map { "loss: the last \($0) steps" } ?? "loss: every step"
    case .nextGroup:
        let groups = s.groups
        guard !groups.isEmpty else { s.message = "no groups: runs without an experiment"; break }
        s.groupName = groups[((groups.firstIndex(of: s.groupName) ?? -1) + 1) % groups.count]
        s.ablationRow = 0; s.compareIndex = 0
        s.message = "group: \(s.groupName)"
    }
    return []
}

/// The launch form starts from the selected run: its model and data (relative to the folder
/// the workbench runs in), its method and settings; a method switch takes the settings of the
/// workspace's latest run of that method. The name is one no run has had.
func launchDefaults(_ s: AppState) -> (values: [String: String], perMethod: [String: [String: String]]) {
    func relative(_ p: String) -> String {
        !s.cwd.isEmpty && p.hasPrefix(s.cwd + "/") ? String(p.dropFirst(s.cwd.count + 1)) : p
    }
    let carried = ["model", "train", "valid", "test"]
    let perRun = ["lr", "epochs", "max_steps", "warmup_steps", "batch_size", "eval_every", "seed"]
    func settings(_ r: RunView) -> [String: String] {
        let cfg = Dictionary(r.config, uniquingKeysWith: { a, _ in a })
        var d: [String: String] = [:]
        for k in perRun { if let v = cfg[k] { d[k] = v } }
        return d
    }
    var perMethod: [String: [String: String]] = [:]
    for r in s.runs where !r.config.isEmpty { perMethod[r.method] = settings(r) }  // the latest wins
    var d: [String: String] = [:]
    if let r = s.selectedRunView {
        let cfg = Dictionary(r.config, uniquingKeysWith: { a, _ in a })
        for k in carried { if let v = cfg[k] { d[k] = relative(v) } }
        if r.method != "?", s.methods.contains(where: { $0.name == r.method }) { d["method"] = r.method }
        for (k, v) in settings(r) { d[k] = v }
        if let m = s.methods.first(where: { $0.name == r.method }) {
            for o in m.options { if let v = cfg[o.key] { d[o.key] = v } }
        }
    }
    if let r = s.selectedRunView, !r.config.isEmpty { perMethod[r.method] = settings(r) }
    d["group"] = s.groupName
    var n = s.runs.count + 1
    while s.runs.contains(where: { $0.id == "run-\(n)" }) { n += 1 }
    d["name"] = "run-\(n)"
    return (d, perMethod)
}

/// Mouse clicks: the tab bar switches screens; a row of the Runs table or the example list
/// selects it.
func click(_ s: inout AppState, x: Int, y: Int) -> [Effect] {
    if y == 0 {
        for (id, range) in Layout.tabs(s) where range.contains(x) { s.screen = id; return [] }
        return []
    }
    switch s.screen {
    case .runs:
        let top = Layout.runsTableTop
        let offset = tableOffset(selected: s.selectedRun, count: s.runsList.count, visible: Layout.runsTableRows(s))
        let i = offset + (y - top)
        if y >= top, i < s.runsList.count { s.selectedRun = i }
    case .datasets:
        let top = Layout.examplesTop
        let vis = visibleExamples(s)
        let offset = tableOffset(selected: s.exampleIndex, count: vis.count, visible: Layout.exampleRows(s))
        let i = offset + (y - top)
        if y >= top, x < s.width * 2 / 5, i < vis.count { s.exampleIndex = i }
    default: break
    }
    return []
}
