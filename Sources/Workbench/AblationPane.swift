import Screen

/// Ablation (4): runs × metrics grouped by method and prefix length (mean ± sd over seeds),
/// and a chart of the chosen metric against prefix length.
enum AblationPane {
    static func render(_ s: AppState, in r: Rect, into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        let rows = AblationModel.sorted(AblationModel.rows(s.groupRuns), by: s.ablationSort)
        let inner = Box.draw(r, title: (s.groupName.isEmpty ? "ablation" : s.groupName) + " · test · sorted by " + AblationModel.columnTitles[s.ablationSort] + " · \(min(s.ablationRow, max(0, rows.count - 1)) + 1)/\(rows.count)", into: &buf, glyphs: g)
        guard !rows.isEmpty else {
            buf.put("No finished runs with test metrics yet (train with --test SPEC --eval-test).", x: inner.x + 1, y: inner.y, role: .dim, clip: inner)
            return
        }
        let widths = [max(9, min(22, (rows.map(\.label.count).max() ?? 9) + 1)), 3, 5, 7, 7, 5, 9, 8, 8, 9, 11, 11, 11, 7, 7, 7, 11, 7]
        // Narrow: whole columns go, in this order (never a header cut to "se…"): time,
        // stored, CIDEr, NIST, seeds, METEOR; the sorted column always stays.
        let dropOrder = [AblationModel.timeColumn, 4, 12, 9, 2, 10]
        var keep = AblationModel.visibleColumns(rows)
        func width() -> Int { keep.reduce(0) { $0 + widths[$1] + 1 } + 2 }
        for c in dropOrder where width() > inner.width && c != s.ablationSort { keep.removeAll { $0 == c } }
        let cols = keep.map { i in
            Table.Column(AblationModel.columnTitles[i] + (i == s.ablationSort ? "▼" : ""), width: widths[i], alignRight: i > 0)
        }
        let tableHeight = min(rows.count + 1, inner.height / 2)
        let (top, rest) = inner.splitTop(tableHeight)
        let marked = Set(s.marked)
        Table(columns: cols, rows: rows.map { row in
            var c = AblationModel.cells(row)
            if row.runs.contains(where: marked.contains) { c[0] = "+" + c[0] }
            return keep.map { c[$0] }
        }, selected: min(s.ablationRow, rows.count - 1)).render(in: top, into: &buf, glyphs: g)
        guard rest.height >= 5 else { return }
        Box.divider(r, y: rest.y, title: "\(s.ablationMetric) vs prefix length", into: &buf, glyphs: g)
        renderChart(s, rows, in: Rect(x: rest.x + 1, y: rest.y + 1, width: rest.width - 2, height: rest.height - 1), into: &buf, glyphs: g)
    }

    /// Points of each method that has a prefix length (prefix, embedding, infix) at its lengths,
    /// and each method without one (fine-tuning) as a horizontal reference line.
    static func renderChart(_ s: AppState, _ rows: [AblationModel.Row], in r: Rect, into buf: inout ScreenBuffer, glyphs g: Glyphs) {
        let m = s.ablationMetric
        let tuned = rows.filter { $0.prefixLength != nil && $0.mean[m] != nil }
        let lengths = Array(Set(tuned.compactMap(\.prefixLength))).sorted()
        let values = rows.compactMap { $0.mean[m] }.map { AblationModel.display(m, $0) }
        guard !lengths.isEmpty, let lo = values.min(), let hi = values.max() else {
            buf.put("no prefix-length runs with \(m) yet", x: r.x, y: r.y, role: .dim, clip: r)
            return
        }
        let plotH = r.height - 2, labelW = 7
        let slot = max(4, (r.width - labelW - 24) / max(1, lengths.count))
        func row(_ v: Double) -> Int { hi > lo ? Int(((v - lo) / (hi - lo) * Double(plotH - 1)).rounded()) : plotH / 2 }
        buf.put(String(format: "%6.2f", hi), x: r.x, y: r.y, role: .dim)
        buf.put(String(format: "%6.2f", lo), x: r.x, y: r.y + plotH - 1, role: .dim)
        for y in 0..<plotH { buf.put(String(g.vertical), x: r.x + labelW - 1, y: r.y + y, role: .border) }
        buf.put(String(g.bottomLeft) + String(repeating: g.horizontal, count: slot * lengths.count), x: r.x + labelW - 1, y: r.y + plotH, role: .border)
        for (i, L) in lengths.enumerated() {
            buf.put(String(L), x: r.x + labelW + i * slot + slot / 2 - 1, y: r.y + plotH + 1, role: .dim)
        }
        var legend: [(String, Role)] = []
        // Methods without a prefix length as horizontal lines, each its own dash so that
        // the legend tells them apart.
        let dashes: [String] = g == .ascii ? ["-", "=", ".", "~", "_", ":"] : ["┄", "╌", "┈", "─", "⋯", "═"]
        var k = 0
        for ref in rows where ref.prefixLength == nil {
            guard let v = ref.mean[m].map({ AblationModel.display(m, $0) }) else { continue }
            let y = r.y + plotH - 1 - row(v), dash = dashes[k % dashes.count]
            k += 1
            for x in 0..<(slot * lengths.count) { buf.put(dash, x: r.x + labelW + x, y: y, role: .dim) }
            legend.append(("\(dash) \(ref.label) \(fmt(v, 2))", .dim))
        }
        let markers: [(Character, Character, Role)] = [(g.point, g.point, .sparkValid), ("◆", "x", .good), ("▲", "+", .warn), ("■", "#", .bad)]
        // One series per method and variant, in the registry's order of methods.
        let order = s.methods.map(\.name)
        let series = Array(Set(tuned.map(\.label))).sorted { a, b in
            let ma = tuned.first { $0.label == a }!.method, mb = tuned.first { $0.label == b }!.method
            let ia = order.firstIndex(of: ma) ?? order.count, ib = order.firstIndex(of: mb) ?? order.count
            return (ia, a) < (ib, b)
        }
        for (k, method) in series.enumerated() {
            let (uni, ascii, role) = markers[k % markers.count]
            let marker = g == .ascii ? ascii : uni
            let pts = tuned.filter { $0.label == method }
            if pts.isEmpty { continue }
            for p in pts {
                let i = lengths.firstIndex(of: p.prefixLength!)!
                buf.put(String(marker), x: r.x + labelW + i * slot + slot / 2, y: r.y + plotH - 1 - row(AblationModel.display(m, p.mean[m]!)), role: role)
            }
            legend.append(("\(marker) \(method)", role))
        }
        let lx = r.x + labelW + slot * lengths.count + 2
        for (i, (t, role)) in legend.enumerated() where i < plotH { buf.put(t, x: lx, y: r.y + i, role: role, clip: r) }
    }
}
