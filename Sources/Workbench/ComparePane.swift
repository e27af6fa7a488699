import Screen

/// Compare (3): one example at a time: its source and references, then each chosen run's
/// output side by side, headed by method and run, with per-example BLEU and ROUGE-L (a
/// summary: ROUGE-1/2/L), and the words found in no reference underlined; an E2E output's words
/// that state a value its MR does not have are marked, and the MR's values it misses listed
/// under it. A long source scrolls with ] and [. Below, the "try your own" source and its outputs.
enum ComparePane {
    static func render(_ s: AppState, in r: Rect, into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        let order = CompareModel.order(s)
        let cols = CompareModel.columns(s)
        let position = order.isEmpty ? "no examples" : "test \(s.compareIndex + 1)/\(order.count)"
        let inner = Box.draw(r, title: "source · \(position) · sort: \(s.compareSort.rawValue)\(s.compareOnlyDisagree ? " · differing only" : "")", into: &buf, glyphs: g)
        guard !cols.isEmpty, order.indices.contains(s.compareIndex) else {
            let msg = s.compare.isEmpty ? "No outputs yet: finished runs with --eval-test write outputs/test.jsonl; press a to generate them."
                                        : "No runs with outputs chosen: mark runs with space on the Runs screen and press c."
            buf.put(msg, x: inner.x + 1, y: inner.y, role: .dim, clip: inner)
            return
        }
        let e = s.compare[order[s.compareIndex]]
        // As many runs as fit at 18 columns each; the title says how many are left out.
        let fit = max(1, r.width / 18)
        let shown = Array(cols.prefix(fit))
        if shown.count < cols.count {
            let note = " +\(cols.count - shown.count) run\(cols.count - shown.count == 1 ? "" : "s") not shown: widen the window "
            buf.put(note, x: r.maxX - 1 - DisplayWidth.of(note), y: r.y, role: .warn)
        }
        var y = inner.y
        let typing: Bool = { if case .tryOwn = s.mode { return true }; return false }()
        let tryOwnHeight = s.tryOwnSource.isEmpty && !typing ? 0 : min(8, inner.height / 3)
        // A long source (an XSUM document) takes up to a third of the screen and scrolls with ] and [.
        let source = DisplayWidth.wrap(e.source, inner.width - 2)
        let sourceRoom = max(3, (inner.height - tryOwnHeight) / 3)
        if source.count > sourceRoom {
            let key = compareExampleKey(s), wanted = s.textScroll.key == key ? s.textScroll.lines : 0
            let room = sourceRoom - 1, top = min(wanted, source.count - room)
            for line in source[top..<(top + room)] { buf.put(line, x: inner.x + 1, y: y, role: .accent); y += 1 }
            let below = source.count - top - room
            let hint = "source lines \(top + 1)–\(top + room) of \(source.count)" + (below > 0 ? " · ] more" : "") + (top > 0 ? " · [ back" : "")
            buf.put(DisplayWidth.fit(hint, inner.width - 2), x: inner.x + 1, y: y, role: .dim); y += 1
        } else {
            for line in source { buf.put(line, x: inner.x + 1, y: y, role: .accent); y += 1 }
        }
        let refRoom = max(1, min(e.references.count, (inner.height - tryOwnHeight) / 4))
        let label = "refs (\(e.references.count)): "
        for (i, ref) in e.references.prefix(refRoom).enumerated() {
            let lead = i == 0 ? label : String(repeating: " ", count: DisplayWidth.of(label))
            let more = i == refRoom - 1 && refRoom < e.references.count ? "  (+\(e.references.count - refRoom) more)" : ""
            let room = inner.width - 2 - DisplayWidth.of(more)
            buf.put(DisplayWidth.fit(lead + ref, room, ellipsis: g.ellipsis) + more, x: inner.x + 1, y: y, role: i == 0 ? .normal : .dim); y += 1
        }
        let colsArea = Rect(x: r.x, y: y, width: r.width, height: r.maxY - y - tryOwnHeight)
        renderColumns(s, shown, in: colsArea, into: &buf, glyphs: g) { id in
            e.outputs[id].map { ColumnText(text: $0.text, novel: $0.novelWords, marked: $0.slots?.addedWords ?? [],
                                           notes: [($0.scoreLine, .accent)] + slotNotes($0.slots)) }
        }
        if tryOwnHeight > 0 {
            let area = Rect(x: r.x, y: r.maxY - tryOwnHeight, width: r.width, height: tryOwnHeight)
            let title = typing ? "try your own: type an MR or triples below; Enter decodes it with these runs" : "try your own: " + s.tryOwnSource
            Box.divider(area, y: area.y, title: title, into: &buf, glyphs: g)
            renderColumns(s, shown, in: Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 1), into: &buf, glyphs: g, divider: false) { id in
                ColumnText(text: typing && s.tryOwnSource.isEmpty ? "" : s.tryOwnOutputs[id] ?? "decoding…")
            }
        }
    }

    /// What a column shows: the output, its words to underline (in no reference) and to mark
    /// (an added or wrong slot value), and lines under it.
    struct ColumnText {
        var text: String
        var novel: Set<Int> = []
        var marked: Set<Int> = []
        var notes: [(String, Role)] = []
    }

    /// An E2E output's slot errors as lines under it: what of the MR it misses, what it adds.
    static func slotNotes(_ v: SlotErrorView?) -> [(String, Role)] {
        guard let v else { return [] }
        if v.errors == 0 { return [("all \(v.mrValues) slot values", .good)] }
        return (v.missing.isEmpty ? [] : [("missing: " + v.missing.joined(separator: ", "), .warn)])
            + (v.added.isEmpty ? [] : [("added: " + v.added.joined(separator: ", "), .bad)])
            + (v.missing.isEmpty && v.added.isEmpty ? [("\(v.errors) value\(v.errors == 1 ? "" : "s") repeated", .warn)] : [])
    }

    static func header(_ s: AppState, _ id: String) -> String {
        // A run named after its method (prefix-10, lora-8) says both; others get the method too.
        guard let run = s.runs.first(where: { $0.id == id }) else { return id }
        return id.hasPrefix(run.method) ? id : "\(run.methodLabel) (\(id))"
    }

    /// Side-by-side columns under a divider whose title cells name each run.
    static func renderColumns(_ s: AppState, _ ids: [String], in area: Rect, into buf: inout ScreenBuffer, glyphs g: Glyphs, divider: Bool = true,
                              content: (String) -> ColumnText?) {
        guard area.height >= 2 else { return }
        let parts = Rect(x: area.x, y: area.y, width: area.width, height: area.height).columns(ids.count)
        if divider {
            buf.put(String(g.teeLeft) + String(repeating: g.horizontal, count: max(0, area.width - 2)) + String(g.teeRight), x: area.x, y: area.y, role: .border)
        }
        for (k, (id, p)) in zip(ids, parts).enumerated() {
            if k > 0 {
                // The divider row gets a tee; without one, the column rule starts on the header row.
                buf.put(String(divider ? g.teeDown : g.vertical), x: p.x, y: area.y, role: .border)
                for yy in (area.y + 1)..<(area.maxY - 1) { buf.put(String(g.vertical), x: p.x, y: yy, role: .border) }
            }
            buf.put(" " + DisplayWidth.fit(header(s, id), min(DisplayWidth.of(header(s, id)), p.width - 4), ellipsis: g.ellipsis) + " ", x: p.x + 1, y: area.y, role: .title)
            let text = Rect(x: p.x + 2, y: area.y + 1, width: p.width - 3, height: area.height - 3)
            guard let c = content(id) else {
                buf.put("(no output)", x: text.x, y: text.y, role: .dim, clip: text); continue
            }
            // The scores right under the output, where the eye already is: the score line on one
            // line when it fits, else a score a line; slot notes wrap.
            var y = drawWrapped(c.text, novel: c.novel, marked: c.marked, in: text, into: &buf) + 1
            for (i, (note, role)) in c.notes.enumerated() {
                let lines = DisplayWidth.of(note) <= text.width ? [note]
                    : i == 0 ? note.components(separatedBy: "  ") : DisplayWidth.wrap(note, text.width)
                for line in lines where y <= area.maxY - 2 {
                    buf.put(DisplayWidth.fit(line, text.width), x: text.x, y: y, role: role); y += 1
                }
            }
        }
    }

    /// Word-wraps an output, giving the words at `marked` positions the `.bad` role and the other
    /// words at `novel` positions the `.novel` role; returns the last row written.
    @discardableResult
    static func drawWrapped(_ text: String, novel: Set<Int>, marked: Set<Int> = [], in r: Rect, into buf: inout ScreenBuffer) -> Int {
        var x = r.x, y = r.y
        for (i, word) in text.split(separator: " ").enumerated() {
            let w = DisplayWidth.of(String(word))
            if x > r.x && x + w > r.maxX { x = r.x; y += 1 }
            if y >= r.maxY { return r.maxY - 1 }
            buf.put(String(word), x: x, y: y, role: marked.contains(i) ? .bad : novel.contains(i) ? .novel : .normal, clip: r)
            x += min(w, r.width) + 1
        }
        return y
    }
}
