import Screen

/// Boxes drawn over a screen: help, the launch form, questions, the config diff.
enum Dialogs {
    static func centered(_ s: AppState, width: Int, height: Int) -> Rect {
        let w = min(width, s.width - 4), h = min(height, s.height - 2)
        return Rect(x: (s.width - w) / 2, y: (s.height - h) / 2, width: w, height: h)
    }

    static func frame(_ r: Rect, _ title: String, into buf: inout ScreenBuffer, glyphs g: Glyphs) -> Rect {
        buf.fill(r)
        return Box.draw(r, title: title, into: &buf, glyphs: g, role: .accent)
    }

    static func help(_ s: AppState, scroll: Int, into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        let lines = KeyMap.helpLines()
        let r = centered(s, width: 64, height: lines.count + 2)
        let inner = frame(r, "Keys · j/k scroll · any other key closes", into: &buf, glyphs: g)
        let start = min(scroll, max(0, lines.count - inner.height))
        for (i, l) in lines.dropFirst(start).prefix(inner.height).enumerated() {
            buf.put(l, x: inner.x + 1, y: inner.y + i, role: l.hasPrefix(" ") ? .normal : .header, clip: inner)
        }
    }

    static func launch(_ s: AppState, _ form: LaunchForm, into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        let fields = form.fields
        let r = centered(s, width: 112, height: fields.count + 5)
        let title = "New run · " + KeyMap.modeKeys(.launch(form)).prefix(4).map { "\($0.0) \($0.1)" }.joined(separator: " · ")
        let inner = frame(r, title, into: &buf, glyphs: g)
        // The labels' column fits the longest label of the method shown (adapter bottleneck).
        let labelWidth = max(14, fields.map { DisplayWidth.of($0.label) }.max() ?? 14)
        let valueWidth = min(44, inner.width - labelWidth - 3)
        let problemX = inner.x + labelWidth + 3 + valueWidth
        for (i, field) in fields.enumerated() where i < inner.height - 2 {
            let focused = i == form.focus
            let y = inner.y + i
            buf.put(DisplayWidth.fit(field.label, labelWidth), x: inner.x + 1, y: y, role: focused ? .header : .dim)
            let text = form.values[field.key] ?? ""
            let value = field.choices != nil ? "‹ \(text) ›" : focused ? form.editor.rendered(width: valueWidth) : text
            buf.put(DisplayWidth.fit(value, valueWidth), x: inner.x + labelWidth + 2, y: y, role: focused ? .input : .normal)
            if let p = form.problems[field.key], problemX < inner.maxX - 4 {
                buf.put(DisplayWidth.fit("✗ " + p, inner.maxX - problemX), x: problemX, y: y, role: .bad)
            }
        }
        // The bottom line: the focused field's problem in full (it may be longer than its
        // place beside the field), the first problem, that the files are being checked, or
        // else what the focused field means.
        let problem = form.problems[form.focusedField.key].map { form.focusedField.label + ": " + $0 } ?? form.error
        let bottom = form.checking ? "checking the model and data files…" : problem ?? form.focusedHelp.map { form.focusedField.label + ": " + $0 }
        if let text = bottom {
            buf.put(DisplayWidth.fit(text, inner.width - 2), x: inner.x + 1, y: inner.maxY - 1, role: form.checking || problem == nil ? .dim : .bad)
        }
    }

    static func question(_ s: AppState, _ title: String, _ lines: [String], into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        let width = min(s.width - 4, max(44, (lines.map { DisplayWidth.of($0) }.max() ?? 0) + 4))
        let r = centered(s, width: width, height: lines.count + 2)
        let inner = frame(r, title, into: &buf, glyphs: g)
        for (i, l) in lines.enumerated() { buf.put(l, x: inner.x + 1, y: inner.y + i, role: i == lines.count - 1 ? .header : .normal, clip: inner) }
    }

    static func confirmQuit(_ s: AppState, into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        let running = s.activeRuns.filter { $0.status == .running }.map(\.id)
        let queued = s.activeRuns.filter { $0.status == .queued }.map(\.id)
        var lines: [String] = []
        if !running.isEmpty {
            lines += ["Training: \(running.joined(separator: ", "))", "checkpointed and left paused; the next launch offers to resume."]
        }
        if !queued.isEmpty { lines += ["Queued, not started: \(queued.joined(separator: ", ")),", "kept queued; the next launch offers to start them."] }
        question(s, "Quit?", lines + ["Quit? y / n"], into: &buf, glyphs: g)
    }

    static func resumeOffer(_ ids: [String], _ s: AppState, into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        question(s, "Resume?", ["Paused, interrupted or queued runs from last time:", ids.joined(separator: ", "), "Resume them now? y / n"], into: &buf, glyphs: g)
    }

    static func diff(_ s: AppState, _ a: String, _ b: String, into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        let ra = s.runs.first { $0.id == a }, rb = s.runs.first { $0.id == b }
        let ca = Dictionary(ra?.config ?? [], uniquingKeysWith: { x, _ in x }), cb = Dictionary(rb?.config ?? [], uniquingKeysWith: { x, _ in x })
        var keys: [String] = []
        for k in (ra?.config ?? []).map(\.0) + (rb?.config ?? []).map(\.0) where !keys.contains(k) { keys.append(k) }
        // A path is the same file whether a run recorded it relative or absolute.
        func same(_ k: String, _ x: String?, _ y: String?) -> Bool {
            guard let x, let y else { return x == y }
            func abs(_ p: String) -> String { p.hasPrefix("/") || s.cwd.isEmpty ? p : s.cwd + "/" + p }
            return ["model", "train", "valid", "test"].contains(k) ? abs(x) == abs(y) : x == y
        }
        let differing = keys.filter { !same($0, ca[$0], cb[$0]) }.count
        let r = centered(s, width: s.width - 6, height: min(s.height - 2, keys.count + 4))
        let inner = frame(r, "config diff · \(differing) of \(keys.count) differ · any key closes", into: &buf, glyphs: g)
        let kw = min(24, inner.width / 4), vw = max(4, (inner.width - kw - 6) / 2)
        buf.put(DisplayWidth.fit("", kw) + "  " + DisplayWidth.fit(a, vw) + "  " + DisplayWidth.fit(b, vw), x: inner.x + 1, y: inner.y, role: .header, clip: inner)
        for (i, k) in keys.prefix(inner.height - 1).enumerated() {
            let va = ca[k] ?? "–", vb = cb[k] ?? "–"
            buf.put(DisplayWidth.fit(k, kw) + "  " + DisplayWidth.fit(va, vw) + "  " + DisplayWidth.fit(vb, vw), x: inner.x + 1, y: inner.y + 1 + i,
                    role: same(k, ca[k], cb[k]) ? .dim : .warn, clip: inner)
        }
    }
}
