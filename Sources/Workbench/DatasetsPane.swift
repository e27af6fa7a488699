import Screen

/// Datasets (1): the workspace's datasets and splits with their statistics, a list of
/// examples, and the selected example as recorded, as linearised, and its references.
enum DatasetsPane {
    static func render(_ s: AppState, in r: Rect, into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        let inner = Box.draw(r, title: "Datasets", into: &buf, glyphs: g)
        guard s.datasets.indices.contains(s.datasetIndex) else {
            buf.put("No datasets in this workspace: experiments and runs name them.", x: inner.x + 1, y: inner.y, role: .dim, clip: inner)
            return
        }
        // Dataset selector (←/→) and the current one's summary.
        // The selector scrolls so the chosen dataset is always in view, with its place.
        let place = "\(s.datasetIndex + 1)/\(s.datasets.count) ←/→ "
        var x = inner.x + 1 + buf.put(place, x: inner.x + 1, y: inner.y, role: .dim)
        let labels = s.datasets.map { " \($0.name) (\($0.examples.count)) " }
        var first = 0
        while first < s.datasetIndex, labels[first...s.datasetIndex].reduce(0, { $0 + DisplayWidth.of($1) + 1 }) > inner.maxX - x { first += 1 }
        for (i, label) in labels.enumerated().dropFirst(first) {
            if x + DisplayWidth.of(label) > inner.maxX { break }
            x += buf.put(label, x: x, y: inner.y, role: i == s.datasetIndex ? .tabActive : .tab) + 1
        }
        let d = s.datasets[s.datasetIndex]
        let vis = visibleExamples(s)
        let lengths = vis.flatMap { d.examples[$0].targetTokens }
        var hist = ""
        if let maxLen = lengths.max(), maxLen > 0 {
            var bins = [Double](repeating: 0, count: 16)
            for l in lengths { bins[min(15, l * 16 / (maxLen + 1))] += 1 }
            hist = "target length 0…\(maxLen) " + Sparkline(bins, range: 0...(bins.max() ?? 1)).render(width: 16, glyphs: g)
        }
        let summary = d.summary.first ?? ""
        buf.put(DisplayWidth.fit(summary, inner.width - 2), x: inner.x + 1, y: inner.y + 1, role: .dim)
        let filterText = "filter: \(s.categoryFilter ?? "all") · \(vis.isEmpty ? 0 : s.exampleIndex + 1)/\(vis.count) shown" + (s.searchQuery.isEmpty ? "" : " · /\(s.searchQuery)")
        buf.put(DisplayWidth.fit((d.summary.dropFirst().first ?? "") , max(0, inner.width - 2 - DisplayWidth.of(hist) - 2)), x: inner.x + 1, y: inner.y + 2, role: .dim)
        if !hist.isEmpty { buf.put(hist, x: inner.maxX - 1 - DisplayWidth.of(hist), y: inner.y + 2, role: .accent) }
        buf.put(DisplayWidth.fit(filterText, inner.width - 2), x: inner.x + 1, y: inner.y + 3, role: .accent)

        let body = Rect(x: inner.x, y: inner.y + 4, width: inner.width, height: inner.height - 4)
        let (left, right) = body.splitLeft(s.width * 2 / 5 - 1)
        let idWidth = min(12, max(4, vis.map { DisplayWidth.of(d.examples[$0].id) }.max() ?? 4))
        // An XSUM document runs to thousands of tokens: the column is as wide as its largest count.
        let tokWidth = max(3, String(vis.map { d.examples[$0].sourceTokens }.max() ?? 0).count)
        let srcWidth = max(6, left.width - idWidth - 2 - 3 - 3 - 4 - tokWidth - 1)
        let table = Table(columns: [.init("id", width: idWidth), .init("source", width: srcWidth), .init("refs", width: 4, alignRight: true),
                                    .init("tok", width: tokWidth, alignRight: true)],
                          rows: vis.map { i in let e = d.examples[i]; return [e.id, e.source, String(e.references.count), String(e.sourceTokens)] },
                          selected: vis.isEmpty ? nil : s.exampleIndex)
        table.render(in: left, into: &buf, glyphs: g)
        for y in body.y..<body.maxY { buf.put(String(g.vertical), x: right.x, y: y, role: .border) }
        guard vis.indices.contains(s.exampleIndex) else { return }
        let e = d.examples[vis[s.exampleIndex]]
        let pane = Rect(x: right.x + 2, y: right.y, width: right.width - 3, height: right.height)
        var lines: [(String, Role)] = []
        func section(_ title: String, _ text: String, _ role: Role = .normal) {
            lines.append((title, .header))
            lines += DisplayWidth.wrap(text, pane.width).map { ($0, role) }
        }
        let cat = e.category.map { " · " + $0 + (e.seen.map { $0 ? " (seen)" : " (unseen)" } ?? "") } ?? ""
        section("record \(e.id)\(cat)", e.raw)
        if e.source == e.raw {
            lines.append(("the model reads the record as it is (\(e.sourceTokens) tokens)", .header))
        } else {
            section("source as the model reads it (\(e.sourceTokens) tokens)", e.source, .accent)
        }
        lines.append(("references (\(e.references.count))", .header))
        for (i, ref) in e.references.enumerated() {
            let tok = i < e.targetTokens.count ? " [\(e.targetTokens[i])]" : ""
            lines += DisplayWidth.wrap("\(i + 1). " + ref + tok, pane.width).map { ($0, .normal) }
        }
        // A text longer than the pane scrolls with ] and [ (five lines a press); the last row
        // says what is above and below.
        let key = selectedExampleKey(s)
        let wanted = s.textScroll.key == key ? s.textScroll.lines : 0
        let overflow = lines.count > pane.height
        let room = overflow ? pane.height - 1 : pane.height
        let top = overflow ? min(wanted, lines.count - room) : 0
        for (i, (text, role)) in lines[top...].prefix(room).enumerated() {
            buf.put(text, x: pane.x, y: pane.y + i, role: role, clip: pane)
        }
        if overflow && room > 0 {
            let below = lines.count - top - room
            let hint = "lines \(top + 1)–\(top + room) of \(lines.count)" + (below > 0 ? " · ] more" : "") + (top > 0 ? " · [ back" : "")
            buf.put(DisplayWidth.fit(hint, pane.width), x: pane.x, y: pane.maxY - 1, role: .dim, clip: pane)
        }
    }
}
