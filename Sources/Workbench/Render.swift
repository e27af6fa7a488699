import Screen

/// The whole screen for a state: tab bar, the current pane, the footer, and any dialog on
/// top. Pure, so tests read what the user would see.
public func render(_ s: AppState, glyphs g: Glyphs) -> ScreenBuffer {
    var buf = renderScreen(s, glyphs: g)
    if g == .ascii { buf.foldToASCII() }
    return buf
}

func renderScreen(_ s: AppState, glyphs g: Glyphs) -> ScreenBuffer {
    var buf = ScreenBuffer(width: s.width, height: s.height)
    if s.tooSmall {
        TooSmallPane.render(s, into: &buf)
        return buf
    }
    Chrome.header(s, into: &buf)
    let body = Layout.body(s)
    if case .detail(let run, let scroll) = s.mode {
        RunDetailPane.render(s, run: run, scroll: scroll, in: body, into: &buf, glyphs: g)
    } else if case .prefixMeaning(let run, let layer, let scroll) = s.mode {
        PrefixMeaningPane.render(s, run: run, layer: layer, scroll: scroll, in: body, into: &buf, glyphs: g)
    } else if case .attention(let scroll, let part) = s.mode {
        AttentionPane.render(s, scroll: scroll, part: part, in: body, into: &buf, glyphs: g)
    } else {
    switch s.screen {
    case .datasets: DatasetsPane.render(s, in: body, into: &buf, glyphs: g)
    case .runs: RunsPane.render(s, in: body, into: &buf, glyphs: g)
    case .compare: ComparePane.render(s, in: body, into: &buf, glyphs: g)
    case .ablation: AblationPane.render(s, in: body, into: &buf, glyphs: g)
    case .events: EventsPane.render(s, in: body, into: &buf, glyphs: g)
    }
    }
    Chrome.footer(s, into: &buf)
    switch s.mode {
    case .help(let scroll): Dialogs.help(s, scroll: scroll, into: &buf, glyphs: g)
    case .launch(let form): Dialogs.launch(s, form, into: &buf, glyphs: g)
    case .confirmQuit: Dialogs.confirmQuit(s, into: &buf, glyphs: g)
    case .resumeOffer(let ids): Dialogs.resumeOffer(ids, s, into: &buf, glyphs: g)
    case .diff(let a, let b): Dialogs.diff(s, a, b, into: &buf, glyphs: g)
    default: break
    }
    return buf
}

enum TooSmallPane {
    static func render(_ s: AppState, into buf: inout ScreenBuffer) {
        let lines = ["Terminal too small: \(s.width)×\(s.height).", "PrefixLab needs at least 80×24.", "Enlarge the window, or press q to quit."]
        for (i, l) in lines.enumerated() {
            let w = DisplayWidth.of(l)
            buf.put(l, x: max(0, (s.width - w) / 2), y: max(0, s.height / 2 - 1) + i, role: i == 0 ? .bad : .normal)
        }
    }
}

enum Chrome {
    /// The run manager's jobs, an evaluating run's with its progress from `generation` events.
    static func jobLabels(_ s: AppState) -> [String] {
        s.jobs.map { label in
            guard label.hasPrefix("evaluating "), let run = s.runs.first(where: { "evaluating " + $0.id == label }),
                  let g = run.generation else { return label }
            return label + " \(g.done)/\(g.total)"
        }
    }

    static func header(_ s: AppState, into buf: inout ScreenBuffer) {
        buf.fill(Rect(x: 0, y: 0, width: s.width, height: 1), role: .tab)
        buf.put(" PrefixLab ", x: 0, y: 0, role: .title)
        for (id, range) in Layout.tabs(s) {
            buf.put(Layout.tabLabel(id, active: id == s.screen), x: range.lowerBound, y: 0, role: id == s.screen ? .tabActive : .tab)
        }
        // The shown group's model (its first run's), so that `v` to another experiment names its model.
        let groupModel = s.groupRuns.lazy.compactMap { r in r.config.first { $0.0 == "model" }?.1 }.first
            .map { String($0.split(separator: "/").last ?? Substring($0)) }
        var right = [s.groupName, groupModel ?? s.modelName].filter { !$0.isEmpty }.joined(separator: " · ")
        if !s.jobs.isEmpty { right = jobLabels(s).joined(separator: " · ") + "  " + right }
        if s.readOnly { right = "read-only  " + right }
        let tabsEnd = Layout.tabs(s).last!.1.upperBound + 1
        let room = s.width - tabsEnd - 1
        if room > 3, !right.isEmpty {
            let text = DisplayWidth.fit(right, min(room, DisplayWidth.of(right)))
            buf.put(text, x: s.width - 1 - DisplayWidth.of(text), y: 0, role: s.jobs.isEmpty ? .dim : .warn)
        }
    }

    static func footer(_ s: AppState, into buf: inout ScreenBuffer) {
        let y = s.height - 1
        buf.fill(Rect(x: 0, y: y, width: s.width, height: 1), role: .footerText)
        switch s.mode {
        case .search(let input):
            buf.put("/", x: 0, y: y, role: .input)
            buf.put(input.rendered(width: s.width - 2), x: 1, y: y, role: .input)
            return
        case .tryOwn(let input):
            let label = "try your own (MR or triples; Enter decodes with the shown runs, Esc cancels): "
            buf.put(label, x: 0, y: y, role: .footerKey)
            buf.put(input.rendered(width: s.width - DisplayWidth.of(label) - 1), x: DisplayWidth.of(label), y: y, role: .input)
            return
        default: break
        }
        var x = 0
        if let m = s.message ?? s.loading.map({ "loading: " + $0 + "…" }) {
            x += buf.put(" " + m + " ", x: 0, y: y, role: .warn) + 1
        }
        let keys = s.mode == .normal ? KeyMap.footer(for: s.screen) : KeyMap.modeKeys(s.mode)
        // Help and quit are always there, at the right; the screen's own keys fill the rest.
        let fixed = s.mode == .normal ? keys.filter { $0.0 == "?" || $0.0 == "q" } : []
        let fixedWidth = fixed.reduce(0) { $0 + DisplayWidth.of($1.0) + DisplayWidth.of($1.1) + 4 }
        var right = s.width - fixedWidth
        if right > x {
            for (k, help) in fixed {
                right += buf.put(" " + k + " ", x: right, y: y, role: .footerKey)
                right += buf.put(" " + help, x: right, y: y, role: .footerText) + 1
            }
        }
        let limit = s.width - fixedWidth
        for (k, help) in keys where !fixed.contains(where: { $0.0 == k }) {
            let need = DisplayWidth.of(k) + DisplayWidth.of(help) + 3
            if x + need > limit { break }
            x += buf.put(" " + k + " ", x: x, y: y, role: .footerKey)
            x += buf.put(" " + help, x: x, y: y, role: .footerText) + 1
        }
    }
}
